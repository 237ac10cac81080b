#include "src/passes/move_add_past_mul.h"

#include "src/base/status.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext& ctx) {
  std::optional<ConstantOperand> add = MatchConstantOperand(node, "Add");
  if (!add) return false;
  Node* consumer = SingleConsumer(*add->node->output(0));
  if (consumer == nullptr) return false;
  std::optional<ConstantOperand> mul = MatchConstantOperand(consumer, "Mul");
  if (!mul || mul->x != add->node->output(0)) return false;

  ASSIGN_OR_RETURN(Tensor scaled_bias, EvaluateOp(*ctx.model, "Mul", {*add->data, *mul->data}));
  ASSIGN_OR_RETURN(Node * new_mul,
                   AddReplacementNode(graph, *mul->node, "Mul", "moved", {add->x, mul->param}));
  ASSIGN_OR_RETURN(Value * bias, AddDerivedConstant(graph, *add->param, std::move(scaled_bias)));
  ASSIGN_OR_RETURN(Node * new_add, AddReplacementNode(graph, *add->node, "Add", "moved",
                                                      {new_mul->output(0), bias}));
  const std::string mul_name = mul->node->name(), add_name = add->node->name();
  Value* old_bias = add->param;
  RETURN_IF_ERROR(ReplaceNodeOutput(graph, mul->node, new_add->output(0)));
  RETURN_IF_ERROR(graph.RemoveNode(add->node));
  RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, old_bias));
  RETURN_IF_ERROR(RenameLikeRemoved(graph, new_mul, mul_name));
  RETURN_IF_ERROR(RenameLikeRemoved(graph, new_add, add_name));
  return true;
}

}  // namespace

absl::StatusOr<bool> MoveAddPastMulPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
