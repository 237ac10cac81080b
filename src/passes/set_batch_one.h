// set-batch-one: fixes the batch dimension of the model's inputs to 1.
//
// A dataflow accelerator processes one frame at a time (docs/hw_layers.md), so hardware mapping
// works on the batch-1 graph: with every shape known, shape arithmetic (Shape -> Slice -> Concat
// -> Expand building a zero LSTM state for "whatever N is") folds to constants, and layout
// changes that only move the unit batch axis become plain reshapes.
//
//   before:  x: float[N, 1, 100, 40]        after:  x: float[1, 1, 100, 40]
//
// The batch axis is the leading dimension when it is symbolic or unknown; otherwise, when no
// axis is a known 1, the first symbolic one (a time-major sequence [T, N, F] -> [T, 1, F]). An
// input that already has an axis of 1 ([1, T, F], a time-major [T, 1, F]) is left as it is; one
// with neither a 1 nor a symbolic axis (a fixed batch other than 1) too, with a warning. Rank-0
// inputs are skipped. Runs on the main graph only; type
// inference then propagates the new shapes into Scan bodies.
#ifndef FINNGL_SRC_PASSES_SET_BATCH_ONE_H_
#define FINNGL_SRC_PASSES_SET_BATCH_ONE_H_

#include "src/passes/pass.h"

namespace finngl {

class SetBatchOnePass final : public NamedPass<SetBatchOnePass> {
 public:
  static constexpr char kName[] = "set-batch-one";
  static constexpr char kDescription[] =
      "fix a symbolic batch dimension of the graph inputs to 1 (hardware runs frame by frame)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
  bool RunsOnSubgraphs() const override { return false; }
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_SET_BATCH_ONE_H_
