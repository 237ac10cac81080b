// absorb-mul-into-multithreshold: a positive scale in front of a MultiThreshold moves into its
// thresholds.
//
//   before:  t = Mul(x, A)                 A > 0: scalar or one per channel
//            y = MultiThreshold(t, T)
//   after:   y = MultiThreshold(x, T_A)    T_A[c, j]: the smallest float32 v with
//                                          fl(v * A[c]) >= T[c, j]
//
// Exact for every float32 x, ties included (ThresholdBeforeMul in threshold_search.h; T / A alone
// would be off by an ulp near ties). Negative or zero scales are left alone: x -> x * A is then not
// increasing; factor-out-mul-sign-magnitude splits the sign off first.
// Preconditions: A is a finite float32 constant > 0 that does not change x's shape and varies at
// most along the channel axis (data_layout); T is a constant; every reader of t is such a
// MultiThreshold (a fork into several is absorbed into each), and t is not a graph output.
#ifndef FINNGL_SRC_PASSES_ABSORB_MUL_INTO_MULTITHRESHOLD_H_
#define FINNGL_SRC_PASSES_ABSORB_MUL_INTO_MULTITHRESHOLD_H_

#include "src/passes/pass.h"

namespace finngl {

class AbsorbMulIntoMultiThresholdPass final : public NamedPass<AbsorbMulIntoMultiThresholdPass> {
 public:
  static constexpr const char kName[] = "absorb-mul-into-multithreshold";
  static constexpr const char kDescription[] =
      "absorb a positive scalar or per-channel Mul into the next MultiThreshold's thresholds";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_ABSORB_MUL_INTO_MULTITHRESHOLD_H_
