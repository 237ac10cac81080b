// hoist-scan-scales: carries a Scan's state variables and scan outputs as the integers they are,
// with their float scale applied outside the loop, so that the body can become integer-only.
//
// After QONNX -> FINN conversion a quantized state leaves the body as `Mul(q, A)` (q: integer
// levels, A: the quantizer's constant scale), and the next iteration reads the product back. The
// scale is moved across the loop boundary:
//
//   before:  body: h_in --> ...                  ... q --> Mul(., A) --> h_out (state)
//   after:   body: h_q_in --> Mul(., A) --> ...  ... q --> h_out (state, integer datatype of q)
//            outer: init / A --> Scan --> final_q --> Mul(., A) --> final
//
// Scan outputs (per-iteration results) produced by `Mul(q, A)` likewise stack q and get the Mul
// applied to the stacked tensor outside. A scan input computed outside as `Mul(y, A)` is
// scanned as y with the Mul applied to each slice inside the body, where streamlining can move it
// on (A must not touch the scan axis). Every product is computed with the same float operands
// as before, so the rewrite is exact, provided the initial state survives the round trip:
// the new initial value is taken from a producer `Mul(z, A)` with the same A outside the loop, or
// is the constant init / A when fl(fl(init / A) * A) == init for every element (zeros always);
// otherwise the state is left alone. The new body state input is annotated with q's integer
// datatype when the initial values are allowed by it, and the annotation is kept in step with q's
// datatype when later passes change it.
// Preconditions: A is a constant (initializer or outer-scope initializer) whose broadcast does
// not change q's shape; for scan outputs the stacking axis is 0 or A has a single element.
#ifndef FINNGL_SRC_PASSES_HOIST_SCAN_SCALES_H_
#define FINNGL_SRC_PASSES_HOIST_SCAN_SCALES_H_

#include "src/passes/pass.h"

namespace finngl {

class HoistScanScalesPass final : public NamedPass<HoistScanScalesPass> {
 public:
  static constexpr char kName[] = "hoist-scan-scales";
  static constexpr char kDescription[] =
      "carry Scan states and outputs as integers; apply their constant scale Mul outside the loop";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_HOIST_SCAN_SCALES_H_
