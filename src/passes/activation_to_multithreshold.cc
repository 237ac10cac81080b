#include "src/passes/activation_to_multithreshold.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/passes/quant_thresholds.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

// Levels of the first quantizer enumerated at most (a 16-bit quantizer).
constexpr int64_t kMaxLevels = int64_t{1} << 16;

bool IsActivation(const Node& node) {
  static const char* const kOps[] = {"Sigmoid", "Tanh", "Relu",  "LeakyRelu", "Clip",
                                     "Identity", "Sign", "Exp",  "Sqrt",      "Floor",
                                     "Ceil",    "Round", "Neg",  "Abs"};
  if (!node.domain().empty() || node.num_outputs() != 1 || node.num_inputs() < 1) return false;
  bool known = false;
  for (const char* op : kOps) known = known || node.op_type() == op;
  if (!known || node.input(0) == nullptr || ConstantData(node.input(0)) != nullptr) return false;
  for (int i = 1; i < node.num_inputs(); ++i) {
    const Tensor* c = ConstantData(node.input(i));
    if (node.input(i) != nullptr && (c == nullptr || c->size() != 1)) return false;
  }
  return true;
}

// Sigmoid and Tanh are the ones a user expects to become thresholds: say why when they do not.
bool WarnFor(const Node& activation) {
  return activation.op_type() == "Sigmoid" || activation.op_type() == "Tanh";
}

absl::StatusOr<bool> Convert(Graph& graph, PassContext& ctx, Node* quant) {
  Node* f = quant->input(0)->producer();
  if (f == nullptr || !IsActivation(*f)) return false;
  // `always`: the levels are known, so the pattern was meant to convert; say why it did not.
  auto skip = [&](const std::string& why, bool always = false) {
    if (always || WarnFor(*f)) {
      ctx.Warn(absl::StrCat(f->Describe(), " -> ", quant->Describe(), ": ", why,
                            "; not turned into one MultiThreshold"));
    }
    return false;
  };
  std::string why;
  std::optional<QuantizerParams> p = ReadQuantizerParams(*quant, &why);
  if (!p) return skip(why);
  if (p->zeropt != nullptr && !AllElementsEqual(*p->zeropt, 0.0)) {
    return skip("the output quantizer has a nonzero zero point");
  }
  Value* src = f->input(0);
  ASSIGN_OR_RETURN(std::optional<KnownLevels> levels,
                   LevelsOf(*src, *ctx.model, kMaxLevels, &why));
  if (!levels) return skip(absl::StrCat("the input levels are unknown (", why, ")"));
  const std::vector<const Node*> path = {f, quant};
  std::optional<ChannelParam> ch = PathChannels(*levels, path, *src);
  if (!ch) return skip("the quantizers' scales vary along different axes", true);
  ASSIGN_OR_RETURN(std::optional<ThresholdChain> chain,
                   ChainOverLevels(*levels, *ch, path, *p->scale, *ctx.model, &why));
  if (!chain) return skip(why, true);

  std::vector<Value*> constants(quant->inputs().begin() + 1, quant->inputs().end());
  constants.insert(constants.end(), f->inputs().begin() + 1, f->inputs().end());
  ASSIGN_OR_RETURN(Value * result, InsertChain(graph, *quant, src, std::move(*chain)));
  RETURN_IF_ERROR(SubstituteNode(graph, quant, {result}));
  RETURN_IF_ERROR(RemoveIfUnused(graph, f).status());
  RETURN_IF_ERROR(RemoveUnusedConstants(graph, constants));
  return true;
}

}  // namespace

absl::StatusOr<bool> ActivationToMultiThresholdPass::RunOnGraph(Graph& graph,
                                                                PassContext& ctx) const {
  std::vector<Node*> quants;
  for (Node* node : graph.nodes()) {
    if (IsQuantizer(*node) && node->input(0) != nullptr &&
        ConstantData(node->input(0)) == nullptr) {
      quants.push_back(node);
    }
  }
  bool changed = false;
  for (Node* quant : quants) {
    ASSIGN_OR_RETURN(bool converted, Convert(graph, ctx, quant));
    changed = changed || converted;
  }
  return changed;
}

}  // namespace finngl
