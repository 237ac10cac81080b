// move-add-past-mul: a bias followed by a scale becomes the scale followed by a scaled bias, so
// scales travel on towards MatMuls and thresholds and biases follow them.
//
//   before:  t = Add(x, B)          B, A: constants
//            y = Mul(t, A)
//   after:   u = Mul(x, A)
//            y = Add(u, B_A)        B_A = B * A (the Mul kernel on the constants)
//
// Preconditions: B and A are float32 constants; t is read by the Mul only (not a fork, not a graph
// output).
// Float-inexact: fl(fl(x + B) * A) and fl(fl(x * A) + fl(B * A)) can differ in the last bit. The
// rewrite is exact when every element of A is a power of two (scaling by 2^k commutes with
// rounding), barring overflow and underflow; PassContext::allow_inexact_float is not consulted
// because streamlining cannot proceed without it (see ../shared/reference/finn.md, 5.2).
#ifndef FINNGL_SRC_PASSES_MOVE_ADD_PAST_MUL_H_
#define FINNGL_SRC_PASSES_MOVE_ADD_PAST_MUL_H_

#include "src/passes/pass.h"

namespace finngl {

class MoveAddPastMulPass final : public NamedPass<MoveAddPastMulPass> {
 public:
  static constexpr const char kName[] = "move-add-past-mul";
  static constexpr const char kDescription[] =
      "move an Add of a constant past the following Mul by a constant (float-inexact)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_MOVE_ADD_PAST_MUL_H_
