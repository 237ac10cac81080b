// The pass interface: a GraphPass rewrites graphs; its non-virtual Run applies it to a model and
// does everything every pass needs afterwards, so each pass only states its rewrite.
//
// GraphPass::Run(model, ctx):
//   1. RunOnGraph on the main graph, then on every subgraph (Scan bodies, recursively) unless the
//      pass opts out because it works on the whole model at once;
//   2. if anything changed, puts the nodes back in a canonical topological order (node_order.h)
//      and re-infers the model's types (new values get theirs here);
//   3. with ctx.verify, runs the verifier: a failure is a bug in the pass and is reported as an
//      Internal error naming it;
//   4. records the pass (name, changed, wall time) in ctx.records and, with ctx.dump_dir, writes
//      the model to <dump_dir>/<NN>_<pass>.onnx.
// A concrete pass derives from NamedPass<Self>, declares kName (kebab-case) and kDescription (one
// line), and overrides RunOnGraph, which returns whether it changed the graph.
#ifndef FINNGL_SRC_PASSES_PASS_H_
#define FINNGL_SRC_PASSES_PASS_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/ir/graph.h"

namespace finngl {

// One pass execution, in the order passes ran.
struct PassRecord {
  std::string pass;
  bool changed = false;
  double milliseconds = 0;
};

// Settings shared by the passes of one run, and what they report back.
struct PassContext {
  // Verify the model after every pass (and the input before the first one).
  bool verify = true;
  // When set, the model is written there after every pass.
  std::string dump_dir;
  // Allows float rewrites that are not bit-identical (e.g. x / 3 -> x * (1/3)). Passes that
  // change float results even without it say so in their header.
  bool allow_inexact_float = false;

  // Filled by GraphPass::Run.
  std::vector<PassRecord> records;
  // Things a pass chose not to do and the user should know about (a QCDQ chain that Quant cannot
  // express exactly, a Quant left in float because its bit width is too large, ...). Each names
  // the node; `finngl opt` prints them.
  std::vector<std::string> warnings;
  void Warn(std::string message) { warnings.push_back(std::move(message)); }
  // Called after every pass with the model and the pass's record (e.g. `finngl opt --verify`
  // executes the model here). An error stops the pipeline.
  std::function<absl::Status(const Model&, const PassRecord&)> after_pass;
  // The model being transformed, set while a pass runs (opsets, the op registry, the executor).
  Model* model = nullptr;
};

class GraphPass {
 public:
  virtual ~GraphPass() = default;
  virtual absl::string_view name() const = 0;
  // One line, for `finngl opt --list`.
  virtual absl::string_view description() const = 0;

  // Applies the pass to the model (see the file comment). Returns whether anything changed.
  absl::StatusOr<bool> Run(Model& model, PassContext& ctx) const;

 protected:
  // Rewrites one graph; returns whether it changed anything.
  virtual absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const = 0;
  // Passes that handle the whole model from the main graph (renaming, type inference) return
  // false so Run does not call them again for each subgraph.
  virtual bool RunsOnSubgraphs() const { return true; }

 private:
  absl::StatusOr<bool> RunOnGraphAndSubgraphs(Graph& graph, PassContext& ctx) const;
  absl::Status Dump(const Model& model, const PassContext& ctx) const;
};

// Supplies name() and description() from the derived class's kName and kDescription.
template <typename Derived>
class NamedPass : public GraphPass {
 public:
  absl::string_view name() const override { return Derived::kName; }
  absl::string_view description() const override { return Derived::kDescription; }
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_PASS_H_
