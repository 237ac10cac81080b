// Tests of lower-lstm-to-scan and lower-gru-to-scan: the Scans and body ops they build
// (structure), that the lowered model computes what the LSTM/GRU kernel computes (ExpectEquivalent
// with a small float tolerance: the body performs the kernel's float32 operations in the same order
// but matrix products sum in a different order and the activations are other implementations, so
// results differ by a few ulp), and that nodes the passes cannot lower stay with a warning.
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/strings/str_cat.h"
#include "src/ops/infer.h"
#include "src/passes/pass.h"
#include "src/passes/pass_manager.h"
#include "tests/cpp/equivalence.h"
#include "tests/cpp/parse_model.h"

namespace finngl {
namespace {

using testing::OpTypes;

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::ExpectEquivalent;
using testing::FloatTolerance;

constexpr int kSamples = 6;
constexpr FloatTolerance kTolerance{1e-5, 1e-6};

struct RnnCase {
  std::string op = "LSTM";
  std::string direction = "forward";
  int64_t layout = 0;
  bool bias = true;
  bool initial_h = false;
  bool initial_c = false;
  bool peepholes = false;
  float clip = 0;
  bool input_forget = false;
  int64_t linear_before_reset = 0;
  bool dynamic_batch = false;
  bool quantized_weights = false;  // W through DequantizeLinear
  std::vector<std::string> activations;
  std::vector<int32_t> sequence_lens;
  std::vector<bool> outputs = {true, true, true};
  int64_t seq = 4, batch = 2, input = 3, hidden = 5;
  int64_t opset = 14;
};

Tensor RandomTensor(Dims dims, std::mt19937& rng, float range = 0.6f) {
  Tensor t(ElementType::kFloat, dims);
  std::uniform_real_distribution<float> u(-range, range);
  for (float& v : t.span<float>()) v = u(rng);
  return t;
}

TensorType FloatType(Shape shape) {
  TensorType t;
  t.elem = ElementType::kFloat;
  t.shape = std::move(shape);
  return t;
}

// A one-node LSTM/GRU model with random weights; X (and initial states, if any) are inputs.
std::unique_ptr<Model> MakeModel(const RnnCase& c) {
  std::mt19937 rng(42);
  auto model = std::make_unique<Model>();
  model->opset_imports = {{"", c.opset}};
  Graph& g = *model->graph;
  const int64_t nd = c.direction == "bidirectional" ? 2 : 1;
  const int64_t gates = c.op == "LSTM" ? 4 : 3;
  const Dim batch = c.dynamic_batch ? Dim{-1, "N"} : Dim{c.batch, ""};
  const Dim seq{c.seq, ""}, input{c.input, ""}, hidden{c.hidden, ""}, dirs{nd, ""};
  auto add_input = [&](const std::string& name, Shape shape) {
    Value* v = *g.AddValue(name, FloatType(std::move(shape)));
    g.AddInput(v);
    return v;
  };
  std::vector<Value*> inputs(c.op == "LSTM" ? 8 : 6, nullptr);
  inputs[0] = add_input("X", c.layout == 0 ? Shape{seq, batch, input} : Shape{batch, seq, input});
  Tensor w = RandomTensor({nd, gates * c.hidden, c.input}, rng);
  if (c.quantized_weights) {
    // int8 weights through DequantizeLinear, as Brevitas exports them.
    Tensor wq(ElementType::kInt8, w.dims());
    for (int64_t i = 0; i < wq.size(); ++i) wq.SetDouble(i, std::round(w.GetDouble(i) * 100));
    Value* wi = *g.AddInitializer("W_int", wq);
    Value* ws = *g.AddInitializer("W_scale", Tensor::Scalar<float>(0.01f));
    Node* dq = *g.AddNodeWithNewOutputs("DequantizeLinear", "", "W_dq", {wi, ws}, {"W"});
    inputs[1] = dq->output(0);
  } else {
    inputs[1] = *g.AddInitializer("W", w);
  }
  inputs[2] = *g.AddInitializer("R", RandomTensor({nd, gates * c.hidden, c.hidden}, rng));
  if (c.bias) inputs[3] = *g.AddInitializer("B", RandomTensor({nd, 2 * gates * c.hidden}, rng));
  if (!c.sequence_lens.empty()) {
    inputs[4] = *g.AddInitializer(
        "lens", Tensor::FromVector<int32_t>({static_cast<int64_t>(c.sequence_lens.size())},
                                            c.sequence_lens));
  }
  const Shape state = c.layout == 0 ? Shape{dirs, batch, hidden} : Shape{batch, dirs, hidden};
  if (c.initial_h) inputs[5] = add_input("initial_h", state);
  if (c.initial_c) inputs[6] = add_input("initial_c", state);
  if (c.peepholes) inputs[7] = *g.AddInitializer("P", RandomTensor({nd, 3 * c.hidden}, rng));
  while (!inputs.empty() && inputs.back() == nullptr) inputs.pop_back();
  std::vector<std::string> out_names = {"Y", "Y_h", "Y_c"};
  out_names.resize(c.op == "LSTM" ? 3 : 2);
  std::vector<Value*> outs;
  for (size_t i = 0; i < out_names.size(); ++i) {
    outs.push_back(c.outputs[i] ? *g.AddValue(out_names[i]) : nullptr);
  }
  while (!outs.empty() && outs.back() == nullptr) outs.pop_back();
  Node* rnn = *g.AddNode(c.op, "", "rnn", inputs, outs);
  rnn->SetAttr("hidden_size", Attribute::Int(c.hidden));
  rnn->SetAttr("direction", Attribute::String(c.direction));
  if (c.layout != 0) rnn->SetAttr("layout", Attribute::Int(c.layout));
  if (c.clip > 0) rnn->SetAttr("clip", Attribute::Float(c.clip));
  if (c.input_forget) rnn->SetAttr("input_forget", Attribute::Int(1));
  if (c.op == "GRU" && c.linear_before_reset) {
    rnn->SetAttr("linear_before_reset", Attribute::Int(1));
  }
  if (!c.activations.empty()) rnn->SetAttr("activations", Attribute::Strings(c.activations));
  for (Value* v : outs) {
    if (v != nullptr) g.AddOutput(v);
  }
  absl::Status s = InferModelTypes(*model);
  EXPECT_TRUE(s.ok()) << s;
  return model;
}

std::string PassFor(const RnnCase& c) {
  return c.op == "LSTM" ? "lower-lstm-to-scan" : "lower-gru-to-scan";
}


int Count(const Graph& g, const std::string& op) {
  int n = 0;
  for (Node* node : g.nodes()) n += node->op_type() == op;
  return n;
}

std::vector<Graph*> Bodies(const Model& m) {
  std::vector<Graph*> out;
  for (Node* n : m.graph->nodes()) {
    if (n->op_type() == "Scan") out.push_back(n->subgraphs().at(0));
  }
  return out;
}

// Lowers the model (which must change) and checks it against the original.
void LowerAndCheck(Model& model, const RnnCase& c) {
  std::unique_ptr<Model> before = model.Clone();
  PassContext ctx;
  absl::StatusOr<bool> changed = PassManager().RunPasses(model, {PassFor(c)}, ctx);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_THAT(ctx.warnings, IsEmpty());
  EXPECT_EQ(Count(*model.graph, c.op), 0);
  EXPECT_EQ(Count(*model.graph, "Scan"), c.direction == "bidirectional" ? 2 : 1);
  ExpectEquivalent(*before, model, kSamples, kTolerance);
}

// ============================================================================ LSTM

TEST(LowerLstmToScanTest, ForwardBuildsTheRowVectorCell) {
  RnnCase c;
  c.initial_h = c.initial_c = true;
  auto model = MakeModel(c);
  LowerAndCheck(*model, c);
  std::vector<Graph*> bodies = Bodies(*model);
  ASSERT_EQ(bodies.size(), 1u);
  const Graph& body = *bodies[0];
  EXPECT_EQ(Count(body, "MatMul"), 2);
  EXPECT_EQ(Count(body, "Split"), 1);
  EXPECT_EQ(Count(body, "Sigmoid"), 3);
  EXPECT_EQ(Count(body, "Tanh"), 2);
  EXPECT_EQ(body.inputs().size(), 3u);
  EXPECT_EQ(body.outputs().size(), 3u);
  // x_t [B, I] times W^T [I, 4H], read from the outer graph, where it is a constant.
  Node* xw = nullptr;
  for (Node* n : body.nodes()) {
    if (n->op_type() == "MatMul" && n->input(0) == body.inputs()[2]) xw = n;
  }
  ASSERT_NE(xw, nullptr);
  EXPECT_TRUE(xw->input(1)->is_outer_ref());
  const Value* wt = model->graph->FindValue(xw->input(1)->name());
  ASSERT_NE(wt, nullptr);
  ASSERT_TRUE(wt->is_initializer());
  EXPECT_EQ(wt->initializer()->dims(), (Dims{c.input, 4 * c.hidden}));
  // No node left computing constants in the outer graph.
  EXPECT_THAT(OpTypes(*model->graph), Not(Contains("Transpose")));
  EXPECT_EQ(model->graph->FindValue("W"), nullptr) << "unused weights left behind";
}

TEST(LowerLstmToScanTest, EveryDirectionAndLayout) {
  for (const char* dir : {"forward", "reverse", "bidirectional"}) {
    for (int64_t layout : {0, 1}) {
      for (bool bias : {false, true}) {
        SCOPED_TRACE(absl::StrCat(dir, " layout ", layout, bias ? " bias" : ""));
        RnnCase c;
        c.direction = dir;
        c.layout = layout;
        c.bias = bias;
        c.initial_h = bias;
        auto model = MakeModel(c);
        LowerAndCheck(*model, c);
      }
    }
  }
}

TEST(LowerLstmToScanTest, PeepholesClipInputForgetAndActivations) {
  RnnCase c;
  c.peepholes = true;
  c.initial_c = true;
  c.clip = 0.7f;
  LowerAndCheck(*MakeModel(c), c);
  RnnCase f;
  f.input_forget = true;
  f.direction = "bidirectional";
  LowerAndCheck(*MakeModel(f), f);
  RnnCase a;
  a.activations = {"Sigmoid", "Relu", "Tanh"};
  auto model = MakeModel(a);
  LowerAndCheck(*model, a);
  EXPECT_EQ(Count(*Bodies(*model)[0], "Relu"), 1);
}

TEST(LowerLstmToScanTest, DynamicBatchGetsZeroStatesShapedFromX) {
  RnnCase c;
  c.dynamic_batch = true;
  c.layout = 1;
  auto model = MakeModel(c);
  LowerAndCheck(*model, c);
  EXPECT_EQ(Count(*model->graph, "Expand"), 1);
}

TEST(LowerLstmToScanTest, QuantizedWeightsKeepTheirQuantizerInTheOuterGraph) {
  RnnCase c;
  c.quantized_weights = true;
  c.direction = "bidirectional";
  auto model = MakeModel(c);
  LowerAndCheck(*model, c);
  EXPECT_EQ(Count(*model->graph, "DequantizeLinear"), 1);
  for (Graph* body : Bodies(*model)) EXPECT_EQ(Count(*body, "DequantizeLinear"), 0);
}

TEST(LowerLstmToScanTest, OnlyTheUsedOutputsAreBuilt) {
  RnnCase c;
  c.outputs = {false, true, false};
  auto model = MakeModel(c);
  LowerAndCheck(*model, c);
  EXPECT_EQ(Bodies(*model)[0]->outputs().size(), 2u) << "no per-step output without Y";
}

TEST(LowerLstmToScanTest, SequenceLengthsEqualToTheSequenceAreDropped) {
  RnnCase c;
  c.sequence_lens = {4, 4};
  LowerAndCheck(*MakeModel(c), c);
}

// Runs the pass on a model it must leave unchanged; returns the warnings.
std::vector<std::string> Unchanged(const RnnCase& c) {
  auto model = MakeModel(c);
  PassContext ctx;
  absl::StatusOr<bool> changed = PassManager().RunPasses(*model, {PassFor(c)}, ctx);
  EXPECT_TRUE(changed.ok()) << changed.status();
  if (changed.ok()) {
    EXPECT_FALSE(*changed);
  }
  EXPECT_EQ(Count(*model->graph, c.op), 1);
  return ctx.warnings;
}

TEST(LowerLstmToScanTest, ShorterSequencesStayWithAWarning) {
  RnnCase c;
  c.sequence_lens = {4, 2};
  std::vector<std::string> w = Unchanged(c);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("lower-lstm-to-scan: node 'rnn' (LSTM) left unchanged"));
  EXPECT_THAT(w[0], HasSubstr("sequence_lens 'lens'"));
}

TEST(LowerLstmToScanTest, DoublePrecisionStaysWithAWarning) {
  RnnCase c;
  auto model = MakeModel(c);
  Graph& g = *model->graph;
  for (const char* name : {"W", "R", "B"}) {
    Value* v = g.FindValue(name);
    g.SetInitializer(v, v->initializer()->CastTo(ElementType::kDouble));
  }
  g.FindValue("X")->type().elem = ElementType::kDouble;
  for (Value* out : g.outputs()) out->type().elem = ElementType::kUndefined;
  ASSERT_TRUE(InferModelTypes(*model).ok());
  PassContext ctx;
  absl::StatusOr<bool> changed = PassManager().RunPasses(*model, {"lower-lstm-to-scan"}, ctx);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
  ASSERT_EQ(ctx.warnings.size(), 1u);
  EXPECT_THAT(ctx.warnings[0], HasSubstr("input X 'X' is double; only float32 is lowered"));
}

TEST(LowerLstmToScanTest, OldOpsetsWithoutScanStay) {
  RnnCase c;
  c.opset = 8;
  std::vector<std::string> w = Unchanged(c);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("Scan needs opset 9"));
}

// ============================================================================ GRU

TEST(LowerGruToScanTest, EveryDirectionLayoutAndResetMode) {
  for (const char* dir : {"forward", "reverse", "bidirectional"}) {
    for (int64_t layout : {0, 1}) {
      for (int64_t lbr : {0, 1}) {
        SCOPED_TRACE(absl::StrCat(dir, " layout ", layout, " linear_before_reset ", lbr));
        RnnCase c;
        c.op = "GRU";
        c.direction = dir;
        c.layout = layout;
        c.linear_before_reset = lbr;
        c.initial_h = layout == 1;
        auto model = MakeModel(c);
        LowerAndCheck(*model, c);
        const Graph& body = *Bodies(*model)[0];
        EXPECT_EQ(Count(body, "MatMul"), 3);
        EXPECT_EQ(Count(body, "Sigmoid"), 2);
        EXPECT_EQ(Count(body, "Tanh"), 1);
      }
    }
  }
}

TEST(LowerGruToScanTest, NoBiasClipDynamicBatchAndQuantizedWeights) {
  RnnCase c;
  c.op = "GRU";
  c.bias = false;
  c.clip = 0.5f;
  c.dynamic_batch = true;
  c.quantized_weights = true;
  c.linear_before_reset = 1;
  auto model = MakeModel(c);
  LowerAndCheck(*model, c);
  EXPECT_EQ(Count(*model->graph, "DequantizeLinear"), 1);
}

TEST(LowerGruToScanTest, ShorterSequencesStayWithAWarning) {
  RnnCase c;
  c.op = "GRU";
  c.sequence_lens = {1, 4};
  std::vector<std::string> w = Unchanged(c);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("node 'rnn' (GRU) left unchanged"));
}

}  // namespace
}  // namespace finngl
