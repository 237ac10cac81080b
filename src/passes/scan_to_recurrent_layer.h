// scan-to-recurrent-layer: a Scan whose body has been mapped to hardware ops becomes the
// RecurrentLayer hardware op (docs/hw_layers.md), the time loop code generation emits with its
// states on chip.
//
//   before:  h, c = Scan<body = {MVAU, ElementwiseAdd, Thresholding, ...}>(h0, c0, gates_x)
//   after:   h, c = RecurrentLayer<body = (the same)>(h0, c0, gates_x)
//
// Same inputs, outputs and attributes: RecurrentLayer means exactly what Scan means, so the
// rewrite cannot change a result. Outputs nothing reads (not even the graph) are left out (ONNX's
// empty output name): the hardware layer then never streams them, e.g. the final cell state c_T. Preconditions: every body node is a hardware op (domain
// finn.custom_op.fpgadataflow) and the body has at least one node; scan inputs and outputs are
// scanned forward along an outermost axis: axis 0 (a [T, N, F] sequence with N = 1), or a later
// axis with only 1s before it (batch-first [1, T, F]), which streams in the same order. Scans
// that do not qualify stay as they are and the dataflow partition reports them.
#ifndef FINNGL_SRC_PASSES_SCAN_TO_RECURRENT_LAYER_H_
#define FINNGL_SRC_PASSES_SCAN_TO_RECURRENT_LAYER_H_

#include "src/passes/pass.h"

namespace finngl {

class ScanToRecurrentLayerPass final : public NamedPass<ScanToRecurrentLayerPass> {
 public:
  static constexpr char kName[] = "scan-to-recurrent-layer";
  static constexpr char kDescription[] =
      "turn a Scan whose body holds only hardware ops into a RecurrentLayer hardware op";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_SCAN_TO_RECURRENT_LAYER_H_
