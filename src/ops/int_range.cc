#include "src/ops/int_range.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace finngl {

bool IsIntegerTyped(const TensorType& type) {
  return type.dtype.IsInteger() || IsIntegerElementType(type.elem);
}

DataType DataTypeOfElementType(ElementType type) {
  switch (type) {
    case ElementType::kBool:
      return DataType::Binary();
    case ElementType::kInt8:
      return DataType::Int(8);
    case ElementType::kUint8:
      return DataType::UInt(8);
    case ElementType::kInt16:
      return DataType::Int(16);
    case ElementType::kUint16:
      return DataType::UInt(16);
    case ElementType::kInt32:
      return DataType::Int(32);
    case ElementType::kUint32:
      return DataType::UInt(32);
    case ElementType::kInt64:
      return DataType::Int(64);
    case ElementType::kUint64:
      return DataType::UInt(64);
    case ElementType::kFloat16:
      return DataType::Float16();
    default:
      return DataType::Float32();
  }
}

std::optional<ValueRange> RangeOfType(const TensorType& type) {
  if (type.dtype.IsInteger()) return ValueRange{type.dtype.Min(), type.dtype.Max()};
  if (IsIntegerElementType(type.elem)) {
    DataType d = DataTypeOfElementType(type.elem);
    return ValueRange{d.Min(), d.Max()};
  }
  return std::nullopt;
}

double MaxMagnitude(const Value* value) {
  if (value == nullptr || !IsIntegerTyped(value->type())) {
    return std::numeric_limits<double>::infinity();
  }
  if (const Tensor* t = value->initializer()) {
    double m = 0;
    for (int64_t i = 0; i < t->size(); ++i) m = std::max(m, std::fabs(t->GetDouble(i)));
    return m;
  }
  std::optional<ValueRange> r = RangeOfType(value->type());
  return r ? std::max(std::fabs(r->lo), std::fabs(r->hi)) : std::numeric_limits<double>::infinity();
}

ValueRange RangeProduct(ValueRange a, ValueRange b) {
  const double p[4] = {a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi};
  return {*std::min_element(p, p + 4), *std::max_element(p, p + 4)};
}

ValueRange RangeSum(ValueRange a, ValueRange b) { return {a.lo + b.lo, a.hi + b.hi}; }

ValueRange RangeScale(ValueRange a, double k) {
  return k >= 0 ? ValueRange{k * a.lo, k * a.hi} : ValueRange{k * a.hi, k * a.lo};
}

ValueRange RangeUnion(ValueRange a, ValueRange b) {
  return {std::min(a.lo, b.lo), std::max(a.hi, b.hi)};
}

ValueRange RangeWithZero(ValueRange a) { return {std::min(a.lo, 0.0), std::max(a.hi, 0.0)}; }

ValueRange RangeOfValues(const std::vector<double>& values) {
  auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return {*lo, *hi};
}

ValueRange DotRangeWithConstant(const std::vector<double>& values, int64_t blocks,
                                int64_t block_stride, int64_t count, int64_t vector_stride,
                                int64_t length, int64_t element_stride, ValueRange x) {
  std::optional<ValueRange> all;
  for (int64_t b = 0; b < blocks; ++b) {
    for (int64_t j = 0; j < count; ++j) {
      ValueRange sum{0, 0};
      const double* v = values.data() + b * block_stride + j * vector_stride;
      for (int64_t i = 0; i < length; ++i) {
        const double w = v[i * element_stride];
        sum.lo += w >= 0 ? w * x.lo : w * x.hi;
        sum.hi += w >= 0 ? w * x.hi : w * x.lo;
      }
      all = all ? RangeUnion(*all, sum) : sum;
    }
  }
  return all.value_or(ValueRange{0, 0});
}

DataType DataTypeForRange(ValueRange range, ElementType elem) {
  if (IsIntegerElementType(elem)) {
    DataType container = DataTypeOfElementType(elem);
    if (range.lo < container.Min() || range.hi > container.Max()) return container;
  }
  return DataType::SmallestHolding(range.lo, range.hi);
}

}  // namespace finngl
