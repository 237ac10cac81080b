// The interface of Brevitas' QuantLSTMCell op (brevitas.export.export_qonnx of a fully quantized
// QuantLSTM layer, BrevitasQuantLSTMCellFn in brevitas 0.13.4): the positions of its 48 inputs,
// its 11 internal quantizers and the names of their attributes. Shared by the op
// (quant_lstm_cell.cc) and the pass that lowers it to a Scan (lower_quant_lstm_cell.cc), so both
// read the node the same way.
//
// Inputs, in Brevitas' order (gates in the order input i, forget f, cell c, output o):
//   0 x [T, B, I] (batch_first: [B, T, I]), already quantized by the layer's io quantizer
//   1 h0 [B, H], 2 c0 [B, H]    initial states (zeros, or quantized by output / cell_state)
//   3..6  W_i, W_f, W_c, W_o [H, I]   quantized input weights
//   7..10 U_i, U_f, U_c, U_o [H, H]   quantized recurrent weights
//   11..14 b_i, b_f, b_c, b_o [H]     quantized biases (a scalar 0 when the layer has none)
//   15 + 3q + {0, 1, 2}: scale, zero point, bit width of quantizer q (Quantizer below)
// Attributes: batch_first, reverse_input, cifg, and per quantizer <q>_signed, <q>_narrow
// (Brevitas spells the output sigmoid's `output_sigmoid_narrow_range`), <q>_rounding_mode.
// Outputs: Y (every step's h, in input time order, layout of x), h_T [B, H], c_T [B, H].
#ifndef FINNGL_SRC_OPS_QUANT_LSTM_CELL_H_
#define FINNGL_SRC_OPS_QUANT_LSTM_CELL_H_

#include <string>

namespace finngl::quant_lstm {

inline constexpr char kOpType[] = "QuantLSTMCell";

inline constexpr int kX = 0;
inline constexpr int kH0 = 1;
inline constexpr int kC0 = 2;
inline constexpr int kNumGates = 4;
enum Gate { kInputGate = 0, kForgetGate = 1, kCellGate = 2, kOutputGate = 3 };
inline constexpr int InputWeightIndex(int gate) { return 3 + gate; }
inline constexpr int HiddenWeightIndex(int gate) { return 7 + gate; }
inline constexpr int BiasIndex(int gate) { return 11 + gate; }

// The internal quantizers, in the order of Brevitas' QuantLSTMLayerHandler.
enum Quantizer {
  kOutput = 0,  // h' (the layer's io quantizer, which also quantized x)
  kCellState,   // f*c, i*g and c' (one shared quantizer)
  kInputAcc,
  kForgetAcc,
  kCellAcc,
  kOutputAcc,
  kInputSigmoid,
  kForgetSigmoid,
  kCellTanh,
  kOutputSigmoid,
  kHiddenStateTanh,  // tanh(c')
  kNumQuantizers,
};
inline constexpr int ScaleIndex(int q) { return 15 + 3 * q; }
inline constexpr int ZeroPointIndex(int q) { return 15 + 3 * q + 1; }
inline constexpr int BitWidthIndex(int q) { return 15 + 3 * q + 2; }
inline constexpr int kNumInputs = 15 + 3 * kNumQuantizers;  // 48

// The quantizer of a gate's accumulator, and of its activation (sigmoid, or tanh for the cell
// gate).
inline constexpr int AccQuantizer(int gate) { return kInputAcc + gate; }
inline constexpr int ActQuantizer(int gate) { return kInputSigmoid + gate; }

// "output", "cell_state", "input_acc", ... (Brevitas' names).
const char* QuantizerName(int q);
std::string SignedAttr(int q);
std::string NarrowAttr(int q);  // "<q>_narrow", except "output_sigmoid_narrow_range"
std::string RoundingModeAttr(int q);
// Role of input i for diagnostics: "x", "W_f", "b_o", "cell_state scale", ...
std::string InputRole(int i);

}  // namespace finngl::quant_lstm

#endif  // FINNGL_SRC_OPS_QUANT_LSTM_CELL_H_
