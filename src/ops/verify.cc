#include "src/ops/verify.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/infer.h"
#include "src/ops/registry.h"

namespace finngl {
namespace {

std::string Where(const Graph& graph) {
  return graph.parent() == nullptr ? "" : absl::StrCat(" (in subgraph '", graph.name(), "')");
}

absl::Status CompareTypes(const Graph& stored, const Graph& inferred) {
  for (Value* v : stored.values()) {
    if (v->producer() == nullptr) continue;
    const Value* w = inferred.FindValue(v->name());
    if (w == nullptr) continue;
    const TensorType& a = v->type();
    const TensorType& b = w->type();
    std::string who = absl::StrCat(v->producer()->Describe(), ": output '", v->name(), "'");
    if (a.elem != ElementType::kUndefined && b.elem != ElementType::kUndefined && a.elem != b.elem) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, " is stored as ", ElementTypeName(a.elem), " but inferred as ",
                       ElementTypeName(b.elem), Where(stored)));
    }
    if (a.shape && b.shape) {
      bool mismatch = a.shape->size() != b.shape->size();
      for (size_t i = 0; !mismatch && i < a.shape->size(); ++i) {
        const Dim &x = (*a.shape)[i], &y = (*b.shape)[i];
        mismatch = x.known() && y.known() && x.value != y.value;
      }
      if (mismatch) {
        return absl::InvalidArgumentError(absl::StrCat(
            who, " has stored shape ", ShapeToString(*a.shape), " but inferred shape ",
            ShapeToString(*b.shape), Where(stored)));
      }
    }
  }
  for (Node* n : stored.nodes()) {
    Node* m = inferred.FindNode(n->name());
    if (m == nullptr) continue;
    auto sa = n->subgraphs();
    auto sb = m->subgraphs();
    for (size_t i = 0; i < sa.size() && i < sb.size(); ++i) RETURN_IF_ERROR(CompareTypes(*sa[i], *sb[i]));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status VerifyNodeSchema(const Node& node, const Model* model) {
  const OpSpec* spec = OpRegistry::Get().FindForNode(node, model);
  if (spec == nullptr) {
    return absl::UnimplementedError(absl::StrCat(
        node.Describe(), ": unsupported op '", node.domain().empty() ? "" : node.domain() + "::",
        node.op_type(), "'"));
  }
  int n_in = node.num_inputs();
  // Trailing omitted optional inputs do not count.
  while (n_in > 0 && node.input(n_in - 1) == nullptr) --n_in;
  if (n_in < spec->min_inputs || (spec->max_inputs >= 0 && n_in > spec->max_inputs)) {
    return absl::InvalidArgumentError(absl::StrCat(
        node.Describe(), ": has ", n_in, " inputs, expected ", spec->min_inputs,
        spec->max_inputs < 0 ? " or more" : absl::StrCat("..", spec->max_inputs)));
  }
  for (int i = 0; i < spec->min_inputs && i < node.num_inputs(); ++i) {
    if (node.input(i) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(node.Describe(), ": required input ", i, " is missing"));
    }
  }
  int n_out = node.num_outputs();
  if (n_out < spec->min_outputs || (spec->max_outputs >= 0 && n_out > spec->max_outputs)) {
    return absl::InvalidArgumentError(absl::StrCat(
        node.Describe(), ": has ", n_out, " outputs, expected ", spec->min_outputs,
        spec->max_outputs < 0 ? " or more" : absl::StrCat("..", spec->max_outputs)));
  }
  std::set<std::string> known;
  for (const AttrSpec& a : spec->attributes) {
    known.insert(a.name);
    const Attribute* attr = node.attr(a.name);
    if (attr == nullptr) {
      if (a.required) {
        return absl::InvalidArgumentError(
            absl::StrCat(node.Describe(), ": required attribute '", a.name, "' is missing"));
      }
      continue;
    }
    if (attr->type() != a.type) {
      return absl::InvalidArgumentError(absl::StrCat(
          node.Describe(), ": attribute '", a.name, "' has type ", AttributeTypeName(attr->type()),
          ", expected ", AttributeTypeName(a.type)));
    }
    if (a.check) {
      absl::Status s = a.check(*attr);
      if (!s.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(node.Describe(), ": attribute '", a.name, "': ", s.message()));
      }
    }
  }
  if (CanonicalDomain(node.domain()).empty()) {
    for (const auto& [name, attr] : node.attributes()) {
      if (!known.count(name)) {
        return absl::InvalidArgumentError(
            absl::StrCat(node.Describe(), ": unknown attribute '", name, "'"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status VerifyGraph(const Graph& graph, const Model* model) {
  ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
  (void)order;
  for (Node* node : graph.nodes()) {
    for (int i = 0; i < node->num_inputs(); ++i) {
      Value* in = node->input(i);
      if (in == nullptr) continue;
      if (in->producer() == nullptr && !in->is_initializer() && !in->is_graph_input()) {
        if (in->is_outer_ref()) {
          if (graph.parent() == nullptr || graph.parent()->LookupValue(in->name()) == nullptr) {
            return absl::InvalidArgumentError(absl::StrCat(
                node->Describe(), ": input '", in->name(),
                "' is not defined in this graph or any enclosing graph", Where(graph)));
          }
          continue;
        }
        return absl::InvalidArgumentError(absl::StrCat(
            node->Describe(), ": input '", in->name(),
            "' is not a graph input, an initializer or the output of any node", Where(graph)));
      }
    }
    RETURN_IF_ERROR(VerifyNodeSchema(*node, model));
    for (Graph* sub : node->subgraphs()) RETURN_IF_ERROR(VerifyGraph(*sub, model));
  }
  for (Value* out : graph.outputs()) {
    if (out->producer() == nullptr && !out->is_initializer() && !out->is_graph_input() &&
        !out->is_outer_ref()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graph output '", out->name(), "' is not produced by any node", Where(graph)));
    }
  }
  return absl::OkStatus();
}

absl::Status VerifyModel(const Model& model, const VerifyOptions& options) {
  RETURN_IF_ERROR(VerifyGraph(*model.graph, &model));
  if (options.check_types) {
    std::unique_ptr<Model> copy = model.Clone();
    // Forget stored node-output types so inference recomputes them from scratch.
    std::function<void(Graph&)> reset = [&](Graph& g) {
      for (Value* v : g.values()) {
        if (v->producer() != nullptr) {
          TensorType fresh;
          fresh.dtype = v->type().dtype;
          fresh.dtype_annotated = v->type().dtype_annotated;
          v->type() = fresh;
        }
      }
      for (Node* n : g.nodes()) {
        for (Graph* sub : n->subgraphs()) reset(*sub);
      }
    };
    reset(*copy->graph);
    RETURN_IF_ERROR(InferModelTypes(*copy));
    RETURN_IF_ERROR(CompareTypes(*model.graph, *copy->graph));
  }
  return absl::OkStatus();
}

}  // namespace finngl
