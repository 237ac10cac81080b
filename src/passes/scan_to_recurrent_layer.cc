#include "src/passes/scan_to_recurrent_layer.h"

#include <algorithm>

#include "src/base/status.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

bool AllZero(const std::vector<int64_t>& v) {
  return std::all_of(v.begin(), v.end(), [](int64_t x) { return x == 0; });
}

bool Qualifies(const Node& scan) {
  if (scan.op_type() != "Scan" || !scan.domain().empty() || scan.subgraphs().size() != 1) {
    return false;
  }
  const Graph& body = *scan.subgraphs()[0];
  if (body.num_nodes() == 0) return false;
  for (const Node* node : body.nodes()) {
    if (node->domain() != kHwDomain) return false;
  }
  return AllZero(scan.GetInts("scan_input_axes", {})) &&
         AllZero(scan.GetInts("scan_output_axes", {}));
}

}  // namespace

absl::StatusOr<bool> ScanToRecurrentLayerPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  bool changed = false;
  for (Node* scan : graph.nodes()) {
    if (!Qualifies(*scan)) continue;
    std::vector<std::string> names;
    for (Value* out : scan->outputs()) names.push_back(out->name() + "_rl");
    ASSIGN_OR_RETURN(Node * layer,
                     graph.AddNodeWithNewOutputs("RecurrentLayer", kHwDomain,
                                                 graph.UniqueNodeName(scan->name() + "_rl"),
                                                 scan->inputs(), names));
    layer->set_origin(scan->origin());
    for (const auto& [name, attr] : scan->attributes()) layer->SetAttr(name, attr.Clone(&graph));
    const std::string name = scan->name();
    std::vector<Value*> outs(layer->outputs().begin(), layer->outputs().end());
    RETURN_IF_ERROR(SubstituteNode(graph, scan, outs));
    RETURN_IF_ERROR(RenameLikeRemoved(graph, layer, name));
    changed = true;
  }
  return changed;
}

}  // namespace finngl
