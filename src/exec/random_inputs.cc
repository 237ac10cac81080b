#include "src/exec/random_inputs.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace finngl {
namespace {

// Integer inputs of wide element types stay small enough that arithmetic on them is meaningful
// (wrapping is deterministic, but huge values mostly test overflow).
constexpr double kWideIntegerLimit = 1 << 20;

// The closed range of integers an input of this type may hold, for integer-valued types.
std::pair<double, double> IntegerRange(const TensorType& type) {
  double lo = -kWideIntegerLimit, hi = kWideIntegerLimit;
  if (type.dtype.IsInteger()) {
    lo = std::max(lo, type.dtype.Min());
    hi = std::min(hi, type.dtype.Max());
  }
  switch (type.elem) {
    case ElementType::kBool: return {0, 1};
    case ElementType::kInt8: return {std::max(lo, -128.0), std::min(hi, 127.0)};
    case ElementType::kUint8: return {std::max(lo, 0.0), std::min(hi, 255.0)};
    case ElementType::kInt16: return {std::max(lo, -32768.0), std::min(hi, 32767.0)};
    case ElementType::kUint16:
    case ElementType::kUint32:
    case ElementType::kUint64: return {std::max(lo, 0.0), hi};
    default: return {lo, hi};
  }
}

double RandomElement(const TensorType& type, std::mt19937& rng) {
  const DataType& dt = type.dtype;
  if (dt.kind() == DataType::Kind::kBipolar) {
    return std::uniform_int_distribution<int>(0, 1)(rng) == 0 ? -1.0 : 1.0;
  }
  if (dt.IsFixedPoint()) {
    const double step = std::ldexp(1.0, -(dt.bit_width() - dt.int_bits()));
    const auto k = std::uniform_int_distribution<int64_t>(std::llround(dt.Min() / step),
                                                          std::llround(dt.Max() / step))(rng);
    return static_cast<double>(k) * step;
  }
  if (dt.IsInteger() || IsIntegerElementType(type.elem)) {
    const auto [lo, hi] = IntegerRange(type);
    return static_cast<double>(std::uniform_int_distribution<int64_t>(
        static_cast<int64_t>(lo), static_cast<int64_t>(hi))(rng));
  }
  return std::uniform_real_distribution<double>(-2.0, 2.0)(rng);
}

}  // namespace

Tensor RandomInput(const Value& input, std::mt19937& rng) {
  const TensorType& type = input.type();
  Dims dims;
  if (type.shape) {
    for (const Dim& d : *type.shape) dims.push_back(d.known() ? d.value : 2);
  }
  Tensor t(type.elem, dims);
  for (int64_t i = 0; i < t.size(); ++i) t.SetDouble(i, RandomElement(type, rng));
  return t;
}

}  // namespace finngl
