// activation-to-multithreshold: a monotone elementwise activation between two quantizers becomes
// one MultiThreshold over the first quantizer's output (FINN-GL's quantized Sigmoid/Tanh, done
// exactly):
//
//   before:  a = Quant(x, s_a, 0, 4)          a takes only the values v_k = k * s_a
//            f = Sigmoid(a)                   (or Tanh, Relu, LeakyRelu, Clip, Identity, ...)
//            y = Quant<signed=0>(f, s_b, 0, 4)
//   after:   a = Quant(x, s_a, 0, 4)          (unchanged; quant-act-to-multithreshold converts it)
//            c = MultiThreshold<data_layout=...>(a, T)
//            y = Mul(Add(c, q_min), s_b)       (Add omitted for q_min 0, Mul for s_b 1)
//
// Because `a` holds only finitely many values, the whole map a -> y is tabulated: the values v_k
// of every level (read by running the first quantizer's kernel, or an already converted
// MultiThreshold -> Add -> Mul chain, on inputs reaching each level), then q_k = Quant_b(f(v_k))
// through the activation's and the quantizer's own kernels, exactly as the executor computes
// them. q_k must not decrease with k (checked: this is how monotonicity is detected, so any
// elementwise op the table shows monotone on these levels is accepted); threshold j is the
// smallest v_k whose level is at least q_min + j, where q_min is the level of the lowest input.
// Per-channel scales on either quantizer give per-channel threshold rows. The chain is then run
// on every v_k and must equal the table bit for bit, so MultiThreshold(a) == Quant_b(f(a)) for
// every value `a` can take (NaN aside).
//
// Preconditions: the activation is one of Sigmoid, Tanh, Relu, LeakyRelu, Clip, Identity, Sign,
// Exp, Sqrt, Floor, Ceil, Round, Neg, Abs, with its other inputs constant scalars; the second
// quantizer has constant parameters and zero point 0; the first has zero point 0 and at most 2^16
// levels. A table that decreases somewhere (Neg, Abs over signed levels) leaves the nodes
// unchanged with a warning; so do unknown input levels for Sigmoid/Tanh (quant-act-to-
// multithreshold then thresholds the activation's output instead; for the other activations
// that is the normal case and is not reported). The activation is removed when nothing else reads
// it. Run before quant-act-to-multithreshold.
#ifndef FINNGL_SRC_PASSES_ACTIVATION_TO_MULTITHRESHOLD_H_
#define FINNGL_SRC_PASSES_ACTIVATION_TO_MULTITHRESHOLD_H_

#include "src/passes/pass.h"

namespace finngl {

class ActivationToMultiThresholdPass final : public NamedPass<ActivationToMultiThresholdPass> {
 public:
  static constexpr const char kName[] = "activation-to-multithreshold";
  static constexpr const char kDescription[] =
      "turn Quant -> monotone activation (Sigmoid, Tanh, ...) -> Quant into one MultiThreshold "
      "on the first quantizer's levels";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_ACTIVATION_TO_MULTITHRESHOLD_H_
