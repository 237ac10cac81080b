// absorb-sign-bias-into-multithreshold: the bias that QONNX -> FINN conversion puts after a
// MultiThreshold for signed activations (count - 2^(b-1)) moves into the node's out_bias, so the
// MultiThreshold itself produces the signed integers.
//
//   before:  t = MultiThreshold<out_dtype = INT4>(x, T)       (counts 0..15)
//            y = Add(t, -8)
//   after:   y = MultiThreshold<out_dtype = INT4, out_bias = -8>(x, T)   (-8..7)
//
// out_dtype becomes the smallest integer type holding every output (FINN picks the signed type of
// the step count; this is the same or tighter).
// Exact: the rewrite happens only if fl(fl(s k) + fl(b + a)) equals fl(fl(fl(s k) + b) + a) for
// every count k = 0..N (s = out_scale, b = out_bias, a the Add's constant), checked one by one.
// Preconditions: a is a float32 constant with one value (all elements equal) that does not change
// the shape; t is read by the Add only; the number of thresholds N is known.
#ifndef FINNGL_SRC_PASSES_ABSORB_SIGN_BIAS_INTO_MULTITHRESHOLD_H_
#define FINNGL_SRC_PASSES_ABSORB_SIGN_BIAS_INTO_MULTITHRESHOLD_H_

#include "src/passes/pass.h"

namespace finngl {

class AbsorbSignBiasIntoMultiThresholdPass final
    : public NamedPass<AbsorbSignBiasIntoMultiThresholdPass> {
 public:
  static constexpr const char kName[] = "absorb-sign-bias-into-multithreshold";
  static constexpr const char kDescription[] =
      "absorb a scalar Add after a MultiThreshold into its out_bias and update out_dtype";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_ABSORB_SIGN_BIAS_INTO_MULTITHRESHOLD_H_
