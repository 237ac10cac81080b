#include "src/flow/partition.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"

namespace finngl::flow {
namespace {

bool IsHw(const Node* node) { return node != nullptr && node->domain() == kHwDomain; }

bool IsReshapeLike(const Node& node) {
  static const std::set<std::string> kOps = {"Reshape", "Flatten", "Squeeze", "Unsqueeze"};
  return node.domain().empty() && kOps.count(node.op_type()) > 0;
}

// Why `node` stayed on the host, for the error that asks for it to become a hardware layer.
std::string WhyOnHost(const Node& node) {
  if (node.subgraphs().empty()) {
    return " (no hardware layer implements this op with these datatypes; the integer graph "
           "after prepare_hw shows what it reads)";
  }
  std::vector<std::string> host;
  for (const Graph* body : node.subgraphs()) {
    for (const Node* n : body->nodes()) {
      if (!IsHw(n)) host.push_back(absl::StrCat("'", n->name(), "' (", n->op_type(), ")"));
    }
  }
  if (host.empty()) {
    return " (its body is all hardware layers, but it is not scanned forward along an outermost "
           "axis, which the RecurrentLayer needs)";
  }
  const size_t shown = std::min<size_t>(host.size(), 6);
  return absl::StrCat(" (its body keeps ", host.size(), " node(s) that are not hardware layers: ",
                      absl::StrJoin(host.begin(), host.begin() + shown, ", "),
                      host.size() > shown ? ", ..." : "",
                      "; typically float scale work streamlining could not absorb, see "
                      "`finngl opt --pipeline frontend --verify`)");
}

}  // namespace

absl::StatusOr<int> ConvertStreamReshapes(Graph& graph) {
  int converted = 0;
  for (Node* node : graph.nodes()) {
    if (!IsReshapeLike(*node) || !IsHw(node->input(0)->producer())) continue;
    Value* out = node->output(0);
    if (out->uses().empty() || out->is_graph_output() || !out->type().shape ||
        !ShapeFullyKnown(*out->type().shape)) {
      continue;
    }
    bool readers_hw = true;
    for (const Use& use : out->uses()) readers_hw &= IsHw(use.node);
    if (!readers_hw) continue;
    const DataType dtype = node->input(0)->type().dtype;
    const int64_t width = dtype.bit_width();
    ASSIGN_OR_RETURN(Node * dwc,
                     graph.AddNodeWithNewOutputs("StreamingDataWidthConverter", kHwDomain,
                                                 graph.UniqueNodeName(node->name() + "_stream"),
                                                 {node->input(0)}, {out->name() + "_stream"}));
    dwc->set_origin(node->origin());
    // Widths are placeholders until folding sets both sides (the flow re-tunes them).
    dwc->SetAttr("inWidth", Attribute::Int(width));
    dwc->SetAttr("outWidth", Attribute::Int(width));
    dwc->SetAttr("dataType", Attribute::String(dtype.Name()));
    dwc->SetAttr("shape", Attribute::Ints(ShapeToDims(*out->type().shape)));
    dwc->output(0)->type() = out->type();
    graph.ReplaceAllUsesWith(out, dwc->output(0));
    RETURN_IF_ERROR(graph.RemoveNode(node));
    ++converted;
  }
  return converted;
}

absl::StatusOr<std::unique_ptr<Model>> ExtractSubmodel(const Model& model,
                                                       const std::vector<std::string>& inputs,
                                                       const std::vector<std::string>& outputs) {
  std::unique_ptr<Model> sub = model.Clone();
  Graph& g = *sub->graph;
  // Fresh input values replace the cut ones, so their producers can go.
  std::vector<Value*> new_inputs;
  for (const std::string& name : inputs) {
    Value* v = g.FindValue(name);
    if (v == nullptr) return absl::InternalError(absl::StrCat("no value '", name, "' to cut at"));
    if (v->is_graph_input() && v->producer() == nullptr) {
      new_inputs.push_back(v);
      continue;
    }
    RETURN_IF_ERROR(g.RenameValue(v, g.UniqueValueName(name + "_cut")));
    ASSIGN_OR_RETURN(Value * in, g.AddValue(name, v->type()));
    g.ReplaceAllUsesWith(v, in);
    new_inputs.push_back(in);
  }
  std::vector<Value*> new_outputs;
  for (const std::string& name : outputs) {
    Value* v = g.FindValue(name);
    if (v == nullptr) return absl::InternalError(absl::StrCat("no value '", name, "' to cut at"));
    new_outputs.push_back(v);
  }
  // Nodes needed for the outputs, walking back to the new inputs.
  std::set<const Value*> stop(new_inputs.begin(), new_inputs.end());
  std::set<Node*> needed;
  std::vector<Value*> work = new_outputs;
  while (!work.empty()) {
    Value* v = work.back();
    work.pop_back();
    if (stop.count(v)) continue;
    Node* p = v->producer();
    if (p == nullptr) {
      if (v->is_graph_input() && !v->is_initializer()) {
        return absl::InvalidArgumentError(
            absl::StrCat("the part up to '", absl::StrJoin(outputs, "', '"),
                         "' also needs graph input '", v->name(), "'"));
      }
      continue;
    }
    if (!needed.insert(p).second) continue;
    for (Value* in : p->inputs()) {
      if (in != nullptr) work.push_back(in);
    }
    for (Value* implicit : g.ImplicitInputs(*p)) work.push_back(implicit);
  }
  g.SetOutputs(new_outputs);
  g.SetInputs(new_inputs);
  ASSIGN_OR_RETURN(std::vector<Node*> order, g.TopologicalOrder());
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    if (!needed.count(*it)) RETURN_IF_ERROR(g.RemoveNode(*it));
  }
  for (Value* init : g.initializers()) {
    if (init->uses().empty() && !init->is_graph_output() && !init->is_graph_input()) {
      bool read_by_body = false;
      for (Node* n : g.nodes()) {
        for (Value* implicit : g.ImplicitInputs(*n)) read_by_body |= implicit == init;
      }
      if (!read_by_body) RETURN_IF_ERROR(g.RemoveValue(init));
    }
  }
  return sub;
}

absl::StatusOr<DataflowPartition> CreateDataflowPartition(const Model& model) {
  const Graph& g = *model.graph;
  DataflowPartition p;
  std::set<const Node*> hw;
  for (Node* node : g.nodes()) {
    if (IsHw(node)) {
      hw.insert(node);
    } else {
      p.host_nodes.push_back(absl::StrCat(node->name(), " (", node->op_type(), ")"));
    }
  }
  if (hw.empty()) {
    return absl::InvalidArgumentError(
        "no hardware layers: nothing of the streamlined graph maps to hardware ops (host nodes: " +
        absl::StrJoin(p.host_nodes, ", ") + ")");
  }
  // Convexity: no host node may be both downstream and upstream of the region.
  ASSIGN_OR_RETURN(std::vector<Node*> order, g.TopologicalOrder());
  std::set<const Node*> after_hw;  // host nodes reachable from a hw node
  for (Node* node : order) {
    bool fed_by_hw = false;
    for (Value* in : node->inputs()) {
      if (in == nullptr || in->producer() == nullptr) continue;
      fed_by_hw |= hw.count(in->producer()) || after_hw.count(in->producer());
    }
    if (fed_by_hw && !hw.count(node)) after_hw.insert(node);
    if (hw.count(node)) {
      for (Value* in : node->inputs()) {
        if (in != nullptr && in->producer() != nullptr && after_hw.count(in->producer())) {
          return absl::InvalidArgumentError(absl::StrCat(
              "the hardware layers do not form one pipeline: ", node->Describe(), " reads '",
              in->name(), "', computed on the host by ", in->producer()->Describe(),
              " from hardware results; that node must become a hardware layer",
              WhyOnHost(*in->producer())));
        }
      }
    }
  }
  std::set<std::string> ins, outs;
  for (const Node* node : order) {
    if (!hw.count(node)) continue;
    for (const Value* in : node->inputs()) {
      if (in == nullptr || in->is_initializer()) continue;
      if (in->producer() == nullptr || !hw.count(in->producer())) {
        if (ins.insert(in->name()).second) p.hw_inputs.push_back(in->name());
      }
    }
    for (const Value* out : node->outputs()) {
      if (out == nullptr) continue;
      bool leaves = out->is_graph_output();
      for (const Use& use : out->uses()) leaves |= !hw.count(use.node);
      if (leaves && outs.insert(out->name()).second) p.hw_outputs.push_back(out->name());
    }
  }
  std::vector<std::string> graph_inputs, graph_outputs;
  for (const Value* v : g.inputs()) {
    if (!v->is_initializer()) graph_inputs.push_back(v->name());
  }
  for (const Value* v : g.outputs()) graph_outputs.push_back(v->name());
  ASSIGN_OR_RETURN(p.hw, ExtractSubmodel(model, p.hw_inputs, p.hw_outputs));
  if (p.hw_inputs != graph_inputs) {
    ASSIGN_OR_RETURN(p.pre, ExtractSubmodel(model, graph_inputs, p.hw_inputs));
  }
  if (p.hw_outputs != graph_outputs) {
    ASSIGN_OR_RETURN(p.post, ExtractSubmodel(model, p.hw_outputs, graph_outputs));
  }
  return p;
}

}  // namespace finngl::flow
