// cancel-transposes: removes Transposes that undo each other and merges the ones that do not.
//
//   before:  t = Transpose<perm = [0, 2, 3, 1]>(x)      (NCHW -> NHWC)
//            y = Transpose<perm = [0, 3, 1, 2]>(t)      (NHWC -> NCHW)
//            z = Relu(y)
//   after:   z = Relu(x)
//
// Two Transposes in a row become one with the composed permutation (perm[i] = p1[p2[i]]), or
// nothing when that is the identity; a single Transpose with the identity permutation goes too.
// The first Transpose of a pair is removed when nothing else reads it. Data movement is exact.
// Preconditions: the permutations are known (explicit, or the default reversal of a known rank);
// a Transpose whose output is a graph output is kept when the rewrite would remove it, since the
// graph's interface must keep its names (a merged Transpose takes over the name instead).
#ifndef FINNGL_SRC_PASSES_CANCEL_TRANSPOSES_H_
#define FINNGL_SRC_PASSES_CANCEL_TRANSPOSES_H_

#include "src/passes/pass.h"

namespace finngl {

class CancelTransposesPass final : public NamedPass<CancelTransposesPass> {
 public:
  static constexpr const char kName[] = "cancel-transposes";
  static constexpr const char kDescription[] =
      "remove Transpose pairs that cancel and merge consecutive Transposes into one";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_CANCEL_TRANSPOSES_H_
