#include "src/passes/move_add_past_conv.h"

#include "src/base/status.h"
#include "src/ops/window.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

// Whether the Conv reads its whole input without padding.
bool Unpadded(const Node& conv) {
  absl::StatusOr<WindowAttrs> attrs = ParseWindowAttrs(conv, false);
  if (!attrs.ok()) return false;
  if (attrs->auto_pad == AutoPad::kSameUpper || attrs->auto_pad == AutoPad::kSameLower) {
    return false;
  }
  for (int64_t p : attrs->pads) {
    if (p != 0) return false;
  }
  return true;
}

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext& ctx) {
  std::optional<ConstantOperand> add = MatchConstantOperand(node, "Add");
  if (!add) return false;
  Value* t = add->node->output(0);
  Node* conv = SingleConsumer(*t);
  if (conv == nullptr || conv->op_type() != "Conv" || !conv->domain().empty() ||
      conv->input(0) != t || !Unpadded(*conv)) {
    return false;
  }
  const Tensor* w = ConstantData(conv->input(1));
  const std::optional<Shape>& x_shape = add->x->type().shape;
  if (w == nullptr || w->type() != ElementType::kFloat || w->rank() < 3 || !x_shape ||
      static_cast<int64_t>(x_shape->size()) != w->rank() || !(*x_shape)[1].known()) {
    return false;
  }
  const int64_t channels = (*x_shape)[1].value;
  std::optional<std::vector<float>> bias = ChannelValues(*add->data, x_shape, 1);
  if (!bias) return false;

  // One window of the constant input: [1, C, k1', k2', ...] with k' the dilated kernel extent.
  const std::vector<int64_t> dilations = conv->GetInts("dilations", {});
  Dims window = {1, channels};
  for (int64_t i = 2; i < w->rank(); ++i) {
    const int64_t d = dilations.empty() ? 1 : dilations[i - 2];
    window.push_back((w->dim(i) - 1) * d + 1);
  }
  const int64_t per_channel = NumElementsOf(window) / channels;
  std::vector<float> filled;
  filled.reserve(NumElementsOf(window));
  for (int64_t c = 0; c < channels; ++c) {
    filled.insert(filled.end(), per_channel, bias->size() == 1 ? (*bias)[0] : (*bias)[c]);
  }
  std::vector<std::pair<std::string, Attribute>> attrs;
  attrs.emplace_back("group", Attribute::Int(conv->GetInt("group", 1)));
  if (!dilations.empty()) attrs.emplace_back("dilations", Attribute::Ints(dilations));
  ASSIGN_OR_RETURN(Tensor moved, EvaluateOp(*ctx.model, "Conv", {FloatTensor(window, filled), *w},
                                            std::move(attrs)));
  RETURN_IF_ERROR(MoveLinearPastNode(graph, *add, conv, 0, std::move(moved)));
  return true;
}

}  // namespace

absl::StatusOr<bool> MoveAddPastConvPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
