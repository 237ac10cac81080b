// make-maxpool-nhwc: a 2-D MaxPool next to a layout Transpose becomes qonnx's channels-last
// MaxPoolNHWC, so that the Transposes of lowered convolutions can meet and cancel across it.
//
//   before:  t = Transpose<perm = [0, 3, 1, 2]>(x)        x: [N, H, W, C]   (NHWC -> NCHW)
//            y = MaxPool<kernel_shape, pads, strides>(t)
//   after:   m = MaxPoolNHWC<kernel_shape, pads, strides>(x)
//            y = Transpose<perm = [0, 3, 1, 2]>(m)
//
// and, with the Transpose after the MaxPool (the MaxPool's only reader),
//
//   before:  m = MaxPool(x);  y = Transpose<perm = [0, 2, 3, 1]>(m)          (NCHW -> NHWC)
//   after:   t = Transpose<perm = [0, 2, 3, 1]>(x);  y = MaxPoolNHWC(t)
//
// MaxPoolNHWC selects the same element as MaxPool for every output (src/ops/maxpool_nhwc.cc), so
// the rewrite is exact. The new MaxPoolNHWC takes the MaxPool's node name. Preconditions: a
// default-domain MaxPool over rank-4 data with a 2-D kernel, dilations 1 (qonnx's MaxPoolNHWC has
// no dilations), no Indices output that anything reads; auto_pad other than NOTSET needs known H
// and W (it is written as explicit pads). In the first form the Transpose may have other readers.
#ifndef FINNGL_SRC_PASSES_MAKE_MAXPOOL_NHWC_H_
#define FINNGL_SRC_PASSES_MAKE_MAXPOOL_NHWC_H_

#include "src/passes/pass.h"

namespace finngl {

class MakeMaxPoolNhwcPass final : public NamedPass<MakeMaxPoolNhwcPass> {
 public:
  static constexpr const char kName[] = "make-maxpool-nhwc";
  static constexpr const char kDescription[] =
      "turn a 2-D MaxPool next to an NHWC<->NCHW Transpose into MaxPoolNHWC";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_MAKE_MAXPOOL_NHWC_H_
