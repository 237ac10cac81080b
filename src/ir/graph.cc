#include "src/ir/graph.h"

#include <algorithm>
#include <functional>
#include <queue>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"

namespace finngl {

// ---------------------------------------------------------------------------- shapes and types

Shape ShapeFromDims(std::span<const int64_t> dims) {
  Shape s;
  for (int64_t d : dims) s.push_back(Dim{d, ""});
  return s;
}

std::string ShapeToString(const Shape& shape) {
  std::vector<std::string> parts;
  for (const Dim& d : shape) {
    parts.push_back(d.known() ? absl::StrCat(d.value) : (d.param.empty() ? "?" : d.param));
  }
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

bool ShapeFullyKnown(const Shape& shape) {
  return std::all_of(shape.begin(), shape.end(), [](const Dim& d) { return d.known(); });
}

Dims ShapeToDims(const Shape& shape) {
  Dims dims;
  for (const Dim& d : shape) dims.push_back(d.value);
  return dims;
}

std::string TensorType::ToString() const {
  return absl::StrCat(ElementTypeName(elem), shape ? ShapeToString(*shape) : "[?]", " ",
                      dtype.Name());
}

// ---------------------------------------------------------------------------- attributes

Attribute Attribute::Float(float v) {
  Attribute a;
  a.type_ = Type::kFloat;
  a.f_ = v;
  return a;
}
Attribute Attribute::Int(int64_t v) {
  Attribute a;
  a.type_ = Type::kInt;
  a.i_ = v;
  return a;
}
Attribute Attribute::String(std::string v) {
  Attribute a;
  a.type_ = Type::kString;
  a.s_ = std::move(v);
  return a;
}
Attribute Attribute::FromTensor(Tensor v) {
  Attribute a;
  a.type_ = Type::kTensor;
  a.tensors_.push_back(std::move(v));
  return a;
}
Attribute Attribute::FromGraph(std::unique_ptr<Graph> g) {
  Attribute a;
  a.type_ = Type::kGraph;
  a.graphs_.push_back(std::move(g));
  return a;
}
Attribute Attribute::Floats(std::vector<float> v) {
  Attribute a;
  a.type_ = Type::kFloats;
  a.floats_ = std::move(v);
  return a;
}
Attribute Attribute::Ints(std::vector<int64_t> v) {
  Attribute a;
  a.type_ = Type::kInts;
  a.ints_ = std::move(v);
  return a;
}
Attribute Attribute::Strings(std::vector<std::string> v) {
  Attribute a;
  a.type_ = Type::kStrings;
  a.strings_ = std::move(v);
  return a;
}
Attribute Attribute::Tensors(std::vector<Tensor> v) {
  Attribute a;
  a.type_ = Type::kTensors;
  a.tensors_ = std::move(v);
  return a;
}
Attribute Attribute::Graphs(std::vector<std::unique_ptr<Graph>> v) {
  Attribute a;
  a.type_ = Type::kGraphs;
  a.graphs_ = std::move(v);
  return a;
}

Attribute::Attribute(Attribute&&) noexcept = default;
Attribute& Attribute::operator=(Attribute&&) noexcept = default;
Attribute::~Attribute() = default;

Attribute Attribute::Clone(Graph* parent) const {
  Attribute a;
  a.type_ = type_;
  a.f_ = f_;
  a.i_ = i_;
  a.s_ = s_;
  a.floats_ = floats_;
  a.ints_ = ints_;
  a.strings_ = strings_;
  a.tensors_ = tensors_;
  for (const auto& g : graphs_) a.graphs_.push_back(g->Clone(parent));
  return a;
}

const char* AttributeTypeName(Attribute::Type type) {
  switch (type) {
    case Attribute::Type::kFloat: return "float";
    case Attribute::Type::kInt: return "int";
    case Attribute::Type::kString: return "string";
    case Attribute::Type::kTensor: return "tensor";
    case Attribute::Type::kGraph: return "graph";
    case Attribute::Type::kFloats: return "floats";
    case Attribute::Type::kInts: return "ints";
    case Attribute::Type::kStrings: return "strings";
    case Attribute::Type::kTensors: return "tensors";
    case Attribute::Type::kGraphs: return "graphs";
  }
  return "?";
}

std::string Attribute::DebugString() const {
  switch (type_) {
    case Type::kFloat: return absl::StrCat(f_);
    case Type::kInt: return absl::StrCat(i_);
    case Type::kString: return absl::StrCat("\"", s_, "\"");
    case Type::kTensor: return tensors_[0].DebugString();
    case Type::kGraph: return absl::StrCat("<graph ", graphs_[0]->name(), ">");
    case Type::kFloats: return absl::StrCat("[", absl::StrJoin(floats_, ", "), "]");
    case Type::kInts: return absl::StrCat("[", absl::StrJoin(ints_, ", "), "]");
    case Type::kStrings: return absl::StrCat("[", absl::StrJoin(strings_, ", "), "]");
    case Type::kTensors: return absl::StrCat("<", tensors_.size(), " tensors>");
    case Type::kGraphs: return absl::StrCat("<", graphs_.size(), " graphs>");
  }
  return "?";
}

// ---------------------------------------------------------------------------- values

bool Value::is_graph_input() const {
  const auto& in = graph_->inputs();
  return std::find(in.begin(), in.end(), this) != in.end();
}

bool Value::is_graph_output() const {
  const auto& out = graph_->outputs();
  return std::find(out.begin(), out.end(), this) != out.end();
}

// ---------------------------------------------------------------------------- nodes

void Node::SetInput(int index, Value* value) {
  Value* old = inputs_[index];
  if (old != nullptr) {
    auto& uses = old->uses_;
    for (auto it = uses.begin(); it != uses.end(); ++it) {
      if (it->node == this && it->input_index == index) {
        uses.erase(it);
        break;
      }
    }
  }
  inputs_[index] = value;
  if (value != nullptr) value->uses_.push_back(Use{this, index});
}

void Node::AddInput(Value* value) {
  inputs_.push_back(nullptr);
  SetInput(static_cast<int>(inputs_.size()) - 1, value);
}

void Node::RemoveLastInput() {
  SetInput(static_cast<int>(inputs_.size()) - 1, nullptr);
  inputs_.pop_back();
}

const Attribute* Node::attr(const std::string& name) const {
  auto it = attributes_.find(name);
  return it == attributes_.end() ? nullptr : &it->second;
}

void Node::SetAttr(const std::string& name, Attribute value) {
  attributes_.insert_or_assign(name, std::move(value));
}

int64_t Node::GetInt(const std::string& name, int64_t default_value) const {
  const Attribute* a = attr(name);
  return a && a->type() == Attribute::Type::kInt ? a->i() : default_value;
}
float Node::GetFloat(const std::string& name, float default_value) const {
  const Attribute* a = attr(name);
  return a && a->type() == Attribute::Type::kFloat ? a->f() : default_value;
}
std::string Node::GetString(const std::string& name, const std::string& default_value) const {
  const Attribute* a = attr(name);
  return a && a->type() == Attribute::Type::kString ? a->s() : default_value;
}
std::vector<int64_t> Node::GetInts(const std::string& name,
                                   std::vector<int64_t> default_value) const {
  const Attribute* a = attr(name);
  return a && a->type() == Attribute::Type::kInts ? a->ints() : default_value;
}
std::vector<float> Node::GetFloats(const std::string& name,
                                   std::vector<float> default_value) const {
  const Attribute* a = attr(name);
  return a && a->type() == Attribute::Type::kFloats ? a->floats() : default_value;
}

std::vector<Graph*> Node::subgraphs() const {
  std::vector<Graph*> out;
  for (const auto& [name, a] : attributes_) {
    for (const auto& g : a.graphs()) out.push_back(g.get());
  }
  return out;
}

std::string Node::Describe() const {
  std::string s = absl::StrCat("node '", name_, "' (", op_type_, ")");
  if (!origin_.empty() && origin_ != name_) absl::StrAppend(&s, " [from '", origin_, "']");
  return s;
}

// ---------------------------------------------------------------------------- graph

Graph::Graph(std::string name, Graph* parent) : name_(std::move(name)), parent_(parent) {}
Graph::~Graph() = default;

absl::StatusOr<Value*> Graph::AddValue(const std::string& name, TensorType type) {
  if (values_.count(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", name, "' is defined twice in graph '", name_, "'"));
  }
  auto value = std::make_unique<Value>();
  value->name_ = name;
  value->type_ = std::move(type);
  value->graph_ = this;
  Value* raw = value.get();
  values_.emplace(name, std::move(value));
  value_order_.push_back(raw);
  return raw;
}

absl::StatusOr<Value*> Graph::AddInitializer(const std::string& name, Tensor data) {
  ASSIGN_OR_RETURN(Value * v, AddValue(name));
  SetInitializer(v, std::move(data));
  return v;
}

absl::StatusOr<Value*> Graph::AddOuterRef(const std::string& name, TensorType type) {
  ASSIGN_OR_RETURN(Value * v, AddValue(name, std::move(type)));
  v->outer_ref_ = true;
  return v;
}

void Graph::SetInitializer(Value* value, Tensor data) {
  value->type_.elem = data.type();
  value->type_.shape = ShapeFromDims(data.dims());
  value->initializer_ = std::move(data);
}

void Graph::ClearInitializer(Value* value) { value->initializer_.reset(); }

Value* Graph::FindValue(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : it->second.get();
}

Value* Graph::LookupValue(const std::string& name) const {
  for (const Graph* g = this; g != nullptr; g = g->parent_) {
    if (Value* v = g->FindValue(name); v != nullptr && !v->is_outer_ref()) return v;
  }
  return nullptr;
}

std::string Graph::UniqueValueName(const std::string& base) const {
  auto taken = [&](const std::string& n) {
    for (const Graph* g = this; g != nullptr; g = g->parent_) {
      if (g->FindValue(n)) return true;
    }
    return false;
  };
  if (!taken(base)) return base;
  for (int i = 0;; ++i) {
    std::string candidate = absl::StrCat(base, "_", i);
    if (!taken(candidate)) return candidate;
  }
}

std::string Graph::UniqueNodeName(const std::string& base) const {
  if (!node_names_.count(base)) return base;
  for (int i = 0;; ++i) {
    std::string candidate = absl::StrCat(base, "_", i);
    if (!node_names_.count(candidate)) return candidate;
  }
}

absl::Status Graph::RemoveValue(Value* value) {
  RET_CHECK(value->graph_ == this);
  RET_CHECK(value->producer_ == nullptr && value->uses_.empty());
  RET_CHECK(!value->is_graph_input() && !value->is_graph_output());
  value_order_.erase(std::find(value_order_.begin(), value_order_.end(), value));
  values_.erase(value->name_);
  return absl::OkStatus();
}

absl::Status Graph::RenameValue(Value* value, const std::string& name) {
  RET_CHECK(value->graph_ == this);
  if (value->name_ == name) return absl::OkStatus();
  if (value->outer_ref_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot rename '", value->name_, "' in graph '", name_,
        "': it is an outer-scope reference (rename the value in the enclosing graph)"));
  }
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot give tensor '", value->name_, "' an empty name"));
  }
  if (FindValue(name) != nullptr || NestedSubgraphDefines(name)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot rename tensor '", value->name_, "' to '",
                                                   name, "': the name is taken in graph '", name_,
                                                   "' or a subgraph of it"));
  }
  for (const Graph* g = parent_; g != nullptr; g = g->parent_) {
    if (g->FindValue(name) != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot rename tensor '", value->name_, "' to '", name,
                       "': the name is taken in enclosing graph '", g->name_, "'"));
    }
  }
  const std::string old = value->name_;
  RekeyValue(value, name);
  RedirectNestedOuterRefs(old, *value);
  return absl::OkStatus();
}

void Graph::RekeyValue(Value* value, const std::string& name) {
  auto entry = values_.extract(value->name_);
  entry.key() = name;
  values_.insert(std::move(entry));
  value->name_ = name;
}

bool Graph::NestedSubgraphDefines(const std::string& name) const {
  for (const auto& n : nodes_) {
    for (Graph* sub : n->subgraphs()) {
      const Value* v = sub->FindValue(name);
      if ((v != nullptr && !v->outer_ref_) || sub->NestedSubgraphDefines(name)) return true;
    }
  }
  return false;
}

void Graph::RedirectNestedOuterRefs(const std::string& from, const Value& to) {
  for (const auto& n : nodes_) {
    for (Graph* sub : n->subgraphs()) {
      Value* ref = sub->FindValue(from);
      if (ref == nullptr) {
        // The subgraph does not read `from` itself, but graphs nested in it may.
        sub->RedirectNestedOuterRefs(from, to);
      } else if (ref->outer_ref_) {
        if (Value* existing = sub->FindValue(to.name_); existing != nullptr) {
          // The subgraph already reads `to`: merge the two references (this recurses further).
          sub->ReplaceAllUsesWith(ref, existing);
          sub->RemoveValue(ref).IgnoreError();
        } else {
          sub->RekeyValue(ref, to.name_);
          ref->type_ = to.type_;
          sub->RedirectNestedOuterRefs(from, *ref);
        }
      }
      // A value the subgraph defines itself would shadow `from`; the IR's unique names exclude it.
    }
  }
}

std::vector<Value*> Graph::values() const { return value_order_; }

std::vector<Value*> Graph::initializers() const {
  std::vector<Value*> out;
  for (Value* v : value_order_) {
    if (v->is_initializer()) out.push_back(v);
  }
  return out;
}

absl::StatusOr<Node*> Graph::AddNode(const std::string& op_type, const std::string& domain,
                                     const std::string& name, const std::vector<Value*>& inputs,
                                     const std::vector<Value*>& outputs) {
  if (!name.empty() && node_names_.count(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("node name '", name, "' is used twice in graph '", name_, "'"));
  }
  for (Value* out : outputs) {
    if (out == nullptr) continue;
    if (out->graph_ != this) {
      return absl::InvalidArgumentError(
          absl::StrCat("output '", out->name(), "' of node '", name, "' belongs to another graph"));
    }
    if (out->producer_ != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tensor '", out->name(), "' is produced by both node '", out->producer_->name(),
          "' and node '", name, "'"));
    }
  }
  auto node = std::make_unique<Node>();
  node->name_ = name;
  node->origin_ = name;
  node->op_type_ = op_type;
  node->domain_ = domain;
  node->graph_ = this;
  Node* raw = node.get();
  for (Value* in : inputs) raw->AddInput(in);
  for (size_t i = 0; i < outputs.size(); ++i) {
    raw->outputs_.push_back(outputs[i]);
    if (outputs[i] != nullptr) {
      outputs[i]->producer_ = raw;
      outputs[i]->producer_index_ = static_cast<int>(i);
    }
  }
  nodes_.push_back(std::move(node));
  if (!name.empty()) node_names_[name] = raw;
  return raw;
}

absl::StatusOr<Node*> Graph::AddNodeWithNewOutputs(const std::string& op_type,
                                                   const std::string& domain,
                                                   const std::string& name,
                                                   const std::vector<Value*>& inputs,
                                                   const std::vector<std::string>& output_names) {
  std::vector<Value*> outputs;
  for (const std::string& base : output_names) {
    ASSIGN_OR_RETURN(Value * v, AddValue(UniqueValueName(base)));
    outputs.push_back(v);
  }
  return AddNode(op_type, domain, UniqueNodeName(name), inputs, outputs);
}

absl::Status Graph::RemoveNode(Node* node) {
  RET_CHECK(node->graph_ == this);
  for (Value* out : node->outputs_) {
    if (out != nullptr && !out->uses_.empty()) {
      return absl::InternalError(absl::StrCat("cannot remove ", node->Describe(), ": output '",
                                              out->name(), "' is still used"));
    }
  }
  for (int i = 0; i < node->num_inputs(); ++i) node->SetInput(i, nullptr);
  for (Value* out : node->outputs_) {
    if (out == nullptr) continue;
    out->producer_ = nullptr;
    out->producer_index_ = -1;
    if (!out->is_graph_output() && !out->is_graph_input()) RETURN_IF_ERROR(RemoveValue(out));
  }
  if (!node->name_.empty()) node_names_.erase(node->name_);
  nodes_.remove_if([node](const std::unique_ptr<Node>& n) { return n.get() == node; });
  return absl::OkStatus();
}

absl::Status Graph::RenameNode(Node* node, const std::string& name) {
  RET_CHECK(node->graph_ == this);
  if (node->name_ == name) return absl::OkStatus();
  if (!name.empty() && node_names_.count(name)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot rename ", node->Describe(), " to '",
                                                   name, "': graph '", name_,
                                                   "' already has a node of that name"));
  }
  if (!node->name_.empty()) node_names_.erase(node->name_);
  node->name_ = name;
  if (!name.empty()) node_names_[name] = node;
  return absl::OkStatus();
}

Node* Graph::FindNode(const std::string& name) const {
  auto it = node_names_.find(name);
  return it == node_names_.end() ? nullptr : it->second;
}

std::vector<Node*> Graph::nodes() const {
  std::vector<Node*> out;
  out.reserve(nodes_.size());
  for (const auto& n : nodes_) out.push_back(n.get());
  return out;
}

namespace {

// Names a subgraph (and its nested subgraphs) read from enclosing scopes.
void CollectOuterRefs(const Graph& g, std::vector<std::string>& names) {
  for (Value* v : g.values()) {
    if (v->is_outer_ref()) names.push_back(v->name());
  }
  for (Node* n : g.nodes()) {
    for (Graph* sub : n->subgraphs()) CollectOuterRefs(*sub, names);
  }
}

}  // namespace

std::vector<Value*> Graph::ImplicitInputs(const Node& node) const {
  std::vector<std::string> names;
  for (Graph* sub : node.subgraphs()) CollectOuterRefs(*sub, names);
  std::vector<Value*> out;
  for (const std::string& name : names) {
    Value* v = FindValue(name);
    if (v != nullptr && !v->is_outer_ref() &&
        std::find(out.begin(), out.end(), v) == out.end()) {
      out.push_back(v);
    }
  }
  return out;
}

absl::StatusOr<std::vector<Node*>> Graph::TopologicalOrder() const {
  // Kahn's algorithm, stable with respect to insertion order. A node with subgraphs also depends
  // on the producers of the outer-scope values its subgraphs read.
  absl::flat_hash_map<const Node*, int> pending;
  absl::flat_hash_map<const Value*, std::vector<Node*>> implicit_users;
  std::vector<Node*> all = nodes();
  for (Node* n : all) {
    int count = 0;
    for (Value* in : n->inputs()) {
      if (in != nullptr && in->producer() != nullptr && in->graph() == this) ++count;
    }
    if (!n->attributes().empty()) {
      for (Value* v : ImplicitInputs(*n)) {
        if (v->producer() == nullptr) continue;
        implicit_users[v].push_back(n);
        ++count;
      }
    }
    pending[n] = count;
  }
  // Always emit the earliest-inserted ready node, so an already sorted graph keeps its order.
  absl::flat_hash_map<const Node*, size_t> index;
  for (size_t i = 0; i < all.size(); ++i) index[all[i]] = i;
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> ready;
  for (size_t i = 0; i < all.size(); ++i) {
    if (pending[all[i]] == 0) ready.push(i);
  }
  std::vector<Node*> order;
  order.reserve(all.size());
  auto release = [&](Node* user) {
    if (--pending[user] == 0) ready.push(index[user]);
  };
  while (!ready.empty()) {
    Node* n = all[ready.top()];
    ready.pop();
    order.push_back(n);
    for (Value* out : n->outputs()) {
      if (out == nullptr) continue;
      for (const Use& use : out->uses()) release(use.node);
      auto it = implicit_users.find(out);
      if (it != implicit_users.end()) {
        for (Node* user : it->second) release(user);
      }
    }
  }
  if (order.size() != all.size()) {
    for (Node* n : all) {
      if (pending[n] > 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("graph '", name_, "' has a cycle through ", n->Describe()));
      }
    }
  }
  return order;
}

absl::Status Graph::SortTopologically() {
  ASSIGN_OR_RETURN(std::vector<Node*> order, TopologicalOrder());
  absl::flat_hash_map<Node*, size_t> rank;
  for (size_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  nodes_.sort([&](const std::unique_ptr<Node>& a, const std::unique_ptr<Node>& b) {
    return rank[a.get()] < rank[b.get()];
  });
  return absl::OkStatus();
}

absl::Status Graph::ReorderNodes(const std::vector<Node*>& order) {
  RET_CHECK(order.size() == nodes_.size());
  absl::flat_hash_map<const Node*, size_t> rank;
  for (size_t i = 0; i < order.size(); ++i) {
    RET_CHECK(order[i] != nullptr && order[i]->graph_ == this);
    RET_CHECK(rank.emplace(order[i], i).second);
  }
  nodes_.sort([&](const std::unique_ptr<Node>& a, const std::unique_ptr<Node>& b) {
    return rank.at(a.get()) < rank.at(b.get());
  });
  return absl::OkStatus();
}

void Graph::ReplaceAllUsesWith(Value* from, Value* to) {
  std::vector<Use> uses = from->uses_;
  for (const Use& use : uses) use.node->SetInput(use.input_index, to);
  for (Value*& out : outputs_) {
    if (out == from) out = to;
  }
  if (to != nullptr && from->name_ != to->name_) RedirectNestedOuterRefs(from->name_, *to);
}

std::unique_ptr<Graph> Graph::Clone(Graph* parent) const {
  auto g = std::make_unique<Graph>(name_, parent);
  g->doc_string = doc_string;
  // Map values by name: names are unique within a graph.
  for (Value* v : value_order_) {
    Value* copy = *g->AddValue(v->name_, v->type_);
    copy->initializer_ = v->initializer_;
    copy->outer_ref_ = v->outer_ref_;
    copy->doc_string = v->doc_string;
    copy->extra_annotations = v->extra_annotations;
  }
  auto map = [&](Value* v) -> Value* {
    if (v == nullptr) return nullptr;
    if (v->graph_ == this) return g->FindValue(v->name_);
    return v;  // outer value of a nested clone: stays as is
  };
  for (const auto& n : nodes_) {
    std::vector<Value*> ins, outs;
    for (Value* v : n->inputs_) ins.push_back(map(v));
    for (Value* v : n->outputs_) outs.push_back(map(v));
    Node* copy = *g->AddNode(n->op_type_, n->domain_, n->name_, ins, outs);
    copy->origin_ = n->origin_;
    copy->doc_string = n->doc_string;
    for (const auto& [name, a] : n->attributes_) copy->attributes_.emplace(name, a.Clone(g.get()));
  }
  for (Value* v : inputs_) g->inputs_.push_back(map(v));
  for (Value* v : outputs_) g->outputs_.push_back(map(v));
  return g;
}

// ---------------------------------------------------------------------------- model

Model::Model() : graph(std::make_unique<Graph>("main_graph")) {}

int64_t Model::OpsetVersion(const std::string& domain) const {
  const std::string want = CanonicalDomain(domain);
  for (const OpsetImport& imp : opset_imports) {
    if (CanonicalDomain(imp.domain) == want) return imp.version;
  }
  return -1;
}

std::unique_ptr<Model> Model::Clone() const {
  auto m = std::make_unique<Model>();
  m->ir_version = ir_version;
  m->opset_imports = opset_imports;
  m->producer_name = producer_name;
  m->producer_version = producer_version;
  m->domain = domain;
  m->model_version = model_version;
  m->doc_string = doc_string;
  m->metadata_props = metadata_props;
  m->graph = graph->Clone(nullptr);
  m->source_path = source_path;
  return m;
}

std::string CanonicalDomain(const std::string& domain) {
  if (domain == "ai.onnx") return "";
  if (domain == "onnx.brevitas" || domain == "finn" || domain == "finn.custom_op.general" ||
      domain == "qonnx.custom_op.general") {
    return kQonnxDomain;
  }
  return domain;
}

}  // namespace finngl
