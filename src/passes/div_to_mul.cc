#include "src/passes/div_to_mul.h"

#include <cmath>

#include "src/base/status.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

// Whether multiplying by `reciprocal` (computed as 1 / divisor in the element type) gives exactly
// the quotient for every dividend: the divisor is a power of two and the reciprocal exact.
bool ExactReciprocal(double divisor, double reciprocal) {
  int exponent = 0;
  return std::isfinite(divisor) && std::fabs(std::frexp(divisor, &exponent)) == 0.5 &&
         reciprocal * divisor == 1.0;
}

bool UsableReciprocal(double divisor, double reciprocal) {
  return std::isfinite(divisor) && divisor != 0 && std::isfinite(reciprocal) && reciprocal != 0;
}

}  // namespace

absl::StatusOr<bool> DivToMulPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  bool changed = false;
  for (Node* div : graph.nodes()) {
    if (div->op_type() != "Div" || !div->domain().empty() || div->num_inputs() != 2) continue;
    Value* rhs = div->input(1);
    const Tensor* c = ConstantData(rhs);
    if (c == nullptr || (c->type() != ElementType::kFloat && c->type() != ElementType::kDouble)) {
      continue;
    }
    ASSIGN_OR_RETURN(Tensor reciprocal,
                     EvaluateOp(*ctx.model, "Div", {ScalarTensor(c->type(), 1), *c}));
    bool usable = true;
    for (int64_t i = 0; usable && i < c->size(); ++i) {
      const double d = c->GetDouble(i), r = reciprocal.GetDouble(i);
      usable = ctx.allow_inexact_float ? UsableReciprocal(d, r) : ExactReciprocal(d, r);
    }
    if (!usable) continue;
    ASSIGN_OR_RETURN(Value * recip,
                     AddConstant(graph, rhs->name() + "_recip", std::move(reciprocal)));
    AnnotateDerivedConstant(*rhs, recip);
    ASSIGN_OR_RETURN(Node * mul,
                     AddReplacementNode(graph, *div, "Mul", "mul", {div->input(0), recip}));
    RETURN_IF_ERROR(SubstituteNode(graph, div, {mul->output(0)}));
    changed = true;
  }
  return changed;
}

}  // namespace finngl
