#include "src/passes/absorb_feature_permutation.h"

#include "src/base/status.h"
#include "src/passes/feature_permutation.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

absl::StatusOr<bool> MovePastThresholds(Graph& graph, const FeaturePermutation& p) {
  Value* permuted = p.gather->output(0);
  Node* mt = SingleConsumer(*permuted);
  if (mt == nullptr || !IsMultiThresholdWithConstantThresholds(*mt) || mt->input(0) != permuted ||
      !permuted->type().shape) {
    return false;
  }
  const int64_t rank = static_cast<int64_t>(permuted->type().shape->size());
  if (MultiThresholdChannelAxis(*mt, rank) != rank - 1) return false;
  Value* thresholds = mt->input(1);
  const Tensor& t = *ConstantData(thresholds);
  Value* new_thresholds = thresholds;
  if (t.dim(0) != 1) {
    if (t.dim(0) != static_cast<int64_t>(p.indices.size())) return false;
    ASSIGN_OR_RETURN(new_thresholds,
                     AddDerivedConstant(graph, *thresholds, ScatterRows(t, p.indices)));
  }
  ASSIGN_OR_RETURN(Node * moved, CloneNodeWithInputs(graph, *mt, {p.x, new_thresholds}));
  moved->output(0)->type().dtype = mt->output(0)->type().dtype;
  moved->output(0)->type().dtype_annotated = mt->output(0)->type().dtype_annotated;
  ASSIGN_OR_RETURN(Node * gather,
                   CloneNodeWithInputs(graph, *p.gather, {moved->output(0), p.gather->input(1)}));
  const std::string mt_name = mt->name();
  RETURN_IF_ERROR(SubstituteNode(graph, mt, {gather->output(0)}));
  RETURN_IF_ERROR(graph.RemoveNode(p.gather));
  RETURN_IF_ERROR(RenameLikeRemoved(graph, moved, mt_name));
  RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, thresholds));
  return true;
}

absl::StatusOr<bool> AbsorbIntoMatMuls(Graph& graph, const FeaturePermutation& p) {
  Value* permuted = p.gather->output(0);
  if (permuted->uses().empty() || permuted->is_graph_output() || ReadBySubgraph(*permuted)) {
    return false;
  }
  for (const Use& use : permuted->uses()) {
    const Node* mm = use.node;
    const Tensor* w = ConstantData(mm->input(1));
    if (mm->op_type() != "MatMul" || !mm->domain().empty() || use.input_index != 0 ||
        w == nullptr || w->rank() != 2 || w->dim(0) != static_cast<int64_t>(p.indices.size())) {
      return false;
    }
  }
  const std::vector<Use> uses = permuted->uses();
  for (const Use& use : uses) {
    Node* mm = use.node;
    Value* weights = mm->input(1);
    ASSIGN_OR_RETURN(Value * permuted_weights,
                     AddDerivedConstant(graph, *weights,
                                        ScatterRows(*ConstantData(weights), p.indices)));
    mm->SetInput(0, p.x);
    mm->SetInput(1, permuted_weights);
    RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, weights));
  }
  RETURN_IF_ERROR(graph.RemoveNode(p.gather));
  return true;
}

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext&) {
  const std::optional<FeaturePermutation> p = MatchFeaturePermutation(node);
  if (!p) return false;
  ASSIGN_OR_RETURN(bool moved, MovePastThresholds(graph, *p));
  if (moved) return true;
  return AbsorbIntoMatMuls(graph, *p);
}

}  // namespace

absl::StatusOr<bool> AbsorbFeaturePermutationPass::RunOnGraph(Graph& graph,
                                                              PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
