#include "src/passes/move_add_past_fork.h"

#include "src/passes/streamline_util.h"

namespace finngl {

absl::StatusOr<bool> MoveAddPastForkPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, [](Graph& g, Node* node, PassContext&) {
    return MoveOpPastFork(g, node, "Add");
  });
}

}  // namespace finngl
