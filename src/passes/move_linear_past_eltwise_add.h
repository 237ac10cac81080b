// move-linear-past-eltwise-add: the two inputs of an elementwise Add carry the same scale, or each
// a bias; the Add is done first and the scale or the summed bias after it.
//
//   before:  y = Add(Mul(x1, C), Mul(x2, C))     C: the same constant on both sides
//   after:   y = Mul(Add(x1, x2), C)
//
// Different scales move when they are integer multiples of a common one C (per element the
// smaller of the two; power-of-two scales always are), rescaling the sides by integers:
//   before:  y = Add(Mul(x1, A), Mul(x2, B))           A = Ra * C, B = Rb * C exactly, R integers
//   after:   y = Mul(Add(Mul(x1, Ra), Mul(x2, Rb)), C) (a Mul by all-ones R is left out): integer
//                                                      arithmetic for integer x1, x2
//
//   before:  y = Add(Add(x1, B1), Add(x2, B2))   B1, B2: constants
//   after:   y = Add(Add(x1, x2), B1 + B2)
//
// Preconditions: both inputs of the Add are runtime values produced by two different nodes of the
// form above, each read by the Add only; the constants are float32 (for the Mul form equal in
// shape, and equal in bits or commensurable as above).
// Float-inexact: fl(fl(x1 C) + fl(x2 C)) vs fl(fl(x1 + x2) C) and fl(fl(x1 A) + fl(x2 B)) vs
// fl(fl(x1 Ra + x2 Rb) C) (exact for power-of-two scales and integer x1, x2 with sums below 2^24),
// and the bias sums are reassociated (exact for integer values below 2^24).
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
