#include "src/passes/convert_transpose_before_threshold.h"

#include <optional>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/passes/convert_to_hw_util.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/transpose_util.h"

namespace finngl {
namespace {

// The default layouts qonnx picks from the rank (src/ops/threshold_layout.h).
std::string DefaultLayout(size_t rank) {
  if (rank == 2) return "NC";
  if (rank == 3) return "NWC";
  if (rank == 4) return "NCHW";
  return "";
}

absl::StatusOr<bool> Move(Graph& graph, Node* t) {
  Value* q = t->input(0);
  Node* mt = q == nullptr ? nullptr : q->producer();
  if (mt == nullptr || mt->op_type() != "MultiThreshold" || mt->graph() != &graph ||
      CanonicalDomain(mt->domain()) != kQonnxDomain || mt->num_outputs() != 1) {
    return false;
  }
  if (q->is_graph_output() || q->uses().size() != 1 || ReadBySubgraph(*q)) return false;
  // Only quantizers of float data: inside the integer part the Transpose would separate a
  // MultiThreshold from the MatMul it activates.
  if (hw::IntegerDataType(*mt->input(0))) return false;
  std::optional<Perm> perm = PermOf(*t);
  const std::optional<Shape>& xs = mt->input(0)->type().shape;
  if (!perm || !xs || perm->size() != xs->size()) return false;
  std::string layout = mt->GetString("data_layout", "");
  if (layout.empty()) layout = DefaultLayout(xs->size());
  if (layout.size() != xs->size()) return false;
  std::string permuted(layout.size(), ' ');
  for (size_t i = 0; i < perm->size(); ++i) permuted[i] = layout[(*perm)[i]];
  ASSIGN_OR_RETURN(Node * moved,
                   AddReplacementNode(graph, *t, "Transpose", "moved", {mt->input(0)}));
  moved->SetAttr("perm", Attribute::Ints(*perm));
  ASSIGN_OR_RETURN(Node * nmt, AddReplacementNode(graph, *mt, "MultiThreshold", "permuted",
                                                  {moved->output(0), mt->input(1)}));
  nmt->set_domain(mt->domain());
  for (const auto& [name, attr] : mt->attributes()) nmt->SetAttr(name, attr.Clone(&graph));
  nmt->SetAttr("data_layout", Attribute::String(permuted));
  // The quantized values keep their datatype.
  nmt->output(0)->type() = t->output(0)->type();
  if (q->type().dtype_annotated) {
    nmt->output(0)->type().dtype = q->type().dtype;
    nmt->output(0)->type().dtype_annotated = true;
  }
  const std::string name = mt->name();
  RETURN_IF_ERROR(SubstituteNode(graph, t, {nmt->output(0)}));
  RETURN_IF_ERROR(RemoveIfUnused(graph, mt).status());
  if (!name.empty()) RETURN_IF_ERROR(graph.RenameNode(nmt, name));
  return true;
}

}  // namespace

absl::StatusOr<bool> MoveTransposeBeforeMultiThresholdPass::RunOnGraph(Graph& graph,
                                                                      PassContext& ctx) const {
  std::vector<Node*> candidates;
  for (Node* node : graph.nodes()) {
    if (IsTranspose(node)) candidates.push_back(node);
  }
  bool changed = false;
  for (Node* t : candidates) {
    ASSIGN_OR_RETURN(bool c, Move(graph, t));
    changed = changed || c;
  }
  return changed;
}

}  // namespace finngl
