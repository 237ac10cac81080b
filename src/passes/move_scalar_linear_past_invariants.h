// move-scalar-linear-past-invariants: a scalar scale or bias commutes with ops that only move,
// select or average elements.
//
//   before:  t = Mul(x, c)          (or Add) c: one element
//            y = Reshape(t, shape)  (Transpose, Flatten, Squeeze, Unsqueeze, Identity, Slice,
//                                    Gather, GlobalAveragePool: the data input)
//   after:   u = Reshape(x, shape)
//            y = Mul(u, c)          c as a rank-0 constant
//
// A Shape that is t's only reader reads x instead and the Mul/Add is removed (for any constant c
// that keeps x's shape, not only a scalar).
// Exact for the data-movement ops. Float-inexact for GlobalAveragePool (mean(x * c) vs mean(x) * c,
// mean(x + c) vs mean(x) + c; exact for a power-of-two scale).
// Preconditions: c is a float32 constant with one element that does not change x's shape; t is
// read by the invariant op only, as its data input (input 0).
#ifndef FINNGL_SRC_PASSES_MOVE_SCALAR_LINEAR_PAST_INVARIANTS_H_
#define FINNGL_SRC_PASSES_MOVE_SCALAR_LINEAR_PAST_INVARIANTS_H_

#include "src/passes/pass.h"

namespace finngl {

class MoveScalarLinearPastInvariantsPass final
    : public NamedPass<MoveScalarLinearPastInvariantsPass> {
 public:
  static constexpr const char kName[] = "move-scalar-linear-past-invariants";
  static constexpr const char kDescription[] =
      "move a Mul or Add by a scalar constant past shape ops and GlobalAveragePool";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_MOVE_SCALAR_LINEAR_PAST_INVARIANTS_H_
