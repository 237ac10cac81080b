#include "src/passes/move_linear_past_eltwise_add.h"

#include <bit>
#include <cmath>
#include <utility>

#include "src/base/status.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

// The scale or bias producing `v`, when `v` is read by the join only.
std::optional<ConstantOperand> LinearProducer(Value* v, const std::string& op_type) {
  if (v == nullptr || v->producer() == nullptr || !HasSingleUse(*v)) return std::nullopt;
  return MatchConstantOperand(v->producer(), op_type);
}

bool SameBits(const Tensor& a, const Tensor& b) { return a.SameContents(b); }

// R with A = fl(R * B) exactly and every R an integer (|R| <= 2^24, so R and x1 * R stay exact for
// small integers x1), for scales A, B of the same dims; nullopt otherwise.
std::optional<Tensor> IntegerRatio(const Tensor& a, const Tensor& b) {
  if (a.dims() != b.dims()) return std::nullopt;
  Tensor r(ElementType::kFloat, a.dims());
  for (int64_t i = 0; i < a.size(); ++i) {
    const float x = a.data<float>()[i], y = b.data<float>()[i];
    if (!std::isfinite(x) || !std::isfinite(y) || y == 0) return std::nullopt;
    const float q = std::nearbyint(x / y);
    volatile float back = q * y;
    if (!(std::fabs(q) <= 16777216.0f) ||
        std::bit_cast<uint32_t>(static_cast<float>(back)) != std::bit_cast<uint32_t>(x)) {
      return std::nullopt;
    }
    r.data<float>()[i] = q;
  }
  return r;
}

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext& ctx) {
  if (node->op_type() != "Add" || !node->domain().empty() || node->num_inputs() != 2 ||
      node->num_outputs() != 1) {
    return false;
  }
  Value* a = node->input(0);
  Value* b = node->input(1);
  if (a == nullptr || b == nullptr || a == b || ConstantData(a) != nullptr ||
      ConstantData(b) != nullptr) {
    return false;
  }
  for (const char* op : {"Mul", "Add"}) {
    std::optional<ConstantOperand> la = LinearProducer(a, op);
    std::optional<ConstantOperand> lb = LinearProducer(b, op);
    if (!la || !lb) continue;
    Value* x1 = la->x;
    Tensor param;
    if (std::string(op) == "Mul") {
      if (!SameBits(*la->data, *lb->data)) {
        // Different scales: only commensurable ones, A = R * B with integer R (or the other way
        // round), give (x1 R + x2) B.
        std::optional<Tensor> ratio = IntegerRatio(*la->data, *lb->data);
        if (!ratio) {
          std::swap(la, lb);
          x1 = la->x;
          ratio = IntegerRatio(*la->data, *lb->data);
        }
        if (!ratio) continue;
        ASSIGN_OR_RETURN(Value * r,
                         AddConstant(graph, la->param->name() + "_ratio", std::move(*ratio)));
        ASSIGN_OR_RETURN(Node * rescale,
                         AddReplacementNode(graph, *la->node, "Mul", "ratio", {la->x, r}));
        x1 = rescale->output(0);
      }
      param = *lb->data;
    } else {
      ASSIGN_OR_RETURN(param, EvaluateOp(*ctx.model, "Add", {*la->data, *lb->data}));
    }
    ASSIGN_OR_RETURN(Node * join, AddReplacementNode(graph, *node, "Add", "join", {x1, lb->x}));
    ASSIGN_OR_RETURN(Value * p, AddDerivedConstant(graph, *lb->param, std::move(param)));
    ASSIGN_OR_RETURN(Node * moved,
                     AddReplacementNode(graph, *lb->node, op, "moved", {join->output(0), p}));
    const std::string join_name = node->name(), moved_name = lb->node->name();
    Value* old_params[] = {la->param, lb->param};
    RETURN_IF_ERROR(ReplaceNodeOutput(graph, node, moved->output(0)));
    RETURN_IF_ERROR(graph.RemoveNode(la->node));
    RETURN_IF_ERROR(graph.RemoveNode(lb->node));
    for (Value* v : old_params) RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, v));
    RETURN_IF_ERROR(RenameLikeRemoved(graph, join, join_name));
    RETURN_IF_ERROR(RenameLikeRemoved(graph, moved, moved_name));
    return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<bool> MoveLinearPastEltwiseAddPass::RunOnGraph(Graph& graph,
                                                              PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
