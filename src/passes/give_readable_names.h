// give-readable-names: gives nodes and tensors names that say where they come from, so dumps,
// reports and folding configs are easy to read and stable from run to run.
//
//   before:  "onnx::MatMul_17" = MatMul("input", "linear.weight")    node "/linear/MatMul"
//   after:   "MatMul_0_out0"   = MatMul("input", "MatMul_0_param1")  node "MatMul_0"
//
// Nodes are named as by give-unique-names (<OpType>_<k> across the model). Node outputs become
// <node>_out<i> (i: output index); initializers become <node>_param<i> after the first node that
// reads them (i: that node's input index). Never renamed: graph inputs and outputs (of the main
// graph and of subgraphs: they are interfaces), initializers only subgraphs read, and outer-scope
// references (they follow the value they refer to). A generated name that a kept name already
// uses gets a suffix (_1, _2, ...). Deterministic: running the pass again changes nothing.
#ifndef FINNGL_SRC_PASSES_GIVE_READABLE_NAMES_H_
#define FINNGL_SRC_PASSES_GIVE_READABLE_NAMES_H_

#include "src/passes/pass.h"

namespace finngl {

class GiveReadableNamesPass final : public NamedPass<GiveReadableNamesPass> {
 public:
  static constexpr const char kName[] = "give-readable-names";
  static constexpr const char kDescription[] =
      "give-unique-names, then name tensors <node>_out<i> and initializers <node>_param<i>";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
  // Names must be unique across the model, so the pass walks the subgraphs itself.
  bool RunsOnSubgraphs() const override { return false; }
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_GIVE_READABLE_NAMES_H_
