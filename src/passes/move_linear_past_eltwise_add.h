// move-linear-past-eltwise-add: the two inputs of an elementwise Add carry the same scale, or each
// a bias; the Add is done first and the scale or the summed bias after it.
//
//   before:  y = Add(Mul(x1, C), Mul(x2, C))     C: the same constant on both sides
//   after:   y = Mul(Add(x1, x2), C)
//
//   before:  y = Add(Add(x1, B1), Add(x2, B2))   B1, B2: constants
//   after:   y = Add(Add(x1, x2), B1 + B2)
//
// Preconditions: both inputs of the Add are runtime values produced by two different nodes of the
// form above, each read by the Add only; the constants are float32 (for the Mul form equal in
// shape and bits).
// Float-inexact: fl(fl(x1 C) + fl(x2 C)) vs fl(fl(x1 + x2) C) (exact for power-of-two C), and the
// bias sums are reassociated (exact for integer values below 2^24).
#ifndef FINNGL_SRC_PASSES_MOVE_LINEAR_PAST_ELTWISE_ADD_H_
#define FINNGL_SRC_PASSES_MOVE_LINEAR_PAST_ELTWISE_ADD_H_

#include "src/passes/pass.h"

namespace finngl {

class MoveLinearPastEltwiseAddPass final : public NamedPass<MoveLinearPastEltwiseAddPass> {
 public:
  static constexpr const char kName[] = "move-linear-past-eltwise-add";
  static constexpr const char kDescription[] =
      "move equal scales or constant biases of both inputs past an elementwise Add (float-inexact)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_MOVE_LINEAR_PAST_ELTWISE_ADD_H_
