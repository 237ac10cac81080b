// Elementwise binary arithmetic: Add, Sub, Mul, Div with ONNX multidirectional broadcasting.
//
// Float results are computed in the element type exactly as onnxruntime does (one IEEE
// operation per element); integer types wrap in two's complement and integer Div truncates
// toward zero. Opsets below 7 with `broadcast=1, axis=k` align the second operand at axis k.
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/broadcast.h"
#include "src/ops/elementwise_util.h"
#include "src/ops/registry.h"

namespace finngl {
namespace {

using elementwise::BinaryBroadcast;
using elementwise::InputName;
using elementwise::IntAttr;
using elementwise::NumericTypes;
using elementwise::Range;

struct AddOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      return elementwise::WrapAdd(a, b);
    } else {
      return a + b;
    }
  }
  static std::optional<Range> ResultRange(Range a, Range b) {
    return Range{a.lo + b.lo, a.hi + b.hi};
  }
};

struct SubOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      return elementwise::WrapSub(a, b);
    } else {
      return a - b;
    }
  }
  static std::optional<Range> ResultRange(Range a, Range b) {
    return Range{a.lo - b.hi, a.hi - b.lo};
  }
};

struct MulOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      return elementwise::WrapMul(a, b);
    } else {
      return a * b;
    }
  }
  static std::optional<Range> ResultRange(Range a, Range b) {
    const double p[] = {a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi};
    return Range{*std::min_element(p, p + 4), *std::max_element(p, p + 4)};
  }
};

// Integer division truncates toward zero (C++ semantics, as ONNX/onnxruntime); INT_MIN / -1
// wraps instead of trapping. Division by zero is rejected before the loop runs.
struct DivOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      return b == T(-1) ? elementwise::WrapNeg(a) : static_cast<T>(a / b);
    } else {
      return static_cast<T>(a / b);
    }
  }
  // Only an integer container guarantees an integer quotient; |a / b| <= |a| for b != 0.
  static std::optional<Range> ResultRange(Range a, Range b) {
    if (b.lo >= 0) return Range{std::min(a.lo, 0.0), std::max(a.hi, 0.0)};
    const double m = std::max(std::fabs(a.lo), std::fabs(a.hi));
    return Range{-m, m};
  }
};

// Opset < 7 legacy broadcasting: with broadcast=1 and an explicit axis, B's dims line up with
// A's starting at `axis`, i.e. B gets trailing 1s. Returns B's dims for numpy-style alignment.
template <typename D>
std::vector<D> LegacyAlign(std::vector<D> b, size_t rank_a, int64_t axis, D one) {
  if (axis < 0) axis += static_cast<int64_t>(rank_a);
  const int64_t pad = static_cast<int64_t>(rank_a) - axis - static_cast<int64_t>(b.size());
  for (int64_t i = 0; i < pad; ++i) b.push_back(one);
  return b;
}

// The legacy axis to align B at, or nullopt when numpy broadcasting applies.
absl::StatusOr<std::optional<int64_t>> LegacyAxis(const Node& node, int64_t opset) {
  if (opset < 0 || opset >= 7) return std::optional<int64_t>();
  ASSIGN_OR_RETURN(int64_t broadcast, IntAttr(node, "broadcast", 0));
  if (broadcast == 0 || !node.has_attr("axis")) return std::optional<int64_t>();
  ASSIGN_OR_RETURN(int64_t axis, IntAttr(node, "axis", 0));
  return std::optional<int64_t>(axis);
}

template <typename Op>
absl::Status InferBinary(InferContext& ctx) {
  RETURN_IF_ERROR(elementwise::CheckInputElem(ctx, 0, NumericTypes{}));
  RETURN_IF_ERROR(elementwise::CheckSameElem(ctx, 1));
  const TensorType& a = ctx.input_type(0);
  const TensorType& b = ctx.input_type(1);
  auto legacy = LegacyAxis(ctx.node(), ctx.opset());
  if (!legacy.ok()) return ctx.Error(std::string(legacy.status().message()));
  std::optional<Shape> shape;
  if (a.shape && b.shape) {
    Shape bs = *legacy ? LegacyAlign(*b.shape, a.shape->size(), **legacy, Dim{1, ""}) : *b.shape;
    const Shape shapes[] = {*a.shape, bs};
    auto out = BroadcastShapes(shapes);
    if (!out.ok()) {
      return ctx.Error(absl::StrCat("inputs '", InputName(ctx.node(), 0), "' and '",
                                    InputName(ctx.node(), 1), "': ", out.status().message()));
    }
    shape = std::move(*out);
  }
  std::optional<Range> ra = elementwise::IntegerRange(ctx, 0);
  std::optional<Range> rb = elementwise::IntegerRange(ctx, 1);
  std::optional<Range> r;
  if (ra && rb) r = Op::ResultRange(*ra, *rb);
  // Div of integers held in float containers yields fractions; only integer containers divide
  // exactly.
  if constexpr (std::is_same_v<Op, DivOp>) {
    if (!IsIntegerElementType(a.elem)) r.reset();
  }
  ctx.SetOutput(0, a.elem, std::move(shape), elementwise::RangeDataType(r, a.elem));
  return absl::OkStatus();
}

template <typename Op>
absl::StatusOr<std::unique_ptr<Kernel>> CompileBinary(const Node& node,
                                                      const CompileContext& cctx) {
  ASSIGN_OR_RETURN(std::optional<int64_t> legacy, LegacyAxis(node, cctx.opset));
  return MakeKernel([plan = BinaryBroadcast(), legacy, a_name = InputName(node, 0),
                     b_name = InputName(node, 1)](KernelContext& ctx) mutable -> absl::Status {
    const Tensor* a = ctx.input(0);
    const Tensor* b = ctx.input(1);
    if (a == nullptr || b == nullptr) return absl::InvalidArgumentError("missing input");
    if (a->type() != b->type()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", b_name, "' has element type ", ElementTypeName(b->type()), " but input '",
          a_name, "' has ", ElementTypeName(a->type()), "; they must be equal"));
    }
    absl::Status s = legacy ? plan.Prepare(a->dims(), LegacyAlign(b->dims(), a->dims().size(),
                                                                   *legacy, int64_t{1}))
                            : plan.Prepare(a->dims(), b->dims());
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("inputs '", a_name, "' and '", b_name, "': ", s.message()));
    }
    Tensor* out = ctx.outputs[0];
    out->Resize(a->type(), plan.out_dims());
    absl::Status status;
    const bool known = elementwise::Dispatch(NumericTypes{}, a->type(), [&](auto tag) {
      using T = decltype(tag);
      const T* pb = b->data<T>();
      if constexpr (std::is_same_v<Op, DivOp> && std::is_integral_v<T>) {
        if (std::find(pb, pb + b->size(), T(0)) != pb + b->size()) {
          status = absl::InvalidArgumentError(
              absl::StrCat("integer division by zero (input '", b_name, "')"));
          return;
        }
      }
      plan.Run(a->data<T>(), pb, out->data<T>(), Op());
    });
    if (!known) {
      return elementwise::BadElementType(a_name, a->type(), elementwise::TypeNames(NumericTypes{}));
    }
    return status;
  });
}

template <typename Op>
OpSpec MakeBinarySpec(const char* op_type, const char* summary) {
  OpSpec s;
  s.op_type = op_type;
  s.domain = "";
  s.since_version = 1;
  s.summary = summary;
  s.min_inputs = 2;
  s.max_inputs = 2;
  // `broadcast` and `axis` only exist before opset 7.
  s.attributes = {{"broadcast", Attribute::Type::kInt, false, elementwise::CheckBool},
                  {"axis", Attribute::Type::kInt, false, nullptr}};
  s.infer = InferBinary<Op>;
  s.compile = CompileBinary<Op>;
  return s;
}

}  // namespace

OpSpec MakeAddSpec() {
  return MakeBinarySpec<AddOp>("Add", "elementwise A + B with multidirectional broadcasting");
}
OpSpec MakeSubSpec() {
  return MakeBinarySpec<SubOp>("Sub", "elementwise A - B with multidirectional broadcasting");
}
OpSpec MakeMulSpec() {
  return MakeBinarySpec<MulOp>("Mul", "elementwise A * B with multidirectional broadcasting");
}
OpSpec MakeDivSpec() {
  return MakeBinarySpec<DivOp>(
      "Div", "elementwise A / B with multidirectional broadcasting (integers truncate)");
}

}  // namespace finngl
