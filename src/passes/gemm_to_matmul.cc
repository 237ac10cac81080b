#include "src/passes/gemm_to_matmul.h"

#include "src/base/status.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

bool HasRank2(const Value* v) {
  return v != nullptr && v->type().shape && v->type().shape->size() == 2;
}

// Rewrites one Gemm; the caller checked the preconditions.
class GemmRewrite {
 public:
  GemmRewrite(Graph& graph, Node& gemm, const Model& model)
      : graph_(graph), gemm_(gemm), model_(model), elem_(gemm.input(0)->type().elem) {}

  absl::Status Run() {
    ASSIGN_OR_RETURN(Value * a, Operand(0, gemm_.GetInt("transA", 0) != 0, "a_t"));
    ASSIGN_OR_RETURN(Value * b, Operand(1, gemm_.GetInt("transB", 0) != 0, "b_t"));
    ASSIGN_OR_RETURN(Value * y, Apply("MatMul", "matmul", {a, b}));
    const float alpha = gemm_.GetFloat("alpha", 1);
    const float beta = gemm_.GetFloat("beta", 1);
    if (alpha != 1) {
      ASSIGN_OR_RETURN(Value * factor,
                       AddConstant(graph_, gemm_.name() + "_alpha", ScalarTensor(elem_, alpha)));
      ASSIGN_OR_RETURN(y, Apply("Mul", "alpha", {y, factor}));
    }
    Value* c = gemm_.input(2);
    if (c != nullptr && beta != 0) {
      ASSIGN_OR_RETURN(Value * bias, ScaledBias(c, beta));
      ASSIGN_OR_RETURN(y, Apply("Add", "bias", {y, bias}));
    }
    return SubstituteNode(graph_, &gemm_, {y});
  }

 private:
  absl::StatusOr<Value*> Apply(const std::string& op, const std::string& role,
                               const std::vector<Value*>& inputs) {
    ASSIGN_OR_RETURN(Node * node, AddReplacementNode(graph_, gemm_, op, role, inputs));
    return node->output(0);
  }

  // Operand i, transposed if asked: folded into a new initializer when constant.
  absl::StatusOr<Value*> Operand(int i, bool transpose, const std::string& role) {
    Value* v = gemm_.input(i);
    if (!transpose) return v;
    if (const Tensor* data = ConstantData(v)) {
      ASSIGN_OR_RETURN(Tensor t, EvaluateOp(model_, "Transpose", {*data},
                                            Attrs("perm", Attribute::Ints({1, 0}))));
      ASSIGN_OR_RETURN(Value * folded,
                       AddConstant(graph_, v->name() + "_transposed", std::move(t)));
      AnnotateDerivedConstant(*v, folded);
      return folded;
    }
    ASSIGN_OR_RETURN(Node * node, AddReplacementNode(graph_, gemm_, "Transpose", role, {v}));
    node->SetAttr("perm", Attribute::Ints({1, 0}));
    return node->output(0);
  }

  // beta * C: C itself when beta = 1, folded when C is constant, else a Mul node.
  absl::StatusOr<Value*> ScaledBias(Value* c, float beta) {
    if (beta == 1) return c;
    if (const Tensor* data = ConstantData(c)) {
      ASSIGN_OR_RETURN(Tensor t,
                       EvaluateOp(model_, "Mul", {*data, ScalarTensor(elem_, beta)}));
      ASSIGN_OR_RETURN(Value * folded, AddConstant(graph_, c->name() + "_scaled", std::move(t)));
      AnnotateDerivedConstant(*c, folded);
      return folded;
    }
    ASSIGN_OR_RETURN(Value * factor,
                     AddConstant(graph_, gemm_.name() + "_beta", ScalarTensor(elem_, beta)));
    return Apply("Mul", "beta", {c, factor});
  }

  static std::vector<std::pair<std::string, Attribute>> Attrs(const char* name, Attribute a) {
    std::vector<std::pair<std::string, Attribute>> attrs;
    attrs.emplace_back(name, std::move(a));
    return attrs;
  }

  Graph& graph_;
  Node& gemm_;
  const Model& model_;
  ElementType elem_;
};

bool Rewritable(const Node& gemm) {
  if (gemm.op_type() != "Gemm" || !gemm.domain().empty()) return false;
  if (!HasRank2(gemm.input(0)) || !HasRank2(gemm.input(1))) return false;
  const ElementType elem = gemm.input(0)->type().elem;
  if (elem == ElementType::kFloat || elem == ElementType::kDouble) return true;
  const float beta = gemm.GetFloat("beta", 1);
  return gemm.GetFloat("alpha", 1) == 1 && (beta == 0 || beta == 1);
}

}  // namespace

absl::StatusOr<bool> GemmToMatMulPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  bool changed = false;
  for (Node* gemm : graph.nodes()) {
    if (!Rewritable(*gemm)) continue;
    RETURN_IF_ERROR(GemmRewrite(graph, *gemm, *ctx.model).Run());
    changed = true;
  }
  return changed;
}

}  // namespace finngl
