// lower-lstm-to-scan: an ONNX LSTM node becomes one Scan per direction whose body is the LSTM
// cell in standard ops, in row-vector form, so later passes see (and quantize, streamline, map
// to hardware) the cell's matrix products and activations like any other graph.
//
//   before:  Y, Y_h, Y_c = LSTM(X [T, B, I], W [1, 4H, I], R [1, 4H, H], B [1, 8H])
//   after:   h_T, c_T, Ys = Scan(h0 [B, H], c0 [B, H], X) with body (h, c, x_t):
//              g = MatMul(x_t, W^T [I, 4H]) + MatMul(h, R^T [H, 4H]) + (Wb + Rb)
//              i, o, f, c~ = Split(g)                       (ONNX gate order i, o, f, c)
//              i = f(i)  o = f(o)  f = f(f)  c~ = g(c~)     (default f = Sigmoid, g = h = Tanh)
//              c' = c * f + i * c~     h' = o * h(c')      -> (h', c', h')
//            Y = Unsqueeze(Ys, 1)   Y_h = Unsqueeze(h_T, 0)   Y_c = Unsqueeze(c_T, 0)
//   W^T, R^T and Wb + Rb are computed once in the outer graph (as constants when W/R/B are) and
//   read by the body as outer-scope references; weight quantizers feeding W/R/B stay in place.
//
// Supported: all directions (bidirectional: two Scans, outputs concatenated on the direction
// axis), layout 0 and 1 (the Scan runs along axis 1 of X and stacks along axis 1 of Y), optional
// B, initial_h and initial_c (zeros otherwise, shaped from X at run time when the batch is not
// static), peepholes (i and f read c, o reads c'), clip (Clip after each gate's bias),
// input_forget (f = 1 - i), activations Sigmoid/Tanh/Relu, and sequence_lens when every length
// equals the sequence length (Brevitas exports it so). Other sequence_lens, activations the LSTM
// op does not support, non-float32 X or unknown W/R shapes leave the node unchanged with a
// warning naming it.
//
// Float exactness: the body performs the LSTM kernel's float32 operations in the same order
// (projection + recurrence, + peephole, + bias, clip, activation; c' = c*f + i*c~), but the
// summation order inside the matrix products (MatMul kernel vs the LSTM's GEMM) and the
// activation implementations (the LSTM kernel's vectorised exp/tanh vs the Sigmoid/Tanh ops)
// differ, so results agree to a few ulp, not bit for bit. Tests compare with a small tolerance.
#ifndef FINNGL_SRC_PASSES_LOWER_LSTM_TO_SCAN_H_
#define FINNGL_SRC_PASSES_LOWER_LSTM_TO_SCAN_H_

#include "src/passes/pass.h"

namespace finngl {

class LowerLstmToScanPass final : public NamedPass<LowerLstmToScanPass> {
 public:
  static constexpr const char kName[] = "lower-lstm-to-scan";
  static constexpr const char kDescription[] =
      "rewrite ONNX LSTM nodes into Scan loops over the LSTM cell in standard ops (per direction)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_LOWER_LSTM_TO_SCAN_H_
