#include "src/passes/remove_stream_reshapes.h"

#include <optional>
#include <vector>

#include "src/base/status.h"
#include "src/ops/registry.h"
#include "src/passes/convert_to_hw_util.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

bool IsReshape(const Node& node) {
  const std::string& op = node.op_type();
  return CanonicalDomain(node.domain()).empty() &&
         (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze");
}

// Whether inferring `node` again (on its current inputs) gives the output shapes in `before`.
bool SameOutputShapes(Node& node, const std::vector<TensorType>& before, const Model* model) {
  const OpSpec* spec = OpRegistry::Get().FindForNode(node, model);
  if (spec == nullptr || !spec->infer) return false;
  InferContext ictx(node, model, EffectiveOpset(node, model), nullptr);
  if (!spec->infer(ictx).ok()) return false;
  for (int i = 0; i < node.num_outputs(); ++i) {
    if (node.output(i) == nullptr) continue;
    const std::optional<Shape>& now = node.output(i)->type().shape;
    if (!before[i].shape || !now || !SameKnownShape(before[i].shape, now)) return false;
  }
  return true;
}

absl::StatusOr<bool> Remove(Graph& graph, Node* reshape, const Model* model) {
  Value* x = reshape->input(0);
  Value* y = reshape->output(0);
  if (x == nullptr || y == nullptr || !hw::IsHwNode(x->producer())) return false;
  if (y->is_graph_output() || ReadBySubgraph(*y) || y->uses().empty()) return false;
  const std::vector<Use> uses = y->uses();
  for (const Use& u : uses) {
    if (!hw::IsHwNode(u.node)) return false;
  }
  // Rewire, re-infer each reader, and undo everything if a reader's output shape changes.
  std::vector<std::vector<TensorType>> saved;
  for (const Use& u : uses) {
    std::vector<TensorType> types;
    for (Value* out : u.node->outputs()) types.push_back(out ? out->type() : TensorType{});
    saved.push_back(std::move(types));
  }
  for (const Use& u : uses) u.node->SetInput(u.input_index, x);
  bool same = true;
  for (size_t i = 0; i < uses.size() && same; ++i) {
    same = SameOutputShapes(*uses[i].node, saved[i], model);
  }
  for (size_t i = 0; i < uses.size(); ++i) {
    Node* n = uses[i].node;
    for (int o = 0; o < n->num_outputs(); ++o) {
      if (n->output(o) != nullptr) n->output(o)->type() = saved[i][o];
    }
  }
  if (!same) {
    for (const Use& u : uses) u.node->SetInput(u.input_index, y);
    return false;
  }
  RETURN_IF_ERROR(RemoveIfUnused(graph, reshape).status());
  return true;
}

}  // namespace

absl::StatusOr<bool> RemoveStreamReshapesPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  std::vector<Node*> candidates;
  for (Node* node : graph.nodes()) {
    if (IsReshape(*node)) candidates.push_back(node);
  }
  bool changed = false;
  for (Node* node : candidates) {
    ASSIGN_OR_RETURN(bool c, Remove(graph, node, ctx.model));
    changed = changed || c;
  }
  return changed;
}

}  // namespace finngl
