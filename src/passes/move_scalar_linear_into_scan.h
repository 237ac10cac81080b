// move-scalar-linear-into-scan: a scalar scale (or bias) applied to a whole sequence before a Scan
// moves into the body, where it applies to each slice and can be absorbed into the body's
// MultiThresholds like any other scale.
//
//   before:  t = Mul(xs, c)                      c: one element; xs: [T, ...]
//            ... = Scan(states..., t, ...)       body input x_t: a slice of t
//   after:   ... = Scan(states..., xs, ...)      body: x_t -> Mul(x_t, c) -> (x_t's readers)
//
// Exact: an elementwise op with a scalar commutes with slicing, so every slice is computed with
// the same float operands as before. The body input now receives xs's slices (and its datatype).
// Preconditions: c is a float32 constant with one element that does not change xs's shape; t is
// read by nothing but this Scan, as a scan input (not a state); no nested subgraph of the body
// reads the body input by name.
#ifndef FINNGL_SRC_PASSES_MOVE_SCALAR_LINEAR_INTO_SCAN_H_
#define FINNGL_SRC_PASSES_MOVE_SCALAR_LINEAR_INTO_SCAN_H_

#include "src/passes/pass.h"

namespace finngl {

class MoveScalarLinearIntoScanPass final : public NamedPass<MoveScalarLinearIntoScanPass> {
 public:
  static constexpr const char kName[] = "move-scalar-linear-into-scan";
  static constexpr const char kDescription[] =
      "move a Mul or Add by a scalar constant on a Scan's scan input into the loop body (exact)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_MOVE_SCALAR_LINEAR_INTO_SCAN_H_
