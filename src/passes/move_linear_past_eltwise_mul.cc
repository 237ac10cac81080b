#include "src/passes/move_linear_past_eltwise_mul.h"

#include "src/base/status.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

// The scale producing `v`, when `v` is read by the product only.
std::optional<ConstantOperand> ScaleProducer(Value* v) {
  if (v->producer() == nullptr || !HasSingleUse(*v)) return std::nullopt;
  return MatchConstantOperand(v->producer(), "Mul");
}

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext& ctx) {
  if (node->op_type() != "Mul" || !node->domain().empty() || node->num_inputs() != 2 ||
      node->num_outputs() != 1) {
    return false;
  }
  Value* in[2] = {node->input(0), node->input(1)};
  for (Value* v : in) {
    if (v == nullptr || ConstantData(v) != nullptr || v->type().elem != ElementType::kFloat) {
      return false;
    }
  }
  std::optional<ConstantOperand> scale[2] = {ScaleProducer(in[0]), ScaleProducer(in[1])};
  if (!scale[0] && !scale[1]) return false;
  const ConstantOperand& first = scale[0] ? *scale[0] : *scale[1];
  Tensor param = *first.data;
  if (scale[0] && scale[1]) {
    ASSIGN_OR_RETURN(param, EvaluateOp(*ctx.model, "Mul", {*scale[0]->data, *scale[1]->data}));
  }
  Value* x0 = scale[0] ? scale[0]->x : in[0];
  Value* x1 = scale[1] ? scale[1]->x : in[1];
  ASSIGN_OR_RETURN(Node * product, AddReplacementNode(graph, *node, "Mul", "join", {x0, x1}));
  ASSIGN_OR_RETURN(Value * p, AddDerivedConstant(graph, *first.param, std::move(param)));
  ASSIGN_OR_RETURN(Node * moved,
                   AddReplacementNode(graph, *first.node, "Mul", "moved", {product->output(0), p}));
  const std::string product_name = node->name(), moved_name = first.node->name();
  RETURN_IF_ERROR(ReplaceNodeOutput(graph, node, moved->output(0)));
  for (const std::optional<ConstantOperand>& s : scale) {
    if (!s) continue;
    Value* old_param = s->param;
    RETURN_IF_ERROR(graph.RemoveNode(s->node));
    RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, old_param));
  }
  RETURN_IF_ERROR(RenameLikeRemoved(graph, product, product_name));
  RETURN_IF_ERROR(RenameLikeRemoved(graph, moved, moved_name));
  return true;
}

}  // namespace

absl::StatusOr<bool> MoveLinearPastEltwiseMulPass::RunOnGraph(Graph& graph,
                                                              PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
