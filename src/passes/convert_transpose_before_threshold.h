// move-transpose-before-multithreshold: a layout Transpose reading a MultiThreshold moves in
// front of it, so that the accelerator's input quantizer (a MultiThreshold on the float input)
// is directly followed by hardware ops: the NCHW -> NHWC Transpose of a lowered CNN then sits on
// the float input, outside the integer dataflow, as FINN leaves it to the host.
//
//   before:  q = MultiThreshold<data_layout = "NCHW">(x, T);  y = Transpose<perm>(q)
//   after:   t = Transpose<perm>(x);  y = MultiThreshold<data_layout = permuted>(t, T)
//
// MultiThreshold works element by element with the thresholds of each element's channel, so
// the two commute exactly when the channel axis follows the permutation: the new data_layout is
// the old one permuted (layout'[i] = layout[perm[i]]; "NCHW" with [0, 2, 3, 1] gives "NHWC").
// Preconditions: the MultiThreshold quantizes float data (its input is not integer-typed); the
// Transpose is its only reader; the data's rank is known and
// the layout has one letter per axis (or is the rank's default).
#ifndef FINNGL_SRC_PASSES_CONVERT_TRANSPOSE_BEFORE_THRESHOLD_H_
#define FINNGL_SRC_PASSES_CONVERT_TRANSPOSE_BEFORE_THRESHOLD_H_

#include "src/passes/pass.h"

namespace finngl {

class MoveTransposeBeforeMultiThresholdPass final
    : public NamedPass<MoveTransposeBeforeMultiThresholdPass> {
 public:
  static constexpr const char kName[] = "move-transpose-before-multithreshold";
  static constexpr const char kDescription[] =
      "move a Transpose of a MultiThreshold's output in front of it (layout permuted)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_CONVERT_TRANSPOSE_BEFORE_THRESHOLD_H_
