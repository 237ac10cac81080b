// LabelSelect (finn.custom_op.fpgadataflow), docs/hw_layers.md: x [N, Labels] -> y [N, K], the
// indices of the K largest values of each frame, largest first, ties broken towards the lower
// index (so K = 1 is ArgMax over the last axis with select_last_index = 0).
//
// x is read as frames of Labels elements whatever its shape. The indices are int64 (as ArgMax's
// and TopK's), with datatype outputDataType.
#include <algorithm>
#include <numeric>
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

using KernelOr = absl::StatusOr<std::unique_ptr<Kernel>>;

struct LabelSelectAttrs {
  int64_t labels = 0, k = 1;
  DataType output_dtype;
};

absl::StatusOr<LabelSelectAttrs> ParseLabelSelectAttrs(const Node& node) {
  LabelSelectAttrs a;
  ASSIGN_OR_RETURN(a.labels, hw::RequiredInt(node, "Labels"));
  ASSIGN_OR_RETURN(a.k, hw::RequiredInt(node, "K"));
  ASSIGN_OR_RETURN(a.output_dtype, hw::DataTypeOf(node, "outputDataType"));
  if (a.k > a.labels) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": K = ", a.k,
                                                   " exceeds Labels = ", a.labels));
  }
  return a;
}

absl::Status InferLabelSelect(InferContext& ctx) {
  ASSIGN_OR_RETURN(LabelSelectAttrs a, ParseLabelSelectAttrs(ctx.node()));
  const TensorType& tx = ctx.input_type(0);
  std::optional<Shape> out;
  if (tx.shape && !tx.shape->empty()) {
    if (ShapeFullyKnown(*tx.shape) && NumElementsOf(ShapeToDims(*tx.shape)) % a.labels != 0) {
      return ctx.Error(absl::StrCat(InputLabel(ctx.node(), 0), " has shape ",
                                    ShapeToString(*tx.shape), ", not a whole number of frames of ",
                                    a.labels, " labels"));
    }
    out = Shape{(*tx.shape)[0], Dim{a.k, ""}};
  }
  ctx.SetOutput(0, ElementType::kInt64, out, a.output_dtype);
  return absl::OkStatus();
}

class LabelSelectKernel final : public Kernel {
 public:
  LabelSelectKernel(const Node& node, LabelSelectAttrs attrs)
      : a_(attrs), label_(InputLabel(node, 0)) {}

  absl::Status Run(KernelContext& ctx) override {
    const Tensor& x = *ctx.input(0);
    RETURN_IF_ERROR(hw::CheckVectors(x, a_.labels, label_));
    if (!IsGemmElementType(x.type())) {
      return absl::InvalidArgumentError(absl::StrCat(label_, " must be numeric"));
    }
    const int64_t frames = x.size() / a_.labels;
    const double* xs = values_.Get<double>(x);
    Tensor& y = *ctx.outputs[0];
    y.Resize(ElementType::kInt64, Dims{frames, a_.k});
    int64_t* out = y.data<int64_t>();
    order_.resize(a_.labels);
    for (int64_t f = 0; f < frames; ++f) {
      const double* v = xs + f * a_.labels;
      std::iota(order_.begin(), order_.end(), 0);
      // Stable: equal values keep ascending index order.
      std::stable_sort(order_.begin(), order_.end(),
                       [v](int64_t i, int64_t j) { return v[i] > v[j]; });
      std::copy(order_.begin(), order_.begin() + a_.k, out + f * a_.k);
    }
    return absl::OkStatus();
  }

 private:
  LabelSelectAttrs a_;
  OperandBuffer values_;
  std::vector<int64_t> order_;
  std::string label_;
};

}  // namespace

OpSpec MakeLabelSelectSpec() {
  OpSpec s;
  s.op_type = "LabelSelect";
  s.domain = kHwDomain;
  s.summary = "indices of the K largest values per frame, ties to the lower index (HW)";
  s.attributes = {hw::PositiveIntAttr("Labels", true), hw::PositiveIntAttr("PE", false),
                  hw::PositiveIntAttr("K", true), hw::DataTypeAttr("inputDataType", true),
                  hw::DataTypeAttr("outputDataType", true)};
  s.foldable = false;
  s.infer = InferLabelSelect;
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    ASSIGN_OR_RETURN(LabelSelectAttrs a, ParseLabelSelectAttrs(node));
    return std::unique_ptr<Kernel>(std::make_unique<LabelSelectKernel>(node, a));
  };
  return s;
}

}  // namespace finngl
