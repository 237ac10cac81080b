// move-transpose-past-elementwise: moves a Transpose below the elementwise ops that read it, so
// that after conv lowering the NHWC->NCHW Transpose of one layer travels down to the NCHW->NHWC
// Transpose of the next and cancel-transposes removes both (FINN: MoveTransposePastScalarMul,
// AbsorbTransposeIntoMultiThreshold, MoveTransposePastJoinAdd).
//
//   before:  t = Transpose<perm = [0, 3, 1, 2]>(x)          x: [N, H, W, C]
//            y = Mul(t, s)                                  s: [1, C, 1, 1] constant
//            z = MultiThreshold<data_layout = "NCHW">(y, T)
//   after:   y' = Mul(x, s')                                s' = [1, 1, 1, C]
//            z' = MultiThreshold<data_layout = "NHWC">(y', T)
//            z  = Transpose<perm = [0, 3, 1, 2]>(z')
//
// The ops and what happens to their other inputs:
//  - unary elementwise ops (Relu, LeakyRelu, Sigmoid, Tanh, Sign, Identity, Neg, Abs, Exp, Sqrt,
//    Floor, Ceil, Round, Cast; Clip with scalar bounds);
//  - Add, Sub, Mul, Div, and the qonnx quantizers Quant, IntQuant, BipolarQuant, Trunc: each other
//    input is a constant of rank <= the Transpose's (permuted to x's axes with the inverse
//    permutation after numpy's rank alignment, keeping its datatype annotation), or has only
//    size-1 dims (unchanged), or is the output of a Transpose with the same permutation (a join:
//    both Transposes move below the op as one);
//  - MultiThreshold: the thresholds stay (one row per channel); data_layout is permuted with the
//    data (its channel axis 'C' moves to where the channels are in x; an absent data_layout means
//    qonnx's default for the rank: NC, NWC, NCHW).
// Every element is computed by the same arithmetic on the same operands, so the rewrite is exact.
// The moved op keeps its node name. A Transpose with several readers is moved below each reader
// it can pass and stays for the others.
// Preconditions: the permutation is known; the op has one output.
#ifndef FINNGL_SRC_PASSES_MOVE_TRANSPOSE_PAST_ELEMENTWISE_H_
#define FINNGL_SRC_PASSES_MOVE_TRANSPOSE_PAST_ELEMENTWISE_H_

#include "src/passes/pass.h"

namespace finngl {

class MoveTransposePastElementwisePass final
    : public NamedPass<MoveTransposePastElementwisePass> {
 public:
  static constexpr const char kName[] = "move-transpose-past-elementwise";
  static constexpr const char kDescription[] =
      "move Transposes below elementwise ops, quantizers and MultiThreshold (layout permuted)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_MOVE_TRANSPOSE_PAST_ELEMENTWISE_H_
