// sub-to-add: subtracting a constant becomes adding its negation, so later passes (moving and
// absorbing scalar biases during streamlining) have one op to handle instead of two.
//
//   before:  y = Sub(x, c)          c: initializer [1.5, -2]
//   after:   y = Add(x, c_neg)      c_neg: initializer [-1.5, 2]
//
// A constant minus a float32 value becomes an Add of the negated value (Brevitas' CIFG gate
// 1 - i, whose sign then moves with i's scale like any other):
//
//   before:  y = Sub(c, x)          c: constant, x: float32, computed
//   after:   y = Add(Mul(x, -1), c)
//
// Exact: multiplying by -1 is exact and c + (-x) is the IEEE operation c - x.
// Preconditions for x - c: the right-hand side is constant and its element type is
// signed (float, double, int8..int64). An integer constant holding the type's minimum is left
// alone: its negation wraps to itself, which two's-complement arithmetic would still compute
// correctly but which would mislead datatype inference. Exact for every type: x - c and
// x + (-c) are the same IEEE operation, and negation is exact. The negated constant comes from
// the Neg op's own kernel.
#ifndef FINNGL_SRC_PASSES_SUB_TO_ADD_H_
#define FINNGL_SRC_PASSES_SUB_TO_ADD_H_

#include "src/passes/pass.h"

namespace finngl {

class SubToAddPass final : public NamedPass<SubToAddPass> {
 public:
  static constexpr const char kName[] = "sub-to-add";
  static constexpr const char kDescription[] =
      "rewrite Sub by a constant into Add of the negated constant (c - x: Add(Mul(x, -1), c))";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_SUB_TO_ADD_H_
