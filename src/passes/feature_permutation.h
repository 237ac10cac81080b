// Feature permutations: a Gather along the last axis whose indices are a permutation of that
// axis. Layout changes in front of a recurrent layer (e.g. conv features reordered (c, w) instead
// of the stream's (w, c)) become one, and passes then absorb it into the constants of the layers
// that read it (threshold rows, weight rows), so no hardware ever reorders a stream.
#ifndef FINNGL_SRC_PASSES_FEATURE_PERMUTATION_H_
#define FINNGL_SRC_PASSES_FEATURE_PERMUTATION_H_

#include <optional>
#include <vector>

#include "src/ir/graph.h"

namespace finngl {

struct FeaturePermutation {
  Node* gather;
  Value* x;                      // the data input
  std::vector<int64_t> indices;  // y[..., j] = x[..., indices[j]]
};

// Matches `node` as Gather(x, constant indices) along x's last axis with 1-D indices forming a
// permutation of [0, F).
std::optional<FeaturePermutation> MatchFeaturePermutation(Node* node);

// Rows of `t` (axis 0) reordered so that row indices[j] of the result is row j of `t`: the
// constant that, read through x instead of through Gather(x, indices), gives the same products.
Tensor ScatterRows(const Tensor& t, const std::vector<int64_t>& indices);

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_FEATURE_PERMUTATION_H_
