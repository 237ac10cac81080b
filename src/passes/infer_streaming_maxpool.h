// infer-streaming-maxpool: MaxPoolNHWC on an integer stream without padding becomes the
// StreamingMaxPool HW op (docs/hw_layers.md), which computes exactly MaxPoolNHWC then.
//
//   before:  y = MaxPoolNHWC<kernel_shape = [KH, KW], strides, pads = 0>(x)   x: integer [N,H,W,C]
//   after:   y = StreamingMaxPool<ImgDim = [H, W], PoolDim = [KH, KW], Stride, NumChannels = C>(x)
//
// Preconditions: H, W, C known; pads all zero and no auto_pad; dilations 1; ceil_mode 0 (or 1
// when it gives the same output size as floor).
#ifndef FINNGL_SRC_PASSES_INFER_STREAMING_MAXPOOL_H_
#define FINNGL_SRC_PASSES_INFER_STREAMING_MAXPOOL_H_

#include "src/passes/pass.h"

namespace finngl {

class InferStreamingMaxPoolPass final : public NamedPass<InferStreamingMaxPoolPass> {
 public:
  static constexpr const char kName[] = "infer-streaming-maxpool";
  static constexpr const char kDescription[] =
      "unpadded MaxPoolNHWC on an integer stream to a StreamingMaxPool HW op";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_INFER_STREAMING_MAXPOOL_H_
