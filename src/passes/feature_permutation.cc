#include "src/passes/feature_permutation.h"

#include <cstring>

#include "src/passes/rewrite_util.h"

namespace finngl {

std::optional<FeaturePermutation> MatchFeaturePermutation(Node* node) {
  if (node->op_type() != "Gather" || !node->domain().empty() || node->num_inputs() != 2) {
    return std::nullopt;
  }
  Value* x = node->input(0);
  const Tensor* idx = ConstantData(node->input(1));
  if (x == nullptr || idx == nullptr || idx->rank() != 1 || !x->type().shape) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(x->type().shape->size());
  int64_t axis = node->GetInt("axis", 0);
  if (axis < 0) axis += rank;
  if (rank == 0 || axis != rank - 1) return std::nullopt;
  const Dim& f = x->type().shape->back();
  if (!f.known() || f.value != idx->size()) return std::nullopt;
  std::vector<int64_t> indices(idx->size());
  std::vector<bool> seen(idx->size(), false);
  for (int64_t j = 0; j < idx->size(); ++j) {
    int64_t i = idx->GetInt64(j);
    if (i < 0) i += f.value;
    if (i < 0 || i >= f.value || seen[i]) return std::nullopt;
    seen[i] = true;
    indices[j] = i;
  }
  return FeaturePermutation{node, x, std::move(indices)};
}

Tensor ScatterRows(const Tensor& t, const std::vector<int64_t>& indices) {
  Tensor out(t.type(), t.dims());
  const size_t row_bytes = t.byte_size() / static_cast<size_t>(t.dim(0));
  const auto* src = static_cast<const char*>(t.raw());
  auto* dst = static_cast<char*>(out.raw());
  for (size_t j = 0; j < indices.size(); ++j) {
    std::memcpy(dst + indices[j] * row_bytes, src + j * row_bytes, row_bytes);
  }
  return out;
}

}  // namespace finngl
