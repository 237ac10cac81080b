// lower-quant-lstm-cell: Brevitas' QuantLSTMCell (src/ops/quant_lstm_cell.h) becomes an ONNX Scan
// whose body holds only standard ops and qonnx Quant nodes, one Quant per quantizer application
// of Brevitas' _QuantLSTMCell.forward_iter, so streamlining can work on it like on any quantized
// feed-forward graph (gates are MatMul + Add, activations Sigmoid/Tanh followed by Quant).
//
//   before:  Y, h_T, c_T = QuantLSTMCell(x, h0, c0, W_{i,f,c,o}, U_{i,f,c,o}, b_{i,f,c,o},
//                                        11 x (scale, zero point, bit width))
//   after:   outer graph:  Wt_g = Quant(W_gᵀ)   (or Transpose(W_g); one per gate, also for U)
//                          [CIFG: one = Quant_in_sig(1.0)]
//            h_T, c_T, Y = Scan<num_scan_inputs = 1>(h0, c0, x)   body (h, c, x_t: rows = batch):
//              acc_g = Quant_acc_g(Add(Add(MatMul(x_t, Wt_g), MatMul(h, Ut_g)), b_g))
//              i, f, o = Quant_sig(Sigmoid(acc_{i,f,o}))      g = Quant_c_tanh(Tanh(acc_c))
//              [CIFG: f = Sub(one, i)]
//              c' = Quant_cell(Add(Quant_cell(Mul(f, c)), Quant_cell(Mul(i, g))))
//              h' = Quant_out(Mul(o, Quant_h_tanh(Tanh(c'))))
//              outputs h', c', Identity(h')
//
// batch_first scans axis 1 of x and stacks Y on axis 1; reverse_input scans and stacks in reverse
// (Y[t] stays the step that consumed x[t]). A weight produced by a Quant of an initializer (per
// tensor, or per output channel with scale [H, 1]) is re-quantized transposed (Quant of the
// transposed initializer and parameters: the same values); a constant weight is transposed at
// compile time; any other weight gets a Transpose node. The quantizers' scale / zero point / bit
// width become initializers of the body; weights, biases and the CIFG constant are outer-scope
// references. What the rewrite leaves unused (the original weight Quant nodes, the cell's
// parameter initializers) is removed.
//
// Every float operation is the one the QuantLSTMCell kernel performs, in the same order, through
// the same kernels, so the Scan computes the cell's outputs bit for bit.
// Preconditions: the node is a valid QuantLSTMCell (48 inputs, attributes present) whose quantizer
// parameters are constants; the default-domain opset is >= 9 (Scan). Otherwise an error names the
// node and the offending tensor or attribute.
#ifndef FINNGL_SRC_PASSES_LOWER_QUANT_LSTM_CELL_H_
#define FINNGL_SRC_PASSES_LOWER_QUANT_LSTM_CELL_H_

#include "src/passes/pass.h"

namespace finngl {

class LowerQuantLstmCellPass final : public NamedPass<LowerQuantLstmCellPass> {
 public:
  static constexpr const char kName[] = "lower-quant-lstm-cell";
  static constexpr const char kDescription[] =
      "replace Brevitas' QuantLSTMCell by an ONNX Scan over standard ops and Quant nodes";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_LOWER_QUANT_LSTM_CELL_H_
