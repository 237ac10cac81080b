#include "src/passes/scan_to_recurrent_layer.h"

#include "src/base/status.h"
#include "src/ops/scan_layout.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

// Hardware streams a sequence in memory order, one step after the other: every scanned axis
// must be outermost (axis 0, or a batch-first axis behind leading 1s).
bool ScannedAxesOutermost(const Node& scan) {
  absl::StatusOr<ScanConfig> c = ScanConfig::Parse(scan);
  if (!c.ok()) return false;
  for (int k = 0; k < c->num_scan_inputs; ++k) {
    const Value* in = scan.input(c->num_states + k);
    if (!ScanAxisIsOutermost(in->type().shape, c->input_axes[k])) return false;
  }
  for (int k = 0; k < c->num_scan_outputs; ++k) {
    const Value* out = scan.output(c->num_states + k);
    if (out == nullptr || !ScanAxisIsOutermost(out->type().shape, c->output_axes[k])) {
      return false;
    }
  }
  return true;
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
  return ScannedAxesOutermost(scan);
}

}  // namespace

absl::StatusOr<bool> ScanToRecurrentLayerPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  bool changed = false;
  for (Node* scan : graph.nodes()) {
    if (!Qualifies(*scan)) continue;
    // An output nothing reads (typically the LSTM's final cell state) is left out: the layer
    // then never streams it, and the accelerator needs no port that would have to be drained.
    std::vector<Value*> outs;
    for (Value* out : scan->outputs()) {
      if (out == nullptr || (IsUnused(*out) && !out->is_graph_output())) {
        outs.push_back(nullptr);
        continue;
      }
      ASSIGN_OR_RETURN(Value * fresh, graph.AddValue(graph.UniqueValueName(out->name() + "_rl")));
      fresh->type() = out->type();
      outs.push_back(fresh);
    }
    ASSIGN_OR_RETURN(Node * layer, graph.AddNode("RecurrentLayer", kHwDomain,
                                                 graph.UniqueNodeName(scan->name() + "_rl"),
                                                 scan->inputs(), outs));
    layer->set_origin(scan->origin());
    for (const auto& [name, attr] : scan->attributes()) layer->SetAttr(name, attr.Clone(&graph));
    const std::string name = scan->name();
    RETURN_IF_ERROR(SubstituteNode(graph, scan, outs));
    RETURN_IF_ERROR(RenameLikeRemoved(graph, layer, name));
    changed = true;
  }
  return changed;
}

}  // namespace finngl
