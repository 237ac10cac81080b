#include "src/passes/move_linear_past_eltwise_add.h"

#include <algorithm>
#include <bit>
#include <cmath>

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

// Scales A = Ra * C and B = Rb * C exactly with integers Ra, Rb (|R| <= 2^24): per element C is
// whichever of A, B is smaller in magnitude. For power-of-two scales, e.g.
struct CommonScale {
  Tensor c, ra, rb;
};

// Whether v = fl(r * c) for an integer r, which is returned through `r`.
bool IntegerMultiple(float v, float c, float& r) {
  if (!std::isfinite(v) || !std::isfinite(c) || c == 0) return false;
  r = std::nearbyint(v / c);
  volatile float back = r * c;
  return std::fabs(r) <= 16777216.0f &&
         std::bit_cast<uint32_t>(static_cast<float>(back)) == std::bit_cast<uint32_t>(v);
}

std::optional<CommonScale> FindCommonScale(const Tensor& a, const Tensor& b) {
  if (a.dims() != b.dims()) return std::nullopt;
  CommonScale s{Tensor(ElementType::kFloat, a.dims()), Tensor(ElementType::kFloat, a.dims()),
                Tensor(ElementType::kFloat, a.dims())};
  for (int64_t i = 0; i < a.size(); ++i) {
    const float x = a.data<float>()[i], y = b.data<float>()[i];
    const float c = std::fabs(x) <= std::fabs(y) ? x : y;
    s.c.data<float>()[i] = c;
    if (!IntegerMultiple(x, c, s.ra.data<float>()[i]) ||
        !IntegerMultiple(y, c, s.rb.data<float>()[i])) {
      return std::nullopt;
    }
  }
  return s;
}

bool AllIntegers(const Tensor& t) {
  for (int64_t i = 0; i < t.size(); ++i) {
    const double v = t.GetDouble(i);
    if (std::nearbyint(v) != v) return false;
  }
  return true;
}

// x * r as a new node (x itself when every r is 1).
absl::StatusOr<Value*> Rescaled(Graph& graph, const ConstantOperand& scaled, Tensor r) {
  if (AllElementsEqual(r, 1)) return scaled.x;
  const std::vector<double> values = r.ToDoubles();
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  ASSIGN_OR_RETURN(Value * rv, AddConstant(graph, scaled.param->name() + "_ratio", std::move(r)));
  // Integer weights of an integer Mul.
  rv->type().dtype = DataType::SmallestHolding(*lo, *hi);
  rv->type().dtype_annotated = true;
  ASSIGN_OR_RETURN(Node * n,
                   AddReplacementNode(graph, *scaled.node, "Mul", "ratio", {scaled.x, rv}));
  return n->output(0);
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
    Value* x2 = lb->x;
    Tensor param;
    if (std::string(op) == "Mul") {
      if (SameBits(*la->data, *lb->data)) {
        param = *la->data;
      } else {
        // Different scales: only commensurable ones, A = Ra C and B = Rb C with integers Ra, Rb,
        // give (x1 Ra + x2 Rb) C.
        // Integer factors (what this rewrite leaves on the two sides) stay where they are.
        if (AllIntegers(*la->data) && AllIntegers(*lb->data)) continue;
        std::optional<CommonScale> common = FindCommonScale(*la->data, *lb->data);
        if (!common) continue;
        ASSIGN_OR_RETURN(x1, Rescaled(graph, *la, std::move(common->ra)));
        ASSIGN_OR_RETURN(x2, Rescaled(graph, *lb, std::move(common->rb)));
        param = std::move(common->c);
      }
    } else {
      ASSIGN_OR_RETURN(param, EvaluateOp(*ctx.model, "Add", {*la->data, *lb->data}));
    }
    ASSIGN_OR_RETURN(Node * join, AddReplacementNode(graph, *node, "Add", "join", {x1, x2}));
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
