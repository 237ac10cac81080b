#include "src/passes/sub_to_add.h"

#include <limits>

#include "src/base/status.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

// Whether -c is representable in c's element type for every element.
bool NegationFits(const Tensor& c) {
  int64_t min = 0;
  switch (c.type()) {
    case ElementType::kFloat:
    case ElementType::kDouble: return true;
    case ElementType::kInt8: min = std::numeric_limits<int8_t>::min(); break;
    case ElementType::kInt16: min = std::numeric_limits<int16_t>::min(); break;
    case ElementType::kInt32: min = std::numeric_limits<int32_t>::min(); break;
    case ElementType::kInt64: min = std::numeric_limits<int64_t>::min(); break;
    default: return false;  // unsigned, bool, float16: no Neg
  }
  for (int64_t i = 0; i < c.size(); ++i) {
    if (c.GetInt64(i) == min) return false;
  }
  return true;
}

// c - x (c constant, x computed, float32) as Add(Mul(x, -1), c): the sign flips onto x, where
// streamlining moves it with x's scale (Brevitas' CIFG forget gate 1 - i is such a Sub).
absl::StatusOr<bool> ConstantMinusValue(Graph& graph, Node* sub, PassContext& ctx) {
  Value* lhs = sub->input(0);
  Value* x = sub->input(1);
  const Tensor* c = ConstantData(lhs);
  if (c == nullptr || x == nullptr || c->type() != ElementType::kFloat ||
      x->type().elem != ElementType::kFloat) {
    return false;
  }
  ASSIGN_OR_RETURN(Value * minus_one,
                   AddConstant(graph, sub->name() + "_minus_one",
                               ScalarTensor(ElementType::kFloat, -1.0)));
  ASSIGN_OR_RETURN(Node * negate, AddReplacementNode(graph, *sub, "Mul", "negate", {x, minus_one}));
  ASSIGN_OR_RETURN(Node * add,
                   AddReplacementNode(graph, *sub, "Add", "add", {negate->output(0), lhs}));
  RETURN_IF_ERROR(SubstituteNode(graph, sub, {add->output(0)}));
  return true;
}

}  // namespace

absl::StatusOr<bool> SubToAddPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  bool changed = false;
  for (Node* sub : graph.nodes()) {
    if (sub->op_type() != "Sub" || !sub->domain().empty() || sub->num_inputs() != 2) continue;
    Value* rhs = sub->input(1);
    const Tensor* c = ConstantData(rhs);
    if (c == nullptr) {
      ASSIGN_OR_RETURN(bool rewritten, ConstantMinusValue(graph, sub, ctx));
      changed = changed || rewritten;
      continue;
    }
    if (!NegationFits(*c)) continue;
    ASSIGN_OR_RETURN(Tensor negated, EvaluateOp(*ctx.model, "Neg", {*c}));
    ASSIGN_OR_RETURN(Value * neg, AddConstant(graph, rhs->name() + "_neg", std::move(negated)));
    AnnotateDerivedConstant(*rhs, neg);
    ASSIGN_OR_RETURN(Node * add,
                     AddReplacementNode(graph, *sub, "Add", "add", {sub->input(0), neg}));
    RETURN_IF_ERROR(SubstituteNode(graph, sub, {add->output(0)}));
    changed = true;
  }
  return changed;
}

}  // namespace finngl
