// A small builder for test models written through the Graph API (random weights do not fit
// ONNX's text syntax): float32 inputs and constants with optional datatype annotations, nodes
// named after their op type, MultiThresholds, and type inference when the model is finished.
#ifndef FINNGL_TESTS_CPP_MODEL_BUILDER_H_
#define FINNGL_TESTS_CPP_MODEL_BUILDER_H_

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/ir/graph.h"
#include "src/ops/infer.h"

namespace finngl::testing {

class ModelBuilder {
 public:
  ModelBuilder() : model_(std::make_unique<Model>()) {
    model_->opset_imports = {{"", 17}, {kQonnxDomain, 1}};
  }
  Graph& g() { return *model_->graph; }

  Value* Input(const std::string& name, Shape shape, std::optional<DataType> dtype = {}) {
    TensorType t;
    t.elem = ElementType::kFloat;
    t.shape = std::move(shape);
    if (dtype) {
      t.dtype = *dtype;
      t.dtype_annotated = true;
    }
    Value* v = *g().AddValue(name, t);
    g().AddInput(v);
    return v;
  }
  Value* Input(const std::string& name, Dims dims, std::optional<DataType> dtype = {}) {
    return Input(name, ShapeFromDims(dims), dtype);
  }
  Value* Const(const std::string& name, Tensor data, std::optional<DataType> dtype = {}) {
    Value* v = *g().AddInitializer(g().UniqueValueName(name), std::move(data));
    if (dtype) {
      v->type().dtype = *dtype;
      v->type().dtype_annotated = true;
    }
    return v;
  }
  Value* Const(Tensor data, std::optional<DataType> dtype = {}) {
    return Const("k", std::move(data), dtype);
  }
  Node* Op(const std::string& op, std::vector<Value*> inputs, const std::string& domain = "") {
    const std::string name = g().UniqueNodeName(op + "_" + std::to_string(counter_++));
    return *g().AddNodeWithNewOutputs(op, domain, name, inputs, {name + "_out"});
  }
  // MultiThreshold with thresholds `t`, output datatype `out` and bias `bias`.
  Value* Threshold(Value* x, Tensor t, DataType out, float bias = 0,
                   const std::string& layout = "") {
    Node* n = Op("MultiThreshold", {x, Const(std::move(t))}, kQonnxDomain);
    n->SetAttr("out_dtype", Attribute::String(out.Name()));
    if (bias != 0) n->SetAttr("out_bias", Attribute::Float(bias));
    if (!layout.empty()) n->SetAttr("data_layout", Attribute::String(layout));
    return n->output(0);
  }
  void Output(Value* v) { g().AddOutput(v); }
  std::unique_ptr<Model> Finish() {
    absl::Status s = InferModelTypes(*model_);
    EXPECT_TRUE(s.ok()) << s;
    return std::move(model_);
  }

 private:
  std::unique_ptr<Model> model_;
  int counter_ = 0;
};

}  // namespace finngl::testing

#endif  // FINNGL_TESTS_CPP_MODEL_BUILDER_H_
