#include "src/passes/trunc_to_multithreshold.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/passes/quant_thresholds.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

constexpr int64_t kMaxLevels = int64_t{1} << 16;

absl::StatusOr<bool> Convert(Graph& graph, PassContext& ctx, Node* trunc) {
  auto skip = [&](const std::string& why) {
    ctx.Warn(absl::StrCat(trunc->Describe(), ": ", why, "; left as a Trunc"));
    return false;
  };
  // v1: x, scale, zeropt, in_bitwidth, out_bitwidth; v2 adds out_scale before out_bitwidth.
  const int n = trunc->num_inputs();
  if (n != 5 && n != 6) return skip(absl::StrCat("it has ", n, " inputs"));
  for (int i = 1; i < n; ++i) {
    if (ConstantData(trunc->input(i)) == nullptr) {
      return skip(absl::StrCat("input ", i, " is not a constant"));
    }
  }
  if (!AllElementsEqual(*ConstantData(trunc->input(2)), 0.0)) {
    return skip("nonzero zero point");
  }
  const Tensor& unit = *ConstantData(trunc->input(n == 5 ? 1 : 4));
  for (int64_t i = 0; i < unit.size(); ++i) {
    const double u = unit.GetDouble(i);
    if (!(u > 0) || !std::isfinite(u)) return skip("its output scale is not positive and finite");
  }
  Value* src = trunc->input(0);
  std::string why;
  ASSIGN_OR_RETURN(std::optional<KnownLevels> levels,
                   LevelsOf(*src, *ctx.model, kMaxLevels, &why));
  if (!levels) return skip(absl::StrCat("the input levels are unknown (", why, ")"));
  const std::vector<const Node*> path = {trunc};
  std::optional<ChannelParam> ch = PathChannels(*levels, path, *src);
  if (!ch) return skip("its parameters vary along different axes than its input's levels");
  ASSIGN_OR_RETURN(std::optional<ThresholdChain> chain,
                   ChainOverLevels(*levels, *ch, path, unit, *ctx.model, &why));
  if (!chain) return skip(why);
  std::vector<Value*> constants(trunc->inputs().begin() + 1, trunc->inputs().end());
  ASSIGN_OR_RETURN(Value * result, InsertChain(graph, *trunc, src, std::move(*chain)));
  RETURN_IF_ERROR(SubstituteNode(graph, trunc, {result}));
  RETURN_IF_ERROR(RemoveUnusedConstants(graph, constants));
  return true;
}

}  // namespace

absl::StatusOr<bool> TruncToMultiThresholdPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  std::vector<Node*> truncs;
  for (Node* node : graph.nodes()) {
    if (node->op_type() == "Trunc" && CanonicalDomain(node->domain()) == kQonnxDomain &&
        node->num_outputs() == 1 && node->input(0) != nullptr &&
        ConstantData(node->input(0)) == nullptr) {
      truncs.push_back(node);
    }
  }
  bool changed = false;
  for (Node* trunc : truncs) {
    ASSIGN_OR_RETURN(bool converted, Convert(graph, ctx, trunc));
    changed = changed || converted;
  }
  return changed;
}

}  // namespace finngl
