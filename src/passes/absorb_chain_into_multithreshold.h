// absorb-chain-into-multithreshold: folds a chain of monotone elementwise float ops between an
// integer-typed value and a MultiThreshold into the thresholds, exactly.
//
//   before:  acc (INT20) -> Mul(., s) -> Cast(double) -> Mul(., alpha) -> Add(., beta)
//                        -> Cast(float) -> Relu -> MultiThreshold(., T)
//   after:   acc (INT20) -> MultiThreshold(., T')
//
// The chain may hold Mul/Add (constant on either side), Sub/Div (constant second), Cast between
// float types, Relu and Identity, each read only by the next, with constants that vary at most
// along the MultiThreshold's channel axis. Per channel c the chain is then a monotone function
// f_c of the integer input k, so count_j(f_c(k) >= T[c,j]) == count_j(k >= T'[c,j]) with
//   T'[c,j] = min { k in [lo, hi] : f_c(k) >= T[c,j] }   (hi + 1 when no k reaches it),
// [lo, hi] being the input's datatype range. T' is found by bisection over the integers,
// evaluating the chain through the ops' own kernels (every candidate of every channel and
// threshold at once), so it is exact for every input the datatype allows: ties, double
// rounding and the float order of operations included. No closed formula is involved.
// Preconditions: every channel's chain is non-decreasing (no negative Mul/Div factor; a negative
// factor is left for factor-out-mul-sign-magnitude), the input's rank is at least 2 with a known
// channel count, and its range fits in float32's exact integers (|k| <= 2^24).
#ifndef FINNGL_SRC_PASSES_ABSORB_CHAIN_INTO_MULTITHRESHOLD_H_
#define FINNGL_SRC_PASSES_ABSORB_CHAIN_INTO_MULTITHRESHOLD_H_

#include "src/passes/pass.h"

namespace finngl {

class AbsorbChainIntoMultiThresholdPass final
    : public NamedPass<AbsorbChainIntoMultiThresholdPass> {
 public:
  static constexpr char kName[] = "absorb-chain-into-multithreshold";
  static constexpr char kDescription[] =
      "fold monotone float ops between an integer value and a MultiThreshold into exact integer "
      "thresholds";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_ABSORB_CHAIN_INTO_MULTITHRESHOLD_H_
