// lower-gru-to-scan: an ONNX GRU node becomes one Scan per direction whose body is the GRU cell
// in standard ops, in row-vector form (see lower_lstm_to_scan.h for the LSTM counterpart).
//
//   before:  Y, Y_h = GRU(X [T, B, I], W [1, 3H, I], R [1, 3H, H], B [1, 6H])
//   after:   h_T, Ys = Scan(h0 [B, H], X) with body (h, x_t):
//              xz, xr, xh = Split(MatMul(x_t, W^T [I, 3H]))      (ONNX gate order z, r, h)
//              hz, hr = Split(MatMul(h, R_zr^T [H, 2H]))
//              z = f(xz + hz + (Wbz + Rbz))   r = f(xr + hr + (Wbr + Rbr))
//              linear_before_reset = 0:  h~ = g(xh + MatMul(r * h, R_h^T) + (Wbh + Rbh))
//              linear_before_reset = 1:  h~ = g(xh + r * (MatMul(h, R_h^T) + Rbh) + Wbh)
//              h' = (1 - z) * h~ + z * h                             -> (h', h')
//            Y = Unsqueeze(Ys, 1)   Y_h = Unsqueeze(h_T, 0)
//   The transposed weight slices and summed biases are computed once in the outer graph (as
//   constants when W/R/B are) and read by the body as outer-scope references; weight quantizers
//   feeding W/R/B stay in place.
//
// Supported: all directions, layout 0 and 1, optional B and initial_h, clip, activations
// Sigmoid/Tanh/Relu, linear_before_reset 0 and 1, sequence_lens whose lengths all equal the
// sequence length. Anything else leaves the node unchanged with a warning naming it.
//
// Float exactness: the body follows the GRU kernel's order of float32 operations, but matrix
// product summation order and activation implementations differ (a few ulp); see
// lower_lstm_to_scan.h.
#ifndef FINNGL_SRC_PASSES_LOWER_GRU_TO_SCAN_H_
#define FINNGL_SRC_PASSES_LOWER_GRU_TO_SCAN_H_

#include "src/passes/pass.h"

namespace finngl {

class LowerGruToScanPass final : public NamedPass<LowerGruToScanPass> {
 public:
  static constexpr const char kName[] = "lower-gru-to-scan";
  static constexpr const char kDescription[] =
      "rewrite ONNX GRU nodes into Scan loops over the GRU cell in standard ops (per direction)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_LOWER_GRU_TO_SCAN_H_
