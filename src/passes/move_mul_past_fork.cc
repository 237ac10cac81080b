#include "src/passes/move_mul_past_fork.h"

#include "src/passes/streamline_util.h"

namespace finngl {

absl::StatusOr<bool> MoveMulPastForkPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, [](Graph& g, Node* node, PassContext&) {
    return MoveOpPastFork(g, node, "Mul");
  });
}

}  // namespace finngl
