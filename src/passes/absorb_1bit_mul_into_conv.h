// absorb-1bit-mul-into-conv: a sign (+-1) or mask (0/1) applied to a Conv's result per output
// channel is folded into the weights (and bias).
//
//   before:  t = Conv(x, W, B?)     W: constant [O, C/g, kH, kW]
//            y = Mul(t, S)          S: all +-1 (or all 0/1), scalar or [1, O, 1, 1]
//   after:   y = Conv(x, W_S, B_S?) W_S = W * S[o] per output channel, B_S = B * S
//
// Exact, as absorb-1bit-mul-into-matmul.
// Preconditions: W (and B if present) are float32 constants; t is read by the Mul only; W_S and B_S
// are allowed by W's and B's datatype annotations.
#ifndef FINNGL_SRC_PASSES_ABSORB_1BIT_MUL_INTO_CONV_H_
#define FINNGL_SRC_PASSES_ABSORB_1BIT_MUL_INTO_CONV_H_

#include "src/passes/pass.h"

namespace finngl {

class Absorb1BitMulIntoConvPass final : public NamedPass<Absorb1BitMulIntoConvPass> {
 public:
  static constexpr const char kName[] = "absorb-1bit-mul-into-conv";
  static constexpr const char kDescription[] =
      "fold a per-output-channel Mul by +-1 (or 0/1) into the weights of the Conv before it";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_ABSORB_1BIT_MUL_INTO_CONV_H_
