// Helpers for the streamlining tests: a small builder for hand-written FINN-ONNX graphs (integer
// weights annotated INT<b>, MultiThresholds with data_layout set), running passes, and counting
// output mismatches between two models on given inputs.
#ifndef FINNGL_TESTS_CPP_STREAMLINE_TEST_UTIL_H_
#define FINNGL_TESTS_CPP_STREAMLINE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "src/base/status.h"
#include "src/exec/executor.h"
#include "src/ops/infer.h"
#include "src/passes/pass_manager.h"
#include "src/passes/rewrite_util.h"

namespace finngl::testing {

inline TensorType FloatTypeOf(const Dims& dims, DataType dtype = DataType::Float32()) {
  TensorType t;
  t.elem = ElementType::kFloat;
  t.shape = ShapeFromDims(dims);
  t.dtype = dtype;
  t.dtype_annotated = !dtype.IsFloat();
  return t;
}

// A node attribute for GraphBuilder::Op (copyable, so attribute lists can be brace-initialized).
struct Attr {
  Attr(std::string n, Attribute a)
      : name(std::move(n)), value(std::make_shared<Attribute>(std::move(a))) {}
  std::string name;
  std::shared_ptr<Attribute> value;
};

// Builds a model node by node; values and nodes are named by the caller (a node is named like its
// output value).
class GraphBuilder {
 public:
  GraphBuilder() : model_(std::make_unique<Model>()) {
    model_->opset_imports = {{"", 17}, {kQonnxDomain, 1}};
  }
  Graph& graph() { return *model_->graph; }

  Value* Input(const std::string& name, const Dims& dims, DataType dtype = DataType::Float32()) {
    Value* v = *graph().AddValue(name, FloatTypeOf(dims, dtype));
    graph().AddInput(v);
    return v;
  }
  Value* Const(const std::string& name, const Dims& dims, const std::vector<float>& values,
               std::optional<DataType> dtype = std::nullopt) {
    Value* v = *graph().AddInitializer(name, Tensor::FromVector<float>(dims, values));
    if (dtype) {
      v->type().dtype = *dtype;
      v->type().dtype_annotated = true;
    }
    return v;
  }
  Value* Scalar(const std::string& name, float value) { return Const(name, {}, {value}); }
  Value* Int64s(const std::string& name, const std::vector<int64_t>& values) {
    return *graph().AddInitializer(
        name, Tensor::FromVector<int64_t>({static_cast<int64_t>(values.size())}, values));
  }
  Value* Op(const std::string& out, const std::string& op_type, const std::vector<Value*>& inputs,
            const std::vector<Attr>& attrs = {}, const std::string& domain = "") {
    Node* n = *graph().AddNodeWithNewOutputs(op_type, domain, out, inputs, {out});
    for (const Attr& a : attrs) n->SetAttr(a.name, a.value->Clone(&graph()));
    return n->output(0);
  }
  Value* Mt(const std::string& out, Value* x, Value* thresholds, const std::string& out_dtype,
            const std::string& layout, float out_scale = 1.0f, float out_bias = 0.0f) {
    std::vector<Attr> attrs;
    attrs.emplace_back("out_dtype", Attribute::String(out_dtype));
    attrs.emplace_back("data_layout", Attribute::String(layout));
    if (out_scale != 1.0f) attrs.emplace_back("out_scale", Attribute::Float(out_scale));
    if (out_bias != 0.0f) attrs.emplace_back("out_bias", Attribute::Float(out_bias));
    return Op(out, "MultiThreshold", {x, thresholds}, attrs, kQonnxDomain);
  }
  void Output(Value* v) { graph().AddOutput(v); }

  std::unique_ptr<Model> Build() {
    absl::Status s = InferModelTypes(*model_);
    EXPECT_TRUE(s.ok()) << s;
    return std::move(model_);
  }

 private:
  std::unique_ptr<Model> model_;
};

inline absl::StatusOr<bool> RunPass(Model& model, const std::string& name,
                                    PassContext* ctx = nullptr) {
  PassContext local;
  return PassManager().RunPasses(model, {name}, ctx != nullptr ? *ctx : local);
}

// Op types of the main graph, in the canonical order passes leave.
inline std::vector<std::string> OpTypes(const Graph& g) {
  std::vector<std::string> ops;
  for (Node* n : g.nodes()) ops.push_back(n->op_type());
  return ops;
}

inline int CountOps(const Graph& g, const std::string& op) {
  int n = 0;
  for (Node* node : g.nodes()) n += node->op_type() == op;
  return n;
}

inline Node* FindOp(const Graph& g, const std::string& op, int which = 0) {
  for (Node* n : g.nodes()) {
    if (n->op_type() == op && which-- == 0) return n;
  }
  return nullptr;
}

// The constant data of input `i` of `node` as floats.
inline std::vector<float> ConstInput(const Node* node, int i) {
  const Tensor* t = node == nullptr ? nullptr : ConstantData(node->input(i));
  if (t == nullptr) return {};
  std::vector<float> v;
  for (int64_t k = 0; k < t->size(); ++k) v.push_back(static_cast<float>(t->GetDouble(k)));
  return v;
}

// Runs both models on the same input sets and counts output elements that differ (numerically;
// NaN equals NaN); optionally the total count and the largest absolute difference. Failures to run
// are reported to gtest and counted as -1.
inline int64_t CountMismatches(const Model& a, const Model& b,
                               const std::vector<std::vector<Tensor>>& input_sets,
                               int64_t* total = nullptr, double* max_difference = nullptr) {
  auto ea = Executor::Create(a);
  auto eb = Executor::Create(b);
  EXPECT_TRUE(ea.ok()) << ea.status();
  EXPECT_TRUE(eb.ok()) << eb.status();
  if (!ea.ok() || !eb.ok()) return -1;
  int64_t mismatches = 0, count = 0;
  double max_diff = 0;
  for (const std::vector<Tensor>& inputs : input_sets) {
    auto ra = (*ea)->Run(inputs);
    auto rb = (*eb)->Run(inputs);
    EXPECT_TRUE(ra.ok()) << ra.status();
    EXPECT_TRUE(rb.ok()) << rb.status();
    if (!ra.ok() || !rb.ok()) return -1;
    for (size_t o = 0; o < ra->size(); ++o) {
      const Tensor& x = (*ra)[o];
      const Tensor& y = (*rb)[o];
      EXPECT_EQ(x.dims(), y.dims());
      for (int64_t i = 0; i < x.size() && i < y.size(); ++i) {
        const double u = x.GetDouble(i), v = y.GetDouble(i);
        ++count;
        if (!(u == v || (std::isnan(u) && std::isnan(v)))) {
          ++mismatches;
          max_diff = std::max(max_diff, std::fabs(u - v));
        }
      }
    }
  }
  if (total != nullptr) *total = count;
  if (max_difference != nullptr) *max_difference = max_diff;
  return mismatches;
}

// `n` input sets of uniform floats in [lo, hi] for a model whose inputs are all float32.
inline std::vector<std::vector<Tensor>> UniformInputs(const Model& m, int n, float lo, float hi,
                                                      uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<std::vector<Tensor>> sets;
  for (int s = 0; s < n; ++s) {
    std::vector<Tensor> inputs;
    for (const Value* in : m.graph->inputs()) {
      Tensor t(ElementType::kFloat, ShapeToDims(*in->type().shape));
      for (float& v : t.span<float>()) v = dist(rng);
      inputs.push_back(std::move(t));
    }
    sets.push_back(std::move(inputs));
  }
  return sets;
}

}  // namespace finngl::testing

#endif  // FINNGL_TESTS_CPP_STREAMLINE_TEST_UTIL_H_
