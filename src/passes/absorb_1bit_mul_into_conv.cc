#include "src/passes/absorb_1bit_mul_into_conv.h"

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
  Node* conv = t->producer();
  if (conv == nullptr || conv->op_type() != "Conv" || !conv->domain().empty() ||
      !HasSingleUse(*t)) {
    return false;
  }
  Value* w_value = conv->input(1);
  Value* b_value = conv->input(2);
  const Tensor* w = ConstantData(w_value);
  const Tensor* b = ConstantData(b_value);
  if (w == nullptr || w->type() != ElementType::kFloat || w->rank() < 3 ||
      (b_value != nullptr && (b == nullptr || b->type() != ElementType::kFloat))) {
    return false;
  }
  std::optional<std::vector<float>> factor = ChannelValues(*mul->data, t->type().shape, 1);
  if (!factor) return false;
  // Per output channel: [O, 1, 1, ...] against W, [O] against B.
  Dims w_dims, b_dims;
  if (factor->size() > 1) {
    w_dims.assign(w->rank(), 1);
    w_dims[0] = static_cast<int64_t>(factor->size());
    b_dims = {w_dims[0]};
  }
  ASSIGN_OR_RETURN(Tensor new_w, EvaluateOp(*ctx.model, "Mul", {*w, FloatTensor(w_dims, *factor)}));
  std::optional<Tensor> new_b;
  if (b != nullptr) {
    ASSIGN_OR_RETURN(new_b, EvaluateOp(*ctx.model, "Mul", {*b, FloatTensor(b_dims, *factor)}));
  }
  if (!FitsAnnotation(*w_value, new_w) || (new_b && !FitsAnnotation(*b_value, *new_b))) {
    WarnOnce(ctx, absl::StrCat(mul->node->Describe(), ": not absorbed into the weights of ",
                               conv->Describe(), ": the result leaves their datatype"));
    return false;
  }
  std::vector<Value*> inputs = conv->inputs();
  ASSIGN_OR_RETURN(inputs[1], AddDerivedConstant(graph, *w_value, std::move(new_w)));
  if (new_b) {
    ASSIGN_OR_RETURN(inputs[2], AddDerivedConstant(graph, *b_value, std::move(*new_b)));
  }
  ASSIGN_OR_RETURN(Node * copy, CloneNodeWithInputs(graph, *conv, inputs));
  const std::string name = conv->name();
  Value* old_params[] = {w_value, b_value, mul->param};
  RETURN_IF_ERROR(ReplaceNodeOutput(graph, mul->node, copy->output(0)));
  RETURN_IF_ERROR(graph.RemoveNode(conv));
  for (Value* v : old_params) RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, v));
  RETURN_IF_ERROR(RenameLikeRemoved(graph, copy, name));
  return true;
}

}  // namespace

absl::StatusOr<bool> Absorb1BitMulIntoConvPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
