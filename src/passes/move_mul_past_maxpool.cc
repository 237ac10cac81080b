#include "src/passes/move_mul_past_maxpool.h"

#include <cmath>

#include "src/base/status.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext&) {
  std::optional<ConstantOperand> mul = MatchConstantOperand(node, "Mul");
  if (!mul) return false;
  Value* t = mul->node->output(0);
  Node* pool = SingleConsumer(*t);
  if (pool == nullptr || pool->op_type() != "MaxPool" || !pool->domain().empty() ||
      pool->num_outputs() != 1 || pool->input(0) != t) {
    return false;
  }
  const std::optional<Shape>& x_shape = mul->x->type().shape;
  if (!x_shape || x_shape->size() < 3) return false;
  std::optional<std::vector<float>> scale = ChannelValues(*mul->data, x_shape, 1);
  if (!scale) return false;
  for (float a : *scale) {
    if (!std::isfinite(a) || a < 0) return false;
  }
  // The pooled result has other spatial dims: the scale becomes [1, C, 1, ...] (or a scalar).
  Dims dims;
  if (scale->size() > 1) {
    dims.assign(x_shape->size(), 1);
    dims[1] = static_cast<int64_t>(scale->size());
  }
  RETURN_IF_ERROR(MoveLinearPastNode(graph, *mul, pool, 0, FloatTensor(dims, *scale)));
  return true;
}

}  // namespace

absl::StatusOr<bool> MoveMulPastMaxPoolPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
