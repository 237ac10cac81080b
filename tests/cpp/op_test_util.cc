#include "tests/cpp/op_test_util.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/exec/executor.h"
#include "src/ops/infer.h"

namespace finngl::testing {

std::unique_ptr<Model> BuildSingleOpModel(OpCall call) {
  auto model = std::make_unique<Model>();
  model->opset_imports.push_back({"", call.opset});
  if (!call.domain.empty()) model->opset_imports.push_back({call.domain, call.custom_opset});
  Graph& g = *model->graph;
  std::vector<Value*> ins;
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    OpInput& in = call.inputs[i];
    if (in.omitted) {
      ins.push_back(nullptr);
      continue;
    }
    std::string name = absl::StrCat("in", i);
    Value* v;
    if (in.constant) {
      v = *g.AddInitializer(name, in.value);
    } else {
      TensorType t;
      t.elem = in.value.type();
      t.shape = ShapeFromDims(in.value.dims());
      v = *g.AddValue(name, t);
      g.AddInput(v);
    }
    if (in.dtype) {
      v->type().dtype = *in.dtype;
      v->type().dtype_annotated = true;
    }
    ins.push_back(v);
  }
  std::vector<Value*> outs;
  for (int i = 0; i < call.num_outputs; ++i) {
    Value* v = *g.AddValue(absl::StrCat("out", i));
    outs.push_back(v);
    g.AddOutput(v);
  }
  Node* node = *g.AddNode(call.op_type, call.domain, "node0", ins, outs);
  for (auto& [name, a] : call.attrs) node->SetAttr(name, std::move(a));
  return model;
}

absl::StatusOr<std::vector<Tensor>> RunOp(OpCall call) {
  std::vector<Tensor> runtime;
  for (const OpInput& in : call.inputs) {
    if (!in.constant && !in.omitted) runtime.push_back(in.value);
  }
  std::unique_ptr<Model> model = BuildSingleOpModel(std::move(call));
  ASSIGN_OR_RETURN(auto exe, Executor::Create(*model));
  return exe->Run(runtime);
}

OpInput In(Tensor t, bool constant) {
  OpInput in;
  in.value = std::move(t);
  in.constant = constant;
  return in;
}

Tensor Run1(OpCall call) {
  auto out = RunOp(std::move(call));
  if (!out.ok()) {
    ADD_FAILURE() << out.status();
    return Tensor();
  }
  if (out->empty()) {
    ADD_FAILURE() << "the op produced no outputs";
    return Tensor();
  }
  return std::move((*out)[0]);
}

std::string RunError(OpCall call) {
  auto out = RunOp(std::move(call));
  return out.ok() ? "(no error)" : std::string(out.status().message());
}

absl::StatusOr<std::vector<TensorType>> InferOp(OpCall call) {
  std::unique_ptr<Model> model = BuildSingleOpModel(std::move(call));
  RETURN_IF_ERROR(InferModelTypes(*model));
  std::vector<TensorType> types;
  for (Value* v : model->graph->outputs()) types.push_back(v->type());
  return types;
}

}  // namespace finngl::testing
