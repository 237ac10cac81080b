// remove-dead-code: removes what no graph output depends on.
//
//   before:  y = Relu(x)            (graph output)
//            t = Transpose(x)       (read by nothing)
//            w: initializer read by nothing
//   after:   y = Relu(x)
//
// Removed: nodes none of whose outputs a graph output depends on, initializers nobody reads,
// and outer-scope references a subgraph no longer reads. A value read by a Scan body keeps its
// producer alive. Subgraphs are cleaned first (bottom-up), so a main-graph initializer that only a
// now-removed part of a body read goes in the same run. Graph inputs are never removed (the
// interface stays), nor are a subgraph's inputs and outputs. ONNX inference ops have no side
// effects, so removing unread nodes never changes a result.
#ifndef FINNGL_SRC_PASSES_REMOVE_DEAD_CODE_H_
#define FINNGL_SRC_PASSES_REMOVE_DEAD_CODE_H_

#include "src/passes/pass.h"

namespace finngl {

class RemoveDeadCodePass final : public NamedPass<RemoveDeadCodePass> {
 public:
  static constexpr const char kName[] = "remove-dead-code";
  static constexpr const char kDescription[] =
      "remove nodes and initializers no graph output depends on (also in subgraphs)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
  // Recurses itself, bottom-up (see above).
  bool RunsOnSubgraphs() const override { return false; }
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_REMOVE_DEAD_CODE_H_
