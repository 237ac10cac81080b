#include "src/passes/infer_thresholding.h"

#include <optional>
#include <vector>

#include "src/base/status.h"
#include "src/passes/convert_to_hw_util.h"
#include "src/passes/rewrite_util.h"

namespace finngl {

absl::StatusOr<bool> InferThresholdingPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  std::vector<Node*> candidates;
  for (Node* node : graph.nodes()) {
    if (node->op_type() == "MultiThreshold") candidates.push_back(node);
  }
  bool changed = false;
  for (Node* mt : candidates) {
    Value* x = mt->input(0);
    if (x == nullptr || ConstantData(x) != nullptr) continue;
    const std::optional<Shape>& xs = x->type().shape;
    std::optional<int64_t> c = hw::LastDim(*x);
    std::optional<DataType> xdt = hw::IntegerDataType(*x);
    if (!xs || !c || !xdt) continue;
    std::optional<std::vector<int64_t>> niv = hw::NumInputVectors(*xs);
    if (!niv) continue;
    ASSIGN_OR_RETURN(std::optional<hw::HwThresholds> th, hw::TakeOverThresholds(graph, *mt, *c));
    if (!th) continue;
    ASSIGN_OR_RETURN(Node * node, hw::AddHwNode(graph, *mt, "Thresholding", {x, th->thresholds}));
    node->SetAttr("NumChannels", Attribute::Int(*c));
    node->SetAttr("PE", Attribute::Int(1));
    node->SetAttr("numSteps", Attribute::Int(th->steps));
    node->SetAttr("inputDataType", Attribute::String(xdt->Name()));
    node->SetAttr("weightDataType", Attribute::String(th->dtype.Name()));
    node->SetAttr("outputDataType", Attribute::String(th->out_dtype.Name()));
    node->SetAttr("ActVal", Attribute::Int(th->act_val));
    node->SetAttr("numInputVectors", Attribute::Ints(*niv));
    RETURN_IF_ERROR(hw::ReplaceWithHwNode(graph, mt, node, ctx));
    changed = true;
  }
  return changed;
}

}  // namespace finngl
