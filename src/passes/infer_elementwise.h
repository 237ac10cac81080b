// infer-elementwise: Add / Sub / Mul of integer operands become ElementwiseAdd / ElementwiseSub /
// ElementwiseMul HW ops (docs/hw_layers.md).
//
//   stream-stream:   y = Add(a, b)   a, b: integer streams of the same known shape
//                    -> y = ElementwiseAdd<NumChannels = C>(a, b)
//   stream-constant: y = Mul(a, k)   k: integer constant, one value or one per channel of a's
//                    last axis (shape [C], [1, C], [1], [], ...), broadcast not changing a's shape
//                    -> y = ElementwiseMul<NumChannels = C>(a, k')   k' = k as [C] or [1]
//
// Add and Mul with the constant first are swapped (they commute); Sub with a constant first
// stays. Exact: both compute the exact integer result and round it once into the element type.
// Datatypes: lhsDataType / rhsDataType from the operands (a constant's from its values when not
// annotated), outDataType from the result's inferred integer datatype.
#ifndef FINNGL_SRC_PASSES_INFER_ELEMENTWISE_H_
#define FINNGL_SRC_PASSES_INFER_ELEMENTWISE_H_

#include "src/passes/pass.h"

namespace finngl {

class InferElementwisePass final : public NamedPass<InferElementwisePass> {
 public:
  static constexpr const char kName[] = "infer-elementwise";
  static constexpr const char kDescription[] =
      "integer Add/Sub/Mul of streams or a stream and a per-channel constant to Elementwise HW ops";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_INFER_ELEMENTWISE_H_
