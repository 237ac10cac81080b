// give-unique-names: names every node of the model <OpType>_<k>, numbering each op type from 0
// across the whole model (main graph in topological order, each subgraph right after the node
// that owns it), so names are unique model-wide, deterministic and say what the node is.
//
//   before:  "" (Conv), "conv1" (Conv), "Relu_7" (Relu)      (in topological order)
//   after:   "Conv_0", "Conv_1", "Relu_0"
//
// The IR already keeps node names unique per graph; this pass is about readable reports and
// folding configs. Each node's origin() still names the ONNX node it came from. Tensor names are
// left alone (give-readable-names renames those too).
#ifndef FINNGL_SRC_PASSES_GIVE_UNIQUE_NAMES_H_
#define FINNGL_SRC_PASSES_GIVE_UNIQUE_NAMES_H_

#include "src/passes/pass.h"

namespace finngl {

class GiveUniqueNamesPass final : public NamedPass<GiveUniqueNamesPass> {
 public:
  static constexpr const char kName[] = "give-unique-names";
  static constexpr const char kDescription[] =
      "name every node <OpType>_<k>, numbered per op type across the model";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
  // Numbering spans the whole model, so the pass walks the subgraphs itself.
  bool RunsOnSubgraphs() const override { return false; }
};

// The pass's rewrite, for give-readable-names: renames the nodes of `main_graph` and of all its
// subgraphs. Returns whether any name changed.
absl::StatusOr<bool> GiveUniqueNodeNames(Graph& main_graph);

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_GIVE_UNIQUE_NAMES_H_
