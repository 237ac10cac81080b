// factor-out-mul-sign-magnitude: a scale with negative elements becomes a sign (+-1, BIPOLAR) times
// a magnitude, so the magnitude can be absorbed into thresholds (which need positive scales) and
// the sign into the weights of a preceding MatMul or Conv (absorb-1bit-mul-into-*).
//
//   before:  y = Mul(x, A)          A: constant with some A < 0, e.g. [0.5, -0.25]
//   after:   s = Mul(x, S)          S = [1, -1]: -1 where A's sign bit is set (also -0), BIPOLAR
//            y = Mul(s, M)          M = |A| = [0.5, 0.25]
//
// Exact: x * S negates exactly and rounding is symmetric, so fl(fl(x S) M) = fl(x A) bit for bit.
// Preconditions: A is a float32 constant with a negative element and not already all +-1.
#ifndef FINNGL_SRC_PASSES_FACTOR_OUT_MUL_SIGN_MAGNITUDE_H_
#define FINNGL_SRC_PASSES_FACTOR_OUT_MUL_SIGN_MAGNITUDE_H_

#include "src/passes/pass.h"

namespace finngl {

class FactorOutMulSignMagnitudePass final : public NamedPass<FactorOutMulSignMagnitudePass> {
 public:
  static constexpr const char kName[] = "factor-out-mul-sign-magnitude";
  static constexpr const char kDescription[] =
      "split a Mul by a constant with negative elements into a sign Mul and a magnitude Mul";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_FACTOR_OUT_MUL_SIGN_MAGNITUDE_H_
