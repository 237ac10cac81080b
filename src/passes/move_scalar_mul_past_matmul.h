// move-scalar-mul-past-matmul: a scalar scale in front of MatMuls with constant weights moves
// behind them, so the MatMul sees the (integer) values the scale was applied to.
//
//   before:  t = Mul(x, a)          a: scalar constant
//            y = MatMul(t, W)       W: constant, at input 1 or (FINN-GL's LSTM form) input 0
//            z = MatMul(V, t)       (a fork into several such MatMuls is moved past each)
//   after:   y = Mul(MatMul(x, W), a)
//            z = Mul(MatMul(V, x), a)
//
// Preconditions: a is a float32 constant with one element that does not change x's shape; every
// reader of t is a MatMul whose other input is a float32 constant, and t is not a graph output.
// Float-inexact: fl(sum(fl(x * a) * w)) and fl(fl(sum(x * w)) * a) can differ in the last bit.
// Exact when a is a power of two and x, W are integers whose sums stay below 2^24 (the case after
// QONNX -> FINN conversion with power-of-two activation scales).
#ifndef FINNGL_SRC_PASSES_MOVE_SCALAR_MUL_PAST_MATMUL_H_
#define FINNGL_SRC_PASSES_MOVE_SCALAR_MUL_PAST_MATMUL_H_

#include "src/passes/pass.h"

namespace finngl {

class MoveScalarMulPastMatMulPass final : public NamedPass<MoveScalarMulPastMatMulPass> {
 public:
  static constexpr const char kName[] = "move-scalar-mul-past-matmul";
  static constexpr const char kDescription[] =
      "move a Mul by a scalar constant past MatMuls with constant weights (float-inexact)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_MOVE_SCALAR_MUL_PAST_MATMUL_H_
