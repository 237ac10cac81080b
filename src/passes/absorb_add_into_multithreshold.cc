#include "src/passes/absorb_add_into_multithreshold.h"

#include "src/passes/streamline_util.h"

namespace finngl {

absl::StatusOr<bool> AbsorbAddIntoMultiThresholdPass::RunOnGraph(Graph& graph,
                                                                 PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, [](Graph& g, Node* node, PassContext&) {
    return AbsorbIntoThresholds(g, node, "Add");
  });
}

}  // namespace finngl
