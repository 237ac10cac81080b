// move-scalar-add-past-matmul: a scalar bias in front of a MatMul with constant weights moves
// behind it as a per-column (or per-row) bias.
//
//   before:  t = Add(x, a)          a: scalar constant, W: constant
//            y = MatMul(t, W)       W: [K, N]
//   after:   u = MatMul(x, W)
//            y = Add(u, a_W)        a_W = MatMul(a * ones[1, K], W): [1, N]
//
// The weights may also be input 0 (y = MatMul(W, t), W: [M, K], as FINN-GL's LSTM bodies have it);
// then a_W = MatMul(W, a * ones[K, 1]): [M, 1].
// Preconditions: a is a float32 constant with one element that does not change x's shape; t is
// read by the MatMul only; W is a rank-2 float32 constant; x has rank >= 2 and a known K.
// Float-inexact: the sums of the products are rounded differently (exact when x, a and W are
// integers with sums below 2^24).
#ifndef FINNGL_SRC_PASSES_MOVE_SCALAR_ADD_PAST_MATMUL_H_
#define FINNGL_SRC_PASSES_MOVE_SCALAR_ADD_PAST_MATMUL_H_

#include "src/passes/pass.h"

namespace finngl {

class MoveScalarAddPastMatMulPass final : public NamedPass<MoveScalarAddPastMatMulPass> {
 public:
  static constexpr const char kName[] = "move-scalar-add-past-matmul";
  static constexpr const char kDescription[] =
      "move an Add of a scalar constant past a MatMul with constant weights (float-inexact)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_MOVE_SCALAR_ADD_PAST_MATMUL_H_
