// Tests of the QONNX -> FINN-ONNX conversion passes: fold-quant-weights,
// quant-act-to-multithreshold, activation-to-multithreshold and trunc-to-multithreshold.
//
// Each conversion is checked for the structure it produces and for equivalence through the
// executor: ExpectEquivalent on random inputs, and, because a threshold one ulp off only shows on
// the exact input that sits on a quantizer tie, on inputs placed on every level k*s, on every tie
// (k + 0.5)*s (computed in float and in double) and on their float neighbours, plus +-0, +-inf
// and the largest floats. Every one of those must match bit for bit.
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx/defs/parser.h"
#include "src/exec/executor.h"
#include "src/onnx/importer.h"
#include "src/ops/infer.h"
#include "src/ops/rounding.h"
#include "src/passes/pass_manager.h"
#include "src/passes/quant_act_to_multithreshold.h"
#include "tests/cpp/equivalence.h"
#include "tests/cpp/parse_model.h"

namespace finngl {
namespace {

using testing::ParseModel;
using testing::OpTypes;

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ExpectEquivalent;

constexpr int kSamples = 8;
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr char kQ[] = "qonnx.custom_op.general";

std::string Header(int qonnx_opset = 1) {
  return absl::StrCat(R"(<ir_version: 8, opset_import: ["" : 17, "qonnx.custom_op.general" : )",
                      qonnx_opset, "]>\n");
}


absl::StatusOr<bool> RunPasses(Model& model, const std::vector<std::string>& names,
                               PassContext& ctx) {
  return PassManager().RunPasses(model, names, ctx);
}

void Annotate(Model& model, const std::string& tensor, DataType dtype) {
  Value* v = model.graph->FindValue(tensor);
  ASSERT_NE(v, nullptr) << tensor;
  v->type().dtype = dtype;
  v->type().dtype_annotated = true;
  ASSERT_TRUE(InferModelTypes(model).ok());
}

int Count(const Graph& g, const std::string& op) {
  int n = 0;
  for (const Node* node : g.nodes()) n += node->op_type() == op;
  return n;
}

Node* FindOp(const Graph& g, const std::string& op) {
  for (Node* node : g.nodes()) {
    if (node->op_type() == op) return node;
  }
  return nullptr;
}

std::string F(double v) { return absl::StrFormat("%.9g", v); }
std::string List(const std::vector<double>& v) {
  std::vector<std::string> s;
  for (double x : v) s.push_back(F(x));
  return absl::StrCat("{", absl::StrJoin(s, ", "), "}");
}

// Deterministic weight-like values in about [-1.1, 1.1].
std::vector<double> Pseudo(int n, int seed) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back((((i + seed) * 37 + seed * 11) % 23 - 11) * 0.1);
  return v;
}

// ============================================================================ quantizer text

struct QuantSpec {
  int bits = 4;
  bool is_signed = true;
  bool narrow = false;
  std::vector<double> scale = {0.25};
  std::string scale_dims;  // "" for a scalar, else e.g. "1, 3, 1, 1"
  std::string mode = "ROUND";
  double zeropt = 0;

  int64_t lo() const {
    if (is_signed && bits == 1) return -1;
    return static_cast<int64_t>(QuantIntRange<double>(is_signed, narrow, bits).first);
  }
  int64_t hi() const {
    if (is_signed && bits == 1) return 1;
    return static_cast<int64_t>(QuantIntRange<double>(is_signed, narrow, bits).second);
  }
  double ScaleOf(int64_t c) const { return scale.size() == 1 ? scale[0] : scale.at(c); }
};

std::string Tensor1(const std::string& name, const std::string& dims,
                    const std::vector<double>& v) {
  return absl::StrCat("float", dims.empty() ? "" : absl::StrCat("[", dims, "]"), " ", name, " = ",
                      List(v));
}

// Initializers p_s, p_z, p_b of a Quant named p.
std::string QuantInits(const std::string& p, const QuantSpec& q) {
  return absl::StrCat(Tensor1(p + "_s", q.scale_dims, q.scale), ", float ", p, "_z = {",
                      F(q.zeropt), "}, float ", p, "_b = {", q.bits, "}");
}
std::string QuantCall(const std::string& out, const std::string& in, const std::string& p,
                      const QuantSpec& q) {
  return absl::StrCat(out, " = qonnx.custom_op.general.Quant <signed = ", q.is_signed ? 1 : 0,
                      ", narrow = ", q.narrow ? 1 : 0, ", rounding_mode = \"", q.mode, "\"> (",
                      in, ", ", p, "_s, ", p, "_z, ", p, "_b)\n");
}

// ============================================================================ inputs and runs

// Inputs on and around every step of a quantizer with scale s and levels lo..hi.
std::vector<float> TieValues(double s, int64_t lo, int64_t hi) {
  std::vector<float> v;
  auto add = [&](float x) {
    v.push_back(x);
    v.push_back(std::nextafter(x, kInf));
    v.push_back(std::nextafter(x, -kInf));
  };
  for (int64_t k = lo - 2; k <= hi + 2; ++k) {
    add(static_cast<float>(k * s));
    add(static_cast<float>((k + 0.5) * s));
    add((static_cast<float>(k) + 0.5f) * static_cast<float>(s));
  }
  for (float x : {0.0f, -0.0f, kInf, -kInf, std::numeric_limits<float>::max(),
                  -std::numeric_limits<float>::max(), std::numeric_limits<float>::denorm_min(),
                  -std::numeric_limits<float>::denorm_min()}) {
    v.push_back(x);
  }
  return v;
}

// A [M, C, 1, ...] tensor of rank `rank` whose channel c holds per_channel[c] (padded by
// repeating the first value).
Tensor ChannelInput(const std::vector<std::vector<float>>& per_channel, int64_t rank) {
  const int64_t c_count = static_cast<int64_t>(per_channel.size());
  size_t m_count = 0;
  for (const auto& v : per_channel) m_count = std::max(m_count, v.size());
  Dims dims(rank, 1);
  dims[0] = static_cast<int64_t>(m_count);
  dims[1] = c_count;
  Tensor t(ElementType::kFloat, dims);
  for (size_t m = 0; m < m_count; ++m) {
    for (int64_t c = 0; c < c_count; ++c) {
      const auto& v = per_channel[c];
      t.data<float>()[m * c_count + c] = m < v.size() ? v[m] : v[0];
    }
  }
  return t;
}

// Tie values of a quantizer for each of `channels` channels.
Tensor TieInput(const QuantSpec& q, int64_t channels, int64_t rank) {
  std::vector<std::vector<float>> per_channel;
  for (int64_t c = 0; c < channels; ++c) {
    per_channel.push_back(TieValues(q.ScaleOf(c), q.lo(), q.hi()));
  }
  return ChannelInput(per_channel, rank);
}

// Number of output elements (over all outputs) where `after` differs from `before` on `inputs`;
// NaN equals NaN and -0 equals 0. `first` describes the first difference.
int Mismatches(const Model& before, const Model& after, const std::vector<Tensor>& inputs,
               std::string* first) {
  auto a = Executor::Create(before);
  auto b = Executor::Create(after);
  EXPECT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(b.ok()) << b.status();
  if (!a.ok() || !b.ok()) return -1;
  auto want = (*a)->Run(inputs);
  auto got = (*b)->Run(inputs);
  EXPECT_TRUE(want.ok()) << want.status();
  EXPECT_TRUE(got.ok()) << got.status();
  if (!want.ok() || !got.ok()) return -1;
  int n = 0;
  for (size_t o = 0; o < want->size(); ++o) {
    const Tensor& w = (*want)[o];
    const Tensor& g = (*got)[o];
    EXPECT_EQ(w.dims(), g.dims());
    if (w.dims() != g.dims()) return -1;
    for (int64_t i = 0; i < w.size(); ++i) {
      const double x = w.GetDouble(i), y = g.GetDouble(i);
      if (x == y || (std::isnan(x) && std::isnan(y))) continue;
      if (n++ == 0) {
        *first = absl::StrCat("output ", o, " element ", i, ": ", y, " instead of ", x,
                              " (input ", inputs[0].GetDouble(i % inputs[0].size()), ")");
      }
    }
  }
  return n;
}

void ExpectNoMismatch(const Model& before, const Model& after, const std::vector<Tensor>& inputs) {
  std::string first;
  const int n = Mismatches(before, after, inputs, &first);
  EXPECT_EQ(n, 0) << first;
}

// ============================================================================ quant-act

// x [N, 4] -> Quant -> y.
std::string ActModel(const QuantSpec& q, const std::string& x_dims = "N, 4") {
  return absl::StrCat(Header(), "g (float[", x_dims, "] x) => (float[", x_dims, "] y) <",
                      QuantInits("q", q), "> {\n", QuantCall("y", "x", "q", q), "}");
}

struct ActCase {
  int bits;
  bool is_signed;
  bool narrow;
  double scale;
  std::string mode;
};

TEST(QuantActToMultiThresholdTest, EveryRangeScaleAndRoundingModeIsExactOnTies) {
  std::vector<ActCase> cases;
  for (int bits : {1, 2, 3, 4, 8}) {
    for (bool is_signed : {false, true}) {
      for (bool narrow : {false, true}) {
        if (bits == 1 && narrow) continue;  // unsigned: a constant; signed: bipolar, tested below
        for (double scale : {0.25, 0.1, 0.0371, 3.0, 1.0}) {
          cases.push_back({bits, is_signed, narrow, scale, "ROUND"});
        }
      }
    }
  }
  for (const char* mode : {"HALF_EVEN", "HALF_UP", "HALF_DOWN", "FLOOR", "CEIL", "UP", "DOWN"}) {
    for (double scale : {0.25, 0.1}) {
      cases.push_back({3, true, false, scale, mode});
      cases.push_back({4, false, false, scale, mode});
    }
  }
  for (const ActCase& c : cases) {
    QuantSpec q;
    q.bits = c.bits;
    q.is_signed = c.is_signed;
    q.narrow = c.narrow;
    q.scale = {c.scale};
    q.mode = c.mode;
    SCOPED_TRACE(absl::StrCat("bits ", c.bits, " signed ", c.is_signed, " narrow ", c.narrow,
                              " scale ", c.scale, " mode ", c.mode));
    auto model = ParseModel(ActModel(q));
    ASSERT_NE(model, nullptr);
    auto before = model->Clone();
    PassContext ctx;
    auto changed = RunPasses(*model, {"quant-act-to-multithreshold"}, ctx);
    ASSERT_TRUE(changed.ok()) << changed.status();
    ASSERT_TRUE(*changed) << absl::StrJoin(ctx.warnings, "\n");
    const Graph& g = *model->graph;
    EXPECT_EQ(Count(g, "Quant"), 0);
    Node* mt = FindOp(g, "MultiThreshold");
    ASSERT_NE(mt, nullptr);
    EXPECT_EQ(mt->input(0)->name(), "x");
    EXPECT_EQ(mt->GetString("data_layout", ""), "NC");
    const Tensor* t = mt->input(1)->initializer();
    ASSERT_NE(t, nullptr);
    const bool bipolar = c.bits == 1 && c.is_signed;
    EXPECT_EQ(t->dims(), (Dims{1, bipolar ? 1 : q.hi() - q.lo()}));
    EXPECT_EQ(Count(g, "Add"), !bipolar && q.lo() != 0 ? 1 : 0);
    EXPECT_EQ(Count(g, "Mul"), c.scale != 1.0 ? 1 : 0);
    EXPECT_EQ(model->graph->outputs()[0]->name(), "y");
    ExpectNoMismatch(*before, *model, {TieInput(q, 4, 2)});
    ExpectEquivalent(*before, *model, kSamples);
  }
}

TEST(QuantActToMultiThresholdTest, ThresholdsFollowHalfToEvenNotTheClosedForm) {
  // UINT4 with scale 0.25: x / s = 0.5 rounds to 0 and 1.5 rounds to 2 (half to even), so level 1
  // starts just above 0.125 and level 2 exactly at 0.375. FINN's (k + 0.5) * s would put both at
  // the tie and count 0.125 as level 1.
  QuantSpec q;
  q.is_signed = false;
  auto model = ParseModel(ActModel(q));
  ASSERT_NE(model, nullptr);
  PassContext ctx;
  ASSERT_TRUE(RunPasses(*model, {"quant-act-to-multithreshold"}, ctx).ok());
  Node* mt = FindOp(*model->graph, "MultiThreshold");
  ASSERT_NE(mt, nullptr);
  const Tensor* t = mt->input(1)->initializer();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->data<float>()[0], std::nextafter(0.125f, kInf));
  EXPECT_EQ(t->data<float>()[1], 0.375f);
  EXPECT_EQ(t->data<float>()[13], 3.375f);  // 13.5 rounds to 14 (even): level 14 at the tie
  EXPECT_EQ(t->data<float>()[14], std::nextafter(3.625f, kInf));  // 14.5 rounds to 14
  EXPECT_EQ(mt->GetString("out_dtype", ""), "UINT4");
}

TEST(QuantActToMultiThresholdTest, PerChannelScalesGiveThresholdRowsOnTheChannelAxis) {
  struct Layout {
    std::string x_dims, scale_dims, layout;
    int64_t rank, channels;
  };
  for (const Layout& l : {Layout{"N, 3, H, W", "1, 3, 1, 1", "NCHW", 4, 3},
                          Layout{"N, 3", "1, 3", "NC", 2, 3}, Layout{"N, 3", "3", "NC", 2, 3},
                          Layout{"N, 3, W", "1, 3, 1", "NCW", 3, 3}}) {
    SCOPED_TRACE(l.layout);
    QuantSpec q;
    q.bits = 4;
    q.scale = {0.1, 0.25, 0.0371};
    q.scale_dims = l.scale_dims;
    auto model = ParseModel(ActModel(q, l.x_dims));
    ASSERT_NE(model, nullptr);
    auto before = model->Clone();
    PassContext ctx;
    auto changed = RunPasses(*model, {"quant-act-to-multithreshold"}, ctx);
    ASSERT_TRUE(changed.ok()) << changed.status();
    ASSERT_TRUE(*changed) << absl::StrJoin(ctx.warnings, "\n");
    Node* mt = FindOp(*model->graph, "MultiThreshold");
    ASSERT_NE(mt, nullptr);
    EXPECT_EQ(mt->GetString("data_layout", ""), l.layout);
    EXPECT_EQ(mt->input(1)->initializer()->dims(), (Dims{3, 15}));
    ExpectNoMismatch(*before, *model, {TieInput(q, l.channels, l.rank)});
    ExpectEquivalent(*before, *model, kSamples);
  }
}

TEST(QuantActToMultiThresholdTest, ChannelsOnTheLastAxisGiveAChannelsLastLayout) {
  QuantSpec q;
  q.bits = 3;
  q.scale = {0.1, 0.2, 0.3};
  q.scale_dims = "3";
  auto model = ParseModel(ActModel(q, "N, 2, 3"));
  ASSERT_NE(model, nullptr);
  auto before = model->Clone();
  PassContext ctx;
  ASSERT_TRUE(*RunPasses(*model, {"quant-act-to-multithreshold"}, ctx));
  Node* mt = FindOp(*model->graph, "MultiThreshold");
  ASSERT_NE(mt, nullptr);
  EXPECT_EQ(mt->GetString("data_layout", ""), "NWC");
  // Channel c of the input [M, 2, 3]: values around channel c's steps, on both rows.
  std::vector<std::vector<float>> ch;
  for (int c = 0; c < 3; ++c) ch.push_back(TieValues(q.scale[c], q.lo(), q.hi()));
  const int64_t m = static_cast<int64_t>(ch[0].size());
  Tensor x(ElementType::kFloat, {m, 2, 3});
  for (int64_t i = 0; i < m; ++i) {
    for (int r = 0; r < 2; ++r) {
      for (int c = 0; c < 3; ++c) x.data<float>()[(i * 2 + r) * 3 + c] = ch[c][i];
    }
  }
  ExpectNoMismatch(*before, *model, {x});
  ExpectEquivalent(*before, *model, kSamples);
}

TEST(QuantActToMultiThresholdTest, ReluBeforeTheQuantIsFused) {
  for (bool is_signed : {false, true}) {
    SCOPED_TRACE(is_signed ? "signed" : "unsigned");
    QuantSpec q;
    q.is_signed = is_signed;
    q.scale = {0.1};
    auto model = ParseModel(absl::StrCat(Header(), "g (float[N, 4] x) => (float[N, 4] y) <",
                                    QuantInits("q", q), "> {\n r = Relu(x)\n",
                                    QuantCall("y", "r", "q", q), "}"));
    ASSERT_NE(model, nullptr);
    auto before = model->Clone();
    PassContext ctx;
    ASSERT_TRUE(*RunPasses(*model, {"quant-act-to-multithreshold"}, ctx));
    const Graph& g = *model->graph;
    EXPECT_EQ(Count(g, "Relu"), 0);
    Node* mt = FindOp(g, "MultiThreshold");
    ASSERT_NE(mt, nullptr);
    EXPECT_EQ(mt->input(0)->name(), "x");
    // Levels below 0 are never reached: no bias, only the positive levels.
    EXPECT_EQ(Count(g, "Add"), 0);
    EXPECT_EQ(mt->input(1)->initializer()->dim(1), is_signed ? 7 : 15);
    ExpectNoMismatch(*before, *model, {TieInput(q, 4, 2)});
    ExpectEquivalent(*before, *model, kSamples);
  }
}

TEST(QuantActToMultiThresholdTest, ReluWithAnotherReaderIsKept) {
  QuantSpec q;
  q.is_signed = false;
  auto model = ParseModel(absl::StrCat(Header(), "g (float[N, 4] x) => (float[N, 4] y, float[N, 4] r) <",
                                  QuantInits("q", q), "> {\n r = Relu(x)\n",
                                  QuantCall("y", "r", "q", q), "}"));
  ASSERT_NE(model, nullptr);
  auto before = model->Clone();
  PassContext ctx;
  ASSERT_TRUE(*RunPasses(*model, {"quant-act-to-multithreshold"}, ctx));
  EXPECT_EQ(Count(*model->graph, "Relu"), 1);
  EXPECT_EQ(FindOp(*model->graph, "MultiThreshold")->input(0)->name(), "r");
  ExpectNoMismatch(*before, *model, {TieInput(q, 4, 2)});
}

TEST(QuantActToMultiThresholdTest, BipolarQuantizersBecomeBipolarThresholds) {
  for (bool bipolar_op : {true, false}) {
    SCOPED_TRACE(bipolar_op ? "BipolarQuant" : "signed 1-bit Quant");
    QuantSpec q;
    q.bits = 1;
    q.scale = {0.5};
    const std::string node = bipolar_op ? "y = qonnx.custom_op.general.BipolarQuant (x, q_s)\n"
                                        : QuantCall("y", "x", "q", q);
    auto model = ParseModel(absl::StrCat(Header(), "g (float[N, 4] x) => (float[N, 4] y) <",
                                    QuantInits("q", q), "> {\n", node, "}"));
    ASSERT_NE(model, nullptr);
    auto before = model->Clone();
    PassContext ctx;
    ASSERT_TRUE(*RunPasses(*model, {"quant-act-to-multithreshold"}, ctx));
    Node* mt = FindOp(*model->graph, "MultiThreshold");
    ASSERT_NE(mt, nullptr);
    EXPECT_EQ(mt->GetString("out_dtype", ""), "BIPOLAR");
    EXPECT_EQ(mt->GetFloat("out_scale", 1), 2.0f);
    EXPECT_EQ(mt->GetFloat("out_bias", 0), -1.0f);
    EXPECT_EQ(Count(*model->graph, "Mul"), 1);
    // -0.0 and the tiniest negatives are exactly where BipolarQuant (x >= 0) and a 1-bit Quant
    // (x / s >= 0, which underflows to -0 for tiny x) switch.
    std::vector<float> v = TieValues(0.5, -2, 2);
    for (float x : {-1e-45f, -1e-40f, -1e-38f, 1e-45f, -0.0f, 0.0f}) v.push_back(x);
    ExpectNoMismatch(*before, *model, {ChannelInput({v, v, v, v}, 2)});
    ExpectEquivalent(*before, *model, kSamples);
  }
}

TEST(QuantActToMultiThresholdTest, ZeroPointTypesThatMakeQuantComputeInDoubleStayExact) {
  // An int8 zero point makes numpy (and the kernel) add it in float64: HALF_UP then rounds
  // |y| + 0.5 in double.
  QuantSpec q;
  q.mode = "HALF_UP";
  q.scale = {0.1};
  std::string text = ActModel(q);
  const std::string zp = "float q_z = {0}";
  text.replace(text.find(zp), zp.size(), "int8 q_z = {0}");
  auto model = ParseModel(text);
  ASSERT_NE(model, nullptr);
  auto before = model->Clone();
  PassContext ctx;
  ASSERT_TRUE(*RunPasses(*model, {"quant-act-to-multithreshold"}, ctx));
  ExpectNoMismatch(*before, *model, {TieInput(q, 4, 2)});
}

TEST(QuantActToMultiThresholdTest, BitWidthAboveTheLimitStaysWithAWarning) {
  QuantSpec q;
  q.bits = 9;
  q.scale = {0.01};
  auto model = ParseModel(ActModel(q));
  ASSERT_NE(model, nullptr);
  auto before = model->Clone();
  PassContext ctx;
  EXPECT_FALSE(*RunPasses(*model, {"quant-act-to-multithreshold"}, ctx));
  EXPECT_EQ(Count(*model->graph, "Quant"), 1);
  EXPECT_THAT(ctx.warnings, Contains(HasSubstr("bit width 9 is above the limit of 8 bits")));
  // The limit is a constructor option.
  PassContext ctx16;
  auto changed = QuantActToMultiThresholdPass(16).Run(*model, ctx16);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(FindOp(*model->graph, "MultiThreshold")->input(1)->initializer()->dim(1), 511);
  ExpectNoMismatch(*before, *model, {TieInput(q, 4, 2)});
}

TEST(QuantActToMultiThresholdTest, UnsupportedQuantizersStayWithAWarning) {
  struct Bad {
    std::string name;
    QuantSpec q;
    std::string x_dims;
    std::string warning;
  };
  std::vector<Bad> bad;
  {
    QuantSpec q;
    q.zeropt = 1;
    bad.push_back({"zero point", q, "N, 4", "nonzero zero point"});
  }
  {
    QuantSpec q;
    q.scale = {0.1, 0.2, 0.3, 0.4};
    q.scale_dims = "2, 2";
    bad.push_back({"two axes", q, "2, 2", "varies along several axes"});
  }
  {
    QuantSpec q;
    bad.push_back({"rank 1", q, "4", "has rank 1 (MultiThreshold needs a channel axis)"});
  }
  {
    QuantSpec q;
    q.scale = {-0.5};
    bad.push_back({"negative scale", q, "N, 4", "scale that is not positive"});
  }
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.name);
    auto model = ParseModel(ActModel(b.q, b.x_dims));
    ASSERT_NE(model, nullptr);
    PassContext ctx;
    auto changed = RunPasses(*model, {"quant-act-to-multithreshold"}, ctx);
    ASSERT_TRUE(changed.ok()) << changed.status();
    EXPECT_FALSE(*changed);
    EXPECT_EQ(Count(*model->graph, "Quant"), 1);
    ASSERT_EQ(ctx.warnings.size(), 1u);
    EXPECT_THAT(ctx.warnings[0], HasSubstr("(Quant)"));
    EXPECT_THAT(ctx.warnings[0], HasSubstr(b.warning));
    EXPECT_THAT(ctx.warnings[0], HasSubstr("left as a quantizer"));
  }
}

// ============================================================================ fold-quant-weights

void ExpectIntegerWeight(const Value* v, DataType dtype) {
  ASSERT_NE(v, nullptr);
  ASSERT_TRUE(v->is_initializer()) << v->name();
  EXPECT_EQ(v->type().dtype, dtype) << v->name();
  EXPECT_TRUE(v->type().dtype_annotated);
  const Tensor& t = *v->initializer();
  EXPECT_EQ(t.type(), ElementType::kFloat);
  for (int64_t i = 0; i < t.size(); ++i) {
    EXPECT_TRUE(dtype.Allowed(t.GetDouble(i))) << v->name() << "[" << i << "] = " << t.GetDouble(i);
  }
}

// Runs fold-quant-weights, which must change the model; returns the model before.
std::unique_ptr<Model> Fold(Model& model, PassContext& ctx) {
  auto before = model.Clone();
  auto changed = RunPasses(model, {"fold-quant-weights"}, ctx);
  EXPECT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(changed.ok() && *changed);
  return before;
}

TEST(FoldQuantWeightsTest, MatMulWeightBecomesIntegersWithTheScaleAfter) {
  for (bool per_channel : {false, true}) {
    SCOPED_TRACE(per_channel ? "per channel" : "per tensor");
    QuantSpec q;
    q.narrow = true;
    q.scale = per_channel ? std::vector<double>{0.25, 0.5, 0.125} : std::vector<double>{0.25};
    q.scale_dims = per_channel ? "1, 3" : "";
    auto model = ParseModel(absl::StrCat(Header(), "g (float[N, 4] x) => (float[N, 3] y) <",
                                    Tensor1("w", "4, 3", Pseudo(12, 1)), ", ", QuantInits("q", q),
                                    "> {\n", QuantCall("wq", "w", "q", q),
                                    " y = MatMul(x, wq)\n}"));
    ASSERT_NE(model, nullptr);
    PassContext ctx;
    auto before = Fold(*model, ctx);
    const Graph& g = *model->graph;
    EXPECT_EQ(Count(g, "Quant"), 0);
    Node* mm = FindOp(g, "MatMul");
    ASSERT_NE(mm, nullptr);
    ExpectIntegerWeight(mm->input(1), DataType::Int(4));
    Node* mul = FindOp(g, "Mul");
    ASSERT_NE(mul, nullptr);
    EXPECT_EQ(mul->input(0), mm->output(0));
    EXPECT_EQ(mul->output(0)->name(), "y");
    EXPECT_EQ(mul->input(1)->initializer()->dims(), per_channel ? (Dims{1, 3}) : (Dims{}));
    EXPECT_EQ(g.FindValue("w"), nullptr) << "the float weight is removed";
    // Power-of-two scales: scaling after the product is exact even for float activations.
    ExpectEquivalent(*before, *model, kSamples);
  }
}

TEST(FoldQuantWeightsTest, WeightOnTheFirstMatMulInputScalesRows) {
  QuantSpec q;
  q.scale = {0.25, 0.5, 0.125};
  q.scale_dims = "3, 1";
  auto model = ParseModel(absl::StrCat(Header(), "g (float[4, N] x) => (float[3, N] y) <",
                                  Tensor1("w", "3, 4", Pseudo(12, 2)), ", ", QuantInits("q", q),
                                  "> {\n", QuantCall("wq", "w", "q", q), " y = MatMul(wq, x)\n}"));
  ASSERT_NE(model, nullptr);
  PassContext ctx;
  auto before = Fold(*model, ctx);
  Node* mm = FindOp(*model->graph, "MatMul");
  ExpectIntegerWeight(mm->input(0), DataType::Int(4));
  EXPECT_EQ(FindOp(*model->graph, "Mul")->input(1)->initializer()->dims(), (Dims{3, 1}));
  ExpectEquivalent(*before, *model, kSamples);
}

TEST(FoldQuantWeightsTest, TransposeBetweenQuantAndMatMulIsFolded) {
  // Brevitas' Linear after gemm-to-matmul: Quant(W [out, in], scale [out, 1]) -> Transpose.
  QuantSpec q;
  q.bits = 2;
  q.narrow = true;
  q.scale = {0.5, 0.25, 1.0};
  q.scale_dims = "3, 1";
  auto model = ParseModel(absl::StrCat(Header(), "g (float[N, 4] x) => (float[N, 3] y) <",
                                  Tensor1("w", "3, 4", Pseudo(12, 3)), ", ", QuantInits("q", q),
                                  "> {\n", QuantCall("wq", "w", "q", q),
                                  " wt = Transpose <perm = [1, 0]> (wq)\n y = MatMul(x, wt)\n}"));
  ASSERT_NE(model, nullptr);
  PassContext ctx;
  auto before = Fold(*model, ctx);
  const Graph& g = *model->graph;
  EXPECT_EQ(Count(g, "Transpose"), 0);
  EXPECT_EQ(Count(g, "Quant"), 0);
  Node* mm = FindOp(g, "MatMul");
  ExpectIntegerWeight(mm->input(1), DataType::Int(2));
  EXPECT_EQ(mm->input(1)->initializer()->dims(), (Dims{4, 3}));
  EXPECT_EQ(FindOp(g, "Mul")->input(1)->initializer()->dims(), (Dims{1, 3}));
  ExpectEquivalent(*before, *model, kSamples);
}

TEST(FoldQuantWeightsTest, ConvGetsPerChannelScaleAndItsBiasAfterTheMul) {
  for (bool quantized_bias : {false, true}) {
    SCOPED_TRACE(quantized_bias ? "Int32Bias quantizer" : "float bias");
    QuantSpec q;
    q.narrow = true;
    q.scale = {0.25, 0.5, 0.125};
    q.scale_dims = "3, 1, 1, 1";
    // Bias quantizer: scale = input scale (0.5) * weight scale, 32 bits.
    QuantSpec bq;
    bq.bits = 32;
    bq.scale = {0.125, 0.25, 0.0625};
    bq.scale_dims = "3";
    const std::string bias_node = quantized_bias ? QuantCall("bias", "b", "bq", bq) : "";
    const std::string bias_inits = quantized_bias ? absl::StrCat(", ", QuantInits("bq", bq)) : "";
    auto model = ParseModel(absl::StrCat(
        Header(), "g (float[N, 2, 5, 5] x) => (float[N, 3, 3, 3] y) <",
        Tensor1("w", "3, 2, 3, 3", Pseudo(54, 4)), ", ", QuantInits("q", q), ", ",
        Tensor1("b", "3", {0.5, -0.25, 1.0}), bias_inits, "> {\n", QuantCall("wq", "w", "q", q),
        bias_node, " y = Conv(x, wq, ", quantized_bias ? "bias" : "b", ")\n}"));
    ASSERT_NE(model, nullptr);
    Annotate(*model, "x", DataType::Int(4));  // integer activations: every sum is exact
    PassContext ctx;
    auto before = Fold(*model, ctx);
    const Graph& g = *model->graph;
    EXPECT_EQ(Count(g, "Quant"), 0);
    Node* conv = FindOp(g, "Conv");
    ASSERT_NE(conv, nullptr);
    EXPECT_EQ(conv->num_inputs(), 2);
    ExpectIntegerWeight(conv->input(1), DataType::Int(4));
    Node* mul = FindOp(g, "Mul");
    Node* add = FindOp(g, "Add");
    ASSERT_NE(mul, nullptr);
    ASSERT_NE(add, nullptr);
    EXPECT_EQ(mul->input(0), conv->output(0));
    EXPECT_EQ(mul->input(1)->initializer()->dims(), (Dims{1, 3, 1, 1}));
    EXPECT_EQ(add->input(0), mul->output(0));
    EXPECT_EQ(add->input(1)->initializer()->dims(), (Dims{1, 3, 1, 1}));
    EXPECT_EQ(add->output(0)->name(), "y");
    ExpectEquivalent(*before, *model, kSamples);
  }
}

TEST(FoldQuantWeightsTest, GemmWithTransposedWeightAlphaBetaAndBias) {
  QuantSpec q;
  q.scale = {0.25, 0.5, 0.125};
  q.scale_dims = "3, 1";
  auto model = ParseModel(absl::StrCat(
      Header(), "g (float[N, 4] x) => (float[N, 3] y) <", Tensor1("w", "3, 4", Pseudo(12, 5)),
      ", ", QuantInits("q", q), ", ", Tensor1("c", "3", {0.5, -0.25, 1.0}), "> {\n",
      QuantCall("wq", "w", "q", q),
      " y = Gemm <transB = 1, alpha = 0.5, beta = 2.0> (x, wq, c)\n}"));
  ASSERT_NE(model, nullptr);
  Annotate(*model, "x", DataType::Int(4));
  PassContext ctx;
  auto before = Fold(*model, ctx);
  const Graph& g = *model->graph;
  Node* gemm = FindOp(g, "Gemm");
  ASSERT_NE(gemm, nullptr);
  EXPECT_EQ(gemm->num_inputs(), 2);
  ExpectIntegerWeight(gemm->input(1), DataType::Int(4));
  EXPECT_EQ(FindOp(g, "Mul")->input(1)->initializer()->dims(), (Dims{1, 3}));
  const Tensor* c = FindOp(g, "Add")->input(1)->initializer();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->GetDouble(0), 1.0);  // beta * C
  ExpectEquivalent(*before, *model, kSamples);
}

TEST(FoldQuantWeightsTest, GatherScalesTheSelectedRows) {
  QuantSpec q;
  q.scale = {0.5};
  auto model = ParseModel(absl::StrCat(
      Header(), "g (float[2, 3] x) => (float[2, 3] y) <", Tensor1("w", "5, 3", Pseudo(15, 6)),
      ", ", QuantInits("q", q), ", int64[2] idx = {4, 1}> {\n", QuantCall("wq", "w", "q", q),
      " e = Gather <axis = 0> (wq, idx)\n y = Add(e, x)\n}"));
  ASSERT_NE(model, nullptr);
  PassContext ctx;
  auto before = Fold(*model, ctx);
  Node* gather = FindOp(*model->graph, "Gather");
  ExpectIntegerWeight(gather->input(0), DataType::Int(4));
  EXPECT_EQ(FindOp(*model->graph, "Mul")->input(0), gather->output(0));
  ExpectEquivalent(*before, *model, kSamples);
}

TEST(FoldQuantWeightsTest, ForkedWeightGetsOneIntegerCopyPerReader) {
  QuantSpec q;
  auto model = ParseModel(absl::StrCat(
      Header(), "g (float[N, 4] x, float[N, 4] x2) => (float[N, 3] y, float[N, 3] y2) <",
      Tensor1("w", "4, 3", Pseudo(12, 7)), ", ", QuantInits("q", q), "> {\n",
      QuantCall("wq", "w", "q", q), " y = MatMul(x, wq)\n y2 = MatMul(x2, wq)\n}"));
  ASSERT_NE(model, nullptr);
  PassContext ctx;
  auto before = Fold(*model, ctx);
  const Graph& g = *model->graph;
  std::vector<Value*> weights;
  for (Node* n : g.nodes()) {
    if (n->op_type() == "MatMul") weights.push_back(n->input(1));
  }
  ASSERT_EQ(weights.size(), 2u);
  EXPECT_NE(weights[0], weights[1]);
  ExpectIntegerWeight(weights[0], DataType::Int(4));
  ExpectIntegerWeight(weights[1], DataType::Int(4));
  EXPECT_EQ(Count(g, "Mul"), 2);
  ExpectEquivalent(*before, *model, kSamples);
}

TEST(FoldQuantWeightsTest, ElementwiseReadersGetTheExactFloatValues) {
  QuantSpec q;
  q.scale = {0.1};
  auto model = ParseModel(absl::StrCat(Header(), "g (float[N, 3] x) => (float[N, 3] y) <",
                                  Tensor1("w", "3", {0.33, -0.71, 0.05}), ", ",
                                  QuantInits("q", q), "> {\n", QuantCall("wq", "w", "q", q),
                                  " y = Add(x, wq)\n}"));
  ASSERT_NE(model, nullptr);
  PassContext ctx;
  auto before = Fold(*model, ctx);
  const Graph& g = *model->graph;
  EXPECT_EQ(Count(g, "Quant"), 0);
  EXPECT_EQ(Count(g, "Mul"), 0);
  Node* add = FindOp(g, "Add");
  ASSERT_TRUE(add->input(1)->is_initializer());
  EXPECT_EQ(add->input(1)->initializer()->data<float>()[0], 3 * 0.1f);
  ExpectEquivalent(*before, *model, kSamples);  // bit-exact: the same constant
}

TEST(FoldQuantWeightsTest, ScaleOneAndBipolarWeights) {
  {
    QuantSpec q;
    q.bits = 8;
    q.scale = {1.0};
    auto model = ParseModel(absl::StrCat(Header(), "g (float[N, 4] x) => (float[N, 3] y) <",
                                    Tensor1("w", "4, 3", Pseudo(12, 8)), ", ", QuantInits("q", q),
                                    "> {\n", QuantCall("wq", "w", "q", q),
                                    " y = MatMul(x, wq)\n}"));
    ASSERT_NE(model, nullptr);
    PassContext ctx;
    auto before = Fold(*model, ctx);
    EXPECT_EQ(Count(*model->graph, "Mul"), 0);
    ExpectIntegerWeight(FindOp(*model->graph, "MatMul")->input(1), DataType::Int(8));
    ExpectEquivalent(*before, *model, kSamples);
  }
  {
    auto model = ParseModel(absl::StrCat(
        Header(), "g (float[N, 4] x) => (float[N, 3] y) <", Tensor1("w", "4, 3", Pseudo(12, 9)),
        ", float s = {0.5}> {\n wq = qonnx.custom_op.general.BipolarQuant (w, s)\n"
        " y = MatMul(x, wq)\n}"));
    ASSERT_NE(model, nullptr);
    PassContext ctx;
    auto before = Fold(*model, ctx);
    ExpectIntegerWeight(FindOp(*model->graph, "MatMul")->input(1), DataType::Bipolar());
    EXPECT_EQ(Count(*model->graph, "Mul"), 1);
    ExpectEquivalent(*before, *model, kSamples);
  }
}

TEST(FoldQuantWeightsTest, NonzeroZeroPointStaysWithAWarning) {
  QuantSpec q;
  q.zeropt = 1;
  auto model = ParseModel(absl::StrCat(Header(), "g (float[N, 4] x) => (float[N, 3] y) <",
                                  Tensor1("w", "4, 3", Pseudo(12, 1)), ", ", QuantInits("q", q),
                                  "> {\n", QuantCall("wq", "w", "q", q), " y = MatMul(x, wq)\n}"));
  ASSERT_NE(model, nullptr);
  PassContext ctx;
  auto changed = RunPasses(*model, {"fold-quant-weights"}, ctx);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
  EXPECT_EQ(Count(*model->graph, "Quant"), 1);
  ASSERT_EQ(ctx.warnings.size(), 1u);
  EXPECT_THAT(ctx.warnings[0], HasSubstr("(Quant)"));
  EXPECT_THAT(ctx.warnings[0], HasSubstr("nonzero zero point; weight quantizer left as is"));
}

// ============================================================================ activations

struct ActivationCase {
  std::string f;  // node text producing "f" from "a"
  QuantSpec in, out;
};

std::string ActivationModel(const ActivationCase& c, const std::string& dims = "N, 4") {
  return absl::StrCat(Header(), "g (float[", dims, "] x) => (float[", dims, "] y) <",
                      QuantInits("qa", c.in), ", ", QuantInits("qb", c.out), "> {\n",
                      QuantCall("a", "x", "qa", c.in), " ", c.f, "\n",
                      QuantCall("y", "f", "qb", c.out), "}");
}

QuantSpec Q(int bits, bool is_signed, bool narrow, std::vector<double> scale,
            std::string scale_dims = "") {
  QuantSpec q;
  q.bits = bits;
  q.is_signed = is_signed;
  q.narrow = narrow;
  q.scale = std::move(scale);
  q.scale_dims = std::move(scale_dims);
  return q;
}

// Converts activation + second quantizer, then the first quantizer; both steps must be exact on
// the first quantizer's levels, ties and neighbours.
void CheckActivation(const ActivationCase& c, const std::string& dims = "N, 4",
                     int64_t channels = 4, int64_t rank = 2) {
  auto model = ParseModel(ActivationModel(c, dims));
  ASSERT_NE(model, nullptr);
  auto original = model->Clone();
  PassContext ctx;
  auto changed = RunPasses(*model, {"activation-to-multithreshold"}, ctx);
  ASSERT_TRUE(changed.ok()) << changed.status();
  ASSERT_TRUE(*changed) << absl::StrJoin(ctx.warnings, "\n");
  const Graph& g = *model->graph;
  EXPECT_EQ(Count(g, "Quant"), 1);
  Node* mt = FindOp(g, "MultiThreshold");
  ASSERT_NE(mt, nullptr);
  EXPECT_EQ(mt->input(0)->name(), "a");
  EXPECT_EQ(g.outputs()[0]->name(), "y");
  const size_t op_start = c.f.find('=') + 2;
  const std::string f_op = c.f.substr(op_start, c.f.find_first_of(" (<", op_start) - op_start);
  EXPECT_EQ(Count(g, f_op), 0) << f_op;
  const Tensor input = TieInput(c.in, channels, rank);
  ExpectNoMismatch(*original, *model, {input});
  ExpectEquivalent(*original, *model, kSamples);
  auto converted = model->Clone();
  ASSERT_TRUE(*RunPasses(*model, {"quant-act-to-multithreshold"}, ctx));
  EXPECT_EQ(Count(g, "Quant"), 0);
  EXPECT_EQ(Count(g, "MultiThreshold"), 2);
  ExpectNoMismatch(*original, *model, {input});
  ExpectEquivalent(*original, *model, kSamples);
}

TEST(ActivationToMultiThresholdTest, SigmoidAndTanhBetweenQuantizers) {
  const std::vector<ActivationCase> cases = {
      {"f = Sigmoid(a)", Q(4, true, false, {0.25}), Q(4, false, false, {1.0 / 15})},
      {"f = Sigmoid(a)", Q(8, true, false, {1.0 / 128}), Q(8, false, false, {1.0 / 255})},
      {"f = Sigmoid(a)", Q(8, true, false, {0.0351804}), Q(6, false, false, {1.0 / 63})},
      {"f = Sigmoid(a)", Q(3, false, false, {0.5}), Q(2, false, false, {0.3})},
      {"f = Sigmoid(a)", Q(6, true, true, {0.11}), Q(4, false, true, {0.0625})},
      {"f = Tanh(a)", Q(8, true, false, {0.0351804}), Q(8, true, true, {1.0 / 127})},
      {"f = Tanh(a)", Q(6, true, true, {0.05}), Q(6, true, true, {0.03})},
      {"f = Tanh(a)", Q(4, true, false, {0.3}), Q(3, true, false, {0.25})},
      {"f = Tanh(a)", Q(5, true, false, {0.07}), Q(8, true, false, {1.0 / 128})},
      {"f = Tanh(a)", Q(8, true, false, {0.02}), Q(1, true, false, {1.0})},
  };
  for (const ActivationCase& c : cases) {
    SCOPED_TRACE(ActivationModel(c));
    CheckActivation(c);
  }
}

TEST(ActivationToMultiThresholdTest, OtherMonotoneActivations) {
  const std::vector<ActivationCase> cases = {
      {"f = Relu(a)", Q(4, true, false, {0.25}), Q(3, false, false, {0.5})},
      {"f = LeakyRelu <alpha = 0.1> (a)", Q(4, true, false, {0.3}), Q(4, true, false, {0.1})},
      {"f = Clip(a, lo, hi)", Q(5, true, false, {0.1}), Q(3, true, false, {0.2})},
      {"f = Identity(a)", Q(8, true, false, {0.01}), Q(4, true, false, {0.1})},
  };
  for (ActivationCase c : cases) {
    SCOPED_TRACE(c.f);
    if (c.f.find("Clip") != std::string::npos) {
      // Clip bounds are extra initializers.
      std::string text = ActivationModel(c);
      text.replace(text.find("> {"), 3, ", float lo = {-0.5}, float hi = {0.7}> {");
      auto model = ParseModel(text);
      ASSERT_NE(model, nullptr);
      auto before = model->Clone();
      PassContext ctx;
      ASSERT_TRUE(*RunPasses(*model, {"activation-to-multithreshold"}, ctx));
      EXPECT_EQ(Count(*model->graph, "Clip"), 0);
      EXPECT_EQ(model->graph->FindValue("lo"), nullptr);
      ExpectNoMismatch(*before, *model, {TieInput(c.in, 4, 2)});
      ExpectEquivalent(*before, *model, kSamples);
      continue;
    }
    CheckActivation(c);
  }
}

TEST(ActivationToMultiThresholdTest, PerChannelScalesOnEitherQuantizer) {
  CheckActivation({"f = Sigmoid(a)", Q(4, true, false, {0.25, 0.1, 0.4}, "1, 3, 1, 1"),
                   Q(4, false, false, {1.0 / 15})},
                  "N, 3, H, W", 3, 4);
  CheckActivation({"f = Tanh(a)", Q(5, true, false, {0.1}),
                   Q(4, true, true, {0.1, 0.15, 0.2}, "1, 3, 1, 1")},
                  "N, 3, H, W", 3, 4);
  CheckActivation({"f = Tanh(a)", Q(5, true, false, {0.1, 0.05, 0.2}, "1, 3"),
                   Q(4, true, true, {0.1, 0.15, 0.2}, "1, 3")},
                  "N, 3", 3, 2);
}

TEST(ActivationToMultiThresholdTest, InputAlreadyConvertedToThresholds) {
  // quant-act-to-multithreshold converts the 4-bit input quantizer but leaves the 12-bit output
  // quantizer: the Sigmoid then reads MultiThreshold -> Add -> Mul, whose levels are read back.
  ActivationCase c{"f = Sigmoid(a)", Q(4, true, false, {0.3}), Q(12, false, false, {1.0 / 4095})};
  auto model = ParseModel(ActivationModel(c));
  ASSERT_NE(model, nullptr);
  auto original = model->Clone();
  PassContext ctx;
  ASSERT_TRUE(*RunPasses(*model, {"quant-act-to-multithreshold"}, ctx));
  ASSERT_EQ(Count(*model->graph, "Quant"), 1);
  ASSERT_TRUE(*RunPasses(*model, {"activation-to-multithreshold"}, ctx));
  const Graph& g = *model->graph;
  EXPECT_EQ(Count(g, "Quant"), 0);
  EXPECT_EQ(Count(g, "Sigmoid"), 0);
  EXPECT_EQ(Count(g, "MultiThreshold"), 2);
  ExpectNoMismatch(*original, *model, {TieInput(c.in, 4, 2)});
  ExpectEquivalent(*original, *model, kSamples);
}

TEST(ActivationToMultiThresholdTest, DecreasingMapsAndUnknownLevelsAreLeftWithAWarning) {
  {
    ActivationCase c{"f = Neg(a)", Q(4, true, false, {0.25}), Q(4, true, false, {0.25})};
    auto model = ParseModel(ActivationModel(c));
    ASSERT_NE(model, nullptr);
    PassContext ctx;
    EXPECT_FALSE(*RunPasses(*model, {"activation-to-multithreshold"}, ctx));
    EXPECT_EQ(Count(*model->graph, "Neg"), 1);
    ASSERT_EQ(ctx.warnings.size(), 1u);
    EXPECT_THAT(ctx.warnings[0], HasSubstr("not monotone"));
  }
  {
    QuantSpec q = Q(4, false, false, {1.0 / 15});
    auto model = ParseModel(absl::StrCat(Header(), "g (float[N, 4] x) => (float[N, 4] y) <",
                                    QuantInits("qb", q), "> {\n f = Sigmoid(x)\n",
                                    QuantCall("y", "f", "qb", q), "}"));
    ASSERT_NE(model, nullptr);
    PassContext ctx;
    EXPECT_FALSE(*RunPasses(*model, {"activation-to-multithreshold"}, ctx));
    ASSERT_EQ(ctx.warnings.size(), 1u);
    EXPECT_THAT(ctx.warnings[0], HasSubstr("(Sigmoid)"));
    EXPECT_THAT(ctx.warnings[0], HasSubstr("the input levels are unknown ('x' is not computed by "
                                           "a quantizer)"));
    // quant-act-to-multithreshold still thresholds the Sigmoid's output exactly.
    auto before = model->Clone();
    ASSERT_TRUE(*RunPasses(*model, {"quant-act-to-multithreshold"}, ctx));
    EXPECT_EQ(FindOp(*model->graph, "MultiThreshold")->input(0)->name(), "f");
    ExpectNoMismatch(*before, *model, {TieInput(q, 4, 2)});
  }
}

// ============================================================================ Trunc

TEST(TruncToMultiThresholdTest, TruncOfAQuantizedTensorBecomesThresholds) {
  struct TruncCase {
    int opset;
    std::string mode;
    std::string call;
    std::string inits;
  };
  const std::vector<TruncCase> cases = {
      {2, "FLOOR", "(a, s, z, ib, os, ob)", "float os = {2.0}, float ob = {4}"},
      {2, "ROUND", "(a, s, z, ib, os, ob)", "float os = {2.0}, float ob = {4}"},
      {2, "CEIL", "(a, s, z, ib, os, ob)", "float os = {0.5}, float ob = {6}"},
      {1, "FLOOR", "(a, s, z, ib, ob)", "float ob = {4}"},
      {1, "ROUND", "(a, s, z, ib, ob)", "float ob = {5}"},
  };
  QuantSpec qa = Q(8, true, false, {0.125});
  for (const TruncCase& c : cases) {
    SCOPED_TRACE(absl::StrCat("Trunc v", c.opset, " ", c.mode));
    auto model = ParseModel(absl::StrCat(
        Header(c.opset), "g (float[N, 4] x) => (float[N, 4] y) <", QuantInits("qa", qa),
        ", float s = {0.125}, float z = {0}, float ib = {8}, ", c.inits, "> {\n",
        QuantCall("a", "x", "qa", qa), " y = qonnx.custom_op.general.Trunc <rounding_mode = \"",
        c.mode, "\"> ", c.call, "\n}"));
    ASSERT_NE(model, nullptr);
    auto before = model->Clone();
    PassContext ctx;
    auto changed = RunPasses(*model, {"trunc-to-multithreshold"}, ctx);
    ASSERT_TRUE(changed.ok()) << changed.status();
    ASSERT_TRUE(*changed) << absl::StrJoin(ctx.warnings, "\n");
    EXPECT_EQ(Count(*model->graph, "Trunc"), 0);
    EXPECT_EQ(FindOp(*model->graph, "MultiThreshold")->input(0)->name(), "a");
    ExpectNoMismatch(*before, *model, {TieInput(qa, 4, 2)});
    ExpectEquivalent(*before, *model, kSamples);
    ASSERT_TRUE(*RunPasses(*model, {"quant-act-to-multithreshold"}, ctx));
    EXPECT_EQ(Count(*model->graph, "Quant"), 0);
    ExpectNoMismatch(*before, *model, {TieInput(qa, 4, 2)});
  }
}

TEST(TruncToMultiThresholdTest, TruncOfAnUnquantizedInputStaysWithAWarning) {
  auto model = ParseModel(absl::StrCat(
      Header(2), "g (float[N, 4] x) => (float[N, 4] y) <float s = {0.125}, float z = {0}, ",
      "float ib = {8}, float os = {2.0}, float ob = {4}> {\n"
      " y = qonnx.custom_op.general.Trunc <rounding_mode = \"FLOOR\"> (x, s, z, ib, os, ob)\n}"));
  ASSERT_NE(model, nullptr);
  PassContext ctx;
  EXPECT_FALSE(*RunPasses(*model, {"trunc-to-multithreshold"}, ctx));
  EXPECT_EQ(Count(*model->graph, "Trunc"), 1);
  ASSERT_EQ(ctx.warnings.size(), 1u);
  EXPECT_THAT(ctx.warnings[0], HasSubstr("(Trunc): the input levels are unknown"));
  EXPECT_THAT(ctx.warnings[0], HasSubstr("left as a Trunc"));
}

// ============================================================================ all together

TEST(QonnxToFinnTest, QuantizedMlpBecomesThresholdsAndIntegerWeights) {
  // Input quantizer, a 2-bit per-channel Linear (Quant -> Transpose -> MatMul, float bias), a 4-bit
  // Relu quantizer, a 4-bit Linear and an 8-bit output quantizer.
  QuantSpec in = Q(8, true, false, {1.0 / 32});
  QuantSpec w1 = Q(2, true, true, {0.5, 0.25, 0.5, 1.0, 0.125}, "5, 1");
  QuantSpec r1 = Q(4, false, false, {0.25});
  QuantSpec w2 = Q(4, true, true, {0.125});
  QuantSpec out = Q(8, true, false, {0.0625});
  auto model = ParseModel(absl::StrCat(
      Header(), "g (float[N, 4] x) => (float[N, 3] y) <", QuantInits("qi", in), ", ",
      Tensor1("w1", "5, 4", Pseudo(20, 11)), ", ", QuantInits("qw1", w1), ", ",
      Tensor1("b1", "5", {0.25, -0.5, 0.125, 0.0, 1.0}), ", ", QuantInits("qr", r1), ", ",
      Tensor1("w2", "5, 3", Pseudo(15, 12)), ", ", QuantInits("qw2", w2), ", ",
      QuantInits("qo", out), "> {\n", QuantCall("xq", "x", "qi", in),
      QuantCall("w1q", "w1", "qw1", w1), " w1t = Transpose <perm = [1, 0]> (w1q)\n",
      " h = MatMul(xq, w1t)\n hb = Add(h, b1)\n r = Relu(hb)\n", QuantCall("rq", "r", "qr", r1),
      QuantCall("w2q", "w2", "qw2", w2), " o = MatMul(rq, w2q)\n", QuantCall("y", "o", "qo", out),
      "}"));
  ASSERT_NE(model, nullptr);
  auto before = model->Clone();
  PassContext ctx;
  auto changed = RunPasses(*model, {"fold-quant-weights", "activation-to-multithreshold",
                                    "trunc-to-multithreshold", "quant-act-to-multithreshold"},
                           ctx);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(ctx.warnings.empty()) << absl::StrJoin(ctx.warnings, "\n");
  const Graph& g = *model->graph;
  for (const char* op : {"Quant", "Relu", "Transpose"}) EXPECT_EQ(Count(g, op), 0) << op;
  EXPECT_EQ(Count(g, "MultiThreshold"), 3);
  // Power-of-two scales and small sums: every float operation is exact, so the conversion is
  // bit-exact on any input, ties included.
  ExpectNoMismatch(*before, *model, {TieInput(in, 4, 2)});
  ExpectEquivalent(*before, *model, 64);
}

}  // namespace
}  // namespace finngl
