// absorb-transpose-into-flatten: removes the layout Transpose in front of the flatten that
// joins the convolutional part of a network to its fully connected part, by permuting the rows
// of the following MatMul's constant weight instead (FINN: RemoveCNVtoFCFlatten,
// AbsorbTransposeIntoFlatten).
//
//   before:  t = Transpose<perm = [0, 3, 1, 2]>(x)     x: [N, H, W, C]
//            f = Flatten<axis = 1>(t)                  f: [N, C*H*W], order (c, h, w)
//            y = MatMul(f, W)                          W: [C*H*W, M] constant
//   after:   f = Flatten<axis = 1>(x)                  f: [N, H*W*C], order (h, w, c)
//            y = MatMul(f, W')        W'[(h*W + w)*C + c, :] = W[(c*H + h)*W + w, :]
//
// f's elements are the same values in another order and W' reorders the rows to match, so each
// output is the sum of the same products, taken in another order: bit-identical for integer-typed
// operands (MatMul computes them exactly), possibly different in the last bits of a float32
// result. W' keeps W's datatype annotation. Any Transpose that keeps the batch axis first
// (perm[0] = 0) works the same way. A Reshape to [N, K] is treated like Flatten (it becomes
// Flatten<axis = 1>).
// Preconditions: the shape of x is known except for N; every reader of f is a MatMul reading it
// as input 0 with a constant rank-2 weight; f is not a graph output. The Transpose stays if
// something else reads it.
#ifndef FINNGL_SRC_PASSES_ABSORB_TRANSPOSE_INTO_FLATTEN_H_
#define FINNGL_SRC_PASSES_ABSORB_TRANSPOSE_INTO_FLATTEN_H_

#include "src/passes/pass.h"

namespace finngl {

class AbsorbTransposeIntoFlattenPass final : public NamedPass<AbsorbTransposeIntoFlattenPass> {
 public:
  static constexpr const char kName[] = "absorb-transpose-into-flatten";
  static constexpr const char kDescription[] =
      "drop a Transpose before Flatten/Reshape -> MatMul by permuting the weight rows";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_ABSORB_TRANSPOSE_INTO_FLATTEN_H_
