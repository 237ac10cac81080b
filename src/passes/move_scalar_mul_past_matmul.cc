#include "src/passes/move_scalar_mul_past_matmul.h"

#include "src/base/status.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

// The input of `matmul` that reads `t`, when its other input is a float32 constant; else -1.
int ScaledInput(const Node& matmul, const Value* t) {
  if (matmul.op_type() != "MatMul" || !matmul.domain().empty() || matmul.num_inputs() != 2) {
    return -1;
  }
  const int index = matmul.input(0) == t ? 0 : 1;
  if (matmul.input(index) != t || matmul.input(1 - index) == t) return -1;
  const Tensor* w = ConstantData(matmul.input(1 - index));
  return w != nullptr && w->type() == ElementType::kFloat ? index : -1;
}

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext&) {
  std::optional<ConstantOperand> mul = MatchConstantOperand(node, "Mul");
  if (!mul || mul->data->size() != 1) return false;
  if (!BroadcastKeepsShape(*mul->data, mul->x->type().shape)) return false;
  Value* t = mul->node->output(0);
  if (t->uses().empty() || t->is_graph_output() || ReadBySubgraph(*t)) return false;
  std::vector<std::pair<Node*, int>> matmuls;
  for (const Use& use : t->uses()) {
    const int index = ScaledInput(*use.node, t);
    if (index < 0) return false;
    matmuls.emplace_back(use.node, index);
  }
  const float a = mul->data->data<float>()[0];
  for (auto [matmul, index] : matmuls) {
    // A rank-0 scale broadcasts against any MatMul result without changing its shape.
    RETURN_IF_ERROR(MoveLinearPastNode(graph, *mul, matmul, index, FloatTensor({}, {a})));
  }
  return true;
}

}  // namespace

absl::StatusOr<bool> MoveScalarMulPastMatMulPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
