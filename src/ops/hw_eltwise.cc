// ElementwiseAdd / ElementwiseSub / ElementwiseMul (finn.custom_op.fpgadataflow),
// docs/hw_layers.md:
//
//   x0 [N, ..., C] (stream), x1 a stream with as many elements, or a constant of [C], [1] or []
//   (per channel or scalar) -> y = x0 op x1, same shape as x0.
//
// Exact int64 arithmetic on integer values, stored in x0's element type (float32 in a FINN-style
// graph), which is what the replaced Add/Sub/Mul computes for integer operands: both round the
// exact result once. The output's datatype is outDataType.
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

enum class EltOp { kAdd, kSub, kMul };

struct EltwiseAttrs {
  int64_t channels = 0;
  DataType out_dtype;
  std::vector<int64_t> num_input_vectors;
};

absl::StatusOr<EltwiseAttrs> ParseEltwiseAttrs(const Node& node) {
  EltwiseAttrs a;
  ASSIGN_OR_RETURN(a.channels, hw::RequiredInt(node, "NumChannels"));
  ASSIGN_OR_RETURN(a.out_dtype, hw::DataTypeOf(node, "outDataType"));
  a.num_input_vectors = node.GetInts("numInputVectors", {});
  return a;
}

absl::Status InferEltwise(InferContext& ctx) {
  const Node& node = ctx.node();
  ASSIGN_OR_RETURN(EltwiseAttrs a, ParseEltwiseAttrs(node));
  const TensorType& t0 = ctx.input_type(0);
  const TensorType& t1 = ctx.input_type(1);
  if (t0.shape && t1.shape && ShapeFullyKnown(*t0.shape) && ShapeFullyKnown(*t1.shape)) {
    const int64_t n0 = NumElementsOf(ShapeToDims(*t0.shape));
    const int64_t n1 = NumElementsOf(ShapeToDims(*t1.shape));
    if (n0 % a.channels != 0 || (n1 != n0 && n1 != a.channels && n1 != 1)) {
      return ctx.Error(absl::StrCat(InputLabel(node, 0), " has shape ", ShapeToString(*t0.shape),
                                    " and ", InputLabel(node, 1), " ", ShapeToString(*t1.shape),
                                    "; expected vectors of NumChannels = ", a.channels,
                                    " and a second operand of as many elements, ", a.channels,
                                    " or 1"));
    }
  }
  ctx.SetOutput(0, t0.elem,
                hw::VectorOutputShape(t0.shape, a.channels, a.channels, a.num_input_vectors),
                a.out_dtype);
  return absl::OkStatus();
}

template <EltOp kOp>
int64_t Apply(int64_t a, int64_t b) {
  // Unsigned arithmetic: wraps instead of undefined behaviour (never happens in a correct graph).
  const uint64_t ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
  if constexpr (kOp == EltOp::kAdd) return static_cast<int64_t>(ua + ub);
  if constexpr (kOp == EltOp::kSub) return static_cast<int64_t>(ua - ub);
  return static_cast<int64_t>(ua * ub);
}

template <EltOp kOp>
class EltwiseKernel final : public Kernel {
 public:
  EltwiseKernel(const Node& node, EltwiseAttrs attrs, bool constant_rhs)
      : a_(std::move(attrs)), rhs_(constant_rhs), label0_(InputLabel(node, 0)),
        label1_(InputLabel(node, 1)) {}

  absl::Status Run(KernelContext& ctx) override {
    const Tensor& x0 = *ctx.input(0);
    const Tensor& x1 = *ctx.input(1);
    RETURN_IF_ERROR(hw::CheckVectors(x0, a_.channels, label0_));
    const int64_t n = x0.size();
    const int64_t c = a_.channels;
    int64_t period;  // x1[i % period] pairs with x0[i]
    if (x1.size() == n) {
      period = n;
    } else if (x1.size() == c) {
      period = c;
    } else if (x1.size() == 1) {
      period = 1;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          label1_, " has shape ", DimsToString(x1.dims()), "; expected ", n, ", ", c,
          " (NumChannels) or 1 elements for ", label0_, " of shape ",
          DimsToString(x0.dims())));
    }
    if (!IsGemmElementType(x0.type()) || !IsGemmElementType(x1.type())) {
      return absl::InvalidArgumentError(absl::StrCat(label0_, " and ", label1_,
                                                     " must be numeric"));
    }
    const int64_t* as = lhs_.Get<int64_t>(x0);
    const int64_t* bs = rhs_.Get<int64_t>(x1);
    int64_t* out = scratch_.Get<int64_t>(n);
    if (period == n) {
      for (int64_t i = 0; i < n; ++i) out[i] = Apply<kOp>(as[i], bs[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) out[i] = Apply<kOp>(as[i], bs[i % period]);
    }
    Tensor& y = *ctx.outputs[0];
    y.Resize(x0.type(), hw::VectorOutputDims(x0.dims(), c, c, a_.num_input_vectors));
    StoreElements<int64_t>(out, n, y.type(), y.raw());
    return absl::OkStatus();
  }

 private:
  EltwiseAttrs a_;
  OperandBuffer lhs_;
  OperandBuffer rhs_;
  Scratch scratch_;
  std::string label0_, label1_;
};

template <EltOp kOp>
OpSpec EltwiseSpec(const char* op_type, const char* symbol) {
  OpSpec s;
  s.op_type = op_type;
  s.domain = kHwDomain;
  s.summary = absl::StrCat("y = x0 ", symbol,
                           " x1, x1 a stream or a per-channel/scalar constant (HW)");
  s.min_inputs = 2;
  s.max_inputs = 2;
  s.attributes = {hw::PositiveIntAttr("NumChannels", true), hw::PositiveIntAttr("PE", false),
                  hw::DataTypeAttr("lhsDataType", true),    hw::DataTypeAttr("rhsDataType", true),
                  hw::DataTypeAttr("outDataType", true),    hw::IntsAttr("numInputVectors", false)};
  s.foldable = false;
  s.infer = InferEltwise;
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    ASSIGN_OR_RETURN(EltwiseAttrs a, ParseEltwiseAttrs(node));
    const bool constant_rhs = node.input(1) != nullptr && node.input(1)->is_initializer();
    return std::unique_ptr<Kernel>(
        std::make_unique<EltwiseKernel<kOp>>(node, std::move(a), constant_rhs));
  };
  return s;
}

}  // namespace

OpSpec MakeElementwiseAddSpec() { return EltwiseSpec<EltOp::kAdd>("ElementwiseAdd", "+"); }
OpSpec MakeElementwiseSubSpec() { return EltwiseSpec<EltOp::kSub>("ElementwiseSub", "-"); }
OpSpec MakeElementwiseMulSpec() { return EltwiseSpec<EltOp::kMul>("ElementwiseMul", "*"); }

}  // namespace finngl
