// quant-act-to-multithreshold: an activation quantizer (a Quant / IntQuant / BipolarQuant whose
// input is computed at run time) becomes a MultiThreshold that counts integer levels, followed by
// FINN's Add(bias) and Mul(scale):
//
//   before:  y = Quant<signed=1, narrow=0>(x, s, 0, 4)        s: [1, C, 1, 1] or scalar
//   after:   c = MultiThreshold<out_dtype="UINT4", data_layout="NCHW">(x, T)   T: [C or 1, 15]
//            y = Mul(Add(c, -8), s)                   (Add omitted for bias 0, Mul for scale 1)
//
// A Relu whose only reader is the Quant is fused (the MultiThreshold reads the Relu's input and
// the Relu is removed); a BipolarQuant or signed 1-bit Quant becomes a MultiThreshold with
// out_dtype BIPOLAR, out_scale 2 and out_bias -1 (then Mul(scale)), as FINN converts Sign.
//
// Exactness: threshold j is the smallest float32 x whose quantizer level is at least
// lowest + j, searched over the ordered floats (threshold_search.h) with the quantizer's own
// float32 arithmetic (x / scale, clamp, the node's rounding mode; Relu first when fused). Hence
// count(x >= T) + bias equals the Quant's integer for every float32 x, ties included: the closed
// form (k + 0.5) * s of FINN rounds ties up where Quant rounds half to even and is not used.
// Before a conversion is committed, the chain and the replaced nodes are run through their
// kernels at every threshold, just below it, at +-inf and at +-0; any difference leaves the node
// unchanged with a warning. NaN inputs are the one exception: Quant propagates NaN, a
// MultiThreshold counts it as below every threshold.
//
// Channels: a scale varying along one axis gives per-channel threshold rows and a data_layout with
// 'C' on that axis (ThresholdLayout: "NCHW" for rank 4 and axis 1, "NC" for rank 2, "NCW" for
// rank 3; per-tensor scales take axis 1). Rank 0/1 data has no channel axis and is left alone.
//
// Left unchanged with a warning naming the node: nonzero zero point, bit width above the limit
// (8 by default, as FINN's filter), non-constant parameters, scales that are not positive, a
// scale or zero point varying along several axes, unknown rank, non-float32 input. Weight
// quantizers (constant input) are fold-quant-weights' job and are skipped silently. Run
// activation-to-multithreshold and trunc-to-multithreshold first: they read the levels of the
// Quants this pass replaces (they also accept the converted form).
#ifndef FINNGL_SRC_PASSES_QUANT_ACT_TO_MULTITHRESHOLD_H_
#define FINNGL_SRC_PASSES_QUANT_ACT_TO_MULTITHRESHOLD_H_

#include "src/passes/pass.h"

namespace finngl {

class QuantActToMultiThresholdPass final : public NamedPass<QuantActToMultiThresholdPass> {
 public:
  static constexpr const char kName[] = "quant-act-to-multithreshold";
  static constexpr const char kDescription[] =
      "turn activation Quant/BipolarQuant (fusing a Relu before it) into MultiThreshold + Add + "
      "Mul with exactly searched thresholds";

  // Quantizers wider than `max_bit_width` bits stay Quant nodes (with a warning).
  explicit QuantActToMultiThresholdPass(int max_bit_width = 8) : max_bit_width_(max_bit_width) {}

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;

 private:
  int max_bit_width_;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_QUANT_ACT_TO_MULTITHRESHOLD_H_
