// move-linear-past-eltwise-mul (FINN-GL's): scales on the inputs of an elementwise product move
// behind it as one scale, so the product is computed on the unscaled (integer) values.
//
//   before:  y = Mul(Mul(x1, A), Mul(x2, B))     A, B: constants; x1, x2 runtime values
//   after:   y = Mul(Mul(x1, x2), A * B)
//
// If only one input carries a scale, only that one moves:
//   Mul(Mul(x1, A), x2) -> Mul(Mul(x1, x2), A).
// Preconditions: the Mul has two runtime inputs; a scaled input is a Mul by a float32 constant
// read by this Mul only, and the two inputs come from different nodes.
// Float-inexact: fl(fl(x1 A) fl(x2 B)) vs fl(fl(x1 x2) fl(A B)); exact when A and B are powers of
// two and x1 * x2 is representable (small integers).
#ifndef FINNGL_SRC_PASSES_MOVE_LINEAR_PAST_ELTWISE_MUL_H_
#define FINNGL_SRC_PASSES_MOVE_LINEAR_PAST_ELTWISE_MUL_H_

#include "src/passes/pass.h"

namespace finngl {

class MoveLinearPastEltwiseMulPass final : public NamedPass<MoveLinearPastEltwiseMulPass> {
 public:
  static constexpr const char kName[] = "move-linear-past-eltwise-mul";
  static constexpr const char kDescription[] =
      "move constant scales of the inputs of an elementwise Mul past it (float-inexact)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_MOVE_LINEAR_PAST_ELTWISE_MUL_H_
