// absorb-add-into-multithreshold: a bias in front of a MultiThreshold moves into its thresholds.
//
//   before:  t = Add(x, B)                 B: scalar or one per channel of the MT's channel axis
//            y = MultiThreshold(t, T)
//   after:   y = MultiThreshold(x, T_B)    T_B[c, j]: the smallest float32 v with
//                                          fl(v + B[c]) >= T[c, j]
//
// Exact for every float32 x, ties included: T_B is found by ThresholdBeforeAdd (threshold_search.h)
// against the float32 addition the Add performs, not by the formula T - B. Thresholds shared by all
// channels ([1, N]) become per channel ([C, N]) when B is.
// Preconditions: B is a float32 constant that does not change x's shape and varies at most along
// the channel axis (data_layout); T is a constant; every reader of t is such a MultiThreshold (a
// fork into several is absorbed into each), and t is not a graph output.
#ifndef FINNGL_SRC_PASSES_ABSORB_ADD_INTO_MULTITHRESHOLD_H_
#define FINNGL_SRC_PASSES_ABSORB_ADD_INTO_MULTITHRESHOLD_H_

#include "src/passes/pass.h"

namespace finngl {

class AbsorbAddIntoMultiThresholdPass final : public NamedPass<AbsorbAddIntoMultiThresholdPass> {
 public:
  static constexpr const char kName[] = "absorb-add-into-multithreshold";
  static constexpr const char kDescription[] =
      "absorb a constant scalar or per-channel Add into the next MultiThreshold's thresholds";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_ABSORB_ADD_INTO_MULTITHRESHOLD_H_
