#include "src/passes/quant_thresholds.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/threshold_layout.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

bool IsDefaultOp(const Node& node, const char* op_type) {
  return node.op_type() == op_type && node.domain().empty();
}

bool IsQonnxOp(const Node& node, const char* op_type) {
  return node.op_type() == op_type && CanonicalDomain(node.domain()) == kQonnxDomain;
}

// Index of the single constant input of a binary node (Add/Mul), or -1.
int ConstantOperand(const Node& node) {
  if (node.num_inputs() != 2 || node.input(0) == nullptr || node.input(1) == nullptr) return -1;
  const bool c0 = ConstantData(node.input(0)) != nullptr;
  const bool c1 = ConstantData(node.input(1)) != nullptr;
  if (c0 == c1) return -1;
  return c1 ? 1 : 0;
}

// Rows of a probe-shaped tensor (see MakeProbe).
std::vector<std::vector<float>> ProbeRows(const Tensor& t, int64_t rank, const ChannelParam& ch,
                                          int64_t samples) {
  const int64_t channels = ch.axis < 0 ? 1 : ch.channels;
  std::vector<std::vector<float>> rows(channels, std::vector<float>(samples));
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t m = 0; m < samples; ++m) {
      rows[c][m] = static_cast<float>(t.GetDouble(ProbeIndex(rank, ch, samples, c, m)));
    }
  }
  return rows;
}

// The levels of a quantizer's output: its kernel run on k * scale for every integer level k.
absl::StatusOr<std::optional<KnownLevels>> QuantizerLevels(const Node& quant, int64_t rank,
                                                           const Model& model, int64_t max_levels,
                                                           std::string* why_not) {
  std::optional<QuantizerParams> p = ReadQuantizerParams(quant, why_not);
  if (!p) return std::nullopt;
  if (p->zeropt != nullptr && !AllElementsEqual(*p->zeropt, 0.0)) {
    *why_not = absl::StrCat(quant.Describe(), " has a nonzero zero point");
    return std::nullopt;
  }
  std::vector<int64_t> ks;
  if (p->bipolar()) {
    ks = {-1, 1};
  } else {
    if (p->hi - p->lo + 1 > max_levels) {
      *why_not = absl::StrCat(quant.Describe(), " has ", p->hi - p->lo + 1, " levels (more than ",
                              max_levels, ")");
      return std::nullopt;
    }
    for (int64_t k = p->lo; k <= p->hi; ++k) ks.push_back(k);
  }
  std::optional<ChannelParam> ch = ChannelOfParam(*p->scale, rank);
  std::optional<ChannelParam> zch =
      p->zeropt != nullptr ? ChannelOfParam(*p->zeropt, rank) : ChannelParam{};
  if (ch && zch) ch = CombineChannels(*ch, *zch);
  if (!ch) {
    *why_not = absl::StrCat(quant.Describe(), " has a scale or zero point that varies along ",
                            "several axes");
    return std::nullopt;
  }
  const int64_t channels = ch->axis < 0 ? 1 : ch->channels;
  std::vector<std::vector<float>> x(channels);
  for (int64_t c = 0; c < channels; ++c) {
    const float s = static_cast<float>(ChannelValue(*p->scale, c));
    for (int64_t k : ks) x[c].push_back(static_cast<float>(k) * s);
  }
  Tensor probe = MakeProbe(x, rank, *ch);
  std::vector<const Tensor*> inputs = {&probe};
  for (int i = 1; i < quant.num_inputs(); ++i) inputs.push_back(ConstantData(quant.input(i)));
  ASSIGN_OR_RETURN(std::vector<Tensor> out, EvaluateNode(quant, inputs, model));
  KnownLevels levels;
  levels.rank = rank;
  levels.channels = *ch;
  levels.values = ProbeRows(out.at(0), rank, *ch, static_cast<int64_t>(ks.size()));
  // Every level must have been reached exactly once (so no level of the quantizer is missing).
  for (const std::vector<float>& row : levels.values) {
    for (size_t m = 1; m < row.size(); ++m) {
      if (!(row[m - 1] < row[m])) {
        *why_not =
            absl::StrCat(quant.Describe(), ": its output levels are not distinct in float32");
        return std::nullopt;
      }
    }
  }
  return levels;
}

// The levels of MultiThreshold [-> Add] [-> Mul] ending in `value`.
absl::StatusOr<std::optional<KnownLevels>> ThresholdChainLevels(const Value& value, int64_t rank,
                                                                const Model& model,
                                                                int64_t max_levels,
                                                                std::string* why_not) {
  std::vector<const Node*> tail;  // Mul, then Add, outermost first
  const Node* node = value.producer();
  for (const char* op : {"Mul", "Add"}) {
    if (node != nullptr && IsDefaultOp(*node, op) && ConstantOperand(*node) >= 0) {
      tail.push_back(node);
      node = node->input(1 - ConstantOperand(*node))->producer();
    }
  }
  if (node == nullptr || !IsQonnxOp(*node, "MultiThreshold") || node->num_inputs() != 2) {
    *why_not = absl::StrCat("'", value.name(), "' is not the output of a quantizer");
    return std::nullopt;
  }
  const Node& mt = *node;
  const Tensor* t = ConstantData(mt.input(1));
  if (t == nullptr || t->rank() != 2 || t->dim(1) + 1 > max_levels) {
    *why_not = absl::StrCat(mt.Describe(), " has no constant [C, N] thresholds with N < ",
                            max_levels);
    return std::nullopt;
  }
  const int64_t axis = ThresholdChannelAxis(mt.GetString("data_layout", ""), rank);
  std::optional<ChannelParam> ch =
      t->dim(0) == 1 ? ChannelParam{} : ChannelParam{axis, t->dim(0)};
  for (const Node* n : tail) {
    std::optional<ChannelParam> op = ChannelOfParam(*ConstantData(n->input(ConstantOperand(*n))),
                                                    rank);
    ch = op && ch ? CombineChannels(*ch, *op) : std::nullopt;
  }
  if (!ch) {
    *why_not = absl::StrCat(mt.Describe(), " and the Add/Mul after it vary along different axes");
    return std::nullopt;
  }
  // Probe every count: -inf (count 0 unless a threshold is -inf) and each threshold.
  const int64_t channels = ch->axis < 0 ? 1 : ch->channels;
  std::vector<std::vector<float>> x(channels);
  for (int64_t c = 0; c < channels; ++c) {
    const int64_t row = t->dim(0) == 1 ? 0 : c;
    x[c].push_back(-kInf);
    for (int64_t j = 0; j < t->dim(1); ++j) {
      const float v = static_cast<float>(t->GetDouble(row * t->dim(1) + j));
      if (!std::isnan(v)) x[c].push_back(v);
    }
    std::sort(x[c].begin(), x[c].end());
  }
  std::vector<std::vector<float>> padded = x;
  size_t width = 0;
  for (const auto& r : padded) width = std::max(width, r.size());
  for (auto& r : padded) r.resize(width, r.back());
  Tensor probe = MakeProbe(padded, rank, *ch);
  ASSIGN_OR_RETURN(Tensor out, EvaluateOnProbe(mt, 0, probe, model));
  for (auto it = tail.rbegin(); it != tail.rend(); ++it) {
    const Node& n = **it;
    ASSIGN_OR_RETURN(out, EvaluateOnProbe(n, 1 - ConstantOperand(n), out, model));
  }
  if (out.dims() != probe.dims()) {
    *why_not = absl::StrCat(mt.Describe(), ": the Add/Mul after it broadcast to another shape");
    return std::nullopt;
  }
  KnownLevels levels;
  levels.rank = rank;
  levels.channels = *ch;
  levels.values = ProbeRows(out, rank, *ch, static_cast<int64_t>(width));
  for (std::vector<float>& row : levels.values) {
    for (float v : row) {
      if (std::isnan(v)) {
        *why_not = absl::StrCat(mt.Describe(), ": the chain after it produces NaN");
        return std::nullopt;
      }
    }
    std::sort(row.begin(), row.end());
    row.erase(std::unique(row.begin(), row.end()), row.end());
  }
  return levels;
}

}  // namespace

absl::Status RemoveUnusedConstants(Graph& graph, const std::vector<Value*>& values) {
  std::vector<Value*> unique = values;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  for (Value* v : unique) {
    if (v == nullptr || v->graph() != &graph || !v->is_initializer() || v->is_graph_input() ||
        !IsUnused(*v)) {
      continue;
    }
    RETURN_IF_ERROR(graph.RemoveValue(v));
  }
  return absl::OkStatus();
}

bool IsQuantizer(const Node& node) {
  return IsQonnxOp(node, "Quant") || IsQonnxOp(node, "IntQuant") ||
         IsQonnxOp(node, "BipolarQuant");
}

DataType QuantizerParams::IntegerType() const {
  if (bipolar()) return DataType::Bipolar();
  if (!is_signed && bit_width == 1) return DataType::Binary();
  return is_signed ? DataType::Int(static_cast<int>(bit_width))
                   : DataType::UInt(static_cast<int>(bit_width));
}

std::optional<QuantizerParams> ReadQuantizerParams(const Node& node, std::string* why_not) {
  if (!IsQuantizer(node)) {
    *why_not = absl::StrCat(node.Describe(), " is not a quantizer");
    return std::nullopt;
  }
  QuantizerParams p;
  p.bipolar_op = node.op_type() == "BipolarQuant";
  const int n_in = p.bipolar_op ? 2 : 4;
  if (node.num_inputs() != n_in || node.num_outputs() != 1) {
    *why_not = absl::StrCat(node.Describe(), " has ", node.num_inputs(), " inputs");
    return std::nullopt;
  }
  p.scale = ConstantData(node.input(1));
  if (!p.bipolar_op) {
    p.zeropt = ConstantData(node.input(2));
    p.bits = ConstantData(node.input(3));
  }
  if (p.scale == nullptr || (!p.bipolar_op && (p.zeropt == nullptr || p.bits == nullptr))) {
    *why_not = absl::StrCat(node.Describe(), ": scale, zero point or bit width is not a constant");
    return std::nullopt;
  }
  for (int64_t i = 0; i < p.scale->size(); ++i) {
    const double s = p.scale->GetDouble(i);
    if (!(s > 0) || !std::isfinite(s)) {
      *why_not = absl::StrCat(node.Describe(), " has a scale that is not positive and finite (",
                              s, ")");
      return std::nullopt;
    }
  }
  if (p.bipolar_op) {
    p.bit_width = 1;
    p.lo = -1;
    p.hi = 1;
    return p;
  }
  const double b = p.bits->size() == 1 ? p.bits->GetDouble(0) : -1;
  if (b != std::floor(b) || b < 1 || b > 32) {
    *why_not = absl::StrCat(node.Describe(), " has a bit width that is not an integer in [1, 32]");
    return std::nullopt;
  }
  p.bit_width = static_cast<int64_t>(b);
  p.is_signed = node.GetInt("signed", 1) != 0;
  p.narrow = node.GetInt("narrow", 0) != 0;
  absl::StatusOr<RoundingMode> mode = ParseRoundingMode(node.GetString("rounding_mode", "ROUND"));
  if (!mode.ok()) {
    *why_not = absl::StrCat(node.Describe(), ": ", mode.status().message());
    return std::nullopt;
  }
  p.mode = *mode;
  if (p.bipolar()) {
    p.lo = -1;
    p.hi = 1;
  } else {
    const auto [lo, hi] = QuantIntRange<double>(p.is_signed, p.narrow, b);
    p.lo = static_cast<int64_t>(lo);
    p.hi = static_cast<int64_t>(hi);
  }
  return p;
}

std::optional<ChannelParam> ChannelOfParam(const Tensor& param, int64_t rank) {
  if (param.rank() > rank) {
    // Leading dims of 1 beyond the data's rank change nothing but the output rank: refuse them.
    return std::nullopt;
  }
  ChannelParam ch;
  for (int64_t i = 0; i < param.rank(); ++i) {
    const int64_t d = param.dim(i);
    if (d == 1) continue;
    if (d == 0 || ch.axis >= 0) return std::nullopt;
    ch.axis = rank - param.rank() + i;
    ch.channels = d;
  }
  return ch;
}

std::optional<ChannelParam> CombineChannels(const ChannelParam& a, const ChannelParam& b) {
  if (a.axis < 0) return b;
  if (b.axis < 0) return a;
  if (a.axis == b.axis && a.channels == b.channels) return a;
  return std::nullopt;
}

double ChannelValue(const Tensor& param, int64_t c) {
  return param.size() == 1 ? param.GetDouble(0) : param.GetDouble(c);
}

std::string ThresholdLayout(int64_t rank, int64_t axis) {
  if (axis < 0) axis = 1;
  // Letters other than C: N first, then spatial names ending in ...DHW.
  const std::string spatial = "ABEFGIJKLMOPQRSTUVXYZDHW";
  std::string others = "N";
  const int64_t n_spatial = std::max<int64_t>(rank - 2, 0);
  if (n_spatial <= static_cast<int64_t>(spatial.size())) {
    others += spatial.substr(spatial.size() - n_spatial);
  }
  others.resize(std::max<int64_t>(rank - 1, 0), 'X');
  std::string layout = others;
  layout.insert(layout.begin() + std::min<int64_t>(axis, layout.size()), 'C');
  return layout;
}

Tensor ChannelTensor(const std::vector<double>& per_channel, int64_t rank, int64_t axis) {
  const bool uniform =
      std::all_of(per_channel.begin(), per_channel.end(),
                  [&](double v) { return v == per_channel.front(); });
  if (uniform || axis < 0) return Tensor::Scalar<float>(static_cast<float>(per_channel.front()));
  Dims dims(rank, 1);
  dims[axis] = static_cast<int64_t>(per_channel.size());
  Tensor t(ElementType::kFloat, dims);
  for (size_t i = 0; i < per_channel.size(); ++i) {
    t.data<float>()[i] = static_cast<float>(per_channel[i]);
  }
  return t;
}

Tensor MakeProbe(const std::vector<std::vector<float>>& values, int64_t rank,
                 const ChannelParam& ch) {
  const int64_t channels = ch.axis < 0 ? 1 : ch.channels;
  const int64_t samples = values.empty() ? 0 : static_cast<int64_t>(values[0].size());
  Dims dims(rank, 1);
  const int64_t sample_axis = ch.axis == 0 ? 1 : 0;
  dims[sample_axis] = samples;
  if (ch.axis >= 0) dims[ch.axis] = channels;
  Tensor t(ElementType::kFloat, dims);
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t m = 0; m < samples; ++m) {
      t.data<float>()[ProbeIndex(rank, ch, samples, c, m)] = values[c][m];
    }
  }
  return t;
}

int64_t ProbeIndex(int64_t rank, const ChannelParam& ch, int64_t samples, int64_t c, int64_t m) {
  (void)rank;
  if (ch.axis < 0) return m;
  const int64_t sample_axis = ch.axis == 0 ? 1 : 0;
  return sample_axis < ch.axis ? m * ch.channels + c : c * samples + m;
}

absl::StatusOr<Tensor> EvaluateChain(const ThresholdChain& chain, const Tensor& input,
                                     const Model& model) {
  Graph scratch("threshold_chain");
  ASSIGN_OR_RETURN(Value * v, scratch.AddInitializer("v", input));
  ASSIGN_OR_RETURN(Value * t, scratch.AddInitializer("thresholds", chain.thresholds));
  ASSIGN_OR_RETURN(Node * mt, scratch.AddNodeWithNewOutputs("MultiThreshold", kQonnxDomain, "mt",
                                                            {v, t}, {"out"}));
  mt->SetAttr("out_dtype", Attribute::String(chain.count_type.Name()));
  mt->SetAttr("out_scale", Attribute::Float(chain.out_scale));
  mt->SetAttr("out_bias", Attribute::Float(chain.out_bias));
  mt->SetAttr("data_layout", Attribute::String(chain.layout));
  const Tensor* ins[] = {v->initializer(), t->initializer()};
  ASSIGN_OR_RETURN(std::vector<Tensor> out, EvaluateNode(*mt, ins, model));
  Tensor y = std::move(out.at(0));
  if (chain.bias) {
    ASSIGN_OR_RETURN(y, EvaluateOp(model, "Add", {y, *chain.bias}));
  }
  if (chain.scale) {
    ASSIGN_OR_RETURN(y, EvaluateOp(model, "Mul", {y, *chain.scale}));
  }
  return y;
}

absl::StatusOr<Tensor> EvaluateOnProbe(const Node& node, int runtime_index, const Tensor& probe,
                                       const Model& model) {
  std::vector<const Tensor*> inputs;
  for (int i = 0; i < node.num_inputs(); ++i) {
    inputs.push_back(i == runtime_index ? &probe : ConstantData(node.input(i)));
  }
  ASSIGN_OR_RETURN(std::vector<Tensor> out, EvaluateNode(node, inputs, model));
  return std::move(out.at(0));
}

bool SameValues(const Tensor& a, const Tensor& b, std::string* where) {
  if (a.dims() != b.dims()) {
    *where = absl::StrCat("shape ", DimsToString(b.dims()), " instead of ",
                          DimsToString(a.dims()));
    return false;
  }
  for (int64_t i = 0; i < a.size(); ++i) {
    const double x = a.GetDouble(i), y = b.GetDouble(i);
    if (x == y || (std::isnan(x) && std::isnan(y))) continue;
    *where = absl::StrCat("element ", i, ": ", y, " instead of ", x);
    return false;
  }
  return true;
}

absl::StatusOr<Value*> InsertChain(Graph& graph, const Node& replaced, Value* input,
                                   ThresholdChain chain) {
  const std::string base = replaced.name().empty() ? "quant" : replaced.name();
  ASSIGN_OR_RETURN(Value * t,
                   AddConstant(graph, base + "_thresholds", std::move(chain.thresholds)));
  ASSIGN_OR_RETURN(Node * mt,
                   AddReplacementNode(graph, replaced, "MultiThreshold", "multithreshold",
                                      {input, t}));
  mt->set_domain(kQonnxDomain);
  mt->SetAttr("out_dtype", Attribute::String(chain.count_type.Name()));
  if (chain.out_scale != 1.0f) mt->SetAttr("out_scale", Attribute::Float(chain.out_scale));
  if (chain.out_bias != 0.0f) mt->SetAttr("out_bias", Attribute::Float(chain.out_bias));
  mt->SetAttr("data_layout", Attribute::String(chain.layout));
  Value* out = mt->output(0);
  if (chain.bias) {
    const std::vector<double> b = chain.bias->ToDoubles();
    const auto [lo, hi] = std::minmax_element(b.begin(), b.end());
    ASSIGN_OR_RETURN(Value * bias, AddConstant(graph, base + "_bias", std::move(*chain.bias)));
    const DataType holding = DataType::SmallestHolding(*lo, *hi);
    if (holding.IsInteger()) {
      bias->type().dtype = holding;
      bias->type().dtype_annotated = true;
    }
    ASSIGN_OR_RETURN(Node * add, AddReplacementNode(graph, replaced, "Add", "bias", {out, bias}));
    out = add->output(0);
  }
  if (chain.scale) {
    ASSIGN_OR_RETURN(Value * scale, AddConstant(graph, base + "_scale", std::move(*chain.scale)));
    ASSIGN_OR_RETURN(Node * mul,
                     AddReplacementNode(graph, replaced, "Mul", "scale", {out, scale}));
    out = mul->output(0);
  }
  return out;
}

absl::StatusOr<std::optional<KnownLevels>> LevelsOf(const Value& value, const Model& model,
                                                    int64_t max_levels, std::string* why_not) {
  if (!value.type().shape) {
    *why_not = absl::StrCat("'", value.name(), "' has an unknown rank");
    return std::nullopt;
  }
  const int64_t rank = static_cast<int64_t>(value.type().shape->size());
  if (rank < 2) {
    *why_not = absl::StrCat("'", value.name(), "' has rank ", rank,
                            " (MultiThreshold needs a channel axis)");
    return std::nullopt;
  }
  const Node* producer = value.producer();
  if (producer == nullptr) {
    *why_not = absl::StrCat("'", value.name(), "' is not computed by a quantizer");
    return std::nullopt;
  }
  if (IsQuantizer(*producer)) {
    return QuantizerLevels(*producer, rank, model, max_levels, why_not);
  }
  return ThresholdChainLevels(value, rank, model, max_levels, why_not);
}

std::vector<std::vector<float>> LevelRows(const KnownLevels& levels, const ChannelParam& ch) {
  const int64_t channels = ch.axis < 0 ? 1 : ch.channels;
  std::vector<std::vector<float>> rows;
  for (int64_t c = 0; c < channels; ++c) {
    rows.push_back(levels.values.size() == 1 ? levels.values[0] : levels.values.at(c));
  }
  size_t width = 0;
  for (const auto& r : rows) width = std::max(width, r.size());
  for (auto& r : rows) r.resize(width, r.back());
  return rows;
}

std::optional<ThresholdChain> ChainFromLevelTable(const std::vector<std::vector<float>>& rows,
                                                  int64_t rank, const ChannelParam& ch,
                                                  const Tensor& outputs, const Tensor& unit,
                                                  std::string* why_not) {
  const int64_t channels = static_cast<int64_t>(rows.size());
  const int64_t samples = channels == 0 ? 0 : static_cast<int64_t>(rows[0].size());
  std::vector<std::vector<float>> thresholds(channels);
  std::vector<double> bias(channels);
  float top = -kInf;
  size_t steps = 0;
  for (int64_t c = 0; c < channels; ++c) {
    const double u = ChannelValue(unit, c);
    std::vector<double> level(samples);
    for (int64_t m = 0; m < samples; ++m) {
      const double q = outputs.GetDouble(ProbeIndex(rank, ch, samples, c, m));
      const double l = std::nearbyint(q / u);
      if (!std::isfinite(q) || std::fabs(q / u - l) > 1e-3) {
        *why_not = absl::StrCat("output ", q, " is not an integer multiple of the scale ", u);
        return std::nullopt;
      }
      if (m > 0 && l < level[m - 1]) {
        *why_not = absl::StrCat("the output decreases (level ", level[m - 1], " at input ",
                                rows[c][m - 1], ", level ", l, " at input ", rows[c][m],
                                "): not monotone");
        return std::nullopt;
      }
      level[m] = l;
    }
    bias[c] = level[0];
    for (int64_t m = 1; m < samples; ++m) {
      // Every output step reached at this input level gets a threshold here.
      for (double l = level[m - 1]; l < level[m]; l += 1) thresholds[c].push_back(rows[c][m]);
    }
    steps = std::max(steps, thresholds[c].size());
    top = std::max(top, rows[c].back());
  }
  if (steps == 0) {
    *why_not = "the output is constant";
    return std::nullopt;
  }
  // Rows with fewer steps are padded with a threshold above every input level: never reached.
  const float pad = std::nextafter(top, kInf);
  bool shared = true;
  for (auto& row : thresholds) {
    row.resize(steps, pad);
    shared = shared && row == thresholds[0];
  }
  ThresholdChain chain;
  const int64_t t_rows = shared ? 1 : channels;
  chain.thresholds = Tensor(ElementType::kFloat, {t_rows, static_cast<int64_t>(steps)});
  for (int64_t r = 0; r < t_rows; ++r) {
    std::copy(thresholds[r].begin(), thresholds[r].end(),
              chain.thresholds.data<float>() + r * static_cast<int64_t>(steps));
  }
  chain.count_type = DataType::SmallestHolding(0, static_cast<double>(steps));
  chain.layout = ThresholdLayout(rank, ch.axis);
  if (!std::all_of(bias.begin(), bias.end(), [](double b) { return b == 0; })) {
    chain.bias = ChannelTensor(bias, rank, ch.axis);
  }
  if (!AllElementsEqual(unit, 1.0)) chain.scale = unit.CastTo(ElementType::kFloat);
  return chain;
}

std::optional<ChannelParam> PathChannels(const KnownLevels& levels,
                                         const std::vector<const Node*>& path, const Value& data) {
  std::optional<ChannelParam> ch = levels.channels;
  for (const Node* node : path) {
    for (int i = 1; i < node->num_inputs() && ch; ++i) {
      const Tensor* c = ConstantData(node->input(i));
      if (c == nullptr) continue;
      std::optional<ChannelParam> p = ChannelOfParam(*c, levels.rank);
      ch = p ? CombineChannels(*ch, *p) : std::nullopt;
    }
  }
  if (ch && ch->axis >= 0) {
    const std::optional<Shape>& shape = data.type().shape;
    if (!shape || static_cast<int64_t>(shape->size()) != levels.rank ||
        !(*shape)[ch->axis].known() || (*shape)[ch->axis].value != ch->channels) {
      return std::nullopt;
    }
  }
  return ch;
}

absl::StatusOr<std::optional<ThresholdChain>> ChainOverLevels(const KnownLevels& levels,
                                                              const ChannelParam& ch,
                                                              const std::vector<const Node*>& path,
                                                              const Tensor& unit,
                                                              const Model& model,
                                                              std::string* why_not) {
  const std::vector<std::vector<float>> rows = LevelRows(levels, ch);
  const Tensor probe = MakeProbe(rows, levels.rank, ch);
  Tensor out = probe;
  for (const Node* node : path) {
    ASSIGN_OR_RETURN(out, EvaluateOnProbe(*node, 0, out, model));
  }
  if (out.dims() != probe.dims()) {
    *why_not = "the path broadcasts its input to another shape";
    return std::nullopt;
  }
  std::optional<ThresholdChain> chain =
      ChainFromLevelTable(rows, levels.rank, ch, out, unit, why_not);
  if (!chain) return std::nullopt;
  ASSIGN_OR_RETURN(Tensor got, EvaluateChain(*chain, probe, model));
  std::string where;
  if (!SameValues(out, got, &where)) {
    *why_not = absl::StrCat("the thresholds do not reproduce it exactly (", where, ")");
    return std::nullopt;
  }
  return chain;
}

}  // namespace finngl
