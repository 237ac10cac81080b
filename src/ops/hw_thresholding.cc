// Thresholding (finn.custom_op.fpgadataflow): a standalone multi-threshold activation,
// docs/hw_layers.md.
//
//   x [N, ..., C], thresholds [C or 1, numSteps] -> y = ActVal + #{i : x >= T[c][i]}
//
// i.e. exactly MultiThreshold(x, T, out_bias = ActVal) with the channel axis last; x is read as
// vectors of C (= NumChannels) elements whatever its shape. Execution compiles MultiThreshold's
// own kernel on the [vectors, C] view. The output is float32 (as MultiThreshold's) with datatype
// outputDataType.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/hw_common.h"
#include "src/ops/registry.h"
#include "src/ops/shape_util.h"

namespace finngl {
namespace {

using KernelOr = absl::StatusOr<std::unique_ptr<Kernel>>;

struct ThresholdingAttrs {
  int64_t channels = 0;
  int64_t act_val = 0;
  DataType output_dtype;
  std::vector<int64_t> num_input_vectors;
};

absl::StatusOr<ThresholdingAttrs> ParseThresholdingAttrs(const Node& node) {
  ThresholdingAttrs a;
  ASSIGN_OR_RETURN(a.channels, hw::RequiredInt(node, "NumChannels"));
  ASSIGN_OR_RETURN(a.output_dtype, hw::DataTypeOf(node, "outputDataType"));
  a.act_val = node.GetInt("ActVal", 0);
  a.num_input_vectors = node.GetInts("numInputVectors", {});
  return a;
}

absl::Status InferThresholding(InferContext& ctx) {
  const Node& node = ctx.node();
  ASSIGN_OR_RETURN(ThresholdingAttrs a, ParseThresholdingAttrs(node));
  const TensorType& tt = ctx.input_type(1);
  if (tt.shape && (tt.shape->size() != 2 ||
                   ((*tt.shape)[0].known() && (*tt.shape)[0].value != 1 &&
                    (*tt.shape)[0].value != a.channels))) {
    return ctx.Error(absl::StrCat(InputLabel(node, 1), " has shape ", ShapeToString(*tt.shape),
                                  ", expected [NumChannels or 1, numSteps] with NumChannels = ",
                                  a.channels));
  }
  const TensorType& tx = ctx.input_type(0);
  if (tx.shape && ShapeFullyKnown(*tx.shape) &&
      NumElementsOf(ShapeToDims(*tx.shape)) % a.channels != 0) {
    return ctx.Error(absl::StrCat(InputLabel(node, 0), " has shape ", ShapeToString(*tx.shape),
                                  ", not a whole number of vectors of NumChannels = ",
                                  a.channels));
  }
  ctx.SetOutput(0, ElementType::kFloat,
                hw::VectorOutputShape(tx.shape, a.channels, a.channels, a.num_input_vectors),
                a.output_dtype);
  return absl::OkStatus();
}

class ThresholdingKernel final : public Kernel {
 public:
  ThresholdingKernel(const Node& node, ThresholdingAttrs attrs, hw::InnerKernel thresholding)
      : a_(std::move(attrs)), thresholding_(std::move(thresholding)),
        x_label_(InputLabel(node, 0)) {}

  absl::Status Run(KernelContext& ctx) override {
    const Tensor& x = *ctx.input(0);
    RETURN_IF_ERROR(hw::CheckVectors(x, a_.channels, x_label_));
    const Tensor& rows = hw::ReshapedCopy(x, Dims{x.size() / a_.channels, a_.channels}, view_);
    Tensor& y = *ctx.outputs[0];
    RETURN_IF_ERROR(thresholding_.Run({&rows, ctx.input(1)}, &y));
    y.Reshape(hw::VectorOutputDims(x.dims(), a_.channels, a_.channels, a_.num_input_vectors));
    return absl::OkStatus();
  }

 private:
  ThresholdingAttrs a_;
  hw::InnerKernel thresholding_;
  Tensor view_;
  std::string x_label_;
};

}  // namespace

OpSpec MakeThresholdingSpec() {
  OpSpec s;
  s.op_type = "Thresholding";
  s.domain = kHwDomain;
  s.summary = "multi-threshold activation y = ActVal + #{i : x >= T[c][i]}, channel last (HW)";
  s.min_inputs = 2;
  s.max_inputs = 2;
  s.attributes = {hw::PositiveIntAttr("NumChannels", true),
                  hw::PositiveIntAttr("PE", false),
                  hw::PositiveIntAttr("numSteps", false),
                  hw::DataTypeAttr("inputDataType", true),
                  hw::DataTypeAttr("weightDataType", true),
                  hw::DataTypeAttr("outputDataType", true),
                  hw::IntAttr("ActVal"),
                  hw::IntsAttr("numInputVectors", false)};
  s.foldable = false;
  s.infer = InferThresholding;
  s.compile = [](const Node& node, const CompileContext& ctx) -> KernelOr {
    ASSIGN_OR_RETURN(ThresholdingAttrs a, ParseThresholdingAttrs(node));
    hw::InnerKernel::Input t;
    if (node.input(1) != nullptr && node.input(1)->is_initializer()) {
      t.constant = *node.input(1)->initializer();
    }
    ASSIGN_OR_RETURN(
        hw::InnerKernel mt,
        hw::InnerKernel::Create(kQonnxDomain, "MultiThreshold",
                                {{"out_dtype", Attribute::String(a.output_dtype.Name())},
                                 {"out_bias", Attribute::Float(static_cast<float>(a.act_val))},
                                 {"data_layout", Attribute::String("NC")}},
                                {hw::InnerKernel::Input{}, std::move(t)}, ctx));
    return std::unique_ptr<Kernel>(
        std::make_unique<ThresholdingKernel>(node, std::move(a), std::move(mt)));
  };
  return s;
}

}  // namespace finngl
