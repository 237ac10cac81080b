// Activations and unary math: Relu, LeakyRelu, Sigmoid, Tanh, Clip, Sign, Identity, Neg, Abs,
// Exp, Sqrt, Floor, Ceil, Round, Cast.
//
// Float math runs in the element type with the formulas onnxruntime uses, so results agree
// within a few ulps. Output DataTypes follow the values: integer-valued inputs keep an exact
// integer DataType through the integer-preserving ops (Relu, Clip, Neg, Abs, Sign, Floor, ...).
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/elementwise_util.h"
#include "src/ops/registry.h"

namespace finngl {
namespace {

using elementwise::BadElementType;
using elementwise::FloatTypes;
using elementwise::InputName;
using elementwise::IntegerRange;
using elementwise::NumericTypes;
using elementwise::Range;
using elementwise::RangeDataType;
using elementwise::SignedTypes;
using elementwise::TypeList;

// Every element type Cast converts between (float16 goes through a float scratch buffer).
using CastTypes = TypeList<float, double, int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t,
                           int64_t, uint64_t, bool>;

// ---------------------------------------------------------------------------- functors

struct ReluOp {
  template <typename T>
  T operator()(T x) const {
    return x > T(0) ? x : T(0);
  }
};

// Split at 0 so exp never overflows: for x < 0, e^x / (1 + e^x) underflows gracefully to 0.
struct SigmoidOp {
  template <typename T>
  T operator()(T x) const {
    if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
    const T e = std::exp(x);
    return e / (T(1) + e);
  }
};

struct TanhOp {
  template <typename T>
  T operator()(T x) const {
    return std::tanh(x);
  }
};

struct ExpOp {
  template <typename T>
  T operator()(T x) const {
    return std::exp(x);
  }
};

struct SqrtOp {
  template <typename T>
  T operator()(T x) const {
    return std::sqrt(x);
  }
};

struct FloorOp {
  template <typename T>
  T operator()(T x) const {
    return std::floor(x);
  }
  static double Apply(double v) { return std::floor(v); }
};

struct CeilOp {
  template <typename T>
  T operator()(T x) const {
    return std::ceil(x);
  }
  static double Apply(double v) { return std::ceil(v); }
};

// Halves round to even: nearbyint under the default rounding mode.
struct RoundOp {
  template <typename T>
  T operator()(T x) const {
    return std::nearbyint(x);
  }
  static double Apply(double v) { return std::nearbyint(v); }
};

struct NegOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_integral_v<T>) {
      return elementwise::WrapNeg(x);
    } else {
      return -x;
    }
  }
};

struct AbsOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::fabs(x);
    } else if constexpr (std::is_signed_v<T>) {
      return x < T(0) ? elementwise::WrapNeg(x) : x;
    } else {
      return x;
    }
  }
};

struct SignOp {
  template <typename T>
  T operator()(T x) const {
    return x > T(0) ? T(1) : (x < T(0) ? static_cast<T>(-1) : T(0));
  }
};

// ---------------------------------------------------------------------------- DataType rules

using DTypeRule = DataType (*)(const InferContext&);

DataType FloatResult(const InferContext&) { return DataType::Float32(); }

// A monotone non-decreasing rounding function applied to the input's values: integer inputs
// keep their range; FIXED<w,i> inputs become integers in [f(min), f(max)].
template <typename Op>
DataType RoundedResult(const InferContext& ctx) {
  const TensorType& x = ctx.input_type(0);
  if (std::optional<Range> r = IntegerRange(ctx, 0)) return RangeDataType(r, x.elem);
  if (x.dtype.IsFixedPoint()) {
    return DataType::SmallestHolding(Op::Apply(x.dtype.Min()), Op::Apply(x.dtype.Max()));
  }
  return DataType::Float32();
}

DataType ReluResult(const InferContext& ctx) {
  std::optional<Range> r = IntegerRange(ctx, 0);
  if (r) r = Range{std::max(r->lo, 0.0), std::max(r->hi, 0.0)};
  return RangeDataType(r, ctx.input_type(0).elem);
}

DataType NegResult(const InferContext& ctx) {
  std::optional<Range> r = IntegerRange(ctx, 0);
  if (r) r = Range{-r->hi, -r->lo};
  return RangeDataType(r, ctx.input_type(0).elem);
}

DataType AbsResult(const InferContext& ctx) {
  std::optional<Range> r = IntegerRange(ctx, 0);
  if (r) {
    const double lo = r->lo >= 0 ? r->lo : (r->hi <= 0 ? -r->hi : 0.0);
    r = Range{lo, std::max(std::fabs(r->lo), std::fabs(r->hi))};
  }
  return RangeDataType(r, ctx.input_type(0).elem);
}

// Sign yields values in {-1, 0, 1}: TERNARY, narrowed to BINARY / INT1 when the input is known
// to be non-negative / non-positive.
DataType SignResult(const InferContext& ctx) {
  std::optional<Range> r = IntegerRange(ctx, 0);
  auto sign = [](double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0); };
  const double lo = r ? sign(r->lo) : -1.0, hi = r ? sign(r->hi) : 1.0;
  if (lo < 0 && hi > 0) return DataType::Ternary();
  return DataType::SmallestHolding(lo, hi);
}

DataType IdentityResult(const InferContext& ctx) { return ctx.input_type(0).dtype; }

// ---------------------------------------------------------------------------- unary kernels

template <typename Types, typename Op>
absl::Status RunUnary(KernelContext& ctx, const std::string& name, const Op& op) {
  const Tensor* x = ctx.input(0);
  if (x == nullptr) return absl::InvalidArgumentError("missing input");
  Tensor* y = ctx.outputs[0];
  y->Resize(x->type(), x->dims());
  const bool known = elementwise::Dispatch(Types{}, x->type(), [&](auto tag) {
    using T = decltype(tag);
    elementwise::MapUnary(x->data<T>(), y->data<T>(), x->size(), op);
  });
  if (!known) return BadElementType(name, x->type(), elementwise::TypeNames(Types{}));
  return absl::OkStatus();
}

OpSpec BaseSpec(const char* op_type, int since, const char* summary) {
  OpSpec s;
  s.op_type = op_type;
  s.domain = "";
  s.since_version = since;
  s.summary = summary;
  s.min_inputs = 1;
  s.max_inputs = 1;
  return s;
}

// Infers "same element type and shape as input 0" with the given DataType rule.
template <typename Types>
std::function<absl::Status(InferContext&)> SameShapeInfer(DTypeRule rule) {
  return [rule](InferContext& ctx) -> absl::Status {
    RETURN_IF_ERROR(elementwise::CheckInputElem(ctx, 0, Types{}));
    const TensorType& x = ctx.input_type(0);
    ctx.SetOutput(0, x.elem, x.shape, rule(ctx));
    return absl::OkStatus();
  };
}

// A stateless elementwise op over the element types in `Types`.
template <typename Types, typename Op>
OpSpec MakeUnarySpec(const char* op_type, int since, const char* summary, DTypeRule rule) {
  OpSpec s = BaseSpec(op_type, since, summary);
  s.infer = SameShapeInfer<Types>(rule);
  s.compile = [](const Node& node,
                 const CompileContext&) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    return MakeKernel([name = InputName(node, 0)](KernelContext& ctx) {
      return RunUnary<Types>(ctx, name, Op());
    });
  };
  return s;
}

// ---------------------------------------------------------------------------- Clip

// Clip bounds known at inference time: opset < 11 attributes, else constant inputs. nullopt
// for a bound given by a non-constant input.
std::optional<double> StaticClipBound(const InferContext& ctx, bool upper) {
  const double def = upper ? std::numeric_limits<double>::infinity()
                           : -std::numeric_limits<double>::infinity();
  if (ctx.opset() >= 0 && ctx.opset() < 11) {
    return static_cast<double>(ctx.node().GetFloat(upper ? "max" : "min", static_cast<float>(def)));
  }
  const int i = upper ? 2 : 1;
  if (!ctx.has_input(i)) return def;
  const Tensor* c = ctx.constant(i);
  if (c == nullptr || c->size() != 1) return std::nullopt;
  return c->GetDouble(0);
}

absl::Status InferClip(InferContext& ctx) {
  RETURN_IF_ERROR(elementwise::CheckInputElem(ctx, 0, NumericTypes{}));
  for (int i = 1; i <= 2; ++i) {
    if (!ctx.has_input(i)) continue;
    RETURN_IF_ERROR(elementwise::CheckSameElem(ctx, i));
    const TensorType& t = ctx.input_type(i);
    if (t.shape && ShapeFullyKnown(*t.shape) && NumElementsOf(ShapeToDims(*t.shape)) != 1) {
      return ctx.Error(absl::StrCat("input '", InputName(ctx.node(), i),
                                    "' must be a scalar, has shape ", ShapeToString(*t.shape)));
    }
  }
  const TensorType& x = ctx.input_type(0);
  std::optional<Range> r = IntegerRange(ctx, 0);
  const std::optional<double> lo = StaticClipBound(ctx, false), hi = StaticClipBound(ctx, true);
  std::optional<Range> out;
  if (r && lo && hi) {
    // Clamping is monotone, so the result range is the clamped input range; a fractional bound
    // that is reached makes an endpoint fractional and the result FLOAT32.
    auto clamp = [&](double v) { return std::min(std::max(v, *lo), *hi); };
    out = Range{clamp(r->lo), clamp(r->hi)};
  }
  ctx.SetOutput(0, x.elem, x.shape, RangeDataType(out, x.elem));
  return absl::OkStatus();
}

// Converts a bound to T, saturating (a float bound beyond an integer type clips nothing).
template <typename T>
T BoundTo(double v) {
  if constexpr (std::is_integral_v<T>) {
    if (std::isnan(v)) return T(0);
    constexpr T kLo = std::numeric_limits<T>::lowest(), kHi = std::numeric_limits<T>::max();
    if (v <= static_cast<double>(kLo)) return kLo;
    if (v >= static_cast<double>(kHi)) return kHi;
  } else if constexpr (std::is_same_v<T, float>) {
    if (v <= std::numeric_limits<float>::lowest()) return std::numeric_limits<float>::lowest();
    if (v >= std::numeric_limits<float>::max()) return std::numeric_limits<float>::max();
  }
  return static_cast<T>(v);
}

absl::StatusOr<std::unique_ptr<Kernel>> CompileClip(const Node& node, const CompileContext& cctx) {
  const bool from_attrs = cctx.opset >= 0 && cctx.opset < 11;
  ASSIGN_OR_RETURN(float attr_lo, elementwise::FloatAttr(node, "min",
                                                         std::numeric_limits<float>::lowest()));
  ASSIGN_OR_RETURN(float attr_hi, elementwise::FloatAttr(node, "max",
                                                         std::numeric_limits<float>::max()));
  std::vector<std::string> names = {InputName(node, 0), InputName(node, 1), InputName(node, 2)};
  return MakeKernel([from_attrs, attr_lo, attr_hi, names](KernelContext& ctx) -> absl::Status {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return absl::InvalidArgumentError("missing input");
    const Tensor* bounds[2] = {from_attrs ? nullptr : ctx.input(1),
                               from_attrs ? nullptr : ctx.input(2)};
    for (int k = 0; k < 2; ++k) {
      const Tensor* b = bounds[k];
      if (b == nullptr) continue;
      if (b->type() != x->type()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "input '", names[k + 1], "' has element type ", ElementTypeName(b->type()),
            " but input '", names[0], "' has ", ElementTypeName(x->type()),
            "; they must be equal"));
      }
      if (b->size() != 1) {
        return absl::InvalidArgumentError(absl::StrCat("input '", names[k + 1],
                                                       "' must be a scalar, has shape ",
                                                       DimsToString(b->dims())));
      }
    }
    Tensor* y = ctx.outputs[0];
    y->Resize(x->type(), x->dims());
    const bool known = elementwise::Dispatch(NumericTypes{}, x->type(), [&](auto tag) {
      using T = decltype(tag);
      const T def_lo = from_attrs ? BoundTo<T>(attr_lo) : std::numeric_limits<T>::lowest();
      const T def_hi = from_attrs ? BoundTo<T>(attr_hi) : std::numeric_limits<T>::max();
      const T lo = bounds[0] ? bounds[0]->data<T>()[0] : def_lo;
      const T hi = bounds[1] ? bounds[1]->data<T>()[0] : def_hi;
      elementwise::MapUnary(x->data<T>(), y->data<T>(), x->size(),
                            [lo, hi](T v) { return std::min(std::max(v, lo), hi); });
    });
    if (!known) return BadElementType(names[0], x->type(), elementwise::TypeNames(NumericTypes{}));
    return absl::OkStatus();
  });
}

// ---------------------------------------------------------------------------- Cast

// Float -> integer truncates toward zero; values beyond int64 (and NaN) are undefined in ONNX
// and saturate here, and in-range values beyond a narrower type wrap like a C cast via int64.
template <typename D, typename S>
D FloatToInt(S v) {
  if (std::isnan(v)) return D(0);
  const S t = std::trunc(v);
  constexpr double kTwo63 = 9223372036854775808.0;
  if constexpr (std::is_same_v<D, uint64_t>) {
    if (t >= 2 * kTwo63) return std::numeric_limits<uint64_t>::max();
    if (t >= kTwo63) return static_cast<uint64_t>(t);
  }
  if (t >= kTwo63) return static_cast<D>(std::numeric_limits<int64_t>::max());
  if (t < -kTwo63) return static_cast<D>(std::numeric_limits<int64_t>::min());
  return static_cast<D>(static_cast<int64_t>(t));
}

template <typename D, typename S>
D ConvertValue(S v) {
  if constexpr (std::is_same_v<D, bool>) {
    return v != S(0);
  } else if constexpr (std::is_floating_point_v<S> && std::is_integral_v<D>) {
    return FloatToInt<D>(v);
  } else {
    return static_cast<D>(v);
  }
}

template <typename S, typename D>
void ConvertArray(const S* in, D* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = ConvertValue<D>(in[i]);
}

bool IsCastType(ElementType t) {
  return t == ElementType::kFloat16 || elementwise::Contains(CastTypes{}, t);
}

absl::Status CheckCastTo(const Attribute& a) {
  const auto t = static_cast<ElementType>(a.i());
  if (a.i() >= 0 && a.i() <= 16 && IsCastType(t)) return absl::OkStatus();
  const std::string name =
      a.i() >= 0 && a.i() <= 16 ? absl::StrCat(" (", ElementTypeName(t), ")") : "";
  return absl::InvalidArgumentError(
      absl::StrCat("value ", a.i(), name, " is not a supported element type"));
}

// Largest magnitude up to which every integer is exact in a float container.
double ExactIntegerLimit(ElementType t) {
  switch (t) {
    case ElementType::kFloat16: return 2048;
    case ElementType::kFloat: return 16777216.0;
    case ElementType::kDouble: return 9007199254740992.0;
    default: return 0;
  }
}

DataType CastResult(const InferContext& ctx, ElementType to) {
  const TensorType& x = ctx.input_type(0);
  std::optional<Range> r = IntegerRange(ctx, 0);
  if (to == ElementType::kBool) return DataType::Binary();
  if (IsIntegerElementType(to)) {
    if (!r && x.dtype.IsFixedPoint()) {
      r = Range{std::trunc(x.dtype.Min()), std::trunc(x.dtype.Max())};
    }
    return RangeDataType(r, to);
  }
  const double limit = ExactIntegerLimit(to);
  if (r && std::fabs(r->lo) <= limit && std::fabs(r->hi) <= limit) return RangeDataType(r, to);
  // Fixed-point values survive float <-> double casts when their grid fits the mantissa.
  if (!r && x.dtype.IsFixedPoint() && IsFloatElementType(x.elem) && to != ElementType::kFloat16 &&
      x.dtype.bit_width() <= 24) {
    return x.dtype;
  }
  return DataType::Float32();
}

absl::Status InferCast(InferContext& ctx) {
  if (!ctx.node().has_attr("to")) return ctx.Error("required attribute 'to' is missing");
  absl::StatusOr<int64_t> to_attr = elementwise::IntAttr(ctx.node(), "to", -1);
  if (!to_attr.ok()) return ctx.Error(std::string(to_attr.status().message()));
  const int64_t to_int = *to_attr;
  if (absl::Status s = CheckCastTo(Attribute::Int(to_int)); !s.ok()) {
    return ctx.Error(absl::StrCat("attribute 'to': ", s.message()));
  }
  const TensorType& x = ctx.input_type(0);
  if (x.elem != ElementType::kUndefined && !IsCastType(x.elem)) {
    return ctx.Error(absl::StrCat("input '", InputName(ctx.node(), 0), "' has element type ",
                                  ElementTypeName(x.elem), ", which Cast does not support"));
  }
  const auto to = static_cast<ElementType>(to_int);
  ctx.SetOutput(0, to, x.shape, CastResult(ctx, to));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Kernel>> CompileCast(const Node& node, const CompileContext&) {
  if (!node.has_attr("to")) return absl::InvalidArgumentError("required attribute 'to' is missing");
  ASSIGN_OR_RETURN(int64_t to_int, elementwise::IntAttr(node, "to", -1));
  if (absl::Status s = CheckCastTo(Attribute::Int(to_int)); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("attribute 'to': ", s.message()));
  }
  const auto to = static_cast<ElementType>(to_int);
  return MakeKernel([to, name = InputName(node, 0), in_scratch = std::vector<float>(),
                     out_scratch =
                         std::vector<float>()](KernelContext& ctx) mutable -> absl::Status {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return absl::InvalidArgumentError("missing input");
    if (!IsCastType(x->type())) {
      return absl::InvalidArgumentError(absl::StrCat("input '", name, "' has element type ",
                                                     ElementTypeName(x->type()),
                                                     ", which Cast does not support"));
    }
    Tensor* y = ctx.outputs[0];
    y->Resize(to, x->dims());
    const int64_t n = x->size();
    if (x->type() == to) {
      std::memcpy(y->raw(), x->raw(), x->byte_size());
      return absl::OkStatus();
    }
    // float16 travels through float on either side, as onnxruntime converts it.
    ElementType src_type = x->type();
    const void* src = x->raw();
    if (src_type == ElementType::kFloat16) {
      in_scratch.resize(n);
      const uint16_t* h = x->data<uint16_t>();
      for (int64_t i = 0; i < n; ++i) in_scratch[i] = HalfToFloat(h[i]);
      src_type = ElementType::kFloat;
      src = in_scratch.data();
    }
    ElementType dst_type = to;
    void* dst = y->raw();
    if (to == ElementType::kFloat16) {
      out_scratch.resize(n);
      dst_type = ElementType::kFloat;
      dst = out_scratch.data();
    }
    if (src_type != dst_type) {
      elementwise::Dispatch(CastTypes{}, src_type, [&](auto s_tag) {
        using S = decltype(s_tag);
        elementwise::Dispatch(CastTypes{}, dst_type, [&](auto d_tag) {
          using D = decltype(d_tag);
          ConvertArray(static_cast<const S*>(src), static_cast<D*>(dst), n);
        });
      });
    } else {
      std::memcpy(dst, src, n * ElementSize(src_type));
    }
    if (to == ElementType::kFloat16) {
      uint16_t* h = y->data<uint16_t>();
      for (int64_t i = 0; i < n; ++i) h[i] = FloatToHalf(out_scratch[i]);
    }
    return absl::OkStatus();
  });
}

}  // namespace

OpSpec MakeReluSpec() {
  return MakeUnarySpec<SignedTypes, ReluOp>("Relu", 1, "max(x, 0)", ReluResult);
}

OpSpec MakeLeakyReluSpec() {
  OpSpec s = BaseSpec("LeakyRelu", 1, "x if x >= 0 else alpha * x (alpha default 0.01)");
  s.attributes = {{"alpha", Attribute::Type::kFloat, false, nullptr}};
  s.infer = SameShapeInfer<FloatTypes>(FloatResult);
  s.compile = [](const Node& node,
                 const CompileContext&) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    ASSIGN_OR_RETURN(float alpha, elementwise::FloatAttr(node, "alpha", 0.01f));
    return MakeKernel([alpha, name = InputName(node, 0)](KernelContext& ctx) {
      return RunUnary<FloatTypes>(ctx, name, [alpha](auto x) {
        using T = decltype(x);
        return x >= T(0) ? x : static_cast<T>(alpha) * x;
      });
    });
  };
  return s;
}

OpSpec MakeSigmoidSpec() {
  return MakeUnarySpec<FloatTypes, SigmoidOp>("Sigmoid", 1, "1 / (1 + exp(-x))", FloatResult);
}
OpSpec MakeTanhSpec() {
  return MakeUnarySpec<FloatTypes, TanhOp>("Tanh", 1, "hyperbolic tangent", FloatResult);
}

OpSpec MakeClipSpec() {
  OpSpec s = BaseSpec("Clip", 1,
                      "min(max(x, min), max); bounds are attributes before opset 11, optional "
                      "scalar inputs from opset 11");
  s.max_inputs = 3;
  // `min` / `max` attributes only exist before opset 11.
  s.attributes = {{"min", Attribute::Type::kFloat, false, nullptr},
                  {"max", Attribute::Type::kFloat, false, nullptr}};
  s.infer = InferClip;
  s.compile = CompileClip;
  return s;
}

OpSpec MakeSignSpec() {
  return MakeUnarySpec<NumericTypes, SignOp>("Sign", 9, "-1, 0 or 1 by the sign of x", SignResult);
}

OpSpec MakeIdentitySpec() {
  OpSpec s = BaseSpec("Identity", 1, "copies its input (keeps the DataType)");
  s.infer = [](InferContext& ctx) -> absl::Status {
    const TensorType& x = ctx.input_type(0);
    ctx.SetOutput(0, x.elem, x.shape, IdentityResult(ctx));
    return absl::OkStatus();
  };
  s.compile = [](const Node&, const CompileContext&) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    return MakeKernel([](KernelContext& ctx) -> absl::Status {
      const Tensor* x = ctx.input(0);
      if (x == nullptr) return absl::InvalidArgumentError("missing input");
      Tensor* y = ctx.outputs[0];
      y->Resize(x->type(), x->dims());
      std::memcpy(y->raw(), x->raw(), x->byte_size());
      return absl::OkStatus();
    });
  };
  return s;
}

OpSpec MakeNegSpec() { return MakeUnarySpec<SignedTypes, NegOp>("Neg", 1, "-x", NegResult); }
OpSpec MakeAbsSpec() { return MakeUnarySpec<NumericTypes, AbsOp>("Abs", 1, "|x|", AbsResult); }
OpSpec MakeExpSpec() { return MakeUnarySpec<FloatTypes, ExpOp>("Exp", 1, "e^x", FloatResult); }
OpSpec MakeSqrtSpec() {
  return MakeUnarySpec<FloatTypes, SqrtOp>("Sqrt", 1, "square root (NaN below 0)", FloatResult);
}
OpSpec MakeFloorSpec() {
  return MakeUnarySpec<FloatTypes, FloorOp>("Floor", 1, "round toward -inf",
                                            RoundedResult<FloorOp>);
}
OpSpec MakeCeilSpec() {
  return MakeUnarySpec<FloatTypes, CeilOp>("Ceil", 1, "round toward +inf", RoundedResult<CeilOp>);
}
OpSpec MakeRoundSpec() {
  return MakeUnarySpec<FloatTypes, RoundOp>("Round", 11, "round half to even",
                                            RoundedResult<RoundOp>);
}

OpSpec MakeCastSpec() {
  OpSpec s = BaseSpec("Cast", 1,
                      "converts to element type `to` (float -> int truncates toward zero)");
  s.attributes = {{"to", Attribute::Type::kInt, true, CheckCastTo},
                  // Opset 19+: only affects float8 targets, which finngl does not support.
                  {"saturate", Attribute::Type::kInt, false, elementwise::CheckBool}};
  s.infer = InferCast;
  s.compile = CompileCast;
  return s;
}

}  // namespace finngl
