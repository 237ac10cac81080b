#include "src/passes/infer_duplicate_streams.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/passes/convert_to_hw_util.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

// How many of the graph's output slots hold `v`.
int OutputSlots(const Graph& graph, const Value* v) {
  return static_cast<int>(std::count(graph.outputs().begin(), graph.outputs().end(), v));
}

absl::StatusOr<bool> Fork(Graph& graph, Value* v, PassContext& ctx) {
  if (v->is_initializer() || v->is_outer_ref()) return false;
  if (!v->is_graph_input() && !hw::IsHwNode(v->producer())) return false;
  std::vector<Use> hw_uses;
  for (const Use& u : v->uses()) {
    if (hw::IsHwNode(u.node) && u.node->op_type() != "DuplicateStreams") hw_uses.push_back(u);
  }
  // In a loop body a state that layers also read leaves through one more copy (the body output):
  // a stream has one reader, and writing the state back is a read. So is each further body output
  // slot holding the same value (a next state that is also the scan output).
  const int body_outputs = graph.parent() != nullptr ? OutputSlots(graph, v) : 0;
  const size_t copies = hw_uses.size() + body_outputs;
  if (copies < 2) return false;
  std::optional<int64_t> c = hw::LastDim(*v);
  std::optional<DataType> dt = hw::IntegerDataType(*v);
  const std::optional<Shape>& shape = v->type().shape;
  if (!c || !dt || !shape) return false;
  std::optional<std::vector<int64_t>> niv = hw::NumInputVectors(*shape);
  if (!niv) return false;
  std::vector<std::string> names;
  for (size_t i = 0; i < copies; ++i) names.push_back(absl::StrCat(v->name(), "_dup", i));
  const Node* origin = v->producer() != nullptr ? v->producer()
                       : !hw_uses.empty()       ? hw_uses[0].node
                                                : nullptr;
  ASSIGN_OR_RETURN(Node * dup,
                   graph.AddNodeWithNewOutputs("DuplicateStreams", kHwDomain,
                                               graph.UniqueNodeName(v->name() + "_DuplicateStreams"),
                                               {v}, names));
  if (origin != nullptr) dup->set_origin(origin->origin());
  dup->SetAttr("NumChannels", Attribute::Int(*c));
  dup->SetAttr("PE", Attribute::Int(1));
  dup->SetAttr("NumOutputStreams", Attribute::Int(static_cast<int64_t>(copies)));
  dup->SetAttr("inputDataType", Attribute::String(dt->Name()));
  dup->SetAttr("numInputVectors", Attribute::Ints(*niv));
  for (size_t i = 0; i < hw_uses.size(); ++i) {
    dup->output(i)->type() = v->type();
    hw_uses[i].node->SetInput(hw_uses[i].input_index, dup->output(i));
  }
  // The last copies become the body outputs, one per slot.
  int next = static_cast<int>(hw_uses.size());
  for (size_t i = 0; body_outputs > 0 && i < graph.outputs().size(); ++i) {
    if (graph.outputs()[i] != v) continue;
    Value* copy = dup->output(next++);
    copy->type() = v->type();
    graph.ReplaceOutput(static_cast<int>(i), copy);
  }
  hw::ImportHwDomain(ctx);
  return true;
}

}  // namespace

absl::StatusOr<bool> InferDuplicateStreamsPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  std::vector<Value*> values = graph.inputs();
  for (Node* node : graph.nodes()) {
    if (!hw::IsHwNode(node)) continue;
    for (Value* out : node->outputs()) {
      if (out != nullptr) values.push_back(out);
    }
  }
  bool changed = false;
  for (Value* v : values) {
    ASSIGN_OR_RETURN(bool c, Fork(graph, v, ctx));
    changed = changed || c;
  }
  return changed;
}

}  // namespace finngl
