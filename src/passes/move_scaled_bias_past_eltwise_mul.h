// move-scaled-bias-past-eltwise-mul: a scale followed by a bias that is an integer multiple of it,
// feeding an elementwise product of two runtime values, becomes an integer bias with the scale
// applied after the product, where it travels on to the next MultiThreshold.
//
//   before:  t = Mul(x, a)          a: one float32 element; x: integer-typed
//            u = Add(t, C)          C: float32 constant, C = K * a exactly, K integers
//            y = Mul(u, v)          v: a runtime value (either input of the product)
//   after:   u' = Add(x, K)         integer arithmetic
//            y' = Mul(u', v)
//            y  = Mul(y', a)
//
// Brevitas' CIFG LSTM computes its forget gate as Q(1) - i with i = m * a (m: the quantized
// sigmoid's integer level) and Q(1) = K * a on the same grid, and multiplies it with the cell
// state: without this rewrite the bias blocks the scale, and the product stays in float.
// (move-add-past-mul, which moves a bias the other way, does not apply afterwards: the Add is
// followed by a product of runtime values, not by a Mul by a constant.)
// Preconditions: t and u are each read by one node only; K = C / a is integral and K * a
// reproduces C bit for bit (the Mul kernel), |K| < 2^24.
// Float-inexact: fl(fl(fl(x a) + C) v) vs fl(fl((x + K) v) a), equal in exact arithmetic; like
// every streamlining move of a scale past a product, exact for power-of-two a.
#ifndef FINNGL_SRC_PASSES_MOVE_SCALED_BIAS_PAST_ELTWISE_MUL_H_
#define FINNGL_SRC_PASSES_MOVE_SCALED_BIAS_PAST_ELTWISE_MUL_H_

#include "src/passes/pass.h"

namespace finngl {

class MoveScaledBiasPastEltwiseMulPass final
    : public NamedPass<MoveScaledBiasPastEltwiseMulPass> {
 public:
  static constexpr const char kName[] = "move-scaled-bias-past-eltwise-mul";
  static constexpr const char kDescription[] =
      "Add(Mul(x, a), K*a) times a runtime value: integer bias K, the scale a after the product "
      "(float-inexact)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_MOVE_SCALED_BIAS_PAST_ELTWISE_MUL_H_
