// trunc-to-multithreshold: a QONNX Trunc (v1 or v2) whose input comes from a quantizer becomes a
// MultiThreshold over that input, by the same level tabulation as activation-to-multithreshold
// (Trunc is monotone in its input):
//
//   before:  a = Quant(x, s, 0, 8)                       a takes only the values k * s
//            y = Trunc<rounding_mode="FLOOR">(a, s, 0, 8, s_out, 4)        (v2; v1 alike)
//   after:   c = MultiThreshold<data_layout=...>(a, T)
//            y = Mul(Add(c, q_min), s_out)            (v1: the output unit is the input scale s)
//
// The input's values v_k are read from its producer (a Quant / BipolarQuant with zero point 0, or
// an already converted MultiThreshold -> Add -> Mul chain), the Trunc kernel computes q_k for all
// of them, threshold j is the smallest v_k whose output level is q_min + j or more, and the chain
// is verified on every v_k through the kernels before the Trunc is replaced, so the result equals
// the Trunc bit for bit for every value its input can take.
// Left as a Trunc with a warning: nonzero zero point, non-constant parameters, and inputs whose
// levels are unknown (e.g. the AveragePool -> Mul -> Trunc of a QuantAvgPool2d, whose input is a
// float sum; FINN turns that pattern into QuantAvgPool2d instead).
#ifndef FINNGL_SRC_PASSES_TRUNC_TO_MULTITHRESHOLD_H_
#define FINNGL_SRC_PASSES_TRUNC_TO_MULTITHRESHOLD_H_

#include "src/passes/pass.h"

namespace finngl {

class TruncToMultiThresholdPass final : public NamedPass<TruncToMultiThresholdPass> {
 public:
  static constexpr const char kName[] = "trunc-to-multithreshold";
  static constexpr const char kDescription[] =
      "turn a QONNX Trunc of a quantized tensor into a MultiThreshold on the tensor's levels";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_TRUNC_TO_MULTITHRESHOLD_H_
