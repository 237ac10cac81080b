// Type inference over whole graphs: runs every node's OpSpec::infer in topological order, in the
// main graph and in subgraphs, propagating compile-time constants (initializers, Constant, Shape
// of a fully known tensor, and nodes whose inputs are all constant) so shape arguments resolve.
#ifndef FINNGL_SRC_OPS_INFER_H_
#define FINNGL_SRC_OPS_INFER_H_

#include <map>

#include "absl/status/status.h"
#include "src/ir/graph.h"

namespace finngl {

// Infers the types of all node outputs of the model's graph (and of its subgraphs).
absl::Status InferModelTypes(Model& model);
// Same for one graph; `constants` (may be null) collects known constant values.
absl::Status InferGraphTypes(Graph& graph, const Model* model,
                             std::map<const Value*, Tensor>* constants = nullptr);

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_INFER_H_
