// The finngl IR: a Model owns a Graph; a Graph owns Nodes and Values; Scan/Loop bodies are Graphs
// owned by a node attribute, with a parent pointer to the enclosing graph.
//
// Invariants kept by the mutation methods (never edit the vectors directly):
//  - every Value has at most one producer (a node output) and a use list that lists exactly the
//    (node, input index) pairs that read it;
//  - value names are unique within a graph and its subgraphs' view of it; node names are unique
//    within a graph.
// Names are stable: folding configs and reports refer to them.
#ifndef FINNGL_SRC_IR_GRAPH_H_
#define FINNGL_SRC_IR_GRAPH_H_

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/datatype.h"
#include "src/ir/element_type.h"
#include "src/ir/tensor.h"

namespace finngl {

class Graph;
class Node;

// One dimension of a static shape: a known size, or unknown (-1) with an optional symbolic name.
struct Dim {
  int64_t value = -1;
  std::string param;
  bool known() const { return value >= 0; }
  friend bool operator==(const Dim& a, const Dim& b) {
    return a.value == b.value && (a.known() || a.param == b.param);
  }
};
using Shape = std::vector<Dim>;
Shape ShapeFromDims(std::span<const int64_t> dims);
std::string ShapeToString(const Shape& shape);  // "[N, 3, 32, 32]" ("?" for an unnamed unknown)
bool ShapeFullyKnown(const Shape& shape);
Dims ShapeToDims(const Shape& shape);  // unknown dims become -1

// The static type of a value.
struct TensorType {
  ElementType elem = ElementType::kUndefined;
  std::optional<Shape> shape;  // nullopt: rank unknown
  DataType dtype;              // quantization datatype (FLOAT32 unless annotated/inferred)
  bool dtype_annotated = false;  // dtype came from a finn_datatype annotation or a pass
  std::optional<std::vector<std::string>> layout;  // tensor_layout, e.g. {"N","C","H","W"}
  std::string ToString() const;  // "float[1, 3] INT4"
};

class Attribute {
 public:
  enum class Type { kFloat, kInt, kString, kTensor, kGraph, kFloats, kInts, kStrings, kTensors, kGraphs };

  Attribute() = default;
  static Attribute Float(float v);
  static Attribute Int(int64_t v);
  static Attribute String(std::string v);
  static Attribute FromTensor(Tensor v);
  static Attribute FromGraph(std::unique_ptr<Graph> g);
  static Attribute Floats(std::vector<float> v);
  static Attribute Ints(std::vector<int64_t> v);
  static Attribute Strings(std::vector<std::string> v);
  static Attribute Tensors(std::vector<Tensor> v);
  static Attribute Graphs(std::vector<std::unique_ptr<Graph>> v);

  Attribute(Attribute&&) noexcept;
  Attribute& operator=(Attribute&&) noexcept;
  ~Attribute();
  // Deep copy; subgraphs are cloned with `parent` as their enclosing graph.
  Attribute Clone(Graph* parent) const;

  Type type() const { return type_; }
  float f() const { return f_; }
  int64_t i() const { return i_; }
  const std::string& s() const { return s_; }
  const Tensor& t() const { return tensors_.at(0); }
  Graph* g() const { return graphs_.at(0).get(); }
  const std::vector<float>& floats() const { return floats_; }
  const std::vector<int64_t>& ints() const { return ints_; }
  const std::vector<std::string>& strings() const { return strings_; }
  const std::vector<Tensor>& tensors() const { return tensors_; }
  const std::vector<std::unique_ptr<Graph>>& graphs() const { return graphs_; }
  std::string DebugString() const;

 private:
  Type type_ = Type::kInt;
  float f_ = 0;
  int64_t i_ = 0;
  std::string s_;
  std::vector<float> floats_;
  std::vector<int64_t> ints_;
  std::vector<std::string> strings_;
  std::vector<Tensor> tensors_;
  std::vector<std::unique_ptr<Graph>> graphs_;
};
const char* AttributeTypeName(Attribute::Type type);

struct Use {
  Node* node;
  int input_index;
};

class Value {
 public:
  const std::string& name() const { return name_; }
  TensorType& type() { return type_; }
  const TensorType& type() const { return type_; }
  Graph* graph() const { return graph_; }
  Node* producer() const { return producer_; }
  int producer_index() const { return producer_index_; }
  const std::vector<Use>& uses() const { return uses_; }

  bool is_initializer() const { return initializer_.has_value(); }
  const Tensor* initializer() const { return initializer_ ? &*initializer_ : nullptr; }
  // A name the body of a subgraph reads from an enclosing graph (ONNX outer-scope reference).
  bool is_outer_ref() const { return outer_ref_; }
  bool is_graph_input() const;
  bool is_graph_output() const;

  std::string doc_string;
  // Annotation keys other than finn_datatype / tensor_layout, preserved for round trips.
  std::vector<std::pair<std::string, std::string>> extra_annotations;

 private:
  friend class Graph;
  friend class Node;
  std::string name_;
  TensorType type_;
  Graph* graph_ = nullptr;
  Node* producer_ = nullptr;
  int producer_index_ = -1;
  std::vector<Use> uses_;
  std::optional<Tensor> initializer_;
  bool outer_ref_ = false;
};

class Node {
 public:
  const std::string& name() const { return name_; }
  const std::string& op_type() const { return op_type_; }
  const std::string& domain() const { return domain_; }
  Graph* graph() const { return graph_; }
  // Name of the ONNX node this node came from (for diagnostics after rewrites).
  const std::string& origin() const { return origin_; }
  void set_origin(std::string origin) { origin_ = std::move(origin); }
  void set_domain(std::string domain) { domain_ = std::move(domain); }

  // Inputs may contain nullptr for omitted optional inputs (ONNX's empty name).
  const std::vector<Value*>& inputs() const { return inputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  Value* input(int i) const { return i < static_cast<int>(inputs_.size()) ? inputs_[i] : nullptr; }
  Value* output(int i) const { return i < static_cast<int>(outputs_.size()) ? outputs_[i] : nullptr; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }

  void SetInput(int index, Value* value);  // keeps use lists in sync
  void AddInput(Value* value);
  void RemoveLastInput();

  // Attributes, kept sorted by name so export and printing are deterministic.
  const std::map<std::string, Attribute>& attributes() const { return attributes_; }
  const Attribute* attr(const std::string& name) const;
  bool has_attr(const std::string& name) const { return attr(name) != nullptr; }
  void SetAttr(const std::string& name, Attribute value);
  void RemoveAttr(const std::string& name) { attributes_.erase(name); }
  int64_t GetInt(const std::string& name, int64_t default_value) const;
  float GetFloat(const std::string& name, float default_value) const;
  std::string GetString(const std::string& name, const std::string& default_value) const;
  std::vector<int64_t> GetInts(const std::string& name, std::vector<int64_t> default_value) const;
  std::vector<float> GetFloats(const std::string& name, std::vector<float> default_value) const;
  // All subgraphs held by attributes (Scan/Loop/If bodies).
  std::vector<Graph*> subgraphs() const;

  // "node 'Conv_0' (Conv)": the prefix every diagnostic about a node starts with.
  std::string Describe() const;

  std::string doc_string;

 private:
  friend class Graph;
  std::string name_;
  std::string op_type_;
  std::string domain_;
  std::string origin_;
  Graph* graph_ = nullptr;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
  std::map<std::string, Attribute> attributes_;
};

class Graph {
 public:
  explicit Graph(std::string name, Graph* parent = nullptr);
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  Graph* parent() const { return parent_; }
  void set_parent(Graph* parent) { parent_ = parent; }
  std::string doc_string;

  // --- values
  // Creates a value; the name must be new in this graph (use UniqueValueName for generated ones).
  absl::StatusOr<Value*> AddValue(const std::string& name, TensorType type = {});
  absl::StatusOr<Value*> AddInitializer(const std::string& name, Tensor data);
  absl::StatusOr<Value*> AddOuterRef(const std::string& name, TensorType type = {});
  // Replaces the stored data of an initializer (or turns a value into one), updating its type.
  void SetInitializer(Value* value, Tensor data);
  void ClearInitializer(Value* value);
  Value* FindValue(const std::string& name) const;        // this graph only
  Value* LookupValue(const std::string& name) const;      // this graph, then enclosing graphs
  std::string UniqueValueName(const std::string& base) const;
  std::string UniqueNodeName(const std::string& base) const;
  // Removes a value that has no producer and no uses and is not a graph input/output.
  absl::Status RemoveValue(Value* value);
  // Renames a value of this graph (not an outer-scope reference: rename its owner). Nested
  // subgraphs that read it by name are updated too. Fails if `name` is already visible here (this
  // graph or an enclosing one) or defined in a nested subgraph.
  absl::Status RenameValue(Value* value, const std::string& name);
  // Values in creation order.
  std::vector<Value*> values() const;
  std::vector<Value*> initializers() const;  // in creation order

  // --- graph interface
  const std::vector<Value*>& inputs() const { return inputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  void AddInput(Value* value) { inputs_.push_back(value); }
  void AddOutput(Value* value) { outputs_.push_back(value); }
  void SetInputs(std::vector<Value*> values) { inputs_ = std::move(values); }
  void SetOutputs(std::vector<Value*> values) { outputs_ = std::move(values); }
  void ReplaceOutput(int index, Value* value) { outputs_[index] = value; }

  // --- nodes
  // Creates a node. Output values must already exist in this graph without a producer.
  absl::StatusOr<Node*> AddNode(const std::string& op_type, const std::string& domain,
                                const std::string& name, const std::vector<Value*>& inputs,
                                const std::vector<Value*>& outputs);
  // Creates a node and fresh output values named from `output_names` (made unique).
  absl::StatusOr<Node*> AddNodeWithNewOutputs(const std::string& op_type, const std::string& domain,
                                              const std::string& name,
                                              const std::vector<Value*>& inputs,
                                              const std::vector<std::string>& output_names);
  // Removes a node; its outputs lose their producer and are removed if unused and not graph
  // outputs. Fails if an output is still used.
  absl::Status RemoveNode(Node* node);
  Node* FindNode(const std::string& name) const;
  // Renames a node of this graph; fails if another node of this graph has that name. The node's
  // origin() keeps naming the ONNX node it came from.
  absl::Status RenameNode(Node* node, const std::string& name);
  // Nodes in insertion order.
  std::vector<Node*> nodes() const;
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  // Nodes ordered so every producer precedes its users; error naming a node on a cycle.
  absl::StatusOr<std::vector<Node*>> TopologicalOrder() const;
  // Values of this graph that `node`'s subgraphs read as outer-scope references.
  std::vector<Value*> ImplicitInputs(const Node& node) const;
  // Reorders the internal node list topologically (for readable export).
  absl::Status SortTopologically();
  // Puts the nodes in the given order, which must list every node of this graph once.
  absl::Status ReorderNodes(const std::vector<Node*>& order);

  // Makes every use of `from` (node inputs and graph outputs) read `to` instead. Nested subgraphs
  // that read `from` as an outer-scope reference are redirected to `to` as well.
  void ReplaceAllUsesWith(Value* from, Value* to);

  // Deep copy with `parent` as the enclosing graph.
  std::unique_ptr<Graph> Clone(Graph* parent = nullptr) const;

 private:
  friend class Node;
  // Changes the key of a value in values_ (no checks).
  void RekeyValue(Value* value, const std::string& name);
  // Whether a nested subgraph (of any depth) defines a value named `name` itself.
  bool NestedSubgraphDefines(const std::string& name) const;
  // Outer-scope references named `from` in the nested subgraphs are made to read `to` (renamed, or
  // merged into an existing reference named `to.name()`).
  void RedirectNestedOuterRefs(const std::string& from, const Value& to);

  std::string name_;
  Graph* parent_;
  std::list<std::unique_ptr<Node>> nodes_;
  std::map<std::string, std::unique_ptr<Value>> values_;
  std::vector<Value*> value_order_;
  std::map<std::string, Node*> node_names_;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
};

struct OpsetImport {
  std::string domain;
  int64_t version = 0;
};

class Model {
 public:
  Model();
  int64_t ir_version = 8;
  std::vector<OpsetImport> opset_imports;
  std::string producer_name;
  std::string producer_version;
  std::string domain;
  int64_t model_version = 0;
  std::string doc_string;
  std::vector<std::pair<std::string, std::string>> metadata_props;
  std::unique_ptr<Graph> graph;
  std::string source_path;  // file the model was read from, for diagnostics

  // Opset version imported for `domain` (aliases of the qonnx domain are resolved), or -1.
  int64_t OpsetVersion(const std::string& domain) const;
  std::unique_ptr<Model> Clone() const;
};

// Maps the qonnx domain aliases (onnx.brevitas, finn, finn.custom_op.general) to
// "qonnx.custom_op.general"; "ai.onnx" to ""; other domains unchanged.
std::string CanonicalDomain(const std::string& domain);
inline constexpr char kQonnxDomain[] = "qonnx.custom_op.general";
// Hardware (dataflow) layers, FINN's domain name so FINN users recognise them (docs/hw_layers.md).
inline constexpr char kHwDomain[] = "finn.custom_op.fpgadataflow";

}  // namespace finngl

#endif  // FINNGL_SRC_IR_GRAPH_H_
