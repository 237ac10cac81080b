// OpSpec: everything finngl knows about one op, in one place: its attribute schema, type
// inference (shapes, element types, quantization datatypes) and reference execution.
//
// Execution is split in two phases so executors can plan once and run many times:
//   compile: OpSpec::compile(node, ctx) parses attributes once and returns a Kernel;
//   run:     Kernel::Run(ctx) computes outputs from inputs, reusing the output tensors' buffers.
// Integer-annotated values must be computed exactly (never through float32 accumulation).
#ifndef FINNGL_SRC_OPS_OP_SPEC_H_
#define FINNGL_SRC_OPS_OP_SPEC_H_

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"

namespace finngl {

struct AttrSpec {
  std::string name;
  Attribute::Type type;
  bool required = false;
  // Optional constraint on the value; returns InvalidArgument with a reason.
  std::function<absl::Status(const Attribute&)> check;
};

// Looks up tensors that a subgraph reads from enclosing scopes (ONNX outer-scope references).
using OuterScope = std::function<const Tensor*(const std::string& name)>;

struct KernelContext {
  std::span<const Tensor* const> inputs;  // nullptr for omitted optional inputs
  std::span<Tensor* const> outputs;       // existing tensors: Resize() them, then fill
  const OuterScope* outer = nullptr;      // set when the graph being run is a subgraph
  const Tensor* input(int i) const {
    return i < static_cast<int>(inputs.size()) ? inputs[i] : nullptr;
  }
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual absl::Status Run(KernelContext& ctx) = 0;
};

// Wraps a callable `absl::Status(KernelContext&)` as a Kernel.
template <typename Fn>
class FunctionKernel final : public Kernel {
 public:
  explicit FunctionKernel(Fn fn) : fn_(std::move(fn)) {}
  absl::Status Run(KernelContext& ctx) override { return fn_(ctx); }

 private:
  Fn fn_;
};
template <typename Fn>
std::unique_ptr<Kernel> MakeKernel(Fn fn) {
  return std::make_unique<FunctionKernel<Fn>>(std::move(fn));
}

// A compiled subgraph (Scan body), created by the executor on request of a kernel.
class SubgraphRunner {
 public:
  virtual ~SubgraphRunner() = default;
  // Runs the body on `inputs` (in body input order), writing body outputs into `outputs`.
  // `outer` resolves the body's outer-scope references.
  virtual absl::Status Run(std::span<const Tensor* const> inputs,
                           std::span<Tensor* const> outputs, const OuterScope* outer) = 0;
};

struct CompileContext {
  const Model* model = nullptr;
  int64_t opset = -1;  // opset version of the node's domain in `model`
  // Compiles a subgraph of the node (provided by the executor).
  std::function<absl::StatusOr<std::unique_ptr<SubgraphRunner>>(const Graph&)> compile_subgraph;
};

// Type inference for one node. Reads input types (and constant inputs), writes output types.
class InferContext {
 public:
  InferContext(Node& node, const Model* model, int64_t opset,
               const std::map<const Value*, Tensor>* constants)
      : node_(node), model_(model), opset_(opset), constants_(constants) {}
  Node& node() const { return node_; }
  const Model* model() const { return model_; }
  int64_t opset() const { return opset_; }
  int num_inputs() const { return node_.num_inputs(); }
  bool has_input(int i) const { return node_.input(i) != nullptr; }
  const TensorType& input_type(int i) const { return node_.input(i)->type(); }
  // The value of input i if it is an initializer or was found constant earlier; else nullptr.
  const Tensor* constant(int i) const;
  TensorType& output_type(int i) const { return node_.output(i)->type(); }
  // Sets an output's element type and shape, keeping an annotated datatype when one exists;
  // otherwise sets `dtype`.
  void SetOutput(int i, ElementType elem, std::optional<Shape> shape,
                 DataType dtype = DataType::Float32()) const;
  // Records that output i is a compile-time constant (e.g. Shape of a fully known tensor).
  void SetConstantOutput(int i, Tensor value) { constant_outputs_[i] = std::move(value); }
  std::map<int, Tensor>& constant_outputs() { return constant_outputs_; }
  // "node 'X' (Op): " prefix + message, InvalidArgument.
  absl::Status Error(const std::string& message) const;

 private:
  Node& node_;
  const Model* model_;
  int64_t opset_;
  const std::map<const Value*, Tensor>* constants_;
  std::map<int, Tensor> constant_outputs_;
};

struct OpSpec {
  std::string op_type;
  std::string domain;  // canonical: "" or kQonnxDomain
  int since_version = 1;  // highest version <= the model's opset for the domain is chosen
  std::string summary;    // one line, for `finngl info` and docs
  int min_inputs = 1;
  int max_inputs = 1;   // -1: variadic
  int min_outputs = 1;
  int max_outputs = 1;  // -1: variadic
  std::vector<AttrSpec> attributes;
  // Whether constant folding may evaluate this op (false for quantizers that passes rewrite).
  bool foldable = true;
  std::function<absl::Status(InferContext&)> infer;
  std::function<absl::StatusOr<std::unique_ptr<Kernel>>(const Node&, const CompileContext&)>
      compile;
};

// Common attribute constraints.
absl::Status CheckAttrIn(const Attribute& a, std::initializer_list<const char*> allowed);

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_OP_SPEC_H_
