// batchnorm-to-affine: an inference-mode BatchNormalization with constant parameters becomes a
// per-channel Mul and Add, which streamlining later moves and absorbs into thresholds.
//
//   before:  y = BatchNormalization<epsilon = e>(x, scale, B, mean, var)     x: [N, C, H, W]
//   after:   t = Mul(x, a)       a = scale / sqrt(var + e), shaped [C, 1, 1]
//            y = Add(t, b)       b = B - mean * a,          shaped [C, 1, 1]
//
// a and b are computed with the Add, Sqrt, Div, Mul and Sub kernels in the input's element type,
// in the order the BatchNormalization kernel itself uses (a = (1 / sqrt(var + e)) * scale, then
// y = x * a + b), so the rewrite is bit-identical.
// Preconditions: scale, B, mean and var are constants of x's element type (float or double); x
// has known rank >= 2; one output (inference mode); spatial parameters (one per channel, the only
// form since opset 9).
#ifndef FINNGL_SRC_PASSES_BATCHNORM_TO_AFFINE_H_
#define FINNGL_SRC_PASSES_BATCHNORM_TO_AFFINE_H_

#include "src/passes/pass.h"

namespace finngl {

class BatchNormToAffinePass final : public NamedPass<BatchNormToAffinePass> {
 public:
  static constexpr const char kName[] = "batchnorm-to-affine";
  static constexpr const char kDescription[] =
      "rewrite BatchNormalization with constant parameters into a per-channel Mul and Add";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_BATCHNORM_TO_AFFINE_H_
