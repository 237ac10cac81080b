#include "src/passes/move_scalar_add_past_matmul.h"

#include "src/base/status.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext& ctx) {
  std::optional<ConstantOperand> add = MatchConstantOperand(node, "Add");
  if (!add || add->data->size() != 1) return false;
  const std::optional<Shape>& x_shape = add->x->type().shape;
  if (!BroadcastKeepsShape(*add->data, x_shape) || x_shape->size() < 2) return false;
  Node* matmul = SingleConsumer(*add->node->output(0));
  if (matmul == nullptr || matmul->op_type() != "MatMul" || !matmul->domain().empty()) return false;
  const int t_index = matmul->input(0) == add->node->output(0) ? 0 : 1;
  const Tensor* w = ConstantData(matmul->input(1 - t_index));
  if (w == nullptr || w->type() != ElementType::kFloat || w->rank() != 2) return false;
  // The summed dimension K: x's last dim for t * W, its second-to-last for W * t.
  const Dim& k = (*x_shape)[x_shape->size() - (t_index == 0 ? 1 : 2)];
  const int64_t w_k = t_index == 0 ? w->dim(0) : w->dim(1);
  if (!k.known() || k.value != w_k) return false;

  const float a = add->data->data<float>()[0];
  Tensor filled = t_index == 0 ? FloatTensor({1, w_k}, std::vector<float>(w_k, a))
                               : FloatTensor({w_k, 1}, std::vector<float>(w_k, a));
  ASSIGN_OR_RETURN(Tensor bias, t_index == 0
                                    ? EvaluateOp(*ctx.model, "MatMul", {std::move(filled), *w})
                                    : EvaluateOp(*ctx.model, "MatMul", {*w, std::move(filled)}));
  RETURN_IF_ERROR(MoveLinearPastNode(graph, *add, matmul, t_index, std::move(bias)));
  return true;
}

}  // namespace

absl::StatusOr<bool> MoveScalarAddPastMatMulPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
