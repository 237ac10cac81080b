// Permutation helpers shared by the passes that cancel, move and absorb Transposes
// (cancel-transposes, make-maxpool-nhwc, move-transpose-past-elementwise,
// absorb-transpose-into-flatten, lower-conv-to-matmul).
//
// Convention: Transpose<perm>(x) has output axis i = input axis perm[i]. The layout permutations
// conv lowering uses are kNchwToNhwc = [0, 2, 3, 1] and its inverse kNhwcToNchw = [0, 3, 1, 2].
#ifndef FINNGL_SRC_PASSES_TRANSPOSE_UTIL_H_
#define FINNGL_SRC_PASSES_TRANSPOSE_UTIL_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"

namespace finngl {

using Perm = std::vector<int64_t>;

inline const Perm kNchwToNhwc = {0, 2, 3, 1};
inline const Perm kNhwcToNchw = {0, 3, 1, 2};

// A default-domain Transpose with one input and one output.
bool IsTranspose(const Node* node);

// The permutation of a Transpose with negative axes normalised, or nullopt if it is unknown
// (no perm and unknown rank) or invalid (the verifier reports invalid ones; passes leave them).
std::optional<Perm> PermOf(const Node& transpose);

bool IsIdentityPerm(const Perm& perm);

// q with q[perm[i]] = i: Transpose<q> undoes Transpose<perm>.
Perm InversePerm(const Perm& perm);

// Transpose<perm>(data) computed by the Transpose kernel (constant operands of rewrites).
absl::StatusOr<Tensor> TransposeConstant(const Model& model, Tensor data, const Perm& perm);

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_TRANSPOSE_UTIL_H_
