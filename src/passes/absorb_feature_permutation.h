// absorb-feature-permutation: removes a permutation of the last axis (Gather by a permutation,
// see transpose_to_feature_gather.h) by pushing it into the constants of the layers reading it.
//
//   before:  p = Gather<axis = -1>(x, idx)         after:  q' = MultiThreshold(x, T')
//            q = MultiThreshold(p, T)                      y  = MatMul(q', W')
//            y = MatMul(q, W)
//
// Two rewrites, applied until none applies:
//  - past a MultiThreshold whose channel axis is the last one and that is the Gather's only
//    reader: thresholding commutes with the permutation once row idx[j] of T' is row j of T
//    (a single shared row stays as it is); the Gather moves below it;
//  - into MatMuls: when every reader is MatMul(p, W) with a constant 2-D W, each reads x with
//    row idx[j] of W' equal to row j of W (sum over j of x[idx[j]] W[j] = sum over i of
//    x[i] W'[i]). Same products, same terms; integer results identical.
#ifndef FINNGL_SRC_PASSES_ABSORB_FEATURE_PERMUTATION_H_
#define FINNGL_SRC_PASSES_ABSORB_FEATURE_PERMUTATION_H_

#include "src/passes/pass.h"

namespace finngl {

class AbsorbFeaturePermutationPass final : public NamedPass<AbsorbFeaturePermutationPass> {
 public:
  static constexpr char kName[] = "absorb-feature-permutation";
  static constexpr char kDescription[] =
      "move a last-axis permutation (Gather) past MultiThreshold and into MatMul weight rows";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_ABSORB_FEATURE_PERMUTATION_H_
