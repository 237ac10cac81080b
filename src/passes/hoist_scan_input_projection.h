// hoist-scan-input-projection: moves the part of a Scan body that depends only on the scan inputs
// (not on the states) out of the loop, where it runs once over the whole sequence.
//
// In an LSTM the gate pre-activations are W_x x_t + W_h h_{t-1}: the W_x x_t half (and the
// quantizer in front of it) does not depend on the recurrence. On hardware it then becomes an
// ordinary streaming layer over all T steps that overlaps with the layers before it, and only
// W_h h_{t-1} and the nonlinearities stay on the sequential path (docs/hardware.md).
//
//   before:  Scan(h0, c0, xs)   body(h, c, x_t):  q = MultiThreshold(x_t); a = MatMul(q, Wx)
//                                                 g = Add(a, MatMul(h, Wh)) ...
//   after:   qs = MultiThreshold(xs); as = MatMul(qs, Wx)       (outside, over [T, N, F])
//            Scan(h0, c0, as)   body(h, c, a_t):  g = Add(a_t, MatMul(h, Wh)) ...
//
// A body node is hoisted when every input is a constant, an outer-scope value or a value derived
// from scan inputs only, all of its sequence inputs are scanned in the same direction along the
// same outermost axis (axis 0 of [T, N, F], or axis 1 of a batch-first [1, T, F] sequence, see
// ScanAxisIsOutermost), and the op is applied slice by slice when given the stacked sequence:
// MatMul by a constant matrix, elementwise ops whose constant operands broadcast from the right
// without reaching the step axis, and MultiThreshold on [N, C] or [1, C] slices (hoisted with
// data_layout "NWC" over [T, N, C] or [1, T, C] so its channel axis stays the last one). Values
// the remaining body still reads become new scan inputs, scanned like the sequence they come from
// ([1, T, 4H] along axis 1 for a batch-first LSTM); scan inputs the body no longer reads are
// dropped. Integer-annotated results are identical
// (exact arithmetic); a float MatMul over a stacked sequence may round differently from T
// separate ones, so the flow runs this pass after streamlining.
#ifndef FINNGL_SRC_PASSES_HOIST_SCAN_INPUT_PROJECTION_H_
#define FINNGL_SRC_PASSES_HOIST_SCAN_INPUT_PROJECTION_H_

#include "src/passes/pass.h"

namespace finngl {

class HoistScanInputProjectionPass final : public NamedPass<HoistScanInputProjectionPass> {
 public:
  static constexpr char kName[] = "hoist-scan-input-projection";
  static constexpr char kDescription[] =
      "move Scan body work that depends only on the scan inputs (W_x x_t) out of the loop";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_HOIST_SCAN_INPUT_PROJECTION_H_
