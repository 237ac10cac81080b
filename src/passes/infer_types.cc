#include "src/passes/infer_types.h"

#include <map>
#include <string>

#include "src/base/status.h"
#include "src/ops/infer.h"

namespace finngl {
namespace {

// Every value's type as text, in this graph and its subgraphs.
void CollectTypes(const Graph& graph, std::map<const Value*, std::string>& types) {
  for (const Value* v : graph.values()) {
    types[v] = v->type().ToString() + (v->type().dtype_annotated ? " annotated" : "");
  }
  for (const Node* node : graph.nodes()) {
    for (const Graph* sub : node->subgraphs()) CollectTypes(*sub, types);
  }
}

}  // namespace

absl::StatusOr<bool> InferTypesPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  std::map<const Value*, std::string> before, after;
  CollectTypes(graph, before);
  RETURN_IF_ERROR(InferGraphTypes(graph, ctx.model));
  CollectTypes(graph, after);
  return before != after;
}

}  // namespace finngl
