#include "src/passes/collapse_repeated_add.h"

#include "src/passes/streamline_util.h"

namespace finngl {

absl::StatusOr<bool> CollapseRepeatedAddPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, [](Graph& g, Node* node, PassContext& c) {
    return CollapseRepeated(g, node, c, "Add");
  });
}

}  // namespace finngl
