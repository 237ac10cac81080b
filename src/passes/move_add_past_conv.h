// move-add-past-conv: a scalar or per-input-channel bias in front of a Conv without padding moves
// behind it as a per-output-channel bias.
//
//   before:  t = Add(x, A)          A: scalar or [1, C, 1, 1] constant, x: [N, C, H, W]
//            y = Conv(t, W, B?)     no padding
//   after:   u = Conv(x, W, B?)
//            y = Add(u, A_W)        A_W = Conv(A broadcast to one kernel window, W): [1, O, 1, 1]
//
// Without padding every output reads a full window of x + A, so conv(x + A) = conv(x) + conv(A).
// Preconditions: W is a float32 constant; pads are all 0 (auto_pad NOTSET or VALID); A is constant
// along all axes but the channel axis 1; t is read by the Conv only (as its data input).
// Float-inexact: sums are rounded differently (exact for integer x, A, W with sums below 2^24).
#ifndef FINNGL_SRC_PASSES_MOVE_ADD_PAST_CONV_H_
#define FINNGL_SRC_PASSES_MOVE_ADD_PAST_CONV_H_

#include "src/passes/pass.h"

namespace finngl {

class MoveAddPastConvPass final : public NamedPass<MoveAddPastConvPass> {
 public:
  static constexpr const char kName[] = "move-add-past-conv";
  static constexpr const char kDescription[] =
      "move a scalar or per-channel Add of a constant past an unpadded Conv (float-inexact)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_MOVE_ADD_PAST_CONV_H_
