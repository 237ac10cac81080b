// Sliding-window geometry shared by Conv, MaxPool and AveragePool: parsing and validating the
// window attributes (auto_pad, kernel_shape, strides, dilations, pads, ceil_mode) and computing
// output sizes and effective pads, statically (possibly unknown dims) and at run time.
//
// Run-time geometry is kept in fixed arrays of kMaxSpatialRank slots so kernels do not allocate per
// run; 1-D and 2-D windows occupy the trailing slots and the leading ones have size 1, so one
// 3-D loop nest serves every rank.
//
// Output size per axis, with the dilated kernel dk = (k - 1) * d + 1 (ONNX semantics):
//   NOTSET: floor((in + pad_begin + pad_end - dk) / s) + 1; with ceil_mode the ceiling, minus one
//           when the last window would start in the end padding (as onnxruntime and PyTorch do);
//   VALID:  as NOTSET with zero pads;
//   SAME_UPPER / SAME_LOWER: ceil(in / s), with total padding max(0, (out - 1) * s + dk - in) split
//           evenly, the odd element at the end (UPPER) or at the beginning (LOWER).
#ifndef FINNGL_SRC_OPS_WINDOW_H_
#define FINNGL_SRC_OPS_WINDOW_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"
#include "src/ops/op_spec.h"

namespace finngl {

inline constexpr int kMaxSpatialRank = 3;

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

// The window attributes of a node as written; empty vectors mean "default" (ones / zeros).
struct WindowAttrs {
  AutoPad auto_pad = AutoPad::kNotSet;
  std::vector<int64_t> kernel_shape;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads;  // [x1_begin, x2_begin, ..., x1_end, x2_end, ...]
  bool ceil_mode = false;
};

// Attribute schema entries for auto_pad, dilations, kernel_shape, pads, strides and, for pooling
// ops, ceil_mode.
std::vector<AttrSpec> WindowAttrSpecs(bool kernel_required, bool pooling);

// Parses and validates the window attributes of `node` (types, positive kernel/strides/dilations,
// non-negative pads, consistent lengths). `kernel_required`: pools need kernel_shape.
absl::StatusOr<WindowAttrs> ParseWindowAttrs(const Node& node, bool kernel_required);

// Checks that the attribute lengths fit `spatial_rank` axes.
absl::Status CheckWindowRank(const WindowAttrs& attrs, int spatial_rank);

// The concrete geometry of one run; slot kMaxSpatialRank - rank + i holds spatial axis i.
struct WindowGeometry {
  int rank = 0;
  std::array<int64_t, kMaxSpatialRank> in{1, 1, 1};
  std::array<int64_t, kMaxSpatialRank> kernel{1, 1, 1};
  std::array<int64_t, kMaxSpatialRank> stride{1, 1, 1};
  std::array<int64_t, kMaxSpatialRank> dilation{1, 1, 1};
  std::array<int64_t, kMaxSpatialRank> pad_begin{0, 0, 0};
  std::array<int64_t, kMaxSpatialRank> pad_end{0, 0, 0};
  std::array<int64_t, kMaxSpatialRank> out{1, 1, 1};
  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
  int64_t kernel_size() const { return kernel[0] * kernel[1] * kernel[2]; }
};

// Computes the geometry for spatial input sizes `in` and kernel sizes `kernel` (both of the same
// length, 1..kMaxSpatialRank). Errors when a window does not fit in the padded input.
absl::StatusOr<WindowGeometry> ComputeWindowGeometry(const WindowAttrs& attrs,
                                                     std::span<const int64_t> in,
                                                     std::span<const int64_t> kernel);

// Static output spatial dims: unknown where the input dim is unknown.
absl::StatusOr<std::vector<Dim>> InferWindowOutputDims(const WindowAttrs& attrs,
                                                       std::span<const Dim> in,
                                                       std::span<const int64_t> kernel);

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_WINDOW_H_
