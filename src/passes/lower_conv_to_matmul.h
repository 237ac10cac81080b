// lower-conv-to-matmul: a 2-D convolution with a constant weight becomes patch extraction and a
// matrix product in channels-last layout, the form the hardware computes it in (a sliding window
// generator feeding a matrix-vector unit), with Transposes keeping the graph's NCHW interface:
//
//   before:  y = Conv<pads, strides, dilations>(x, W, B)   x: [N, C, H, W], W: [OC, C, KH, KW]
//   after:   t = Transpose<perm = [0, 2, 3, 1]>(x)                            [N, H, W, C]
//            p = Im2Col<kernel_size, stride, pad_amount, dilations>(t)         [N, OH, OW, KH*KW*C]
//            m = MatMul(p, Wm)          Wm[(kh * KW + kw) * C + c, oc] = W[oc, c, kh, kw]
//            a = Add(m, B)              (only with a bias; B: [OC] broadcasts along the last axis)
//            y = Transpose<perm = [0, 3, 1, 2]>(a)                            [N, OC, OH, OW]
//
// Wm is qonnx's LowerConvsToMatMul weight order (patch order (kh, kw, c), channel innermost) and
// keeps W's datatype annotation. A 1x1 convolution with stride 1 and no padding needs no patches:
// the MatMul reads t directly. A depthwise convolution (group = C = OC) is lowered the way qonnx
// lowers it: Wm is the dense [KH*KW*C, C] matrix with zeros off the diagonal blocks, Im2Col gets
// depthwise = 1 and Wm the qonnx sparsity annotation {'dw': {'kernel_shape': [KH, KW]}}, so
// hardware mapping can use a vector unit. The MatMul takes the Conv's node name (folding
// configurations name the compute node); the other nodes are named after it.
//
// Exactness: integer-typed x and W (and B) give bit-identical results (MatMul and Add compute
// integer-typed values exactly, like Conv). In float32 the products are the same but they are
// summed in a different order, so results may differ in the last bits (tests allow rtol 1e-5).
//
// Preconditions (otherwise the Conv stays and, for a Conv this pass cannot lower, a warning names
// it and the reason): x of rank 4 with known C, H and W; W a constant of rank 4 with x's element
// type (float or double); group 1 or depthwise; qonnx's Im2Col restrictions: an axis of size 1 is a
// dummy axis (kernel 1, no padding on it) and, with padding, 0 must be allowed by x's datatype
// (not BIPOLAR).
#ifndef FINNGL_SRC_PASSES_LOWER_CONV_TO_MATMUL_H_
#define FINNGL_SRC_PASSES_LOWER_CONV_TO_MATMUL_H_

#include "src/passes/pass.h"

namespace finngl {

class LowerConvToMatMulPass final : public NamedPass<LowerConvToMatMulPass> {
 public:
  static constexpr const char kName[] = "lower-conv-to-matmul";
  static constexpr const char kDescription[] =
      "lower 2-D Conv with a constant weight to NHWC Transpose, Im2Col, MatMul (+ bias Add), "
      "Transpose";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_LOWER_CONV_TO_MATMUL_H_
