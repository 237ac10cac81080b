#include "src/passes/fold_constants.h"

#include <optional>
#include <vector>

#include "src/base/status.h"
#include "src/ops/int_range.h"
#include "src/ops/registry.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

// The constant inputs of `node`, or nullopt if some input is computed at run time.
std::optional<std::vector<const Tensor*>> ConstantInputs(const Node& node) {
  std::vector<const Tensor*> inputs;
  for (const Value* v : node.inputs()) {
    const Tensor* data = ConstantData(v);
    if (v != nullptr && data == nullptr) return std::nullopt;
    inputs.push_back(data);
  }
  return inputs;
}

// Shape reads only its input's dimensions: when they are all known (e.g. after set-batch-one)
// it folds like a constant node, evaluated on a zero tensor of that shape.
std::optional<std::vector<Tensor>> ShapeStandIns(const Node& node) {
  if (node.op_type() != "Shape" || !node.domain().empty() || node.input(0) == nullptr) {
    return std::nullopt;
  }
  const TensorType& t = node.input(0)->type();
  if (!t.shape || !ShapeFullyKnown(*t.shape) || t.elem == ElementType::kUndefined) {
    return std::nullopt;
  }
  const Dims dims = ShapeToDims(*t.shape);
  int64_t size = 1;
  for (int64_t d : dims) size *= d;
  if (size > (int64_t{1} << 24)) return std::nullopt;
  std::vector<Tensor> stand_ins;
  stand_ins.emplace_back(t.elem, dims);
  return stand_ins;
}

bool MayFold(const Node& node, const Model& model) {
  const OpSpec* spec = OpRegistry::Get().FindForNode(node, &model);
  if (spec == nullptr || !spec->foldable || !node.subgraphs().empty()) return false;
  bool read = false;
  for (const Value* out : node.outputs()) {
    if (out == nullptr) continue;
    if (out->is_graph_output()) return false;
    read = read || !IsUnused(*out);
  }
  return read;
}

// Inference may know more about a computed value than its element type says (an INT4 weight
// through a Transpose). An initializer's datatype is only kept as an annotation, so record it.
void KeepInferredDataType(const TensorType& computed, Value* folded) {
  TensorType& type = folded->type();
  type.dtype = computed.dtype;
  const bool implied_by_element_type =
      computed.dtype.IsFloat() ||
      (IsIntegerElementType(type.elem) && computed.dtype == DataTypeOfElementType(type.elem));
  type.dtype_annotated = computed.dtype_annotated || !implied_by_element_type;
}

}  // namespace

absl::StatusOr<bool> FoldConstantsPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  // In topological order, a node's folded outputs make its users foldable in the same sweep.
  ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
  bool changed = false;
  for (Node* node : order) {
    if (!MayFold(*node, *ctx.model)) continue;
    std::optional<std::vector<const Tensor*>> inputs = ConstantInputs(*node);
    const std::optional<std::vector<Tensor>> stand_ins = inputs ? std::nullopt : ShapeStandIns(*node);
    if (stand_ins) inputs = std::vector<const Tensor*>{&stand_ins->front()};
    if (!inputs) continue;
    ASSIGN_OR_RETURN(std::vector<Tensor> results, EvaluateNode(*node, *inputs, *ctx.model));
    std::vector<Value*> folded(node->num_outputs(), nullptr);
    for (int i = 0; i < node->num_outputs(); ++i) {
      const Value* out = node->output(i);
      if (out == nullptr || IsUnused(*out)) continue;
      ASSIGN_OR_RETURN(folded[i],
                       AddConstant(graph, out->name() + "_folded", std::move(results[i])));
      KeepInferredDataType(out->type(), folded[i]);
    }
    RETURN_IF_ERROR(SubstituteNode(graph, node, folded));
    changed = true;
  }
  return changed;
}

}  // namespace finngl
