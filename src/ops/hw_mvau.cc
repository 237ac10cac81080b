// MVAU (finn.custom_op.fpgadataflow): the matrix-vector-activation unit, docs/hw_layers.md.
//
//   x [N, ..., MW], W [MW, MH] (ONNX MatMul orientation), optional thresholds [MH or 1, steps]
//   noActivation = 1:  y = x W                          (exactly MatMul(x, W))
//   noActivation = 0:  y = ActVal + #{i : acc >= T[c][i]} with acc = x W
//                      (exactly MultiThreshold(MatMul(x, W), T, out_bias = ActVal), layout NC)
//
// x is read as rows of MW elements whatever its shape (a Reshape/Flatten in front of the layer is
// free in hardware). The product is exact int64 arithmetic (gemm_kernel's wrapping int64 Gemm,
// exact for every correct graph); the thresholding is MultiThreshold's own kernel, compiled on
// the accumulator. The output keeps x's element type without activation (as MatMul) and is float32
// with thresholds (as MultiThreshold); its datatype is outputDataType.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/gemm_kernel.h"
#include "src/ops/hw_common.h"
#include "src/ops/registry.h"
#include "src/ops/shape_util.h"

namespace finngl {
namespace {

using AT = Attribute::Type;
using KernelOr = absl::StatusOr<std::unique_ptr<Kernel>>;

struct MvauAttrs {
  int64_t mw = 0, mh = 0;
  bool no_activation = true;
  int64_t act_val = 0;
  DataType output_dtype;
  std::vector<int64_t> num_input_vectors;
};

absl::StatusOr<MvauAttrs> ParseMvauAttrs(const Node& node) {
  MvauAttrs a;
  ASSIGN_OR_RETURN(a.mw, hw::RequiredInt(node, "MW"));
  ASSIGN_OR_RETURN(a.mh, hw::RequiredInt(node, "MH"));
  ASSIGN_OR_RETURN(a.output_dtype, hw::DataTypeOf(node, "outputDataType"));
  a.no_activation = node.GetInt("noActivation", 0) != 0;
  a.act_val = node.GetInt("ActVal", 0);
  a.num_input_vectors = node.GetInts("numInputVectors", {});
  const bool has_thresholds = node.input(2) != nullptr;
  if (a.no_activation && has_thresholds) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": noActivation = 1 but a thresholds input is given"));
  }
  if (!a.no_activation && !has_thresholds) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": noActivation = 0 needs a thresholds input"));
  }
  return a;
}

absl::Status InferMvau(InferContext& ctx) {
  const Node& node = ctx.node();
  ASSIGN_OR_RETURN(MvauAttrs a, ParseMvauAttrs(node));
  const TensorType& tw = ctx.input_type(1);
  if (tw.shape && ShapeFullyKnown(*tw.shape) &&
      ShapeToDims(*tw.shape) != Dims{a.mw, a.mh}) {
    return ctx.Error(absl::StrCat(InputLabel(node, 1), " has shape ", ShapeToString(*tw.shape),
                                  ", expected [MW, MH] = [", a.mw, ", ", a.mh, "]"));
  }
  if (!a.no_activation) {
    const TensorType& tt = ctx.input_type(2);
    if (tt.shape && (tt.shape->size() != 2 ||
                     ((*tt.shape)[0].known() && (*tt.shape)[0].value != 1 &&
                      (*tt.shape)[0].value != a.mh))) {
      return ctx.Error(absl::StrCat(InputLabel(node, 2), " has shape ", ShapeToString(*tt.shape),
                                    ", expected [MH or 1, steps] with MH = ", a.mh));
    }
  }
  const TensorType& tx = ctx.input_type(0);
  if (tx.shape && ShapeFullyKnown(*tx.shape) &&
      NumElementsOf(ShapeToDims(*tx.shape)) % a.mw != 0) {
    return ctx.Error(absl::StrCat(InputLabel(node, 0), " has shape ", ShapeToString(*tx.shape),
                                  ", not a whole number of rows of MW = ", a.mw, " elements"));
  }
  const ElementType elem = a.no_activation ? tx.elem : ElementType::kFloat;
  ctx.SetOutput(0, elem, hw::VectorOutputShape(tx.shape, a.mw, a.mh, a.num_input_vectors),
                a.output_dtype);
  return absl::OkStatus();
}

class MvauKernel final : public Kernel {
 public:
  MvauKernel(const Node& node, MvauAttrs attrs, std::optional<hw::InnerKernel> thresholding,
             bool constant_weights)
      : a_(std::move(attrs)),
        thresholding_(std::move(thresholding)),
        weights_(constant_weights),
        x_label_(InputLabel(node, 0)),
        w_label_(InputLabel(node, 1)) {}

  absl::Status Run(KernelContext& ctx) override {
    const Tensor& x = *ctx.input(0);
    const Tensor& w = *ctx.input(1);
    RETURN_IF_ERROR(hw::CheckVectors(x, a_.mw, x_label_));
    if (w.dims() != Dims{a_.mw, a_.mh} || !IsGemmElementType(w.type()) ||
        !IsGemmElementType(x.type())) {
      return absl::InvalidArgumentError(absl::StrCat(w_label_, " has shape ",
                                                     DimsToString(w.dims()), " and ",
                                                     x_label_, " element type ",
                                                     ElementTypeName(x.type()),
                                                     "; expected numeric [MW, MH] = [", a_.mw,
                                                     ", ", a_.mh, "]"));
    }
    const int64_t rows = x.size() / a_.mw;
    const int64_t* xs = inputs_.Get<int64_t>(x);
    const int64_t* ws = weights_.Get<int64_t>(w);
    const Dims out_dims = hw::VectorOutputDims(x.dims(), a_.mw, a_.mh, a_.num_input_vectors);
    Tensor& y = *ctx.outputs[0];
    if (!thresholding_) {
      int64_t* acc = scratch_.Get<int64_t>(rows * a_.mh);
      Gemm(rows, a_.mh, a_.mw, GemmOperand<int64_t>{xs, a_.mw}, GemmOperand<int64_t>{ws, a_.mh},
           acc, a_.mh);
      y.Resize(x.type(), out_dims);
      StoreElements<int64_t>(acc, rows * a_.mh, y.type(), y.raw());
      return absl::OkStatus();
    }
    acc_.Resize(ElementType::kInt64, Dims{rows, a_.mh});
    Gemm(rows, a_.mh, a_.mw, GemmOperand<int64_t>{xs, a_.mw}, GemmOperand<int64_t>{ws, a_.mh},
         acc_.data<int64_t>(), a_.mh);
    RETURN_IF_ERROR(thresholding_->Run({&acc_, ctx.input(2)}, &y));
    y.Reshape(out_dims);
    return absl::OkStatus();
  }

 private:
  MvauAttrs a_;
  std::optional<hw::InnerKernel> thresholding_;
  OperandBuffer weights_;
  OperandBuffer inputs_;
  Scratch scratch_;
  Tensor acc_;
  std::string x_label_, w_label_;
};

}  // namespace

OpSpec MakeMVAUSpec() {
  OpSpec s;
  s.op_type = "MVAU";
  s.domain = kHwDomain;
  s.summary = "matrix-vector-activation unit: y = x W, optionally multi-thresholded (HW)";
  s.min_inputs = 2;
  s.max_inputs = 3;
  auto check_01 = [](const Attribute& a) { return CheckAttrIn(a, {"0", "1"}); };
  s.attributes = {hw::PositiveIntAttr("MW", true),
                  hw::PositiveIntAttr("MH", true),
                  hw::PositiveIntAttr("PE", false),
                  hw::PositiveIntAttr("SIMD", false),
                  hw::DataTypeAttr("inputDataType", true),
                  hw::DataTypeAttr("weightDataType", true),
                  hw::DataTypeAttr("outputDataType", true),
                  hw::DataTypeAttr("accDataType", false),
                  AttrSpec{"noActivation", AT::kInt, false, check_01},
                  hw::IntAttr("ActVal"),
                  hw::IntsAttr("numInputVectors", false)};
  s.foldable = false;
  s.infer = InferMvau;
  s.compile = [](const Node& node, const CompileContext& ctx) -> KernelOr {
    ASSIGN_OR_RETURN(MvauAttrs a, ParseMvauAttrs(node));
    std::optional<hw::InnerKernel> thresholding;
    if (!a.no_activation) {
      hw::InnerKernel::Input t;
      if (node.input(2)->is_initializer()) t.constant = *node.input(2)->initializer();
      ASSIGN_OR_RETURN(
          thresholding,
          hw::InnerKernel::Create(
              kQonnxDomain, "MultiThreshold",
              {{"out_dtype", Attribute::String(a.output_dtype.Name())},
               {"out_bias", Attribute::Float(static_cast<float>(a.act_val))},
               {"data_layout", Attribute::String("NC")}},
              {hw::InnerKernel::Input{}, std::move(t)}, ctx));
    }
    const bool constant_weights = node.input(1)->is_initializer();
    return std::unique_ptr<Kernel>(
        std::make_unique<MvauKernel>(node, std::move(a), std::move(thresholding),
                                     constant_weights));
  };
  return s;
}

}  // namespace finngl
