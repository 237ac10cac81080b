// collapse-repeated-mul: two scales in a row become one.
//
//   before:  t = Mul(x, A1)         A1, A2: constants
//            y = Mul(t, A2)
//   after:   y = Mul(x, A12)        A12 = A1 * A2 (the Mul kernel on the constants)
//
// Preconditions: A1 and A2 are float32 constants; t is read by the second Mul only; A1 is not a
// sign vector with a -1 (factor-out-mul-sign-magnitude puts such a Mul(x, sign) before the
// magnitude on purpose, for absorb-1bit-mul-into-matmul; merging them back would undo it).
// Float-inexact: fl(fl(x * A1) * A2) vs fl(x * fl(A1 * A2)); exact when A1 or A2 is a power of two
// (elementwise), barring overflow and underflow. Streamlining absorbs each Mul into a following
// MultiThreshold exactly, so a pipeline should run absorb-mul-into-multithreshold before this pass.
#ifndef FINNGL_SRC_PASSES_COLLAPSE_REPEATED_MUL_H_
#define FINNGL_SRC_PASSES_COLLAPSE_REPEATED_MUL_H_

#include "src/passes/pass.h"

namespace finngl {

class CollapseRepeatedMulPass final : public NamedPass<CollapseRepeatedMulPass> {
 public:
  static constexpr const char kName[] = "collapse-repeated-mul";
  static constexpr const char kDescription[] =
      "merge two consecutive Muls by constants into one (float-inexact)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_COLLAPSE_REPEATED_MUL_H_
