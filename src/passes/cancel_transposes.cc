#include "src/passes/cancel_transposes.h"

#include <optional>
#include <vector>

#include "src/base/status.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/transpose_util.h"

namespace finngl {
namespace {

// Rewrites `second` (a Transpose) if it undoes or extends a Transpose feeding it, or is a no-op
// by itself. Returns whether the graph changed.
absl::StatusOr<bool> Simplify(Graph& graph, Node* second) {
  std::optional<Perm> p2 = PermOf(*second);
  if (!p2) return false;
  if (IsIdentityPerm(*p2)) {
    if (!CanBypass(*second)) return false;
    RETURN_IF_ERROR(BypassNode(graph, second, second->input(0)));
    return true;
  }
  Node* first = second->input(0)->producer();
  if (!IsTranspose(first) || first->graph() != &graph) return false;
  std::optional<Perm> p1 = PermOf(*first);
  if (!p1 || p1->size() != p2->size()) return false;
  Perm composed(p2->size());
  for (size_t i = 0; i < composed.size(); ++i) composed[i] = (*p1)[(*p2)[i]];
  Value* x = first->input(0);
  if (IsIdentityPerm(composed)) {
    if (!CanBypass(*second)) return false;
    RETURN_IF_ERROR(BypassNode(graph, second, x));
  } else {
    ASSIGN_OR_RETURN(Node * merged, AddReplacementNode(graph, *second, "Transpose", "merged", {x}));
    merged->SetAttr("perm", Attribute::Ints(composed));
    RETURN_IF_ERROR(SubstituteNode(graph, second, {merged->output(0)}));
  }
  RETURN_IF_ERROR(RemoveIfUnused(graph, first).status());
  return true;
}

}  // namespace

absl::StatusOr<bool> CancelTransposesPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  // A rewrite can create a new pair (a merged Transpose reading a third one): sweep until none is
  // left. Each rewrite removes a Transpose or moves one closer to the graph inputs, so this ends.
  bool changed = false;
  for (bool swept_changed = true; swept_changed;) {
    swept_changed = false;
    ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
    for (Node* node : order) {
      if (!IsTranspose(node)) continue;
      ASSIGN_OR_RETURN(bool rewrote, Simplify(graph, node));
      if (rewrote) {
        swept_changed = changed = true;
        break;  // `order` may now hold removed nodes
      }
    }
  }
  return changed;
}

}  // namespace finngl
