#include "src/ops/gemm_kernel.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

namespace finngl {
namespace {

template <typename T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using ConstMap = Eigen::Map<const RowMajor<T>, Eigen::Unaligned, Eigen::OuterStride<>>;
template <typename T>
using MutMap = Eigen::Map<RowMajor<T>, Eigen::Unaligned, Eigen::OuterStride<>>;

template <typename T>
void EigenGemm(int64_t m, int64_t n, int64_t k, GemmOperand<T> a, GemmOperand<T> b, T* c,
               int64_t ldc) {
  MutMap<T> cm(c, m, n, Eigen::OuterStride<>(ldc));
  if (k == 0) {
    cm.setZero();
    return;
  }
  // A stored matrix is [rows, cols] before the optional transpose.
  ConstMap<T> am(a.data, a.trans ? k : m, a.trans ? m : k, Eigen::OuterStride<>(a.ld));
  ConstMap<T> bm(b.data, b.trans ? n : k, b.trans ? k : n, Eigen::OuterStride<>(b.ld));
  if (!a.trans && !b.trans) {
    cm.noalias() = am * bm;
  } else if (a.trans && !b.trans) {
    cm.noalias() = am.transpose() * bm;
  } else if (!a.trans && b.trans) {
    cm.noalias() = am * bm.transpose();
  } else {
    cm.noalias() = am.transpose() * bm.transpose();
  }
}

// Decodes one element to Acc.
template <typename Acc, typename T>
Acc Load(T v) {
  if constexpr (std::is_same_v<Acc, int64_t> && std::is_floating_point_v<T>) {
    // Out-of-range floats have no integer meaning; clamp rather than invoke undefined behaviour.
    double d = static_cast<double>(v);
    if (!(d > -9.2233720368547758e18)) return std::numeric_limits<int64_t>::min();
    if (!(d < 9.2233720368547758e18)) return std::numeric_limits<int64_t>::max();
    return static_cast<int64_t>(d);
  } else {
    return static_cast<Acc>(v);
  }
}

// Converts an exact accumulator value to an integer element type with wrap-around.
template <typename T, typename Acc>
T StoreInteger(Acc v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else if constexpr (std::is_floating_point_v<Acc>) {
    // Integral doubles beyond int64 only arise from overflowing products; saturate.
    if (!(v > -9.2233720368547758e18)) return static_cast<T>(std::numeric_limits<int64_t>::min());
    if (!(v < 9.2233720368547758e18)) {
      if constexpr (std::is_same_v<T, uint64_t>) {
        return v < 1.8446744073709552e19 ? static_cast<uint64_t>(v)
                                         : std::numeric_limits<uint64_t>::max();
      }
      return static_cast<T>(std::numeric_limits<int64_t>::max());
    }
    return static_cast<T>(static_cast<int64_t>(std::nearbyint(v)));
  } else {
    return static_cast<T>(v);  // modular since C++20
  }
}

}  // namespace

void Gemm(int64_t m, int64_t n, int64_t k, GemmOperand<float> a, GemmOperand<float> b, float* c,
          int64_t ldc) {
  EigenGemm(m, n, k, a, b, c, ldc);
}

void Gemm(int64_t m, int64_t n, int64_t k, GemmOperand<double> a, GemmOperand<double> b, double* c,
          int64_t ldc) {
  EigenGemm(m, n, k, a, b, c, ldc);
}

void Gemm(int64_t m, int64_t n, int64_t k, GemmOperand<int64_t> a, GemmOperand<int64_t> b,
          int64_t* c, int64_t ldc) {
  // Unsigned arithmetic wraps modulo 2^64, which is exactly two's-complement int64 wrapping.
  auto at = [&](int64_t i, int64_t p) -> uint64_t {
    return static_cast<uint64_t>(a.trans ? a.data[p * a.ld + i] : a.data[i * a.ld + p]);
  };
  for (int64_t i = 0; i < m; ++i) {
    uint64_t* row = reinterpret_cast<uint64_t*>(c + i * ldc);
    std::fill(row, row + n, uint64_t{0});
    for (int64_t p = 0; p < k; ++p) {
      const uint64_t av = at(i, p);
      if (av == 0) continue;
      if (!b.trans) {
        const int64_t* brow = b.data + p * b.ld;
        for (int64_t j = 0; j < n; ++j) row[j] += av * static_cast<uint64_t>(brow[j]);
      } else {
        for (int64_t j = 0; j < n; ++j) row[j] += av * static_cast<uint64_t>(b.data[j * b.ld + p]);
      }
    }
  }
}

template <typename Acc>
void ConvertElements(ElementType type, const void* src, int64_t n, Acc* dst) {
  if (type == ElementType::kFloat16) {
    const uint16_t* s = static_cast<const uint16_t*>(src);
    for (int64_t i = 0; i < n; ++i) dst[i] = Load<Acc>(HalfToFloat(s[i]));
    return;
  }
  DispatchElementType(type, [&](auto zero) {
    using T = decltype(zero);
    const T* s = static_cast<const T*>(src);
    if constexpr (std::is_same_v<T, Acc>) {
      std::memcpy(dst, s, static_cast<size_t>(n) * sizeof(T));
    } else {
      for (int64_t i = 0; i < n; ++i) dst[i] = Load<Acc>(s[i]);
    }
  });
}

template <typename Acc>
void StoreElements(const Acc* src, int64_t n, ElementType type, void* dst) {
  if (type == ElementType::kFloat16) {
    uint16_t* d = static_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < n; ++i) d[i] = FloatToHalf(static_cast<float>(src[i]));
    return;
  }
  DispatchElementType(type, [&](auto zero) {
    using T = decltype(zero);
    T* d = static_cast<T*>(dst);
    if constexpr (std::is_same_v<T, Acc>) {
      std::memcpy(d, src, static_cast<size_t>(n) * sizeof(T));
    } else if constexpr (std::is_floating_point_v<T>) {
      for (int64_t i = 0; i < n; ++i) d[i] = static_cast<T>(src[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) d[i] = StoreInteger<T>(src[i]);
    }
  });
}

bool IsGemmElementType(ElementType type) {
  return type != ElementType::kBool && (IsIntegerElementType(type) || IsFloatElementType(type));
}

Accumulator ChooseAccumulator(ElementType type, bool exact, int64_t k,
                              const MagnitudeBounds& bounds) {
  if (type == ElementType::kDouble) return Accumulator::kDouble;
  const bool integer_elements = IsIntegerElementType(type);
  if (!exact && !integer_elements) return Accumulator::kFloat;
  double a = bounds.a, b = bounds.b, bias = bounds.bias;
  if (integer_elements) {
    const double m = ElementTypeMaxMagnitude(type);
    a = std::min(a, m);
    b = std::min(b, m);
    bias = std::min(bias, m);
  }
  const double bound = static_cast<double>(k) * a * b + bias;
  if (bound < 16777216.0) return Accumulator::kFloat;           // 2^24
  if (bound < 9007199254740992.0) return Accumulator::kDouble;  // 2^53
  return integer_elements ? Accumulator::kInt64 : Accumulator::kDouble;
}

double ElementTypeMaxMagnitude(ElementType type) {
  switch (type) {
    case ElementType::kBool:
      return 1;
    case ElementType::kInt8:
      return 128;
    case ElementType::kUint8:
      return 255;
    case ElementType::kInt16:
      return 32768;
    case ElementType::kUint16:
      return 65535;
    case ElementType::kInt32:
      return 2147483648.0;
    case ElementType::kUint32:
      return 4294967295.0;
    case ElementType::kInt64:
      return 9223372036854775808.0;
    case ElementType::kUint64:
      return 18446744073709551615.0;
    default:
      return std::numeric_limits<double>::infinity();
  }
}

template <typename Acc>
const Acc* OperandBuffer::Get(const Tensor& t) {
  if (t.type() == ElementTypeOf<Acc>()) return t.data<Acc>();
  const ElementType as = ElementTypeOf<Acc>();
  if (constant_ && source_ == t.raw() && source_type_ == t.type() && cached_as_ == as &&
      source_dims_ == t.dims()) {
    return reinterpret_cast<const Acc*>(storage_.data());
  }
  size_t words = (static_cast<size_t>(t.size()) * sizeof(Acc) + 7) / 8;
  if (storage_.size() < words) storage_.resize(words);
  Acc* dst = reinterpret_cast<Acc*>(storage_.data());
  ConvertElements<Acc>(t.type(), t.raw(), t.size(), dst);
  source_ = t.raw();
  source_type_ = t.type();
  cached_as_ = as;
  source_dims_ = t.dims();
  return dst;
}

template void ConvertElements<float>(ElementType, const void*, int64_t, float*);
template void ConvertElements<double>(ElementType, const void*, int64_t, double*);
template void ConvertElements<int64_t>(ElementType, const void*, int64_t, int64_t*);
template void StoreElements<float>(const float*, int64_t, ElementType, void*);
template void StoreElements<double>(const double*, int64_t, ElementType, void*);
template void StoreElements<int64_t>(const int64_t*, int64_t, ElementType, void*);
template const float* OperandBuffer::Get<float>(const Tensor&);
template const double* OperandBuffer::Get<double>(const Tensor&);
template const int64_t* OperandBuffer::Get<int64_t>(const Tensor&);

}  // namespace finngl
