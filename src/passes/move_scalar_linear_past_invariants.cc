#include "src/passes/move_scalar_linear_past_invariants.h"

#include <set>

#include "src/base/status.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

// Ops f with f(x * c) = f(x) * c and f(x + c) = f(x) + c for a scalar c, on their input 0.
bool IsInvariant(const Node& node) {
  static const std::set<std::string> kOps = {"Reshape", "Transpose", "Flatten",
                                             "Squeeze", "Unsqueeze", "Identity",
                                             "Slice",   "Gather",    "GlobalAveragePool"};
  return node.domain().empty() && kOps.count(node.op_type()) > 0 && node.num_outputs() == 1;
}

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext&) {
  for (const char* op : {"Mul", "Add"}) {
    std::optional<ConstantOperand> linear = MatchConstantOperand(node, op);
    if (!linear || !BroadcastKeepsShape(*linear->data, linear->x->type().shape)) continue;
    Value* t = linear->node->output(0);
    Node* f = SingleConsumer(*t);
    if (f == nullptr || f->input(0) != t) continue;
    if (f->op_type() == "Shape" && f->domain().empty()) {
      // Shape sees only the shape, which the op keeps: it can read x, whatever c is.
      f->SetInput(0, linear->x);
      Value* old_param = linear->param;
      RETURN_IF_ERROR(graph.RemoveNode(linear->node));
      RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, old_param));
      return true;
    }
    if (linear->data->size() != 1 || !IsInvariant(*f)) continue;
    const float c = linear->data->data<float>()[0];
    RETURN_IF_ERROR(MoveLinearPastNode(graph, *linear, f, 0, FloatTensor({}, {c})));
    return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<bool> MoveScalarLinearPastInvariantsPass::RunOnGraph(Graph& graph,
                                                                    PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
