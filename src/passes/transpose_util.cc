#include "src/passes/transpose_util.h"

#include <numeric>
#include <utility>

#include "src/passes/evaluate.h"

namespace finngl {

bool IsTranspose(const Node* node) {
  return node != nullptr && node->op_type() == "Transpose" && node->domain().empty() &&
         node->num_inputs() == 1 && node->num_outputs() == 1;
}

std::optional<Perm> PermOf(const Node& transpose) {
  const std::optional<Shape>& in = transpose.input(0)->type().shape;
  Perm perm;
  if (const Attribute* a = transpose.attr("perm"); a != nullptr) {
    perm = a->ints();
  } else if (in) {
    perm.resize(in->size());
    std::iota(perm.rbegin(), perm.rend(), 0);  // the default reverses the axes
  } else {
    return std::nullopt;
  }
  const int64_t rank = static_cast<int64_t>(perm.size());
  std::vector<bool> seen(rank, false);
  for (int64_t& p : perm) {
    if (p < 0) p += rank;
    if (p < 0 || p >= rank || seen[p]) return std::nullopt;
    seen[p] = true;
  }
  return perm;
}

bool IsIdentityPerm(const Perm& perm) {
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

Perm InversePerm(const Perm& perm) {
  Perm inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = static_cast<int64_t>(i);
  return inverse;
}

absl::StatusOr<Tensor> TransposeConstant(const Model& model, Tensor data, const Perm& perm) {
  std::vector<std::pair<std::string, Attribute>> attrs;
  attrs.emplace_back("perm", Attribute::Ints(perm));
  return EvaluateOp(model, "Transpose", {std::move(data)}, std::move(attrs));
}

}  // namespace finngl
