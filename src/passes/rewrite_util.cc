#include "src/passes/rewrite_util.h"

#include <algorithm>
#include <cmath>

#include "src/base/status.h"

namespace finngl {

const Tensor* ConstantData(const Value* value) {
  if (value == nullptr) return nullptr;
  if (value->is_initializer()) return value->initializer();
  if (value->is_outer_ref() && value->graph()->parent() != nullptr) {
    const Value* outer = value->graph()->parent()->LookupValue(value->name());
    return outer != nullptr ? outer->initializer() : nullptr;
  }
  return nullptr;
}

bool ReadBySubgraph(const Value& value) {
  for (Node* node : value.graph()->nodes()) {
    if (node->subgraphs().empty()) continue;
    for (Value* v : value.graph()->ImplicitInputs(*node)) {
      if (v == &value) return true;
    }
  }
  return false;
}

bool IsUnused(const Value& value) {
  return value.uses().empty() && !value.is_graph_output() && !ReadBySubgraph(value);
}

bool SameKnownShape(const std::optional<Shape>& a, const std::optional<Shape>& b) {
  if (!a || !b || a->size() != b->size()) return false;
  for (size_t i = 0; i < a->size(); ++i) {
    const Dim& x = (*a)[i];
    const Dim& y = (*b)[i];
    const bool same = x.known() ? x.value == y.value : (!x.param.empty() && x.param == y.param);
    if (!same) return false;
  }
  return true;
}

bool AllElementsEqual(const Tensor& t, double v) {
  for (int64_t i = 0; i < t.size(); ++i) {
    if (t.GetDouble(i) != v) return false;
  }
  return true;
}

Tensor ScalarTensor(ElementType type, double value) {
  Tensor t(type, {});
  t.SetDouble(0, value);
  return t;
}

absl::StatusOr<Value*> AddConstant(Graph& graph, const std::string& base, Tensor data) {
  return graph.AddInitializer(graph.UniqueValueName(base), std::move(data));
}

absl::StatusOr<Node*> AddReplacementNode(Graph& graph, const Node& replaced,
                                         const std::string& op_type, const std::string& role,
                                         const std::vector<Value*>& inputs) {
  const std::string base = replaced.name().empty() ? role : replaced.name() + "_" + role;
  ASSIGN_OR_RETURN(Node * node,
                   graph.AddNodeWithNewOutputs(op_type, "", base, inputs, {base + "_out"}));
  node->set_origin(replaced.origin());
  return node;
}

void AnnotateDerivedConstant(const Value& source, Value* derived) {
  const TensorType& from = source.type();
  if (!from.dtype_annotated || derived->initializer() == nullptr) return;
  const std::vector<double> values = derived->initializer()->ToDoubles();
  TensorType& to = derived->type();
  if (std::all_of(values.begin(), values.end(), [&](double v) { return from.dtype.Allowed(v); })) {
    to.dtype = from.dtype;
    to.dtype_annotated = true;
    return;
  }
  if (!from.dtype.IsInteger() || values.empty()) return;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  const DataType holding = DataType::SmallestHolding(*lo, *hi);
  if (holding.IsInteger()) {
    to.dtype = holding;
    to.dtype_annotated = true;
  }
}

absl::Status SubstituteNode(Graph& graph, Node* node, const std::vector<Value*>& replacements) {
  RET_CHECK(node->graph() == &graph);
  RET_CHECK(static_cast<int>(replacements.size()) == node->num_outputs());
  std::vector<std::string> names(replacements.size());
  for (int i = 0; i < node->num_outputs(); ++i) {
    Value* old = node->output(i);
    Value* fresh = replacements[i];
    if (old == nullptr) continue;
    if (fresh == nullptr) {
      RET_CHECK(IsUnused(*old));
      continue;
    }
    RET_CHECK(fresh->graph() == &graph && fresh != old);
    names[i] = old->name();
    // The replacement computes the same values, so what was known about them still holds.
    TensorType& type = fresh->type();
    if (old->type().dtype_annotated) {
      type.dtype = old->type().dtype;
      type.dtype_annotated = true;
    }
    if (old->type().layout) type.layout = old->type().layout;
    fresh->doc_string = old->doc_string;
    fresh->extra_annotations = old->extra_annotations;
    graph.ReplaceAllUsesWith(old, fresh);
  }
  // Removing the node removes the replaced values, which frees their names.
  RETURN_IF_ERROR(graph.RemoveNode(node));
  for (size_t i = 0; i < replacements.size(); ++i) {
    if (replacements[i] != nullptr && !names[i].empty()) {
      RETURN_IF_ERROR(graph.RenameValue(replacements[i], names[i]));
    }
  }
  return absl::OkStatus();
}

bool CanBypass(const Node& node) {
  return node.num_outputs() == 1 && node.output(0) != nullptr &&
         !node.output(0)->is_graph_output();
}

absl::Status BypassNode(Graph& graph, Node* node, Value* replacement) {
  RET_CHECK(CanBypass(*node));
  RET_CHECK(replacement != nullptr && replacement != node->output(0));
  graph.ReplaceAllUsesWith(node->output(0), replacement);
  return graph.RemoveNode(node);
}

absl::StatusOr<bool> RemoveIfUnused(Graph& graph, Node* node) {
  for (Value* out : node->outputs()) {
    if (out != nullptr && !IsUnused(*out)) return false;
  }
  RETURN_IF_ERROR(graph.RemoveNode(node));
  return true;
}

}  // namespace finngl
