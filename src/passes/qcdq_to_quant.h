// qcdq-to-quant: the ONNX quantize/dequantize chains of a QCDQ model become QONNX Quant nodes, so
// the rest of the flow sees one quantizer form (the one qonnx and FINN convert to thresholds).
//
//   activations (QuantizeLinear -> [Clip] -> DequantizeLinear):
//     before:  q = QuantizeLinear(x, s, zp:int8 0)  c = Clip(q, -7:int8, 7:int8)
//              y = DequantizeLinear(c, s, zp)
//     after:   y = Quant(x, s, 0.f, 4.f) <signed=1, narrow=1, rounding_mode="ROUND">
//   weights (Brevitas >= 0.10.1: integer initializer -> [Clip] -> DequantizeLinear, no Q):
//     before:  y = DequantizeLinear(Clip(w_int:int8, -7, 7), s, 0)
//     after:   y = Quant(w_float, s, 0.f, 4.f) <signed=1, narrow=1>   w_float = DQ(Clip(w_int))
//   biases (Int32Bias: int32 initializer -> DequantizeLinear): the same with bit width 32.
//
// The bit width, signedness and narrow flag are those of the integer range the chain can produce:
// the quantized element type's range, cut by the Clip (bounds as inputs from opset 11, attributes
// before). Ranges Quant can state are [-2^(b-1), 2^(b-1)-1], [-2^(b-1)+1, 2^(b-1)-1] (narrow),
// [0, 2^b-1] and [0, 2^b-2] (unsigned narrow, which qonnx's Quant supports; unlike qonnx's own
// QCDQToQuant, which widens it, a Clip [0, 254] stays exactly that). Per-axis scales are reshaped
// to [1, .., C, .., 1] so they broadcast in Quant.
//
// Why the rewrite is exact for activations: with a zero point of 0, QuantizeLinear computes
// saturate(round(x / s)) and Quant clamp(x / s) rounded, both from the same float32 quotient and
// with integer bounds (clamping and rounding commute then); DequantizeLinear's float(q) * s is
// Quant's (q - 0) * s. Two differences remain outside that: NaN inputs (QuantizeLinear gives 0,
// Quant NaN) and the sign of zero (Quant gives -0.0 for small negative inputs, DQ +0.0; equal as
// numbers, only a later division by the value could tell). A nonzero zero point is not exact for
// runtime inputs (Quant adds it before rounding, in float32, so x / s + zp can round onto a tie
// that round(x / s) + zp does not have), so such chains stay. For constant inputs (weights,
// biases) the rewrite is verified on the constant itself.
//
// Never lossy: every candidate rewrite is also evaluated through the op kernels (evaluate.h),
// original chain against Quant, on representative data (every integer step of each channel's
// range, the midpoints between them and their float32 neighbours, out-of-range values, infinities)
// or, for constant inputs, on the constant. Chains that cannot be expressed exactly stay unchanged
// and PassContext::Warn names the DequantizeLinear node and the reason: a Clip range no Quant has
// (e.g. [-5, 5]), Q/DQ scales or zero points that differ or are not constants, float16 scales,
// nonzero zero points, non-float32 inputs. A QuantizeLinear feeding several DequantizeLinears gets
// one Quant per chain; a QuantizeLinear or Clip still read elsewhere stays.
#ifndef FINNGL_SRC_PASSES_QCDQ_TO_QUANT_H_
#define FINNGL_SRC_PASSES_QCDQ_TO_QUANT_H_

#include "src/passes/pass.h"

namespace finngl {

class QcdqToQuantPass final : public NamedPass<QcdqToQuantPass> {
 public:
  static constexpr const char kName[] = "qcdq-to-quant";
  static constexpr const char kDescription[] =
      "rewrite QuantizeLinear -> [Clip] -> DequantizeLinear chains (and quantized integer "
      "initializers) into exact QONNX Quant nodes";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_QCDQ_TO_QUANT_H_
