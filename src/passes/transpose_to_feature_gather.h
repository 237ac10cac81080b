// transpose-to-feature-gather: turns Transpose -> Reshape into an order-preserving Reshape
// followed by a permutation of the last axis, when that is what the pair computes.
//
//   before:  t = Transpose<perm = [1, 0, 3, 2]>(x)   x: [1, 88, 10, 32] -> t: [88, 1, 32, 10]
//            y = Reshape(t, [88, 1, 320])
//   after:   r = Reshape(x, [88, 1, 320])            (row-major order unchanged: a stream no-op)
//            y = Gather<axis = 2>(r, idx)            idx: permutation of the 320 features
//
// Hardware streams elements in row-major order; a Transpose that reorders non-unit axes would
// need a buffer the size of the tensor. When the reordering stays inside each last-axis vector
// (here it only swaps w and c within each time step's features; the unit batch axis moves
// freely), it is a feature permutation that later passes absorb into threshold and weight rows.
// Preconditions: the Transpose's only reader is the Reshape; shapes fully known (set-batch-one);
// the element map, computed on an index tensor, has the form p * F + idx[j] for output
// position (p, j). Pure data movement, so exact.
#ifndef FINNGL_SRC_PASSES_TRANSPOSE_TO_FEATURE_GATHER_H_
#define FINNGL_SRC_PASSES_TRANSPOSE_TO_FEATURE_GATHER_H_

#include "src/passes/pass.h"

namespace finngl {

class TransposeToFeatureGatherPass final : public NamedPass<TransposeToFeatureGatherPass> {
 public:
  static constexpr char kName[] = "transpose-to-feature-gather";
  static constexpr char kDescription[] =
      "rewrite Transpose -> Reshape that only permutes last-axis features as Reshape -> Gather";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_TRANSPOSE_TO_FEATURE_GATHER_H_
