#include "src/passes/move_scalar_linear_into_scan.h"

#include "src/base/status.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext&) {
  for (const char* op : {"Mul", "Add"}) {
    std::optional<ConstantOperand> linear = MatchConstantOperand(node, op);
    if (!linear || linear->data->size() != 1) continue;
    if (!BroadcastKeepsShape(*linear->data, linear->x->type().shape)) continue;
    Value* t = linear->node->output(0);
    Node* scan = SingleConsumer(*t);
    if (scan == nullptr || scan->op_type() != "Scan" || !scan->domain().empty()) continue;
    const int index = t->uses()[0].input_index;
    const int num_scan_inputs = static_cast<int>(scan->GetInt("num_scan_inputs", 0));
    const int num_states = scan->num_inputs() - num_scan_inputs;
    if (index < num_states || scan->subgraphs().size() != 1) continue;
    Graph& body = *scan->subgraphs()[0];
    if (index >= static_cast<int>(body.inputs().size())) continue;
    Value* slice = body.inputs()[index];
    if (ReadBySubgraph(*slice)) continue;

    const float c = linear->data->data<float>()[0];
    ASSIGN_OR_RETURN(Value * param, AddConstant(body, linear->param->name(), FloatTensor({}, {c})));
    ASSIGN_OR_RETURN(Node * moved,
                     AddReplacementNode(body, *linear->node, op, "in_body", {slice, param}));
    const std::vector<Use> uses = slice->uses();
    for (const Use& use : uses) {
      if (use.node != moved) use.node->SetInput(use.input_index, moved->output(0));
    }
    for (size_t i = 0; i < body.outputs().size(); ++i) {
      if (body.outputs()[i] == slice) body.ReplaceOutput(static_cast<int>(i), moved->output(0));
    }
    // The slices now come from xs: what the body declared about t's values no longer holds.
    if (slice->type().dtype_annotated && slice->type().dtype.IsFloat()) {
      slice->type().dtype_annotated = false;
    }
    scan->SetInput(index, linear->x);
    Value* old_param = linear->param;
    RETURN_IF_ERROR(graph.RemoveNode(linear->node));
    RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, old_param));
    return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<bool> MoveScalarLinearIntoScanPass::RunOnGraph(Graph& graph,
                                                              PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
