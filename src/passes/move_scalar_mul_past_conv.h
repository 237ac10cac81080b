// move-scalar-mul-past-conv: a scalar scale in front of a Conv moves behind it.
//
//   before:  t = Mul(x, a)          a: scalar constant
//            y = Conv(t, W)         no bias input
//   after:   u = Conv(x, W)
//            y = Mul(u, a)
//
// Zero padding commutes with the scale (a * 0 = 0). A Conv with a bias would need B / a, so it is
// left alone (ExtractBiasFromConv-style conversion moves biases out first).
// Preconditions: a is a float32 constant with one element that does not change x's shape; t is
// read by the Conv only (as its data input); W is a constant.
// Float-inexact like move-scalar-mul-past-matmul; exact for power-of-two a and integer x, W.
#ifndef FINNGL_SRC_PASSES_MOVE_SCALAR_MUL_PAST_CONV_H_
#define FINNGL_SRC_PASSES_MOVE_SCALAR_MUL_PAST_CONV_H_

#include "src/passes/pass.h"

namespace finngl {

class MoveScalarMulPastConvPass final : public NamedPass<MoveScalarMulPastConvPass> {
 public:
  static constexpr const char kName[] = "move-scalar-mul-past-conv";
  static constexpr const char kDescription[] =
      "move a Mul by a scalar constant past a Conv without bias (float-inexact)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_MOVE_SCALAR_MUL_PAST_CONV_H_
