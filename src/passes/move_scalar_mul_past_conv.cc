#include "src/passes/move_scalar_mul_past_conv.h"

#include "src/base/status.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext&) {
  std::optional<ConstantOperand> mul = MatchConstantOperand(node, "Mul");
  if (!mul || mul->data->size() != 1) return false;
  if (!BroadcastKeepsShape(*mul->data, mul->x->type().shape)) return false;
  Value* t = mul->node->output(0);
  Node* conv = SingleConsumer(*t);
  if (conv == nullptr || conv->op_type() != "Conv" || !conv->domain().empty() ||
      conv->input(0) != t || ConstantData(conv->input(1)) == nullptr || conv->input(2) != nullptr) {
    return false;
  }
  const float a = mul->data->data<float>()[0];
  RETURN_IF_ERROR(MoveLinearPastNode(graph, *mul, conv, 0, FloatTensor({}, {a})));
  return true;
}

}  // namespace

absl::StatusOr<bool> MoveScalarMulPastConvPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
