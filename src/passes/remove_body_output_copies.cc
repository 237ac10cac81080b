#include "src/passes/remove_body_output_copies.h"

#include "src/base/status.h"

namespace finngl {

absl::StatusOr<bool> RemoveBodyOutputCopiesPass::RunOnGraph(Graph& graph,
                                                             PassContext& ctx) const {
  if (graph.parent() == nullptr) return false;  // a main graph's outputs are its interface
  bool changed = false;
  for (Node* node : graph.nodes()) {
    if (node->op_type() != "Identity" || !node->domain().empty() || node->num_inputs() != 1 ||
        node->num_outputs() != 1) {
      continue;
    }
    Value* x = node->input(0);
    Value* copy = node->output(0);
    // Constants stay copied: a body output computed by no node of the body is unusual enough.
    if (x == nullptr || (x->producer() == nullptr && !x->is_graph_input()) || copy == nullptr ||
        !copy->is_graph_output() || !copy->uses().empty()) {
      continue;
    }
    for (size_t i = 0; i < graph.outputs().size(); ++i) {
      if (graph.outputs()[i] == copy) graph.ReplaceOutput(static_cast<int>(i), x);
    }
    RETURN_IF_ERROR(graph.RemoveNode(node));
    changed = true;
  }
  return changed;
}

}  // namespace finngl
