// remove-identity: removes nodes that pass their input through unchanged.
//
//   before:  a = Identity(x)        after:  z = Relu(x)
//            b = Add(a, zero)                (zero: initializer, all 0)
//            z = Relu(b)
//
// Removed: Identity; Add and Mul whose other operand is a constant of neutral elements (0 for
// Add, 1 for Mul, on either side); Sub by a constant 0 and Div by a constant 1 (right-hand side).
// Preconditions for the arithmetic ones: the result has the same element type as the kept operand
// and the same known shape (the constant does not broadcast it to something larger).
// Exactness: x * 1, x / 1, x - 0 are exact for every type; x + 0 too, except that float -0.0 + 0.0
// gives +0.0 (equal as a number, not bit for bit).
// A node whose output is a graph output stays: removing it would rename the graph's interface.
#ifndef FINNGL_SRC_PASSES_REMOVE_IDENTITY_H_
#define FINNGL_SRC_PASSES_REMOVE_IDENTITY_H_

#include "src/passes/pass.h"

namespace finngl {

class RemoveIdentityPass final : public NamedPass<RemoveIdentityPass> {
 public:
  static constexpr const char kName[] = "remove-identity";
  static constexpr const char kDescription[] =
      "remove Identity nodes and Add 0 / Sub 0 / Mul 1 / Div 1 by constant neutral operands";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_REMOVE_IDENTITY_H_
