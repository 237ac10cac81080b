// infer-label-select: ArgMax over the last axis of an integer [N, Labels] tensor becomes a
// LabelSelect HW op with K = 1 (docs/hw_layers.md).
//
//   before:  i = ArgMax<axis = -1 (or 1), keepdims = 1, select_last_index = 0>(x)   x: [N, L]
//   after:   i = LabelSelect<Labels = L, K = 1>(x)                                 i: [N, 1]
//   (keepdims = 0:  i = Reshape(LabelSelect(x), [-1])                              i: [N])
//
// Both pick the first maximal index, and both yield int64 indices. outputDataType is the
// smallest unsigned type holding L - 1.
#ifndef FINNGL_SRC_PASSES_INFER_LABEL_SELECT_H_
#define FINNGL_SRC_PASSES_INFER_LABEL_SELECT_H_

#include "src/passes/pass.h"

namespace finngl {

class InferLabelSelectPass final : public NamedPass<InferLabelSelectPass> {
 public:
  static constexpr const char kName[] = "infer-label-select";
  static constexpr const char kDescription[] =
      "ArgMax over the last axis of integer [N, L] data to a LabelSelect HW op (K = 1)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_INFER_LABEL_SELECT_H_
