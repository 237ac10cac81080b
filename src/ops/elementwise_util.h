// Helpers shared by the elementwise, activation and normalization op families (elementwise.cc,
// activation.cc, normalization.cc): element-type dispatch over fixed type lists, attribute
// reading with type checks, integer-range inference for quantization DataTypes, and a broadcast
// plan that runs binary kernels as tight loops over collapsed dimensions.
//
// These kernels run once per time step inside Scan loops, so the run path avoids allocation
// (broadcast plans are cached per input shape pair, scratch buffers are kernel members) and
// per-element indirection (functors are template parameters, never std::function).
#ifndef FINNGL_SRC_OPS_ELEMENTWISE_UTIL_H_
#define FINNGL_SRC_OPS_ELEMENTWISE_UTIL_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "src/ir/graph.h"
#include "src/ops/op_spec.h"

namespace finngl::elementwise {

// ---------------------------------------------------------------------------- type lists

template <typename... Ts>
struct TypeList {};
using FloatTypes = TypeList<float, double>;
using SignedTypes = TypeList<float, double, int8_t, int16_t, int32_t, int64_t>;
using NumericTypes = TypeList<float, double, int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t,
                              int64_t, uint64_t>;

// Calls fn(T{}) for the T in the list whose element type is `type`; false if none matches.
template <typename... Ts, typename Fn>
bool Dispatch(TypeList<Ts...>, ElementType type, Fn&& fn) {
  return ((type == ElementTypeOf<Ts>() && (fn(Ts{}), true)) || ...);
}

template <typename... Ts>
bool Contains(TypeList<Ts...>, ElementType type) {
  return ((type == ElementTypeOf<Ts>()) || ...);
}

// "float, double" - for messages.
template <typename... Ts>
std::string TypeNames(TypeList<Ts...>) {
  std::string out;
  ((absl::StrAppend(&out, out.empty() ? "" : ", ", ElementTypeName(ElementTypeOf<Ts>()))), ...);
  return out;
}

// ---------------------------------------------------------------------------- diagnostics

// The name of input i of `node` for messages ("#i" when omitted).
inline std::string InputName(const Node& node, int i) {
  const Value* v = node.input(i);
  return v != nullptr ? v->name() : absl::StrCat("#", i);
}

inline absl::Status BadElementType(const std::string& tensor, ElementType type,
                                   const std::string& allowed) {
  return absl::InvalidArgumentError(absl::StrCat("input '", tensor, "' has element type ",
                                                 ElementTypeName(type), ", expected one of {",
                                                 allowed, "}"));
}

// Inference-time check of input i's element type. An undefined element type (an outer-scope
// reference not resolved yet) passes: the kernel checks again at run time.
template <typename L>
absl::Status CheckInputElem(const InferContext& ctx, int i, L list) {
  ElementType t = ctx.input_type(i).elem;
  if (t == ElementType::kUndefined || Contains(list, t)) return absl::OkStatus();
  absl::Status s = BadElementType(InputName(ctx.node(), i), t, TypeNames(list));
  return ctx.Error(std::string(s.message()));
}

// Inference-time check that input i has the same element type as input 0.
inline absl::Status CheckSameElem(const InferContext& ctx, int i) {
  ElementType a = ctx.input_type(0).elem, b = ctx.input_type(i).elem;
  if (a == ElementType::kUndefined || b == ElementType::kUndefined || a == b) {
    return absl::OkStatus();
  }
  return ctx.Error(absl::StrCat("input '", InputName(ctx.node(), i), "' has element type ",
                                ElementTypeName(b), " but input '", InputName(ctx.node(), 0),
                                "' has ", ElementTypeName(a), "; they must be equal"));
}

// ---------------------------------------------------------------------------- attributes

// Attribute readers that report a wrong attribute type instead of silently using the default
// (the executor compiles nodes that the schema verifier may not have seen).
inline absl::Status WrongAttrType(const std::string& name, const Attribute& a, const char* want) {
  return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' has type ",
                                                 AttributeTypeName(a.type()), ", expected ", want));
}

inline absl::StatusOr<int64_t> IntAttr(const Node& node, const std::string& name, int64_t def) {
  const Attribute* a = node.attr(name);
  if (a == nullptr) return def;
  if (a->type() != Attribute::Type::kInt) return WrongAttrType(name, *a, "int");
  return a->i();
}

inline absl::StatusOr<float> FloatAttr(const Node& node, const std::string& name, float def) {
  const Attribute* a = node.attr(name);
  if (a == nullptr) return def;
  if (a->type() != Attribute::Type::kFloat) return WrongAttrType(name, *a, "float");
  return a->f();
}

// AttrSpec constraint: an int attribute restricted to {0, 1}.
inline absl::Status CheckBool(const Attribute& a) { return CheckAttrIn(a, {"0", "1"}); }

// Normalises `axis` into [0, rank); the message names the attribute and the tensor.
inline absl::StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank, const std::string& tensor,
                                             const char* attr = "axis") {
  if (axis < -rank || axis >= rank) {
    return absl::InvalidArgumentError(absl::StrCat("attribute '", attr, "' = ", axis,
                                                   " is out of range for input '", tensor,
                                                   "' of rank ", rank));
  }
  return axis < 0 ? axis + rank : axis;
}

// ---------------------------------------------------------------------------- value ranges

// An integer interval [lo, hi] of the values a tensor may hold (doubles are exact up to 2^53,
// enough for every DataType below INT64 and a safe over-approximation beyond).
struct Range {
  double lo;
  double hi;
};

// The range of an integer element type (bool is [0, 1]); nullopt for float types.
inline std::optional<Range> ElementTypeRange(ElementType t) {
  switch (t) {
    case ElementType::kBool: return Range{0, 1};
    case ElementType::kInt8: return Range{-128, 127};
    case ElementType::kUint8: return Range{0, 255};
    case ElementType::kInt16: return Range{-32768, 32767};
    case ElementType::kUint16: return Range{0, 65535};
    case ElementType::kInt32: return Range{-2147483648.0, 2147483647.0};
    case ElementType::kUint32: return Range{0, 4294967295.0};
    case ElementType::kInt64:
      return Range{static_cast<double>(std::numeric_limits<int64_t>::min()),
                   static_cast<double>(std::numeric_limits<int64_t>::max())};
    case ElementType::kUint64:
      return Range{0, static_cast<double>(std::numeric_limits<uint64_t>::max())};
    default: return std::nullopt;
  }
}

// The integer range of input i, if its values are known to be integers: a constant's actual
// min/max (when every value is integral), else its integer DataType's range, else its integer
// element type's range. nullopt when the input may hold non-integers.
inline std::optional<Range> IntegerRange(const InferContext& ctx, int i) {
  if (!ctx.has_input(i)) return std::nullopt;
  if (const Tensor* c = ctx.constant(i); c != nullptr && c->size() > 0) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (int64_t k = 0; k < c->size(); ++k) {
      double v = c->GetDouble(k);
      if (!std::isfinite(v) || std::nearbyint(v) != v) return std::nullopt;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    return Range{lo, hi};
  }
  const TensorType& t = ctx.input_type(i);
  if (t.dtype.IsInteger()) return Range{t.dtype.Min(), t.dtype.Max()};
  return ElementTypeRange(t.elem);
}

// The DataType of a result with range `r` stored in `elem`: the smallest integer type holding
// r, or the element type's full range when r overflows an integer container (values wrap), or
// FLOAT32 when nothing is known.
inline DataType RangeDataType(std::optional<Range> r, ElementType elem) {
  std::optional<Range> container = ElementTypeRange(elem);
  if (!r) return container ? DataType::SmallestHolding(container->lo, container->hi)
                           : DataType::Float32();
  if (container && (r->lo < container->lo || r->hi > container->hi)) r = container;
  return DataType::SmallestHolding(r->lo, r->hi);
}

// ---------------------------------------------------------------------------- integer wrapping

// Two's-complement wrapping arithmetic: ONNX integer ops wrap like the hardware does, and
// signed overflow must not be undefined behaviour here. W is at least `unsigned int` so that
// narrow types do not promote to (overflowing) signed int.
template <typename T>
using WrapType =
    std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <typename T>
T WrapAdd(T a, T b) {
  return static_cast<T>(static_cast<WrapType<T>>(a) + static_cast<WrapType<T>>(b));
}
template <typename T>
T WrapSub(T a, T b) {
  return static_cast<T>(static_cast<WrapType<T>>(a) - static_cast<WrapType<T>>(b));
}
template <typename T>
T WrapMul(T a, T b) {
  return static_cast<T>(static_cast<WrapType<T>>(a) * static_cast<WrapType<T>>(b));
}
template <typename T>
T WrapNeg(T a) {
  return static_cast<T>(WrapType<T>{0} - static_cast<WrapType<T>>(a));
}

// ---------------------------------------------------------------------------- tight loops

// Elementwise loops over contiguous data. The build uses -O2, whose "very cheap" vectorizer
// cost model skips loops of unknown length that need an epilogue or alias checks; blocks of
// kBlock with __restrict pointers vectorize anyway (outputs never alias inputs in the
// executor). The tail runs scalar.
inline constexpr int64_t kBlock = 16;

template <typename T, typename R, typename Fn>
inline void MapUnary(const T* __restrict x, R* __restrict out, int64_t n, Fn fn) {
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    for (int64_t k = 0; k < kBlock; ++k) out[i + k] = fn(x[i + k]);
  }
  for (; i < n; ++i) out[i] = fn(x[i]);
}

template <typename T, typename R, typename Fn>
inline void MapBinary(const T* __restrict a, const T* __restrict b, R* __restrict out, int64_t n,
                      Fn fn) {
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    for (int64_t k = 0; k < kBlock; ++k) out[i + k] = fn(a[i + k], b[i + k]);
  }
  for (; i < n; ++i) out[i] = fn(a[i], b[i]);
}

// b is one value for the whole run (a broadcast scalar or channel).
template <typename T, typename R, typename Fn>
inline void MapBinaryScalarB(const T* __restrict a, T b, R* __restrict out, int64_t n, Fn fn) {
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    for (int64_t k = 0; k < kBlock; ++k) out[i + k] = fn(a[i + k], b);
  }
  for (; i < n; ++i) out[i] = fn(a[i], b);
}

template <typename T, typename R, typename Fn>
inline void MapBinaryScalarA(T a, const T* __restrict b, R* __restrict out, int64_t n, Fn fn) {
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    for (int64_t k = 0; k < kBlock; ++k) out[i + k] = fn(a, b[i + k]);
  }
  for (; i < n; ++i) out[i] = fn(a, b[i]);
}

// ---------------------------------------------------------------------------- broadcasting

// Applies a binary functor over two broadcast operands. Prepare() collapses the broadcast
// output shape into runs of dimensions along which each operand either advances contiguously
// or stays put, so the innermost loop is one of three tight loops (both contiguous, one side a
// scalar); same-shape, scalar and per-channel operands all become a single inner loop.
// Prepare() is cached on the operand shapes, so repeated runs do not allocate.
class BinaryBroadcast {
 public:
  absl::Status Prepare(const Dims& a, const Dims& b) {
    if (valid_ && a == a_dims_ && b == b_dims_) return absl::OkStatus();
    valid_ = false;
    const size_t rank = std::max(a.size(), b.size());
    out_.assign(rank, 1);
    sizes_.clear();
    a_inc_.clear();
    b_inc_.clear();
    for (size_t k = 0; k < rank; ++k) {
      const int64_t ad = k + a.size() >= rank ? a[k + a.size() - rank] : 1;
      const int64_t bd = k + b.size() >= rank ? b[k + b.size() - rank] : 1;
      if (ad != bd && ad != 1 && bd != 1) {
        return absl::InvalidArgumentError(absl::StrCat("shapes ", DimsToString(a), " and ",
                                                       DimsToString(b),
                                                       " cannot be broadcast together"));
      }
      const int64_t o = ad == 1 ? bd : ad;
      out_[k] = o;
      if (o == 1) continue;
      const bool fa = ad != 1, fb = bd != 1;
      if (!sizes_.empty() && (a_inc_.back() != 0) == fa && (b_inc_.back() != 0) == fb) {
        sizes_.back() *= o;
      } else {
        sizes_.push_back(o);
        a_inc_.push_back(fa);
        b_inc_.push_back(fb);
      }
    }
    // Turn the advance flags into element strides, innermost first.
    int64_t sa = 1, sb = 1;
    for (size_t j = sizes_.size(); j-- > 0;) {
      if (a_inc_[j] != 0) {
        a_inc_[j] = sa;
        sa *= sizes_[j];
      }
      if (b_inc_[j] != 0) {
        b_inc_[j] = sb;
        sb *= sizes_[j];
      }
    }
    total_ = NumElementsOf(out_);
    idx_.assign(sizes_.size(), 0);
    a_dims_ = a;
    b_dims_ = b;
    valid_ = true;
    return absl::OkStatus();
  }

  const Dims& out_dims() const { return out_; }

  // out[i] = fn(a[..], b[..]) over the output prepared last.
  template <typename T, typename R, typename Fn>
  void Run(const T* a, const T* b, R* out, Fn fn) {
    if (total_ == 0) return;
    if (sizes_.empty()) {
      out[0] = fn(a[0], b[0]);
      return;
    }
    const size_t r = sizes_.size();
    const int64_t inner = sizes_[r - 1];
    const bool ca = a_inc_[r - 1] != 0, cb = b_inc_[r - 1] != 0;
    std::fill(idx_.begin(), idx_.end(), 0);
    int64_t oa = 0, ob = 0;
    for (int64_t o = 0; o < total_; o += inner) {
      const T* pa = a + oa;
      const T* pb = b + ob;
      R* po = out + o;
      if (ca && cb) {
        MapBinary(pa, pb, po, inner, fn);
      } else if (ca) {
        MapBinaryScalarB(pa, *pb, po, inner, fn);
      } else {
        MapBinaryScalarA(*pa, pb, po, inner, fn);
      }
      for (size_t d = r - 1; d-- > 0;) {
        oa += a_inc_[d];
        ob += b_inc_[d];
        if (++idx_[d] < sizes_[d]) break;
        oa -= a_inc_[d] * sizes_[d];
        ob -= b_inc_[d] * sizes_[d];
        idx_[d] = 0;
      }
    }
  }

 private:
  bool valid_ = false;
  Dims a_dims_, b_dims_, out_;
  int64_t total_ = 0;
  // Collapsed output dims (outer to inner) and each operand's stride along them (0: broadcast).
  std::vector<int64_t> sizes_, a_inc_, b_inc_;
  std::vector<int64_t> idx_;  // scratch loop counters
};

}  // namespace finngl::elementwise

#endif  // FINNGL_SRC_OPS_ELEMENTWISE_UTIL_H_
