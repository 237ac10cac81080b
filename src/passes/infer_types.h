// infer-types: infers the shape, element type and quantization datatype of every tensor, in the
// main graph and in every subgraph (through the Scan op's own inference).
//
//   before:  y = Transpose<perm = [1, 0]>(x)    x: float[2, 3] INT4, y: type unknown
//   after:   y: float[3, 2] INT4                 (data movement keeps the datatype)
//
// Every pass re-infers types after changing the model, so this pass is only needed first in a
// pipeline, for a model whose types were never inferred. Annotated datatypes (finn_datatype) are
// kept. Changed: whether any stored type differs afterwards.
#ifndef FINNGL_SRC_PASSES_INFER_TYPES_H_
#define FINNGL_SRC_PASSES_INFER_TYPES_H_

#include "src/passes/pass.h"

namespace finngl {

class InferTypesPass final : public NamedPass<InferTypesPass> {
 public:
  static constexpr const char kName[] = "infer-types";
  static constexpr const char kDescription[] =
      "infer the shape, element type and datatype of every tensor (also in subgraphs)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
  // Inference of the main graph descends into subgraphs itself (the Scan op types its body).
  bool RunsOnSubgraphs() const override { return false; }
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_INFER_TYPES_H_
