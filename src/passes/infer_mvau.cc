#include "src/passes/infer_mvau.h"

#include <optional>
#include <vector>

#include "src/base/status.h"
#include "src/ops/int_range.h"
#include "src/passes/convert_to_hw_util.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

// The MultiThreshold reading `acc` as its only reader, or nullptr.
Node* SoleThresholdReader(const Value& acc) {
  if (acc.is_graph_output() || acc.uses().size() != 1 || ReadBySubgraph(acc)) return nullptr;
  const Use& use = acc.uses()[0];
  return use.input_index == 0 && use.node->op_type() == "MultiThreshold" ? use.node : nullptr;
}

absl::StatusOr<bool> ConvertMatMul(Graph& graph, Node* mm, PassContext& ctx) {
  if (mm->op_type() != "MatMul" || !CanonicalDomain(mm->domain()).empty() ||
      mm->num_inputs() != 2 || mm->input(0) == nullptr || mm->input(1) == nullptr) {
    return false;
  }
  Value* x = mm->input(0);
  Value* w = mm->input(1);
  const Tensor* wt = ConstantData(w);
  if (wt == nullptr || wt->rank() != 2 || ConstantData(x) != nullptr) return false;
  const int64_t mw = wt->dim(0), mh = wt->dim(1);
  const std::optional<Shape>& xs = x->type().shape;
  if (!xs || xs->size() < 2 || hw::LastDim(*x) != mw) return false;
  std::optional<std::vector<int64_t>> niv = hw::NumInputVectors(*xs);
  std::optional<DataType> xdt = hw::IntegerDataType(*x);
  if (!niv || !xdt || !hw::AllIntegral(*wt)) return false;
  std::optional<DataType> acc = hw::IntegerDataType(*mm->output(0));
  if (!acc) {
    // The MatMul's type inference did not bound it (e.g. unannotated weights): bound it here.
    const ValueRange r = DotRangeWithConstant(wt->ToDoubles(), 1, 0, mh, 1, mw, mh,
                                              ValueRange{xdt->Min(), xdt->Max()});
    acc = DataType::SmallestHolding(r.lo, r.hi);
    if (!acc->IsInteger()) return false;
  }
  std::optional<DataType> wdt = hw::IntegerDataType(*w);
  if (!wdt) return false;

  Node* mt = SoleThresholdReader(*mm->output(0));
  std::optional<hw::HwThresholds> th;
  if (mt != nullptr) {
    ASSIGN_OR_RETURN(th, hw::TakeOverThresholds(graph, *mt, mh));
  }
  std::vector<Value*> inputs{x, w};
  if (th) inputs.push_back(th->thresholds);
  ASSIGN_OR_RETURN(Node * mvau, hw::AddHwNode(graph, *mm, "MVAU", inputs));
  mvau->SetAttr("MW", Attribute::Int(mw));
  mvau->SetAttr("MH", Attribute::Int(mh));
  mvau->SetAttr("PE", Attribute::Int(1));
  mvau->SetAttr("SIMD", Attribute::Int(1));
  mvau->SetAttr("inputDataType", Attribute::String(xdt->Name()));
  mvau->SetAttr("weightDataType", Attribute::String(wdt->Name()));
  mvau->SetAttr("accDataType", Attribute::String(acc->Name()));
  mvau->SetAttr("outputDataType", Attribute::String((th ? th->out_dtype : *acc).Name()));
  mvau->SetAttr("noActivation", Attribute::Int(th ? 0 : 1));
  mvau->SetAttr("ActVal", Attribute::Int(th ? th->act_val : 0));
  mvau->SetAttr("numInputVectors", Attribute::Ints(*niv));
  hw::ImportHwDomain(ctx);
  // Later rewrites in this run read the new value's type (types are re-inferred after the pass).
  mvau->output(0)->type() = (th ? mt : mm)->output(0)->type();
  if (th) {
    RETURN_IF_ERROR(SubstituteNode(graph, mt, {mvau->output(0)}));
    RETURN_IF_ERROR(RemoveIfUnused(graph, mm).status());
  } else {
    RETURN_IF_ERROR(SubstituteNode(graph, mm, {mvau->output(0)}));
  }
  return true;
}

}  // namespace

absl::StatusOr<bool> InferMvauPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  bool changed = false;
  // MatMuls first: a rewrite removes a MatMul and its MultiThreshold, never another MatMul.
  std::vector<Node*> matmuls;
  for (Node* node : graph.nodes()) {
    if (node->op_type() == "MatMul") matmuls.push_back(node);
  }
  for (Node* node : matmuls) {
    ASSIGN_OR_RETURN(bool c, ConvertMatMul(graph, node, ctx));
    changed = changed || c;
  }
  return changed;
}

}  // namespace finngl
