// absorb-1bit-mul-into-matmul: a sign (+-1) or mask (0/1) applied to a MatMul's result per output
// column is folded into the weights.
//
//   before:  t = MatMul(x, W)       W: constant [K, N]
//            y = Mul(t, S)          S: all +-1 (or all 0/1), scalar or one per column [N]
//   after:   y = MatMul(x, W_S)     W_S = W * S (column j scaled by S[j])
//
// With the weights at input 0 (t = MatMul(W, x), W: [M, K]) S is one per row [M, 1] and scales
// W's rows.
// Exact: negating (or zeroing) weights negates (zeroes) every product of a column, and float sums
// are symmetric under negation, so the result is identical bit for bit (up to the sign of zero).
// Preconditions: W is a rank-2 float32 constant and the MatMul's other input is not constant; t is
// read by the Mul only; every element of W_S is allowed by W's datatype annotation (as in FINN: an
// INT4 weight -8 cannot be negated); otherwise the Mul stays (it is integer arithmetic then).
#ifndef FINNGL_SRC_PASSES_ABSORB_1BIT_MUL_INTO_MATMUL_H_
#define FINNGL_SRC_PASSES_ABSORB_1BIT_MUL_INTO_MATMUL_H_

#include "src/passes/pass.h"

namespace finngl {

class Absorb1BitMulIntoMatMulPass final : public NamedPass<Absorb1BitMulIntoMatMulPass> {
 public:
  static constexpr const char kName[] = "absorb-1bit-mul-into-matmul";
  static constexpr const char kDescription[] =
      "fold a per-output-channel Mul by +-1 (or 0/1) into the weights of the MatMul before it";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_ABSORB_1BIT_MUL_INTO_MATMUL_H_
