#include "src/passes/absorb_1bit_mul_into_matmul.h"

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext& ctx) {
  std::optional<ConstantOperand> mul = MatchConstantOperand(node, "Mul");
  if (!mul || !IsOneBitFactor(*mul->data)) return false;
  Value* t = mul->x;
  Node* matmul = t->producer();
  if (matmul == nullptr || matmul->op_type() != "MatMul" || !matmul->domain().empty() ||
      matmul->num_inputs() != 2 || !HasSingleUse(*t)) {
    return false;
  }
  const Tensor* c0 = ConstantData(matmul->input(0));
  const Tensor* c1 = ConstantData(matmul->input(1));
  if ((c0 == nullptr) == (c1 == nullptr)) return false;
  const int w_index = c1 != nullptr ? 1 : 0;
  Value* w_value = matmul->input(w_index);
  const Tensor* w = c1 != nullptr ? c1 : c0;
  const std::optional<Shape>& t_shape = t->type().shape;
  if (w->type() != ElementType::kFloat || w->rank() != 2 || !t_shape || t_shape->size() < 2) {
    return false;
  }
  // Output channels: the columns of t = x W, the rows of t = W x.
  const int64_t axis = static_cast<int64_t>(t_shape->size()) - (w_index == 1 ? 1 : 2);
  std::optional<std::vector<float>> factor = ChannelValues(*mul->data, t_shape, axis);
  if (!factor) return false;
  Dims factor_dims;
  if (factor->size() > 1) {
    factor_dims = w_index == 1 ? Dims{1, static_cast<int64_t>(factor->size())}
                               : Dims{static_cast<int64_t>(factor->size()), 1};
  }
  ASSIGN_OR_RETURN(Tensor scaled,
                   EvaluateOp(*ctx.model, "Mul", {*w, FloatTensor(factor_dims, *factor)}));
  if (!FitsAnnotation(*w_value, scaled)) {
    WarnOnce(ctx, absl::StrCat(mul->node->Describe(), ": not absorbed into the weights '",
                               w_value->name(), "' of ", matmul->Describe(), ": the result leaves ",
                               w_value->type().dtype.Name()));
    return false;
  }
  ASSIGN_OR_RETURN(Value * new_w, AddDerivedConstant(graph, *w_value, std::move(scaled)));
  std::vector<Value*> inputs = matmul->inputs();
  inputs[w_index] = new_w;
  ASSIGN_OR_RETURN(Node * copy, CloneNodeWithInputs(graph, *matmul, inputs));
  const std::string name = matmul->name();
  Value* old_params[] = {w_value, mul->param};
  RETURN_IF_ERROR(ReplaceNodeOutput(graph, mul->node, copy->output(0)));
  RETURN_IF_ERROR(graph.RemoveNode(matmul));
  for (Value* v : old_params) RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, v));
  RETURN_IF_ERROR(RenameLikeRemoved(graph, copy, name));
  return true;
}

}  // namespace

absl::StatusOr<bool> Absorb1BitMulIntoMatMulPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
