// infer-mvau: an integer MatMul with constant integer weights becomes an MVAU; with the
// MultiThreshold that activates it, one MVAU with thresholds (docs/hw_layers.md).
//
//   before:  acc = MatMul(x, W)                 x: integer stream [N, ..., MW], W: [MW, MH] const
//            y   = MultiThreshold<out_bias = b, out_scale = 1>(acc, T)   (acc's only reader)
//   after:   y   = MVAU<MW, MH, noActivation = 0, ActVal = b>(x, W, T)
//
//   before:  acc = MatMul(x, W)                 (no fusable MultiThreshold after it)
//   after:   acc = MVAU<MW, MH, noActivation = 1>(x, W)
//
// Preconditions: x is integer-typed (DataType annotation or integer element type) with a known
// last dim MW (any rank: [N, MW], [N, H, W, MW], a [T, N, MW] sequence); W is a constant of
// integers; the MatMul's output has an integer datatype (accDataType). The MultiThreshold is fused
// when it reads the accumulator as its only reader, has constant thresholds [MH or 1, steps] on
// the last axis (or shared by all channels), out_scale 1 and an integral out_bias. Thresholds
// that are not integers are rounded up: for integer accumulators acc >= t exactly when
// acc >= ceil(t). Datatype attributes come from the values' DataTypes (inputDataType,
// weightDataType, accDataType, outputDataType; thresholds' own type is not an attribute of MVAU
// but the threshold initializer keeps its annotation). PE = SIMD = 1 (folding sets them).
#ifndef FINNGL_SRC_PASSES_INFER_MVAU_H_
#define FINNGL_SRC_PASSES_INFER_MVAU_H_

#include "src/passes/pass.h"

namespace finngl {

class InferMvauPass final : public NamedPass<InferMvauPass> {
 public:
  static constexpr const char kName[] = "infer-mvau";
  static constexpr const char kDescription[] =
      "integer MatMul with constant weights (and its MultiThreshold) to an MVAU HW op";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_INFER_MVAU_H_
