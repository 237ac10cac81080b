// A dense tensor: element type, shape and a contiguous row-major buffer.
//
// Tensors are values (copyable, movable). Resize() keeps the buffer's capacity so executors can
// reuse output tensors across runs and Scan iterations without allocating.
#ifndef FINNGL_SRC_IR_TENSOR_H_
#define FINNGL_SRC_IR_TENSOR_H_

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "src/ir/element_type.h"

namespace finngl {

using Dims = std::vector<int64_t>;

// Product of dims (1 for a scalar).
int64_t NumElementsOf(std::span<const int64_t> dims);
std::string DimsToString(std::span<const int64_t> dims);  // "[2, 3]"

float HalfToFloat(uint16_t h);
uint16_t FloatToHalf(float f);

class Tensor {
 public:
  Tensor() = default;
  // Zero-initialised tensor.
  Tensor(ElementType type, Dims dims);

  template <typename T>
  static Tensor FromVector(Dims dims, const std::vector<T>& values) {
    Tensor t(ElementTypeOf<T>(), std::move(dims));
    std::memcpy(t.raw(), values.data(), values.size() * sizeof(T));
    return t;
  }
  template <typename T>
  static Tensor Scalar(T v) {
    return FromVector<T>({}, std::vector<T>{v});
  }

  ElementType type() const { return type_; }
  const Dims& dims() const { return dims_; }
  int64_t rank() const { return static_cast<int64_t>(dims_.size()); }
  int64_t dim(int64_t i) const { return dims_[i]; }
  int64_t size() const { return num_elements_; }
  size_t byte_size() const { return static_cast<size_t>(num_elements_) * ElementSize(type_); }

  // Changes type and shape; contents become unspecified. Never shrinks the allocation.
  void Resize(ElementType type, std::span<const int64_t> dims);
  // Changes the shape only; the element count must stay the same (a reshape view in place).
  void Reshape(std::span<const int64_t> dims);

  void* raw() { return storage_.data(); }
  const void* raw() const { return storage_.data(); }
  template <typename T>
  T* data() {
    return reinterpret_cast<T*>(storage_.data());
  }
  template <typename T>
  const T* data() const {
    return reinterpret_cast<const T*>(storage_.data());
  }
  template <typename T>
  std::span<T> span() {
    return {data<T>(), static_cast<size_t>(num_elements_)};
  }
  template <typename T>
  std::span<const T> span() const {
    return {data<T>(), static_cast<size_t>(num_elements_)};
  }

  // Element access through double, for any numeric element type (slow path; used for
  // attributes, constants and tests, not in hot kernels).
  double GetDouble(int64_t i) const;
  void SetDouble(int64_t i, double v);
  int64_t GetInt64(int64_t i) const;
  std::vector<double> ToDoubles() const;
  std::vector<int64_t> ToInt64s() const;
  // Converts to another element type (float->int truncates toward zero like a C cast, matching
  // ONNX Cast for in-range values).
  Tensor CastTo(ElementType type) const;

  bool SameContents(const Tensor& other) const;  // type, dims and bytes equal
  std::string DebugString(int max_elements = 8) const;

 private:
  ElementType type_ = ElementType::kFloat;
  Dims dims_;
  int64_t num_elements_ = 0;
  // uint64 words keep the buffer 8-byte aligned for every element type.
  std::vector<uint64_t> storage_;
};

// Calls fn(T{}) with T the C++ type of `type` (numeric types only; bool maps to bool, float16 to
// uint16_t). Returns false if the type is not numeric.
template <typename Fn>
bool DispatchElementType(ElementType type, Fn&& fn) {
  switch (type) {
    case ElementType::kFloat: fn(float{}); return true;
    case ElementType::kDouble: fn(double{}); return true;
    case ElementType::kInt8: fn(int8_t{}); return true;
    case ElementType::kUint8: fn(uint8_t{}); return true;
    case ElementType::kInt16: fn(int16_t{}); return true;
    case ElementType::kUint16: fn(uint16_t{}); return true;
    case ElementType::kInt32: fn(int32_t{}); return true;
    case ElementType::kUint32: fn(uint32_t{}); return true;
    case ElementType::kInt64: fn(int64_t{}); return true;
    case ElementType::kUint64: fn(uint64_t{}); return true;
    case ElementType::kBool: fn(bool{}); return true;
    case ElementType::kFloat16: fn(uint16_t{}); return true;
    default: return false;
  }
}

}  // namespace finngl

#endif  // FINNGL_SRC_IR_TENSOR_H_
