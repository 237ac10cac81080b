#include "src/passes/absorb_mul_into_multithreshold.h"

#include "src/passes/streamline_util.h"

namespace finngl {

absl::StatusOr<bool> AbsorbMulIntoMultiThresholdPass::RunOnGraph(Graph& graph,
                                                                 PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, [](Graph& g, Node* node, PassContext&) {
    return AbsorbIntoThresholds(g, node, "Mul");
  });
}

}  // namespace finngl
