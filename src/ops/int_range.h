// Integer value ranges for datatype inference of the accumulating ops (MatMul, Gemm, Conv).
//
// When every relevant input is integer-typed, these ops compute exactly, and their output
// datatype is the smallest integer type that provably holds every result. A runtime input is
// bounded by its datatype; a constant operand (weights) by its actual values, which gives a much
// tighter bound: for y = x . w with x in [lo, hi], y lies in sum_k [min(lo*w_k, hi*w_k),
// max(lo*w_k, hi*w_k)], taken per output column and united over columns.
#ifndef FINNGL_SRC_OPS_INT_RANGE_H_
#define FINNGL_SRC_OPS_INT_RANGE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "src/ir/graph.h"

namespace finngl {

// A closed interval of values.
struct ValueRange {
  double lo = 0;
  double hi = 0;
};

// Whether a value takes part in exact integer arithmetic: its quantization datatype is an integer
// type, or its element type is an integer type.
bool IsIntegerTyped(const TensorType& type);

// The quantization datatype that an integer element type implies (int8 -> INT8, bool -> BINARY).
DataType DataTypeOfElementType(ElementType type);

// Values an integer-typed tensor may hold: its integer datatype, else its element type's range.
// nullopt for tensors that are not integer-typed.
std::optional<ValueRange> RangeOfType(const TensorType& type);

// The largest magnitude an integer-typed value can hold: its data's when it is an initializer,
// else its type's range. Infinity for values that are not integer-typed (or null).
double MaxMagnitude(const Value* value);

// Interval arithmetic.
ValueRange RangeProduct(ValueRange a, ValueRange b);
ValueRange RangeSum(ValueRange a, ValueRange b);
ValueRange RangeScale(ValueRange a, double k);  // k * a
ValueRange RangeUnion(ValueRange a, ValueRange b);
ValueRange RangeWithZero(ValueRange a);                       // also covers 0 (e.g. zero padding)
ValueRange RangeOfValues(const std::vector<double>& values);  // min and max (values non-empty)

// Range of dot products between `count` constant vectors and any vector x with elements in `x`,
// united over the vectors. Element i of vector j of block b sits at
// values[b * block_stride + j * vector_stride + i * element_stride], for b < blocks, j < count,
// i < length.
ValueRange DotRangeWithConstant(const std::vector<double>& values, int64_t blocks,
                                int64_t block_stride, int64_t count, int64_t vector_stride,
                                int64_t length, int64_t element_stride, ValueRange x);

// The datatype of an exact result with values in `range`, stored with element type `elem`: the
// smallest integer type holding the range, or the element type's own integer datatype when the
// range exceeds it (integer containers wrap). FLOAT32 when no integer type fits.
DataType DataTypeForRange(ValueRange range, ElementType elem);

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_INT_RANGE_H_
