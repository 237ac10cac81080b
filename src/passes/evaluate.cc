#include "src/passes/evaluate.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/registry.h"

namespace finngl {

absl::StatusOr<std::vector<Tensor>> EvaluateNode(const Node& node,
                                                 std::span<const Tensor* const> inputs,
                                                 const Model& model) {
  RET_CHECK(node.subgraphs().empty());
  RET_CHECK(static_cast<int>(inputs.size()) == node.num_inputs());
  const OpSpec* spec = OpRegistry::Get().FindForNode(node, &model);
  if (spec == nullptr) {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": unsupported op"));
  }
  // Kernels report problems without naming the node (as the executor does, add it once).
  auto with_node = [&](const absl::Status& s) {
    if (absl::StrContains(s.message(), node.Describe())) return s;
    return absl::Status(s.code(), absl::StrCat(node.Describe(), ": ", s.message()));
  };
  CompileContext cctx;
  cctx.model = &model;
  cctx.opset = model.OpsetVersion(node.domain());
  absl::StatusOr<std::unique_ptr<Kernel>> kernel = spec->compile(node, cctx);
  if (!kernel.ok()) return with_node(kernel.status());
  std::vector<Tensor> outputs(node.num_outputs());
  std::vector<Tensor*> output_ptrs;
  for (Tensor& t : outputs) output_ptrs.push_back(&t);
  KernelContext kctx{inputs, output_ptrs, nullptr};
  if (absl::Status s = (*kernel)->Run(kctx); !s.ok()) return with_node(s);
  return outputs;
}

absl::StatusOr<Tensor> EvaluateOp(const Model& model, const std::string& op_type,
                                  std::vector<Tensor> inputs,
                                  std::vector<std::pair<std::string, Attribute>> attributes) {
  // A scratch graph gives the kernel a real node whose inputs are initializers, as constants
  // are in a model (some kernels cache constant operands).
  Graph scratch("evaluate");
  std::vector<Value*> input_values;
  std::vector<const Tensor*> input_tensors;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSIGN_OR_RETURN(Value * v,
                     scratch.AddInitializer(absl::StrCat("in", i), std::move(inputs[i])));
    input_values.push_back(v);
    input_tensors.push_back(v->initializer());
  }
  ASSIGN_OR_RETURN(Node * node,
                   scratch.AddNodeWithNewOutputs(op_type, "", op_type, input_values, {"out"}));
  for (auto& [name, value] : attributes) node->SetAttr(name, std::move(value));
  ASSIGN_OR_RETURN(std::vector<Tensor> outputs, EvaluateNode(*node, input_tensors, model));
  return std::move(outputs.at(0));
}

}  // namespace finngl
