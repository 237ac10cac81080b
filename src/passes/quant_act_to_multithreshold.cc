#include "src/passes/quant_act_to_multithreshold.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/infer.h"
#include "src/passes/evaluate.h"
#include "src/passes/quant_thresholds.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/threshold_search.h"

namespace finngl {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Whether numpy (and so the Quant kernel) computes float32 arithmetic with such a tensor in
// float64.
bool PromotesToDouble(ElementType t) {
  return t == ElementType::kDouble || t == ElementType::kInt32 || t == ElementType::kUint32 ||
         t == ElementType::kInt64 || t == ElementType::kUint64;
}

// The integer level a quantizer gives a float32 input, with the Quant kernel's arithmetic
// (src/ops/qonnx.cc): q = x / scale in precision P, y = q + zeropt (0) in precision T, the
// bipolar special case for signed 1-bit, else clamp to [lo, hi] and round by the node's mode.
template <typename P, typename T>
int64_t QuantLevel(float x, P scale, const QuantizerParams& p) {
  if (p.bipolar_op) return static_cast<double>(x) >= 0 ? 1 : -1;  // where(x >= 0, 1, -1)
  T y = static_cast<T>(static_cast<P>(x) / scale) + T(0);
  if (p.bipolar()) return y >= T(0) ? 1 : -1;
  if (y > static_cast<T>(p.hi)) y = static_cast<T>(p.hi);
  if (y < static_cast<T>(p.lo)) y = static_cast<T>(p.lo);
  return static_cast<int64_t>(ApplyRounding(p.mode, y));
}

// The level function of one channel: Relu first when fused.
std::function<int64_t(float)> LevelFunction(const QuantizerParams& p, double scale, bool relu,
                                            bool p_double, bool t_double) {
  return [=](float x) -> int64_t {
    if (relu && !(x > 0)) x = 0.0f;
    if (p_double) return QuantLevel<double, double>(x, scale, p);
    if (t_double) return QuantLevel<float, double>(x, static_cast<float>(scale), p);
    return QuantLevel<float, float>(x, static_cast<float>(scale), p);
  };
}

class Converter {
 public:
  Converter(Graph& graph, PassContext& ctx, int max_bit_width)
      : graph_(graph), ctx_(ctx), max_bit_width_(max_bit_width) {}

  // Converts one activation quantizer; false (with a warning) when it is left as is.
  absl::StatusOr<bool> Convert(Node* quant);

 private:
  bool Skip(const Node& quant, const std::string& why) {
    ctx_.Warn(absl::StrCat(quant.Describe(), ": ", why, "; left as a quantizer"));
    return false;
  }

  Graph& graph_;
  PassContext& ctx_;
  int max_bit_width_;
};

absl::StatusOr<bool> Converter::Convert(Node* quant) {
  std::string why;
  std::optional<QuantizerParams> p = ReadQuantizerParams(*quant, &why);
  if (!p) {
    ctx_.Warn(absl::StrCat(why, "; left as a quantizer"));
    return false;
  }
  if (p->zeropt != nullptr && !AllElementsEqual(*p->zeropt, 0.0)) {
    return Skip(*quant, "nonzero zero point (MultiThreshold conversion needs zero point 0)");
  }
  if (!p->bipolar_op && p->bit_width > max_bit_width_) {
    return Skip(*quant, absl::StrCat("bit width ", p->bit_width, " is above the limit of ",
                                     max_bit_width_, " bits for thresholds"));
  }
  Value* x = quant->input(0);
  const TensorType& xt = x->type();
  if (xt.elem != ElementType::kFloat) {
    return Skip(*quant, absl::StrCat("input '", x->name(), "' is ", ElementTypeName(xt.elem),
                                     ", not float32"));
  }
  if (!xt.shape || xt.shape->size() < 2) {
    return Skip(*quant, absl::StrCat("input '", x->name(), "' has ",
                                     xt.shape ? absl::StrCat("rank ", xt.shape->size())
                                              : std::string("an unknown rank"),
                                     " (MultiThreshold needs a channel axis)"));
  }
  const int64_t rank = static_cast<int64_t>(xt.shape->size());
  std::optional<ChannelParam> ch = ChannelOfParam(*p->scale, rank);
  if (ch && p->zeropt != nullptr) {
    std::optional<ChannelParam> z = ChannelOfParam(*p->zeropt, rank);
    ch = z ? CombineChannels(*ch, *z) : std::nullopt;
  }
  if (!ch) return Skip(*quant, "scale or zero point varies along several axes");
  if (ch->axis >= 0) {
    const Dim& d = (*xt.shape)[ch->axis];
    if (!d.known() || d.value != ch->channels) {
      return Skip(*quant, absl::StrCat("scale has ", ch->channels, " channels on axis ", ch->axis,
                                       " but input '", x->name(), "' has shape ",
                                       ShapeToString(*xt.shape)));
    }
  }
  const Value* out = quant->output(0);
  if (!out->type().shape || out->type().shape->size() != xt.shape->size()) {
    return Skip(*quant, "its output does not have the input's rank");
  }

  // A Relu read only by this quantizer is fused: its input becomes the thresholds' input.
  Node* relu = x->producer();
  const bool fuse_relu = relu != nullptr && relu->op_type() == "Relu" &&
                         relu->domain().empty() && relu->num_inputs() == 1 &&
                         relu->input(0) != nullptr &&
                         relu->input(0)->type().elem == ElementType::kFloat &&
                         x->uses().size() == 1 && !x->is_graph_output() && !ReadBySubgraph(*x) &&
                         !p->bipolar();
  if (!fuse_relu) {
    relu = nullptr;
  }
  Value* input = relu != nullptr ? relu->input(0) : x;

  const bool p_double = PromotesToDouble(p->scale->type());
  const bool t_double = p_double || (p->zeropt != nullptr && PromotesToDouble(p->zeropt->type()));
  const int64_t channels = ch->axis < 0 ? 1 : ch->channels;
  const int64_t step = p->bipolar() ? 2 : 1;
  std::vector<std::vector<float>> rows(channels);
  std::vector<double> bases(channels);
  int64_t steps = -1;
  for (int64_t c = 0; c < channels; ++c) {
    const auto level =
        LevelFunction(*p, ChannelValue(*p->scale, c), relu != nullptr, p_double, t_double);
    const int64_t base = level(-kInf);
    const int64_t n = (level(kInf) - base) / step;
    if (steps >= 0 && n != steps) return Skip(*quant, "channels have different level counts");
    steps = n;
    bases[c] = static_cast<double>(base);
    for (int64_t j = 1; j <= n; ++j) {
      const int64_t target = base + step * j;
      std::optional<float> t =
          SmallestFloatWhere([&](float v) { return level(v) >= target; }, -kInf, kInf);
      if (!t) return Skip(*quant, "a level is never reached");
      rows[c].push_back(*t + 0.0f);  // -0.0 becomes +0.0: same comparisons, cleaner files
    }
  }
  if (steps <= 0) return Skip(*quant, "its output is constant");

  ThresholdChain chain;
  bool shared = true;
  for (const auto& r : rows) shared = shared && r == rows[0];
  const int64_t t_rows = shared ? 1 : channels;
  chain.thresholds = Tensor(ElementType::kFloat, {t_rows, steps});
  for (int64_t r = 0; r < t_rows; ++r) {
    std::copy(rows[r].begin(), rows[r].end(), chain.thresholds.data<float>() + r * steps);
  }
  chain.layout = ThresholdLayout(rank, ch->axis);
  if (p->bipolar()) {
    chain.count_type = DataType::Bipolar();
    chain.out_scale = 2.0f;
    chain.out_bias = -1.0f;
  } else {
    chain.count_type = DataType::SmallestHolding(0, static_cast<double>(steps));
    if (std::any_of(bases.begin(), bases.end(), [](double b) { return b != 0; })) {
      chain.bias = ChannelTensor(bases, rank, ch->axis);
    }
  }
  if (!AllElementsEqual(*p->scale, 1.0)) chain.scale = p->scale->CastTo(ElementType::kFloat);

  // Proof before commit: at every threshold, just below it, and at the extremes, the chain and
  // the replaced nodes agree (both are monotone step functions, so they then agree everywhere).
  std::vector<std::vector<float>> probe_rows(channels);
  for (int64_t c = 0; c < channels; ++c) {
    probe_rows[c] = {-kInf, -std::numeric_limits<float>::max(), -0.0f, 0.0f,
                     std::numeric_limits<float>::max(), kInf};
    for (float t : rows[c]) {
      probe_rows[c].push_back(t);
      probe_rows[c].push_back(std::nextafter(t, -kInf));
    }
  }
  const Tensor probe = MakeProbe(probe_rows, rank, *ch);
  Tensor quant_in = probe;
  if (relu != nullptr) {
    ASSIGN_OR_RETURN(quant_in, EvaluateOnProbe(*relu, 0, probe, *ctx_.model));
  }
  ASSIGN_OR_RETURN(Tensor want, EvaluateOnProbe(*quant, 0, quant_in, *ctx_.model));
  ASSIGN_OR_RETURN(Tensor got, EvaluateChain(chain, probe, *ctx_.model));
  if (!SameValues(want, got, &why)) {
    return Skip(*quant, absl::StrCat("the thresholds do not reproduce it exactly (", why, ")"));
  }

  std::vector<Value*> params(quant->inputs().begin() + 1, quant->inputs().end());
  ASSIGN_OR_RETURN(Value * result, InsertChain(graph_, *quant, input, std::move(chain)));
  RETURN_IF_ERROR(SubstituteNode(graph_, quant, {result}));
  if (relu != nullptr) {
    ASSIGN_OR_RETURN(bool removed, RemoveIfUnused(graph_, relu));
    RET_CHECK(removed);
  }
  RETURN_IF_ERROR(RemoveUnusedConstants(graph_, params));
  return true;
}

}  // namespace

absl::StatusOr<bool> QuantActToMultiThresholdPass::RunOnGraph(Graph& graph,
                                                              PassContext& ctx) const {
  std::vector<Node*> quants;
  for (Node* node : graph.nodes()) {
    if (!IsQuantizer(*node) || node->input(0) == nullptr) continue;
    if (ConstantData(node->input(0)) != nullptr) continue;  // a weight: fold-quant-weights
    quants.push_back(node);
  }
  Converter converter(graph, ctx, max_bit_width_);
  bool changed = false;
  for (Node* quant : quants) {
    // A quantizer reading an earlier one (Brevitas' QuantLSTM re-quantizes the output of a
    // QuantIdentity in front of it) now reads that one's new Mul, typed only by inference.
    if (changed && quant->input(0)->type().elem == ElementType::kUndefined) {
      RETURN_IF_ERROR(InferModelTypes(*ctx.model));
    }
    ASSIGN_OR_RETURN(bool converted, converter.Convert(quant));
    changed = changed || converted;
  }
  return changed;
}

}  // namespace finngl
