#include "src/passes/batchnorm_to_affine.h"

#include "src/base/status.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

struct BatchNormParams {
  const Tensor* scale;
  const Tensor* bias;
  const Tensor* mean;
  const Tensor* var;
};

// The constant parameters of a BatchNormalization that can be rewritten, or nullopt.
std::optional<BatchNormParams> RewritableParams(const Node& bn, const Model& model) {
  if (bn.op_type() != "BatchNormalization" || !bn.domain().empty()) return std::nullopt;
  if (bn.num_inputs() != 5 || bn.num_outputs() != 1 || bn.GetInt("training_mode", 0) != 0) {
    return std::nullopt;
  }
  if (model.OpsetVersion("") < 9 && bn.GetInt("spatial", 1) == 0) return std::nullopt;
  const TensorType& x = bn.input(0)->type();
  if (x.elem != ElementType::kFloat && x.elem != ElementType::kDouble) return std::nullopt;
  if (!x.shape || x.shape->size() < 2) return std::nullopt;
  const Tensor* p[4];
  for (int i = 0; i < 4; ++i) {
    p[i] = ConstantData(bn.input(i + 1));
    if (p[i] == nullptr || p[i]->type() != x.elem || p[i]->rank() != 1) return std::nullopt;
  }
  return BatchNormParams{p[0], p[1], p[2], p[3]};
}

// a = (1 / sqrt(var + epsilon)) * scale and b = B - mean * a, as the BatchNormalization kernel
// computes them.
absl::StatusOr<std::pair<Tensor, Tensor>> AffineParams(const Model& model, const Node& bn,
                                                       const BatchNormParams& p) {
  const ElementType elem = p.var->type();
  const float epsilon = bn.GetFloat("epsilon", 1e-5f);
  ASSIGN_OR_RETURN(Tensor var_eps,
                   EvaluateOp(model, "Add", {*p.var, ScalarTensor(elem, epsilon)}));
  ASSIGN_OR_RETURN(Tensor stddev, EvaluateOp(model, "Sqrt", {var_eps}));
  ASSIGN_OR_RETURN(Tensor inv_std, EvaluateOp(model, "Div", {ScalarTensor(elem, 1), stddev}));
  ASSIGN_OR_RETURN(Tensor a, EvaluateOp(model, "Mul", {inv_std, *p.scale}));
  ASSIGN_OR_RETURN(Tensor mean_a, EvaluateOp(model, "Mul", {*p.mean, a}));
  ASSIGN_OR_RETURN(Tensor b, EvaluateOp(model, "Sub", {*p.bias, mean_a}));
  return std::make_pair(std::move(a), std::move(b));
}

}  // namespace

absl::StatusOr<bool> BatchNormToAffinePass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  bool changed = false;
  for (Node* bn : graph.nodes()) {
    std::optional<BatchNormParams> params = RewritableParams(*bn, *ctx.model);
    if (!params) continue;
    ASSIGN_OR_RETURN(auto affine, AffineParams(*ctx.model, *bn, *params));
    auto& [a, b] = affine;
    // [C] -> [C, 1, ..., 1]: broadcasts against x = [N, C, D1, ...] along the channel axis.
    Dims channel_dims(bn->input(0)->type().shape->size() - 1, 1);
    channel_dims[0] = a.size();
    a.Reshape(channel_dims);
    b.Reshape(channel_dims);
    ASSIGN_OR_RETURN(Value * a_value, AddConstant(graph, bn->name() + "_scale", std::move(a)));
    ASSIGN_OR_RETURN(Value * b_value, AddConstant(graph, bn->name() + "_shift", std::move(b)));
    ASSIGN_OR_RETURN(Node * mul,
                     AddReplacementNode(graph, *bn, "Mul", "mul", {bn->input(0), a_value}));
    ASSIGN_OR_RETURN(Node * add,
                     AddReplacementNode(graph, *bn, "Add", "add", {mul->output(0), b_value}));
    RETURN_IF_ERROR(SubstituteNode(graph, bn, {add->output(0)}));
    changed = true;
  }
  return changed;
}

}  // namespace finngl
