#include "src/passes/move_linear_past_eltwise_add.h"

#include "src/base/status.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

// The scale or bias producing `v`, when `v` is read by the join only.
std::optional<ConstantOperand> LinearProducer(Value* v, const std::string& op_type) {
  if (v == nullptr || v->producer() == nullptr || !HasSingleUse(*v)) return std::nullopt;
  return MatchConstantOperand(v->producer(), op_type);
}

bool SameBits(const Tensor& a, const Tensor& b) { return a.SameContents(b); }

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext& ctx) {
  if (node->op_type() != "Add" || !node->domain().empty() || node->num_inputs() != 2 ||
      node->num_outputs() != 1) {
    return false;
  }
  Value* a = node->input(0);
  Value* b = node->input(1);
  if (a == nullptr || b == nullptr || a == b || ConstantData(a) != nullptr ||
      ConstantData(b) != nullptr) {
    return false;
  }
  for (const char* op : {"Mul", "Add"}) {
    std::optional<ConstantOperand> la = LinearProducer(a, op);
    std::optional<ConstantOperand> lb = LinearProducer(b, op);
    if (!la || !lb) continue;
    Tensor param;
    if (std::string(op) == "Mul") {
      if (!SameBits(*la->data, *lb->data)) continue;  // (x1 A) + (x2 B) has no common scale
      param = *la->data;
    } else {
      ASSIGN_OR_RETURN(param, EvaluateOp(*ctx.model, "Add", {*la->data, *lb->data}));
    }
    ASSIGN_OR_RETURN(Node * join, AddReplacementNode(graph, *node, "Add", "join", {la->x, lb->x}));
    ASSIGN_OR_RETURN(Value * p, AddDerivedConstant(graph, *la->param, std::move(param)));
    ASSIGN_OR_RETURN(Node * moved,
                     AddReplacementNode(graph, *la->node, op, "moved", {join->output(0), p}));
    const std::string join_name = node->name(), moved_name = la->node->name();
    Value* old_params[] = {la->param, lb->param};
    RETURN_IF_ERROR(ReplaceNodeOutput(graph, node, moved->output(0)));
    RETURN_IF_ERROR(graph.RemoveNode(la->node));
    RETURN_IF_ERROR(graph.RemoveNode(lb->node));
    for (Value* v : old_params) RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, v));
    RETURN_IF_ERROR(RenameLikeRemoved(graph, join, join_name));
    RETURN_IF_ERROR(RenameLikeRemoved(graph, moved, moved_name));
    return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<bool> MoveLinearPastEltwiseAddPass::RunOnGraph(Graph& graph,
                                                              PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
