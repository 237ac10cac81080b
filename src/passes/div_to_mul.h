// div-to-mul: dividing by a float constant becomes multiplying by its reciprocal, so scales are
// Muls everywhere and later passes can move and absorb them.
//
//   before:  y = Div(x, c)          c: initializer [4, 0.5]
//   after:   y = Mul(x, c_recip)    c_recip: initializer [0.25, 2]
//
// x * (1/c) equals x / c bit for bit only when 1/c is exact, i.e. when every element of c is a
// power of two (+-2^k with 2^-k representable): both then compute the real x * 2^-k rounded once.
// For other divisors (x / 3 vs x * 0.33333334) results may differ in the last bit, so the rewrite
// happens only with PassContext::allow_inexact_float (`finngl opt --allow-inexact-float`).
// Preconditions: the divisor is a constant of element type float or double (integer Div truncates
// and has no reciprocal); with inexact rewrites allowed, every element is finite, nonzero and has a
// finite reciprocal. The reciprocal comes from the Div op's own kernel (1 / c).
#ifndef FINNGL_SRC_PASSES_DIV_TO_MUL_H_
#define FINNGL_SRC_PASSES_DIV_TO_MUL_H_

#include "src/passes/pass.h"

namespace finngl {

class DivToMulPass final : public NamedPass<DivToMulPass> {
 public:
  static constexpr const char kName[] = "div-to-mul";
  static constexpr const char kDescription[] =
      "rewrite Div by a float constant into Mul by its reciprocal (exact divisors only by default)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_DIV_TO_MUL_H_
