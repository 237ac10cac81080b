// Helpers shared by the shape and data-movement ops (src/ops/shape_ops.cc): axis normalisation,
// reading integer shape arguments, and element copies that only look at the element size, so one
// kernel serves every element type (float, int8, bool, float16, ...) and keeps the bytes intact.
#ifndef FINNGL_SRC_OPS_SHAPE_UTIL_H_
#define FINNGL_SRC_OPS_SHAPE_UTIL_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"
#include "src/ops/op_spec.h"

namespace finngl {

// Maps `axis` in [-rank, rank) to [0, rank); the error names `what` (e.g. "attribute 'axis'").
absl::StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank, const std::string& what);
// Same for a list; duplicates are an error.
absl::StatusOr<std::vector<int64_t>> NormalizeAxes(std::span<const int64_t> axes, int64_t rank,
                                                   const std::string& what);

// Reads an integer tensor (any integer element type) as int64 values; InvalidArgument naming
// `what` for non-integer tensors.
absl::StatusOr<std::vector<int64_t>> ReadInts(const Tensor& t, const std::string& what);
// Type inference: the values of input i if it is a known constant integer tensor.
std::optional<std::vector<int64_t>> ConstantInts(const InferContext& ctx, int i);

// Row-major element strides of `dims`.
Dims RowMajorStrides(std::span<const int64_t> dims);

// out[i] = in[in_base + sum_d idx_d(i) * in_strides[d]] for every i in row-major order over
// `out_dims`; elements are `elem_size` bytes (1, 2, 4 or 8). Strides may be negative or zero.
void StridedCopy(const void* in, int64_t in_base, std::span<const int64_t> in_strides,
                 std::span<const int64_t> out_dims, int elem_size, void* out);

// An attribute schema entry without a value constraint.
inline AttrSpec MakeAttr(std::string name, Attribute::Type type, bool required = false) {
  return AttrSpec{std::move(name), type, required, nullptr};
}

// InvalidArgument naming `label` unless the tensor's elements have a size (strings do not).
absl::Status CheckCopyable(const Tensor& t, const std::string& label);
// Copies `in` into `out` with new dims (same element count).
void CopyWithDims(const Tensor& in, std::span<const int64_t> dims, Tensor& out);
// The product of dims [begin, end) of a static shape (unknown if any is unknown); a single dim
// passes through with its symbolic name.
Dim DimProduct(const Shape& s, size_t begin, size_t end);

// The input's name for diagnostics ("input 'x'"), or "input <i>" when omitted.
std::string InputLabel(const Node& node, int i);

// Turns a plain InvalidArgument from a shared helper into an inference error naming the node.
inline absl::Status InferError(const InferContext& ctx, const absl::Status& status) {
  return status.ok() ? status : ctx.Error(std::string(status.message()));
}

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_SHAPE_UTIL_H_
