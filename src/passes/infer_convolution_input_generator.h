// infer-convolution-input-generator: Im2Col on an integer NHWC stream becomes the sliding-window
// generator HW op (docs/hw_layers.md), which computes exactly Im2Col.
//
//   before:  p = Im2Col<kernel_size, stride, dilations, pad_amount, pad_value = 0>(x)
//            x: integer [N, H, W, C]
//   after:   p = ConvolutionInputGenerator<ConvKernelDim, IFMChannels = C, IFMDim = [H, W],
//                                          OFMDim, Stride, Dilation, Padding = pad_amount>(x)
//
// Preconditions: H, W, C known; pad_value 0 (the hardware pads with zeros); depthwise 0.
// Padding keeps Im2Col's order [top, left, bottom, right].
#ifndef FINNGL_SRC_PASSES_INFER_CONVOLUTION_INPUT_GENERATOR_H_
#define FINNGL_SRC_PASSES_INFER_CONVOLUTION_INPUT_GENERATOR_H_

#include "src/passes/pass.h"

namespace finngl {

class InferConvolutionInputGeneratorPass final
    : public NamedPass<InferConvolutionInputGeneratorPass> {
 public:
  static constexpr const char kName[] = "infer-convolution-input-generator";
  static constexpr const char kDescription[] =
      "Im2Col on an integer NHWC stream to a ConvolutionInputGenerator HW op";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_INFER_CONVOLUTION_INPUT_GENERATOR_H_
