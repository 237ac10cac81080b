#include "src/passes/infer_duplicate_streams.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/passes/convert_to_hw_util.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

absl::StatusOr<bool> Fork(Graph& graph, Value* v, PassContext& ctx) {
  if (v->is_initializer() || v->is_outer_ref()) return false;
  if (!v->is_graph_input() && !hw::IsHwNode(v->producer())) return false;
  std::vector<Use> hw_uses;
  for (const Use& u : v->uses()) {
    if (hw::IsHwNode(u.node) && u.node->op_type() != "DuplicateStreams") hw_uses.push_back(u);
  }
  // In a loop body a state that layers also read leaves through one more copy (the body output):
  // a stream has one reader, and writing the state back is a read.
  const bool body_output = v->is_graph_output() && graph.parent() != nullptr && !hw_uses.empty();
  if (hw_uses.size() + (body_output ? 1 : 0) < 2) return false;
  std::optional<int64_t> c = hw::LastDim(*v);
  std::optional<DataType> dt = hw::IntegerDataType(*v);
  const std::optional<Shape>& shape = v->type().shape;
  if (!c || !dt || !shape) return false;
  std::optional<std::vector<int64_t>> niv = hw::NumInputVectors(*shape);
  if (!niv) return false;
  std::vector<std::string> names;
  const size_t copies = hw_uses.size() + (body_output ? 1 : 0);
  for (size_t i = 0; i < copies; ++i) names.push_back(absl::StrCat(v->name(), "_dup", i));
  const Node* origin = v->producer() != nullptr ? v->producer() : hw_uses[0].node;
  ASSIGN_OR_RETURN(Node * dup,
                   graph.AddNodeWithNewOutputs("DuplicateStreams", kHwDomain,
                                               graph.UniqueNodeName(v->name() + "_DuplicateStreams"),
                                               {v}, names));
  dup->set_origin(origin->origin());
  dup->SetAttr("NumChannels", Attribute::Int(*c));
  dup->SetAttr("PE", Attribute::Int(1));
  dup->SetAttr("NumOutputStreams", Attribute::Int(static_cast<int64_t>(copies)));
  dup->SetAttr("inputDataType", Attribute::String(dt->Name()));
  dup->SetAttr("numInputVectors", Attribute::Ints(*niv));
  for (size_t i = 0; i < hw_uses.size(); ++i) {
    dup->output(i)->type() = v->type();
    hw_uses[i].node->SetInput(hw_uses[i].input_index, dup->output(i));
  }
  if (body_output) {
    Value* copy = dup->output(static_cast<int>(copies) - 1);
    copy->type() = v->type();
    for (size_t i = 0; i < graph.outputs().size(); ++i) {
      if (graph.outputs()[i] == v) graph.ReplaceOutput(static_cast<int>(i), copy);
    }
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
