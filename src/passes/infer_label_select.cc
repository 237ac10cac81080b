#include "src/passes/infer_label_select.h"

#include <optional>
#include <vector>

#include "src/base/status.h"
#include "src/passes/convert_to_hw_util.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

absl::StatusOr<bool> Convert(Graph& graph, Node* argmax, PassContext& ctx) {
  Value* x = argmax->input(0);
  if (x == nullptr || !CanonicalDomain(argmax->domain()).empty() ||
      ConstantData(x) != nullptr) {
    return false;
  }
  const std::optional<Shape>& xs = x->type().shape;
  std::optional<int64_t> labels = hw::LastDim(*x);
  std::optional<DataType> dt = hw::IntegerDataType(*x);
  if (!xs || xs->size() != 2 || !labels || !dt) return false;
  const int64_t axis = argmax->GetInt("axis", 0);
  if ((axis != -1 && axis != 1) || argmax->GetInt("select_last_index", 0) != 0) return false;
  ASSIGN_OR_RETURN(Node * ls, hw::AddHwNode(graph, *argmax, "LabelSelect", {x}));
  ls->SetAttr("Labels", Attribute::Int(*labels));
  ls->SetAttr("PE", Attribute::Int(1));
  ls->SetAttr("K", Attribute::Int(1));
  ls->SetAttr("inputDataType", Attribute::String(dt->Name()));
  ls->SetAttr("outputDataType",
              Attribute::String(DataType::SmallestHolding(0, static_cast<double>(*labels - 1))
                                    .Name()));
  hw::ImportHwDomain(ctx);
  if (argmax->GetInt("keepdims", 1) != 0) ls->output(0)->type() = argmax->output(0)->type();
  Value* result = ls->output(0);
  if (argmax->GetInt("keepdims", 1) == 0) {
    ASSIGN_OR_RETURN(Value * shape,
                     AddConstant(graph, argmax->name() + "_shape",
                                 Tensor::FromVector<int64_t>({1}, {-1})));
    ASSIGN_OR_RETURN(Node * reshape,
                     AddReplacementNode(graph, *argmax, "Reshape", "squeeze", {result, shape}));
    result = reshape->output(0);
  }
  RETURN_IF_ERROR(SubstituteNode(graph, argmax, {result}));
  return true;
}

}  // namespace

absl::StatusOr<bool> InferLabelSelectPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return hw::ConvertEach(
      graph, ctx,
      [](const Node& node) {
        return node.op_type() == "ArgMax";
      },
      Convert);
}

}  // namespace finngl
