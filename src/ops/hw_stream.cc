// The HW ops that move a stream without changing its values (finn.custom_op.fpgadataflow),
// docs/hw_layers.md:
//
// DuplicateStreams: x -> NumOutputStreams identical copies (a fork in the dataflow graph).
// StreamingDataWidthConverter: identity; re-packs beats of inWidth bits into outWidth bits.
// StreamingFIFO: identity; a buffer of `depth` beats between two layers.
//
// Their reference execution copies the input; outputs keep its shape and element type, and
// take the datatype attribute (inputDataType / dataType).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "absl/strings/str_join.h"
#include "src/ops/hw_common.h"
#include "src/ops/registry.h"
#include "src/ops/shape_util.h"

namespace finngl {
namespace {

using KernelOr = absl::StatusOr<std::unique_ptr<Kernel>>;

int64_t ShapeSize(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// Every output is x, with datatype `dtype_attr`.
absl::Status InferCopies(InferContext& ctx, const std::string& dtype_attr) {
  ASSIGN_OR_RETURN(DataType dtype, hw::DataTypeOf(ctx.node(), dtype_attr));
  const TensorType& tx = ctx.input_type(0);
  for (int i = 0; i < ctx.node().num_outputs(); ++i) ctx.SetOutput(i, tx.elem, tx.shape, dtype);
  return absl::OkStatus();
}

KernelOr CopyKernel(const Node& node) {
  const std::string label = InputLabel(node, 0);
  return MakeKernel([label](KernelContext& ctx) -> absl::Status {
    const Tensor& x = *ctx.input(0);
    RETURN_IF_ERROR(CheckCopyable(x, label));
    for (Tensor* y : ctx.outputs) {
      if (y != nullptr) CopyWithDims(x, x.dims(), *y);
    }
    return absl::OkStatus();
  });
}

}  // namespace

OpSpec MakeDuplicateStreamsSpec() {
  OpSpec s;
  s.op_type = "DuplicateStreams";
  s.domain = kHwDomain;
  s.summary = "copies one stream to NumOutputStreams streams (HW)";
  s.min_outputs = 1;
  s.max_outputs = -1;
  s.attributes = {hw::PositiveIntAttr("NumChannels", true),
                  hw::PositiveIntAttr("PE", false),
                  hw::PositiveIntAttr("NumOutputStreams", true),
                  hw::DataTypeAttr("inputDataType", true),
                  hw::IntsAttr("numInputVectors", false)};
  s.foldable = false;
  s.infer = [](InferContext& ctx) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t n, hw::RequiredInt(ctx.node(), "NumOutputStreams"));
    if (n != ctx.node().num_outputs()) {
      return ctx.Error(absl::StrCat("NumOutputStreams = ", n, " but the node has ",
                                    ctx.node().num_outputs(), " outputs"));
    }
    return InferCopies(ctx, "inputDataType");
  };
  s.compile = [](const Node& node, const CompileContext&) { return CopyKernel(node); };
  return s;
}

OpSpec MakeStreamingDataWidthConverterSpec() {
  OpSpec s;
  s.op_type = "StreamingDataWidthConverter";
  s.domain = kHwDomain;
  s.summary = "identity that re-packs inWidth-bit beats into outWidth-bit beats (HW)";
  s.attributes = {hw::PositiveIntAttr("inWidth", true), hw::PositiveIntAttr("outWidth", true),
                  hw::DataTypeAttr("dataType", true), hw::IntsAttr("shape", false)};
  s.foldable = false;
  // `shape` is the output's shape: a converter also stands where the graph reshapes a stream
  // between two layers (the elements' row-major order, i.e. the stream, stays the same).
  s.infer = [](InferContext& ctx) -> absl::Status {
    RETURN_IF_ERROR(InferCopies(ctx, "dataType"));
    const std::vector<int64_t> shape = ctx.node().GetInts("shape", {});
    const TensorType& tx = ctx.input_type(0);
    if (shape.empty() || !tx.shape || !ShapeFullyKnown(*tx.shape)) return absl::OkStatus();
    int64_t in = 1, out = 1;
    for (int64_t d : ShapeToDims(*tx.shape)) in *= d;
    for (int64_t d : shape) out *= d;
    if (in != out) {
      return ctx.Error(absl::StrCat("shape ", absl::StrJoin(shape, "x"), " holds ", out,
                                    " elements, the input ", in));
    }
    ctx.output_type(0).shape = ShapeFromDims(shape);
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    const std::vector<int64_t> shape = node.GetInts("shape", {});
    if (shape.empty()) return CopyKernel(node);
    const std::string label = InputLabel(node, 0);
    return MakeKernel([label, shape](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      RETURN_IF_ERROR(CheckCopyable(x, label));
      if (x.size() != ShapeSize(shape)) {
        return absl::InvalidArgumentError(absl::StrCat(label, ": ", x.size(),
                                                       " elements, the converter's shape holds ",
                                                       ShapeSize(shape)));
      }
      CopyWithDims(x, shape, *ctx.outputs[0]);
      return absl::OkStatus();
    });
  };
  return s;
}

OpSpec MakeStreamingFIFOSpec() {
  OpSpec s;
  s.op_type = "StreamingFIFO";
  s.domain = kHwDomain;
  s.summary = "identity: a FIFO of `depth` beats between two layers (HW)";
  s.attributes = {hw::PositiveIntAttr("depth", true), hw::DataTypeAttr("dataType", true),
                  hw::IntsAttr("foldedShape", false),
                  MakeAttr("ram_style", Attribute::Type::kString)};
  s.foldable = false;
  s.infer = [](InferContext& ctx) { return InferCopies(ctx, "dataType"); };
  s.compile = [](const Node& node, const CompileContext&) { return CopyKernel(node); };
  return s;
}

}  // namespace finngl
