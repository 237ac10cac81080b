// remove-stream-reshapes: a Reshape / Flatten / Squeeze / Unsqueeze between hardware ops is
// dropped: a stream is the tensor's elements in row-major order, which a reshape does not change,
// and every HW op reads its input as a flat sequence of vectors (docs/hw_layers.md).
//
//   before:  t = Thresholding(...)            [N, H, W, C]
//            f = Flatten<axis = 1>(t)         [N, H*W*C]
//            y = MVAU<MW = H*W*C>(f, W)
//   after:   t = Thresholding(...)
//            y = MVAU<MW = H*W*C>(t, W)       (reads t as one row of MW elements)
//
// Preconditions: the reshape's data input is produced by a HW node, every reader of its output
// is a HW node, and the output is not a graph output (nor read by a subgraph). A reshape is kept
// when re-inferring a reader on the unreshaped input would change the reader's output shapes
// (so values outside the HW part keep their shapes).
#ifndef FINNGL_SRC_PASSES_REMOVE_STREAM_RESHAPES_H_
#define FINNGL_SRC_PASSES_REMOVE_STREAM_RESHAPES_H_

#include "src/passes/pass.h"

namespace finngl {

class RemoveStreamReshapesPass final : public NamedPass<RemoveStreamReshapesPass> {
 public:
  static constexpr const char kName[] = "remove-stream-reshapes";
  static constexpr const char kDescription[] =
      "drop Reshape/Flatten/Squeeze/Unsqueeze between HW ops (streams are row-major)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_REMOVE_STREAM_RESHAPES_H_
