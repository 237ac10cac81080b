// Dense matrix products and element conversions shared by MatMul, Gemm and Conv (im2col).
//
// Three accumulator types cover every case:
//  - float:   the float32 path, through Eigen (the executor's hot path: LSTM steps and convs),
//             also used for integer-typed tensors when every partial sum is provably below 2^24;
//  - double:  exact products of integer-typed tensors. Products and sums of integers stay exact in
//             double while every partial sum is below 2^53, whatever the summation order, so Eigen
//             can be used; callers pick it only when that bound provably holds;
//  - int64_t: exact products of wide integer element types (int32/int64), computed with wrapping
//             two's-complement arithmetic so the stored result equals the ONNX integer semantics.
// Operands are row-major with a leading dimension, optionally transposed (BLAS conventions).
#ifndef FINNGL_SRC_OPS_GEMM_KERNEL_H_
#define FINNGL_SRC_OPS_GEMM_KERNEL_H_

#include <cstdint>
#include <limits>
#include <vector>

#include "src/ir/tensor.h"

namespace finngl {

// One operand of a product: `data` holds a row-major matrix with `ld` elements between rows; the
// logical operand is that matrix or, with `trans`, its transpose.
template <typename T>
struct GemmOperand {
  const T* data;
  int64_t ld;
  bool trans = false;
};

// C[m,n] = op(A)[m,k] * op(B)[k,n]; C is row-major with leading dimension ldc (overwritten).
void Gemm(int64_t m, int64_t n, int64_t k, GemmOperand<float> a, GemmOperand<float> b, float* c,
          int64_t ldc);
void Gemm(int64_t m, int64_t n, int64_t k, GemmOperand<double> a, GemmOperand<double> b, double* c,
          int64_t ldc);
// Wrapping 64-bit integer product (no undefined behaviour on overflow).
void Gemm(int64_t m, int64_t n, int64_t k, GemmOperand<int64_t> a, GemmOperand<int64_t> b,
          int64_t* c, int64_t ldc);

// Converts `n` elements of a numeric tensor buffer of element type `type` to Acc (float16 is
// decoded; float -> int64 truncates like a C cast).
template <typename Acc>
void ConvertElements(ElementType type, const void* src, int64_t n, Acc* dst);
// Stores `n` accumulator values into a buffer of element type `type`. Integer element types
// receive the value modulo 2^bits (the wrapping result of ONNX integer arithmetic); float types
// are rounded to nearest.
template <typename Acc>
void StoreElements(const Acc* src, int64_t n, ElementType type, void* dst);

// Element types the accumulating ops accept: every numeric type except bool.
bool IsGemmElementType(ElementType type);

enum class Accumulator { kFloat, kDouble, kInt64 };

// Static bounds on the magnitudes of the operands of an exact product: |a| <= a, |b| <= b and
// |bias| <= bias (infinity when unknown). They come from datatypes and constant values.
struct MagnitudeBounds {
  double a = std::numeric_limits<double>::infinity();
  double b = std::numeric_limits<double>::infinity();
  double bias = 0;
};

// The accumulator for sums of `k` products (plus a bias) of operands of element type `type`.
// Without `exact` (float operands that are not integer-typed) it is float32 like onnxruntime.
// With `exact` (every operand integer-typed) every partial sum is bounded by
// k * a * b + bias; integers below 2^24 are exact in float32 and below 2^53 in double whatever the
// summation order, so the cheapest exact accumulator is chosen; beyond that wrapping int64 for
// integer element types. (Integer-typed float tensors with sums beyond 2^53 use double, the best
// a float tensor can hold anyway.)
Accumulator ChooseAccumulator(ElementType type, bool exact, int64_t k,
                              const MagnitudeBounds& bounds);

// The largest magnitude an element of an integer element type can have (as double).
double ElementTypeMaxMagnitude(ElementType type);

// Supplies a tensor's elements as Acc: the tensor's own buffer when it already holds Acc, else a
// converted copy kept in this object. With `constant` (an initializer that never changes between
// runs) the copy is made once and reused while the same buffer is passed in.
class OperandBuffer {
 public:
  explicit OperandBuffer(bool constant = false) : constant_(constant) {}
  template <typename Acc>
  const Acc* Get(const Tensor& t);

 private:
  bool constant_;
  const void* source_ = nullptr;
  ElementType source_type_ = ElementType::kUndefined;
  ElementType cached_as_ = ElementType::kUndefined;
  Dims source_dims_;
  std::vector<uint64_t> storage_;  // 8-byte words: aligned for every Acc
};

// A reusable scratch array of Acc (grows, never shrinks).
class Scratch {
 public:
  template <typename Acc>
  Acc* Get(int64_t n) {
    size_t words = (static_cast<size_t>(n) * sizeof(Acc) + 7) / 8;
    if (storage_.size() < words) storage_.resize(words);
    return reinterpret_cast<Acc*>(storage_.data());
  }

 private:
  std::vector<uint64_t> storage_;
};

extern template void ConvertElements<float>(ElementType, const void*, int64_t, float*);
extern template void ConvertElements<double>(ElementType, const void*, int64_t, double*);
extern template void ConvertElements<int64_t>(ElementType, const void*, int64_t, int64_t*);
extern template void StoreElements<float>(const float*, int64_t, ElementType, void*);
extern template void StoreElements<double>(const double*, int64_t, ElementType, void*);
extern template void StoreElements<int64_t>(const int64_t*, int64_t, ElementType, void*);
extern template const float* OperandBuffer::Get<float>(const Tensor&);
extern template const double* OperandBuffer::Get<double>(const Tensor&);
extern template const int64_t* OperandBuffer::Get<int64_t>(const Tensor&);

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_GEMM_KERNEL_H_
