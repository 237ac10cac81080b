// gemm-to-matmul: Gemm becomes MatMul plus elementwise ops, so later passes deal with one kind of
// matrix product and see scale (alpha) and bias (C) as ordinary Mul and Add nodes.
//
//   before:  y = Gemm<alpha = 0.5, beta = 2, transB = 1>(x, w, c)     w, c: initializers
//   after:   p = MatMul(x, w_t)          w_t: w transposed (a new initializer)
//            q = Mul(p, alpha)           alpha: scalar 0.5
//            y = Add(q, c_scaled)        c_scaled: 2 * c
//
// Transposes of constant operands are folded into new initializers; runtime operands get a
// Transpose node. alpha = 1 needs no Mul; beta = 0 or no C needs no Add; beta = 1 keeps C as is.
// Constants come from the ops' own kernels (Transpose, Mul).
// Preconditions: A and B have known rank 2; for integer element types alpha = 1 and beta is 0 or
// 1 (other factors could overflow the element type as constants).
// Exactness: integer-typed products stay exact (integer element types wrap alike; float tensors
// with integer datatypes agree while results stay below 2^24, where float32 is exact). Float
// results are float-inexact: the Gemm kernel reads transposed operands in place while MatMul
// reads a transposed copy, and the two may sum the products in a different order (differences
// of a few ulps, covered by rtol 1e-6 in the tests). alpha and beta are applied with the same
// roundings as the Gemm kernel's alpha * (A.B) + beta * C.
#ifndef FINNGL_SRC_PASSES_GEMM_TO_MATMUL_H_
#define FINNGL_SRC_PASSES_GEMM_TO_MATMUL_H_

#include "src/passes/pass.h"

namespace finngl {

class GemmToMatMulPass final : public NamedPass<GemmToMatMulPass> {
 public:
  static constexpr const char kName[] = "gemm-to-matmul";
  static constexpr const char kDescription[] =
      "rewrite Gemm into MatMul (+ Mul by alpha) (+ Add of beta * C), folding constant transposes";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_GEMM_TO_MATMUL_H_
