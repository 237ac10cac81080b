#include "src/passes/round_and_clip_thresholds.h"

#include <algorithm>
#include <cmath>

#include "src/base/status.h"
#include "src/ops/int_range.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

// The integers `x` can hold, or nullopt when it is not integer-typed. A MultiThreshold's result
// is bounded by its own parameters: out_scale * {0..N} + out_bias.
std::optional<ValueRange> InputRange(const Value& x) {
  const Node* p = x.producer();
  if (p != nullptr && p->op_type() == "MultiThreshold" && p->domain() == kQonnxDomain) {
    const Value* t = p->input(1);
    if (t == nullptr || !t->type().shape || t->type().shape->size() != 2 ||
        !(*t->type().shape)[1].known()) {
      return std::nullopt;
    }
    const int64_t steps = (*t->type().shape)[1].value;
    const float s = p->GetFloat("out_scale", 1.0f), b = p->GetFloat("out_bias", 0.0f);
    ValueRange r{INFINITY, -INFINITY};
    for (int64_t k : {int64_t{0}, steps}) {
      const float scaled = s * static_cast<float>(k);
      const float v = scaled + b;
      // Every output lies between the two ends; all are integers when s and b are.
      if (!std::isfinite(v) || std::nearbyint(s) != s || std::nearbyint(b) != b) {
        return std::nullopt;
      }
      r = ValueRange{std::min<double>(r.lo, v), std::max<double>(r.hi, v)};
    }
    return r;
  }
  return RangeOfType(x.type());
}

bool RepresentableAsFloat(double v) { return static_cast<double>(static_cast<float>(v)) == v; }

absl::StatusOr<bool> Rewrite(Graph& graph, Node* node, PassContext&) {
  if (!IsMultiThresholdWithConstantThresholds(*node)) return false;
  std::optional<ValueRange> range = InputRange(*node->input(0));
  if (!range) return false;
  const double lo = range->lo, hi = range->hi + 1;
  if (!RepresentableAsFloat(lo) || !RepresentableAsFloat(hi)) return false;
  Value* old = node->input(1);
  const Tensor& t = *ConstantData(old);
  Tensor rounded(ElementType::kFloat, t.dims());
  double min = INFINITY, max = -INFINITY;
  for (int64_t i = 0; i < t.size(); ++i) {
    const float v = t.data<float>()[i];
    float r = v;
    if (!std::isnan(v)) {
      // + 0.0 turns ceil's -0.0 into 0.0.
      r = static_cast<float>(std::clamp<double>(std::ceil(static_cast<double>(v)), lo, hi) + 0.0);
      min = std::min<double>(min, r);
      max = std::max<double>(max, r);
    }
    rounded.data<float>()[i] = r;
  }
  const DataType dtype = min <= max ? DataType::SmallestHolding(min, max) : DataType::Float32();
  const bool annotated = old->type().dtype_annotated && old->type().dtype == dtype;
  const bool same = rounded.SameContents(t);
  if (same && (annotated || !dtype.IsInteger())) return false;
  Value* thresholds = old;
  if (!same || old->graph() != &graph || !old->is_initializer()) {
    ASSIGN_OR_RETURN(thresholds, AddConstant(graph, old->name(), std::move(rounded)));
    node->SetInput(1, thresholds);
    RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, old));
  }
  if (dtype.IsInteger()) {
    thresholds->type().dtype = dtype;
    thresholds->type().dtype_annotated = true;
  }
  return true;
}

}  // namespace

absl::StatusOr<bool> RoundAndClipThresholdsPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return RewriteUntilDone(graph, ctx, Rewrite);
}

}  // namespace finngl
