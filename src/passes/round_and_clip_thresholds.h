// round-and-clip-thresholds: thresholds compared with integers become integers in the input's
// range, so hardware compares integers of a known width.
//
//   before:  y = MultiThreshold(x, T)      x: INT4 (-8..7), T = [[-9.5, -0.25, 3.0, 12.0]]
//   after:   y = MultiThreshold(x, T_I)    T_I = [[-8, 0, 3, 8]], annotated INT5 (the smallest
//                                          integer type holding T_I)
//
// Exact: for integer x, x >= t iff x >= ceil(t); a threshold below the input's minimum is reached
// by every input, as is the minimum itself; one above the maximum by none, as max + 1. So
// T_I = clip(ceil(T), min, max + 1) (FINN clips to [min - 1, max + 1]; this is tighter and means
// the same).
// NaN thresholds (never reached) stay.
// Preconditions: x is integer-typed (an integer datatype or element type); for x produced by a
// MultiThreshold the range is computed from its out_scale, out_bias and threshold count rather
// than taken from out_dtype (right after QONNX -> FINN conversion out_dtype names the final type
// while the node still outputs raw counts); T is a float32 constant.
#ifndef FINNGL_SRC_PASSES_ROUND_AND_CLIP_THRESHOLDS_H_
#define FINNGL_SRC_PASSES_ROUND_AND_CLIP_THRESHOLDS_H_

#include "src/passes/pass.h"

namespace finngl {

class RoundAndClipThresholdsPass final : public NamedPass<RoundAndClipThresholdsPass> {
 public:
  static constexpr const char kName[] = "round-and-clip-thresholds";
  static constexpr const char kDescription[] =
      "round and clip thresholds of MultiThresholds with integer inputs to integers in range";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_ROUND_AND_CLIP_THRESHOLDS_H_
