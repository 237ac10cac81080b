// infer-thresholding: a MultiThreshold on an integer stream (one that infer-mvau did not fuse
// into an MVAU) becomes a standalone Thresholding HW op (docs/hw_layers.md).
//
//   before:  y = MultiThreshold<out_bias = b, out_scale = 1>(x, T)   x: integer [N, ..., C]
//   after:   y = Thresholding<NumChannels = C, ActVal = b, numSteps>(x, T)
//
// Preconditions: x is integer-typed with a known last dim C; T is constant [C or 1, steps] with
// the channel on the last axis (channel-last data; shared thresholds [1, steps] apply to every
// element, so any layout works for them); out_scale 1, integral out_bias, integer output datatype.
// Non-integer thresholds are rounded up (exact for integer x). A MultiThreshold quantizing a float
// input stays: it is the accelerator's input quantizer, outside the integer dataflow.
#ifndef FINNGL_SRC_PASSES_INFER_THRESHOLDING_H_
#define FINNGL_SRC_PASSES_INFER_THRESHOLDING_H_

#include "src/passes/pass.h"

namespace finngl {

class InferThresholdingPass final : public NamedPass<InferThresholdingPass> {
 public:
  static constexpr const char kName[] = "infer-thresholding";
  static constexpr const char kDescription[] =
      "MultiThreshold on an integer channel-last stream to a Thresholding HW op";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_INFER_THRESHOLDING_H_
