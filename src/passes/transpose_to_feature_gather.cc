#include "src/passes/transpose_to_feature_gather.h"

#include <numeric>
#include <optional>
#include <vector>

#include "src/base/status.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

std::optional<Dims> KnownDims(const Value* v) {
  if (v == nullptr || !v->type().shape || !ShapeFullyKnown(*v->type().shape)) return std::nullopt;
  return ShapeToDims(*v->type().shape);
}

// For every element of Transpose(x, perm) in row-major order, its flat index in x.
std::vector<int64_t> TransposeSourceIndices(const Dims& in, const std::vector<int64_t>& perm) {
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> in_stride(rank, 1);
  for (int64_t k = rank - 2; k >= 0; --k) in_stride[k] = in_stride[k + 1] * in[k + 1];
  int64_t total = 1;
  for (int64_t d : in) total *= d;
  std::vector<int64_t> out_dims(rank), counter(rank, 0), source(total);
  for (int64_t k = 0; k < rank; ++k) out_dims[k] = in[perm[k]];
  int64_t src = 0;
  for (int64_t o = 0; o < total; ++o) {
    source[o] = src;
    for (int64_t k = rank - 1; k >= 0; --k) {  // odometer over the output index
      src += in_stride[perm[k]];
      if (++counter[k] < out_dims[k]) break;
      src -= in_stride[perm[k]] * out_dims[k];
      counter[k] = 0;
    }
  }
  return source;
}

absl::StatusOr<bool> Rewrite(Graph& graph, Node* reshape, PassContext&) {
  if (reshape->op_type() != "Reshape" || !reshape->domain().empty()) return false;
  Node* transpose = reshape->input(0) != nullptr ? reshape->input(0)->producer() : nullptr;
  if (transpose == nullptr || transpose->op_type() != "Transpose" ||
      !transpose->domain().empty() || !HasSingleUse(*reshape->input(0))) {
    return false;
  }
  const std::optional<Dims> in = KnownDims(transpose->input(0));
  const std::optional<Dims> out = KnownDims(reshape->output(0));
  if (!in || !out || out->empty() || ConstantData(reshape->input(1)) == nullptr) return false;
  const int64_t rank = static_cast<int64_t>(in->size());
  std::vector<int64_t> perm = transpose->GetInts("perm", {});
  if (perm.empty()) {
    perm.resize(rank);
    for (int64_t k = 0; k < rank; ++k) perm[k] = rank - 1 - k;
  }
  if (static_cast<int64_t>(perm.size()) != rank) return false;
  int64_t total = 1;
  for (int64_t d : *in) total *= d;
  if (total == 0 || total > (int64_t{1} << 24)) return false;
  const std::vector<int64_t> source = TransposeSourceIndices(*in, perm);
  const int64_t f = out->back();
  std::vector<int64_t> idx(source.begin(), source.begin() + f);
  for (int64_t o = 0; o < total; ++o) {
    if (source[o] != (o / f) * f + idx[o % f]) return false;
  }
  // A shape of the known output dims: a 0 in the Reshape's own shape would copy a dim of the
  // Transpose's output, which x does not have at that position.
  Value* old_shape = reshape->input(1);
  ASSIGN_OR_RETURN(Value * shape, AddConstant(graph, reshape->name() + "_shape",
                                              Tensor::FromVector<int64_t>(
                                                  {static_cast<int64_t>(out->size())}, *out)));
  ASSIGN_OR_RETURN(Node * direct, AddReplacementNode(graph, *reshape, "Reshape", "direct",
                                                     {transpose->input(0), shape}));
  Value* result = direct->output(0);
  std::vector<int64_t> identity(f);
  std::iota(identity.begin(), identity.end(), 0);
  if (idx != identity) {
    ASSIGN_OR_RETURN(Value * indices,
                     AddConstant(graph, reshape->name() + "_permutation",
                                 Tensor::FromVector<int64_t>({f}, idx)));
    ASSIGN_OR_RETURN(Node * gather, AddReplacementNode(graph, *reshape, "Gather",
                                                       "permute", {result, indices}));
    gather->SetAttr("axis", Attribute::Int(static_cast<int64_t>(out->size()) - 1));
    result = gather->output(0);
  }
  RETURN_IF_ERROR(ReplaceNodeOutput(graph, reshape, result));
  RETURN_IF_ERROR(RemoveIfUnused(graph, transpose).status());
  RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, old_shape));
  return true;
}

}  // namespace

absl::StatusOr<bool> TransposeToFeatureGatherPass::RunOnGraph(Graph& graph,
                                                              PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
