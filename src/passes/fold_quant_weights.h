// fold-quant-weights: a weight quantizer (Quant / IntQuant / BipolarQuant whose inputs are all
// constant) becomes an integer-valued float32 initializer annotated with the quantizer's integer
// DataType (INT<b>, UINT<b>, BIPOLAR, BINARY; narrow ranges keep INT<b>), and its scale moves
// behind the layer that reads it, as FINN's FoldQuantWeights does:
//
//   before:  w_q = Quant<signed=1, narrow=1>(w, s, 0, 4)     w: [K, N] float, s: [1, N]
//            y   = MatMul(x, w_q)
//   after:   y0  = MatMul(x, w_int)                           w_int: INT4 initializer
//            y   = Mul(y0, s)
//
// Readers and where the scale goes:
//  - MatMul, the weight on either input: the scale may vary along the weight's output axis (N for
//    input B, M for input A), never along the summed axis K.
//  - Conv (weight input 1): per-output-channel scale, applied as [1, OC, 1, ...]. A Conv bias is
//    moved behind the Mul as Add(bias reshaped to [1, OC, 1, ...]).
//  - Gemm (weight input B, transB either way): the scale as [1, N] after the Gemm, C (times beta)
//    added after the Mul.
//  - Gather (data input): a per-tensor scale.
//  - a Transpose between the quantizer and one of the above (Brevitas exports Linear weights as
//    Quant -> Transpose -> MatMul after gemm-to-matmul): integer weights and scale are transposed
//    and the Transpose disappears.
//  Each reader gets its own integer initializer (forks are duplicated, so later passes may change
//  one layer's weights). Any other reader (Add, Sub, Mul, Div, Concat, a graph output, ...) and
//  biases get the quantizer's exact float output as a plain initializer: FINN's Div-before-Add
//  trick would change float results, and a float constant is what streamlining absorbs into the
//  next thresholds anyway. In particular an Int32Bias quantizer (scale = input scale * weight
//  scale) is folded to its float value, which is exactly what the original graph adds; it ends up
//  after the integer accumulation and its Mul, where streamlining moves it into thresholds (or
//  leaves it as the last float Add of an output layer).
// With a scale of all ones the integers simply replace the quantizer output for every reader.
// A weight quantizer that a subgraph reads as a weight (the lowered QuantLSTMCell keeps its
// weight quantizers outside the Scan, the body reads them by name) is first copied into that
// body, reading its constant inputs by outer-scope reference, and folded there like any other.
//
// Exactness: the integers are round(Quant(w) / s), checked to give back Quant(w) exactly when
// multiplied by s (else the quantizer is folded to its float output with a warning). Moving the
// scale behind an accumulating layer is float-inexact in general (x . (w*s) vs (x . w) * s), like
// FINN's own rewrite; it is exact when the products and sums are exact in float32 (power-of-two
// scales, or integer activations with results below 2^24), and the whole point is that after
// streamlining the accumulation is integer-only.
// Left unchanged with a warning: nonzero zero point, non-constant or non-positive scale, a scale
// that broadcasts the weight to another shape.
#ifndef FINNGL_SRC_PASSES_FOLD_QUANT_WEIGHTS_H_
#define FINNGL_SRC_PASSES_FOLD_QUANT_WEIGHTS_H_

#include "src/passes/pass.h"

namespace finngl {

class FoldQuantWeightsPass final : public NamedPass<FoldQuantWeightsPass> {
 public:
  static constexpr const char kName[] = "fold-quant-weights";
  static constexpr const char kDescription[] =
      "fold weight Quant/BipolarQuant into integer initializers with a Mul by the scale after "
      "MatMul/Conv/Gemm/Gather (through a Transpose)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_FOLD_QUANT_WEIGHTS_H_
