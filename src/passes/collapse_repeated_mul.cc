#include "src/passes/collapse_repeated_mul.h"

#include "src/passes/streamline_util.h"

namespace finngl {

absl::StatusOr<bool> CollapseRepeatedMulPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, [](Graph& g, Node* node, PassContext& c) {
    return CollapseRepeated(g, node, c, "Mul");
  });
}

}  // namespace finngl
