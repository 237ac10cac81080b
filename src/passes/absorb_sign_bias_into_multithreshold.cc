#include "src/passes/absorb_sign_bias_into_multithreshold.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "src/base/status.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

// The number of thresholds per channel, when known.
std::optional<int64_t> ThresholdCount(const Node& mt) {
  const Value* t = mt.input(1);
  if (t == nullptr || !t->type().shape || t->type().shape->size() != 2) return std::nullopt;
  const Dim& n = (*t->type().shape)[1];
  return n.known() ? std::optional<int64_t>(n.value) : std::nullopt;
}

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext&) {
  if (node->op_type() != "MultiThreshold" || node->domain() != kQonnxDomain ||
      node->num_outputs() != 1 || node->output(0) == nullptr) {
    return false;
  }
  Value* y = node->output(0);
  Node* consumer = SingleConsumer(*y);
  if (consumer == nullptr) return false;
  std::optional<ConstantOperand> add = MatchConstantOperand(consumer, "Add");
  if (!add || add->x != y) return false;
  // Axis -1 matches no axis, so only a uniform bias qualifies.
  std::optional<std::vector<float>> bias = ChannelValues(*add->data, y->type().shape, -1);
  std::optional<int64_t> steps = ThresholdCount(*node);
  if (!bias || !steps) return false;

  // out = fl(fl(out_scale * count) + out_bias); the Add then adds a. Absorbing is exact only if
  // fl(fl(s k + b) + a) == fl(s k + fl(b + a)) for every count k the node can produce.
  const float s = node->GetFloat("out_scale", 1.0f);
  const float b = node->GetFloat("out_bias", 0.0f);
  const float a = (*bias)[0];
  const float new_bias = b + a;
  double lo = INFINITY, hi = -INFINITY;
  bool integral = true;
  for (int64_t k = 0; k <= *steps; ++k) {
    const float scaled = s * static_cast<float>(k);
    const float before_mt = scaled + b;
    const float before = before_mt + a;
    const float after = scaled + new_bias;
    if (std::bit_cast<uint32_t>(before) != std::bit_cast<uint32_t>(after)) return false;
    lo = std::min<double>(lo, after);
    hi = std::max<double>(hi, after);
    integral = integral && std::isfinite(after) && std::nearbyint(after) == after;
  }
  const std::optional<DataType> dtype =
      integral ? std::optional<DataType>(DataType::SmallestHolding(lo, hi)) : std::nullopt;

  ASSIGN_OR_RETURN(Node * copy, CloneNodeWithInputs(graph, *node, node->inputs()));
  copy->SetAttr("out_bias", Attribute::Float(new_bias));
  if (dtype && dtype->IsInteger()) copy->SetAttr("out_dtype", Attribute::String(dtype->Name()));
  const std::string name = node->name();
  Value* old_param = add->param;
  RETURN_IF_ERROR(ReplaceNodeOutput(graph, add->node, copy->output(0)));
  RETURN_IF_ERROR(graph.RemoveNode(node));
  RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, old_param));
  RETURN_IF_ERROR(RenameLikeRemoved(graph, copy, name));
  if (dtype && dtype->IsInteger()) {
    // The Add's result may carry the type of the raw counts or FLOAT32; the node now produces
    // exactly these integers.
    copy->output(0)->type().dtype = *dtype;
    copy->output(0)->type().dtype_annotated = true;
  }
  return true;
}

}  // namespace

absl::StatusOr<bool> AbsorbSignBiasIntoMultiThresholdPass::RunOnGraph(Graph& graph,
                                                                      PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
