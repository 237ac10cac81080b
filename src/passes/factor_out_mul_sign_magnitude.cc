#include "src/passes/factor_out_mul_sign_magnitude.h"

#include <algorithm>
#include <cmath>

#include "src/base/status.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext&) {
  std::optional<ConstantOperand> mul = MatchConstantOperand(node, "Mul");
  if (!mul || AllSigns(*mul->data)) return false;
  std::span<const float> a = mul->data->span<float>();
  if (std::none_of(a.begin(), a.end(), [](float v) { return v < 0; })) return false;

  Tensor sign(ElementType::kFloat, mul->data->dims());
  Tensor magnitude(ElementType::kFloat, mul->data->dims());
  for (size_t i = 0; i < a.size(); ++i) {
    // The sign bit, not v < 0: x * -0.0 must stay (-x) * +0.0.
    sign.data<float>()[i] = std::signbit(a[i]) ? -1.0f : 1.0f;
    magnitude.data<float>()[i] = std::fabs(a[i]);
  }
  ASSIGN_OR_RETURN(Value * sign_value,
                   AddConstant(graph, mul->param->name() + "_sign", std::move(sign)));
  sign_value->type().dtype = DataType::Bipolar();
  sign_value->type().dtype_annotated = true;
  ASSIGN_OR_RETURN(Value * magnitude_value,
                   AddDerivedConstant(graph, *mul->param, std::move(magnitude)));
  ASSIGN_OR_RETURN(Node * sign_mul,
                   AddReplacementNode(graph, *mul->node, "Mul", "sign", {mul->x, sign_value}));
  ASSIGN_OR_RETURN(Node * magnitude_mul,
                   AddReplacementNode(graph, *mul->node, "Mul", "magnitude",
                                      {sign_mul->output(0), magnitude_value}));
  const std::string name = mul->node->name();
  Value* old_param = mul->param;
  RETURN_IF_ERROR(ReplaceNodeOutput(graph, mul->node, magnitude_mul->output(0)));
  RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, old_param));
  RETURN_IF_ERROR(RenameLikeRemoved(graph, magnitude_mul, name));
  return true;
}

}  // namespace

absl::StatusOr<bool> FactorOutMulSignMagnitudePass::RunOnGraph(Graph& graph,
                                                               PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
