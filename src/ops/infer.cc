#include "src/ops/infer.h"

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/registry.h"

namespace finngl {
namespace {

// Evaluates a node whose inputs are all constant, so later shape arguments resolve.
absl::Status FoldIfConstant(const OpSpec& spec, Node& node, const Model* model, int64_t opset,
                            std::map<const Value*, Tensor>& constants) {
  if (!spec.foldable || !node.subgraphs().empty()) return absl::OkStatus();
  std::vector<const Tensor*> ins;
  for (Value* v : node.inputs()) {
    if (v == nullptr) {
      ins.push_back(nullptr);
      continue;
    }
    if (v->is_initializer()) {
      ins.push_back(v->initializer());
      continue;
    }
    auto it = constants.find(v);
    if (it == constants.end()) return absl::OkStatus();
    ins.push_back(&it->second);
  }
  // Only small tensors: this is for shape arithmetic, not for weights.
  for (const Tensor* t : ins) {
    if (t != nullptr && t->size() > 4096) return absl::OkStatus();
  }
  CompileContext cctx{model, opset, nullptr};
  auto kernel = spec.compile(node, cctx);
  if (!kernel.ok()) return absl::OkStatus();
  std::vector<Tensor> outs(node.num_outputs());
  std::vector<Tensor*> out_ptrs;
  for (Tensor& t : outs) out_ptrs.push_back(&t);
  KernelContext kctx{ins, out_ptrs, nullptr};
  if (!(*kernel)->Run(kctx).ok()) return absl::OkStatus();
  for (int i = 0; i < node.num_outputs(); ++i) {
    if (node.output(i) != nullptr) constants[node.output(i)] = std::move(outs[i]);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status InferGraphTypes(Graph& graph, const Model* model,
                             std::map<const Value*, Tensor>* constants) {
  std::map<const Value*, Tensor> local;
  if (constants == nullptr) constants = &local;
  ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
  for (Node* node : order) {
    const OpSpec* spec = OpRegistry::Get().FindForNode(*node, model);
    if (spec == nullptr) {
      return absl::UnimplementedError(absl::StrCat(
          node->Describe(), ": unsupported op '",
          node->domain().empty() ? "" : node->domain() + "::", node->op_type(), "'"));
    }
    for (int i = 0; i < node->num_inputs(); ++i) {
      Value* in = node->input(i);
      if (in != nullptr && in->type().elem == ElementType::kUndefined && !in->is_outer_ref()) {
        return absl::InvalidArgumentError(absl::StrCat(
            node->Describe(), ": input '", in->name(), "' has no known type (is it defined?)"));
      }
    }
    int64_t opset = EffectiveOpset(*node, model);
    InferContext ctx(*node, model, opset, constants);
    RETURN_IF_ERROR(spec->infer(ctx));
    for (auto& [index, value] : ctx.constant_outputs()) {
      if (node->output(index) != nullptr) (*constants)[node->output(index)] = std::move(value);
    }
    if (!constants->count(node->output(0))) {
      RETURN_IF_ERROR(FoldIfConstant(*spec, *node, model, opset, *constants));
    }
  }
  return absl::OkStatus();
}

absl::Status InferModelTypes(Model& model) { return InferGraphTypes(*model.graph, &model); }

}  // namespace finngl
