// move-mul-past-maxpool: a non-negative scale commutes with taking a maximum.
//
//   before:  t = Mul(x, A)          A >= 0: scalar or [1, C, 1, 1], x: [N, C, H, W]
//            y = MaxPool(t)
//   after:   u = MaxPool(x)
//            y = Mul(u, A)
//
// Exact for finite inputs: x -> fl(x * a) is non-decreasing for a >= 0, so the maximum of the
// scaled window is the scaled maximum, bit for bit.
// Preconditions: A is a finite float32 constant, >= 0, constant along all axes but the channel axis
// 1; the MaxPool has no Indices output; t is read by the MaxPool only.
#ifndef FINNGL_SRC_PASSES_MOVE_MUL_PAST_MAXPOOL_H_
#define FINNGL_SRC_PASSES_MOVE_MUL_PAST_MAXPOOL_H_

#include "src/passes/pass.h"

namespace finngl {

class MoveMulPastMaxPoolPass final : public NamedPass<MoveMulPastMaxPoolPass> {
 public:
  static constexpr const char kName[] = "move-mul-past-maxpool";
  static constexpr const char kDescription[] =
      "move a Mul by a non-negative scalar or per-channel constant past MaxPool (exact)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_MOVE_MUL_PAST_MAXPOOL_H_
