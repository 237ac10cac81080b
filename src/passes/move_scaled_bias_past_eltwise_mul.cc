#include "src/passes/move_scaled_bias_past_eltwise_mul.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/base/status.h"
#include "src/passes/evaluate.h"
#include "src/passes/quant_thresholds.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

// K = C / a when every element is an integer below 2^24 whose product with a gives C back
// bit for bit (through the Mul kernel, as the graph would compute it).
absl::StatusOr<std::optional<Tensor>> IntegerMultiple(const Tensor& c, const Tensor& a,
                                                      const Model& model) {
  const double scale = a.GetDouble(0);
  if (!(std::isfinite(scale) && scale != 0)) return std::optional<Tensor>();
  Tensor k(ElementType::kFloat, c.dims());
  for (int64_t i = 0; i < c.size(); ++i) {
    const double q = std::nearbyint(c.GetDouble(i) / scale);
    if (!(std::fabs(q) < 16777216.0)) return std::optional<Tensor>();
    k.data<float>()[i] = static_cast<float>(q) + 0.0f;
  }
  ASSIGN_OR_RETURN(Tensor back, EvaluateOp(model, "Mul", {k, a}));
  std::string why;
  if (!SameValues(back, c, &why)) return std::optional<Tensor>();
  return std::optional<Tensor>(std::move(k));
}

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext& ctx) {
  if (node->op_type() != "Mul" || !node->domain().empty() || node->num_inputs() != 2 ||
      node->num_outputs() != 1) {
    return false;
  }
  for (int side = 0; side < 2; ++side) {
    Value* u = node->input(side);
    Value* v = node->input(1 - side);
    if (u == nullptr || v == nullptr || ConstantData(v) != nullptr ||
        v->type().elem != ElementType::kFloat || u->producer() == nullptr ||
        !HasSingleUse(*u)) {
      continue;
    }
    std::optional<ConstantOperand> bias = MatchConstantOperand(u->producer(), "Add");
    if (!bias || bias->x->producer() == nullptr || !HasSingleUse(*bias->x)) continue;
    std::optional<ConstantOperand> scale = MatchConstantOperand(bias->x->producer(), "Mul");
    if (!scale || scale->data->size() != 1 || !scale->x->type().dtype.IsInteger()) continue;
    // The bias must not broadcast the scaled value to another shape.
    if (!BroadcastKeepsShape(*bias->data, scale->x->type().shape)) continue;
    ASSIGN_OR_RETURN(std::optional<Tensor> k,
                     IntegerMultiple(*bias->data, *scale->data, *ctx.model));
    if (!k) continue;
    ASSIGN_OR_RETURN(Value * k_value, AddConstant(graph, bias->param->name() + "_levels", *k));
    double lo = 0, hi = 0;
    for (int64_t i = 0; i < k->size(); ++i) {
      lo = i == 0 ? k->GetDouble(i) : std::min(lo, k->GetDouble(i));
      hi = i == 0 ? k->GetDouble(i) : std::max(hi, k->GetDouble(i));
    }
    k_value->type().dtype = DataType::SmallestHolding(lo, hi);
    k_value->type().dtype_annotated = true;
    ASSIGN_OR_RETURN(Node * shifted,
                     AddReplacementNode(graph, *bias->node, "Add", "levels", {scale->x, k_value}));
    std::vector<Value*> inputs = {nullptr, nullptr};
    inputs[side] = shifted->output(0);
    inputs[1 - side] = v;
    ASSIGN_OR_RETURN(Node * product, CloneNodeWithInputs(graph, *node, inputs));
    ASSIGN_OR_RETURN(Value * a, AddDerivedConstant(graph, *scale->param, *scale->data));
    ASSIGN_OR_RETURN(Node * moved, AddReplacementNode(graph, *scale->node, "Mul", "moved",
                                                      {product->output(0), a}));
    const std::string product_name = node->name();
    Node* bias_node = bias->node;
    Node* scale_node = scale->node;
    Value* bias_param = bias->param;
    Value* scale_param = scale->param;
    RETURN_IF_ERROR(ReplaceNodeOutput(graph, node, moved->output(0)));
    RETURN_IF_ERROR(graph.RemoveNode(bias_node));
    RETURN_IF_ERROR(graph.RemoveNode(scale_node));
    RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, bias_param));
    // A bias read from the enclosing graph (Q(1) of the lowered cell): drop the dead reference.
    if (bias_param->is_outer_ref() && IsUnused(*bias_param)) {
      RETURN_IF_ERROR(graph.RemoveValue(bias_param));
    }
    RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, scale_param));
    RETURN_IF_ERROR(RenameLikeRemoved(graph, product, product_name));
    return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<bool> MoveScaledBiasPastEltwiseMulPass::RunOnGraph(Graph& graph,
                                                                  PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
