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
// from scan inputs only, all of its sequence inputs are scanned in the same direction along axis
// 0, and the op is applied slice by slice when given the stacked sequence: MatMul by a constant
// matrix, elementwise ops whose constant operands broadcast from the right without reaching the
// new leading axis, and MultiThreshold on [N, C] slices (hoisted with data_layout "NWC" so its
// channel axis stays the last one). Values the remaining body still reads become new scan inputs;
// scan inputs the body no longer reads are dropped. Integer-annotated results are identical
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
