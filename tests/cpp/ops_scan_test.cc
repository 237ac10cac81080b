// Tests of the Scan op: state variables, several scan inputs/outputs, directions and axes,
// outer-scope references, nested Scans, empty sequences, type inference and errors. Expected
// values come from hand loops written here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "src/exec/executor.h"
#include "src/ops/infer.h"
#include "src/ops/verify.h"
#include "tests/cpp/op_test_util.h"

namespace finngl {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using testing::InferOp;
using testing::OpCall;
using testing::OpInput;
using testing::RunOp;
using testing::In;

TensorType FloatType(Dims dims) {
  TensorType t;
  t.elem = ElementType::kFloat;
  t.shape = ShapeFromDims(dims);
  return t;
}

// Builds a body graph node by node.
class Body {
 public:
  explicit Body(const std::string& name = "body") : g_(std::make_unique<Graph>(name)) {}
  Value* In(const std::string& name, TensorType type = {}) {
    Value* v = *g_->AddValue(name, std::move(type));
    g_->AddInput(v);
    return v;
  }
  Value* Outer(const std::string& name) { return *g_->AddOuterRef(name); }
  Value* Const(const std::string& name, Tensor t) { return *g_->AddInitializer(name, t); }
  Value* Op(const std::string& op, std::vector<Value*> ins, const char* attr = nullptr,
            Attribute value = {}) {
    Node* n = *g_->AddNodeWithNewOutputs(op, "", g_->UniqueNodeName(op), ins,
                                         {g_->UniqueValueName(op + "_out")});
    if (attr != nullptr) n->SetAttr(attr, std::move(value));
    return n->output(0);
  }
  void Out(Value* v) { g_->AddOutput(v); }
  Attribute Take() { return Attribute::FromGraph(std::move(g_)); }
  Graph& graph() { return *g_; }

 private:
  std::unique_ptr<Graph> g_;
};

Tensor F(Dims dims, std::vector<float> v) { return Tensor::FromVector<float>(std::move(dims), v); }
std::vector<float> Vals(const Tensor& t) {
  auto s = t.span<float>();
  return {s.begin(), s.end()};
}

OpCall ScanCall(Attribute body, std::vector<OpInput> inputs, int num_scan_inputs, int outputs) {
  OpCall c;
  c.op_type = "Scan";
  c.inputs = std::move(inputs);
  c.num_outputs = outputs;
  c.attrs.emplace_back("body", std::move(body));
  c.attrs.emplace_back("num_scan_inputs", Attribute::Int(num_scan_inputs));
  return c;
}

// Adds an attribute (Attribute is move-only, so no initializer lists).
OpCall With(OpCall c, const char* name, std::vector<int64_t> ints) {
  c.attrs.emplace_back(name, Attribute::Ints(std::move(ints)));
  return c;
}

// Body of a running sum: (sum, x) -> (sum + x, sum + x).
Attribute CumSumBody() {
  Body b;
  Value* s = b.In("s");
  Value* x = b.In("x");
  Value* sum = b.Op("Add", {s, x});
  b.Out(sum);
  b.Out(b.Op("Identity", {sum}));
  return b.Take();
}

TEST(ScanTest, CumulativeSumMatchesHandLoop) {
  const int64_t seq = 7, width = 3;
  std::vector<float> xs(seq * width);
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = 0.25f * static_cast<float>(i) - 1.5f;
  std::vector<float> init = {1, -2, 0.5f};
  auto out = RunOp(ScanCall(CumSumBody(), {In(F({width}, init)), In(F({seq, width}, xs))}, 1, 2));
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<float> acc = init, stacked;
  for (int64_t t = 0; t < seq; ++t) {
    for (int64_t k = 0; k < width; ++k) acc[k] += xs[t * width + k];
    stacked.insert(stacked.end(), acc.begin(), acc.end());
  }
  EXPECT_THAT((*out)[0].dims(), ElementsAre(width));
  EXPECT_THAT(Vals((*out)[0]), ElementsAreArray(acc));
  EXPECT_THAT((*out)[1].dims(), ElementsAre(seq, width));
  EXPECT_THAT(Vals((*out)[1]), ElementsAreArray(stacked));
}

TEST(ScanTest, InfersOuterTypesFromBody) {
  auto types = InferOp(ScanCall(CumSumBody(), {In(F({3}, {0, 0, 0})), In(F({5, 3}, {}))}, 1, 2));
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].ToString(), "float[3] FLOAT32");
  EXPECT_EQ((*types)[1].ToString(), "float[5, 3] FLOAT32");
}

TEST(ScanTest, InfersScanOutputAxisAndSymbolicLength) {
  auto model = testing::BuildSingleOpModel(
      With(ScanCall(CumSumBody(), {In(F({3}, {0, 0, 0})), In(F({5, 3}, {}))}, 1, 2),
           "scan_output_axes", {-1}));
  // Make the sequence length symbolic.
  Value* x = model->graph->inputs()[1];
  (*x->type().shape)[0] = Dim{-1, "T"};
  ASSERT_TRUE(InferModelTypes(*model).ok());
  EXPECT_EQ(ShapeToString(*model->graph->outputs()[1]->type().shape), "[3, T]");
}

TEST(ScanTest, NoStatesMapsEachSlice) {
  Body b;
  Value* x = b.In("x");
  b.Out(b.Op("Mul", {x, x}));
  auto out = RunOp(ScanCall(b.Take(), {In(F({4, 2}, {1, 2, 3, 4, 5, 6, 7, 8}))}, 1, 1));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT((*out)[0].dims(), ElementsAre(4, 2));
  EXPECT_THAT(Vals((*out)[0]), ElementsAre(1, 4, 9, 16, 25, 36, 49, 64));
}

TEST(ScanTest, EmptyBodyInputTypesAreFilledFromOuterInputs) {
  // The body declares nothing about its inputs; inference must fill them so Mul can infer.
  Body b;
  Value* x = b.In("x");
  b.Out(b.Op("Mul", {x, x}));
  auto types = InferOp(ScanCall(b.Take(), {In(F({4, 2}, {}))}, 1, 1));
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].ToString(), "float[4, 2] FLOAT32");
}

// Two states (a running sum and a running product), two scan inputs read in opposite directions
// along different axes, and two scan outputs stacked in opposite directions on different axes.
TEST(ScanTest, TwoStatesDirectionsAndAxes) {
  const int64_t seq = 4;
  Body b;
  Value* sum = b.In("sum");
  Value* prod = b.In("prod");
  Value* u = b.In("u");  // slice [2] of U [2, seq] along axis 1 (given as -1), forward
  Value* v = b.In("v");  // slice [2] of V [seq, 2] along axis 0, reverse
  Value* new_sum = b.Op("Add", {sum, u});
  Value* new_prod = b.Op("Mul", {prod, v});
  b.Out(new_sum);
  b.Out(new_prod);
  b.Out(b.Op("Sub", {new_sum, new_prod}));                  // stacked on axis 1, reverse
  b.Out(b.Op("Identity", {new_prod}));                      // stacked on axis 0, forward
  std::vector<float> U = {1, 2, 3, 4, 10, 20, 30, 40};      // [2, 4]
  std::vector<float> V = {1, 2, 0.5f, 3, 2, 0.25f, -1, 4};  // [4, 2]
  OpCall c = ScanCall(
      b.Take(), {In(F({2}, {0, 0})), In(F({2}, {1, 1})), In(F({2, seq}, U)), In(F({seq, 2}, V))}, 2,
      4);
  c = With(std::move(c), "scan_input_axes", {-1, 0});
  c = With(std::move(c), "scan_input_directions", {0, 1});
  c = With(std::move(c), "scan_output_axes", {1, 0});
  c = With(std::move(c), "scan_output_directions", {1, 0});
  auto out = RunOp(std::move(c));
  ASSERT_TRUE(out.ok()) << out.status();
  // Hand loop.
  float s[2] = {0, 0}, p[2] = {1, 1};
  std::vector<float> diff(2 * seq), prods(seq * 2);
  for (int64_t t = 0; t < seq; ++t) {
    for (int k = 0; k < 2; ++k) {
      s[k] += U[k * seq + t];
      p[k] *= V[(seq - 1 - t) * 2 + k];
      diff[k * seq + (seq - 1 - t)] = s[k] - p[k];  // [2, seq], reverse
      prods[t * 2 + k] = p[k];                      // [seq, 2], forward
    }
  }
  EXPECT_THAT(Vals((*out)[0]), ElementsAre(s[0], s[1]));
  EXPECT_THAT(Vals((*out)[1]), ElementsAre(p[0], p[1]));
  EXPECT_THAT((*out)[2].dims(), ElementsAre(2, seq));
  EXPECT_THAT(Vals((*out)[2]), ElementsAreArray(diff));
  EXPECT_THAT((*out)[3].dims(), ElementsAre(seq, 2));
  EXPECT_THAT(Vals((*out)[3]), ElementsAreArray(prods));
}

// Scanning a middle axis of a rank-3 tensor and stacking on a middle axis: the strided paths.
TEST(ScanTest, MiddleAxesUseStridedCopies) {
  const int64_t a = 2, seq = 3, c = 2;
  std::vector<float> x(a * seq * c);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  Body b;
  Value* xs = b.In("x");  // [a, c]
  b.Out(b.Op("Identity", {xs}));
  auto out =
      RunOp(With(With(ScanCall(b.Take(), {In(F({a, seq, c}, x))}, 1, 1), "scan_input_axes", {1}),
                 "scan_output_axes", {2}));
  ASSERT_TRUE(out.ok()) << out.status();
  // out[i, k, t] = x[i, t, k]
  EXPECT_THAT((*out)[0].dims(), ElementsAre(a, c, seq));
  std::vector<float> want(a * c * seq);
  for (int64_t i = 0; i < a; ++i)
    for (int64_t t = 0; t < seq; ++t)
      for (int64_t k = 0; k < c; ++k) want[(i * c + k) * seq + t] = x[(i * seq + t) * c + k];
  EXPECT_THAT(Vals((*out)[0]), ElementsAreArray(want));
}

TEST(ScanTest, IntegerStatesAreCopiedBytewise) {
  Body b;
  Value* s = b.In("s");
  Value* x = b.In("x");
  Value* sum = b.Op("Add", {s, x});
  b.Out(sum);
  b.Out(b.Op("Identity", {sum}));
  auto out = RunOp(ScanCall(b.Take(),
                            {In(Tensor::FromVector<int64_t>({1}, {100})),
                             In(Tensor::FromVector<int64_t>({3, 1}, {1, 2, 3}))},
                            1, 2));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT((*out)[0].ToInt64s(), ElementsAre(106));
  EXPECT_THAT((*out)[1].ToInt64s(), ElementsAre(101, 103, 106));
}

TEST(ScanTest, EmptySequenceReturnsInitialStates) {
  auto out = RunOp(ScanCall(CumSumBody(), {In(F({2}, {3, 4})), In(F({0, 2}, {}))}, 1, 2));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Vals((*out)[0]), ElementsAre(3, 4));
  EXPECT_THAT((*out)[1].dims(), ElementsAre(0, 2));
}

TEST(ScanTest, RunsRepeatedlyWithFreshResults) {
  auto model = testing::BuildSingleOpModel(
      ScanCall(CumSumBody(), {In(F({1}, {0})), In(F({3, 1}, {1, 2, 3}))}, 1, 2));
  auto exe = Executor::Create(*model);
  ASSERT_TRUE(exe.ok()) << exe.status();
  for (int rep = 0; rep < 3; ++rep) {
    auto out = (*exe)->Run(std::vector<Tensor>{F({1}, {float(rep)}), F({3, 1}, {1, 2, 3})});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_THAT(Vals((*out)[0]), ElementsAre(rep + 6.0f));
    EXPECT_THAT(Vals((*out)[1]), ElementsAre(rep + 1.0f, rep + 3.0f, rep + 6.0f));
  }
}

// The body reads a main-graph initializer and a main-graph runtime input by name.
TEST(ScanTest, OuterScopeReferences) {
  auto model = std::make_unique<Model>();
  model->opset_imports.push_back({"", 17});
  Graph& g = *model->graph;
  Value* h0 = *g.AddValue("h0", FloatType({2}));
  Value* xs = *g.AddValue("xs", FloatType({3, 2}));
  Value* bias = *g.AddValue("bias", FloatType({2}));
  g.AddInput(h0);
  g.AddInput(xs);
  g.AddInput(bias);
  ASSERT_TRUE(g.AddInitializer("scale", F({2}, {2, -1})).ok());
  Body b;
  Value* h = b.In("h");
  Value* x = b.In("x");
  Value* scaled = b.Op("Mul", {h, b.Outer("scale")});
  Value* next = b.Op("Add", {b.Op("Add", {scaled, x}), b.Outer("bias")});
  b.Out(next);
  b.Out(b.Op("Identity", {next}));
  Value* hf = *g.AddValue("hf");
  Value* ys = *g.AddValue("ys");
  Node* scan = *g.AddNode("Scan", "", "scan", {h0, xs}, {hf, ys});
  scan->SetAttr("body", b.Take());
  scan->SetAttr("num_scan_inputs", Attribute::Int(1));
  g.AddOutput(hf);
  g.AddOutput(ys);
  auto exe = Executor::Create(*model);
  ASSERT_TRUE(exe.ok()) << exe.status();
  std::vector<float> X = {1, 2, 3, 4, 5, 6};
  auto out = (*exe)->Run(std::vector<Tensor>{F({2}, {1, 1}), F({3, 2}, X), F({2}, {0.5f, -0.5f})});
  ASSERT_TRUE(out.ok()) << out.status();
  float hv[2] = {1, 1};
  const float sc[2] = {2, -1}, bi[2] = {0.5f, -0.5f};
  std::vector<float> want;
  for (int t = 0; t < 3; ++t) {
    for (int k = 0; k < 2; ++k) {
      hv[k] = hv[k] * sc[k] + X[t * 2 + k] + bi[k];
      want.push_back(hv[k]);
    }
  }
  EXPECT_THAT(Vals((*out)[0]), ElementsAre(hv[0], hv[1]));
  EXPECT_THAT(Vals((*out)[1]), ElementsAreArray(want));
  // Outer references got their types from the main graph during inference.
  EXPECT_EQ((*exe)->model().graph->outputs()[1]->type().ToString(), "float[3, 2] FLOAT32");
}

// An outer Scan over the rows of a matrix whose body runs an inner Scan (a cumulative sum along
// the row); the inner body also reads the outer body's state by name.
TEST(ScanTest, NestedScan) {
  Body inner("inner");
  Value* acc = inner.In("acc");
  Value* e = inner.In("e");
  Value* acc2 = inner.Op("Add", {inner.Op("Add", {acc, e}), inner.Outer("offset")});
  inner.Out(acc2);
  inner.Out(inner.Op("Identity", {acc2}));

  Body outer("outer");
  Value* offset = outer.In("offset");  // state: grows by one per row
  Value* row = outer.In("row");        // [cols]
  Value* zero = outer.Const("zero", F({}, {0}));
  Value* cum_last = *outer.graph().AddValue("cum_last");
  Value* cum = *outer.graph().AddValue("cum");
  Node* scan = *outer.graph().AddNode("Scan", "", "inner_scan", {zero, row}, {cum_last, cum});
  scan->SetAttr("body", inner.Take());
  scan->SetAttr("num_scan_inputs", Attribute::Int(1));
  outer.Out(outer.Op("Add", {offset, outer.Const("one", F({}, {1}))}));
  outer.Out(cum);
  outer.Out(outer.Op("Identity", {cum_last}));

  const int64_t rows = 3, cols = 4;
  std::vector<float> m(rows * cols);
  for (size_t i = 0; i < m.size(); ++i) m[i] = static_cast<float>(i % 5) - 1.0f;
  auto out = RunOp(ScanCall(outer.Take(), {In(F({}, {0.5f})), In(F({rows, cols}, m))}, 1, 3));
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<float> want_cum, want_last;
  float off = 0.5f;
  for (int64_t r = 0; r < rows; ++r) {
    float a = 0;
    for (int64_t c = 0; c < cols; ++c) {
      a = (a + m[r * cols + c]) + off;
      want_cum.push_back(a);
    }
    want_last.push_back(a);
    off += 1;
  }
  EXPECT_THAT(Vals((*out)[0]), ElementsAre(off));
  EXPECT_THAT((*out)[1].dims(), ElementsAre(rows, cols));
  EXPECT_THAT(Vals((*out)[1]), ElementsAreArray(want_cum));
  EXPECT_THAT((*out)[2].dims(), ElementsAre(rows));
  EXPECT_THAT(Vals((*out)[2]), ElementsAreArray(want_last));
}

// Inference inside bodies is reproducible: the verifier re-infers a Scan model (nested bodies
// included) from scratch and finds the same types.
TEST(ScanTest, VerifierAcceptsInferredNestedScan) {
  Body inner("inner");
  Value* acc = inner.In("acc");
  Value* e = inner.In("e");
  Value* sum = inner.Op("Add", {acc, e});
  inner.Out(sum);
  inner.Out(inner.Op("Identity", {sum}));
  Body outer("outer");
  Value* s = outer.In("s");
  Value* row = outer.In("row");
  Value* last = *outer.graph().AddValue("last");
  Value* cum = *outer.graph().AddValue("cum");
  Node* scan = *outer.graph().AddNode("Scan", "", "inner_scan", {s, row}, {last, cum});
  scan->SetAttr("body", inner.Take());
  scan->SetAttr("num_scan_inputs", Attribute::Int(1));
  outer.Out(last);
  outer.Out(cum);
  auto model = testing::BuildSingleOpModel(
      ScanCall(outer.Take(), {In(F({}, {0})), In(F({3, 4}, std::vector<float>(12, 1)))}, 1, 2));
  ASSERT_TRUE(InferModelTypes(*model).ok());
  absl::Status v = VerifyModel(*model);
  EXPECT_TRUE(v.ok()) << v;
  EXPECT_EQ(model->graph->outputs()[1]->type().ToString(), "float[3, 4] FLOAT32");
}

// A Scan whose body holds an LSTM node (one step per iteration, state threaded by the Scan)
// equals one LSTM node over the whole sequence.
TEST(ScanTest, BodyWithLstmStepMatchesLstmOverSequence) {
  const int64_t seq = 6, in = 3, hid = 4;
  std::vector<float> w(4 * hid * in), r(4 * hid * hid), x(seq * in);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.05f * static_cast<float>(i % 13) - 0.3f;
  for (size_t i = 0; i < r.size(); ++i) r[i] = 0.04f * static_cast<float>(i % 11) - 0.2f;
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.1f * static_cast<float>(i % 7) - 0.3f;
  auto lstm_call = [&](Tensor xs) {
    OpCall c;
    c.op_type = "LSTM";
    c.num_outputs = 3;
    c.inputs.push_back(In(std::move(xs)));
    c.inputs.push_back(In(F({1, 4 * hid, in}, w), true));
    c.inputs.push_back(In(F({1, 4 * hid, hid}, r), true));
    c.attrs.emplace_back("hidden_size", Attribute::Int(hid));
    return c;
  };
  auto whole = RunOp(lstm_call(F({seq, 1, in}, x)));
  ASSERT_TRUE(whole.ok()) << whole.status();

  Body b;
  Value* h = b.In("h");    // [1, 1, hid]
  Value* c = b.In("c");    // [1, 1, hid]
  Value* xt = b.In("xt");  // [1, in]
  Value* x3 = b.Op("Unsqueeze", {xt, b.Const("axes0", Tensor::FromVector<int64_t>({1}, {0}))});
  Value* W = b.Const("W", F({1, 4 * hid, in}, w));
  Value* R = b.Const("R", F({1, 4 * hid, hid}, r));
  Value* y = *b.graph().AddValue("y");
  Value* yh = *b.graph().AddValue("yh");
  Value* yc = *b.graph().AddValue("yc");
  Node* lstm =
      *b.graph().AddNode("LSTM", "", "step", {x3, W, R, nullptr, nullptr, h, c}, {y, yh, yc});
  lstm->SetAttr("hidden_size", Attribute::Int(hid));
  b.Out(yh);
  b.Out(yc);
  b.Out(b.Op("Identity", {yh}));
  auto out =
      RunOp(ScanCall(b.Take(),
                     {In(F({1, 1, hid}, std::vector<float>(hid, 0))),
                      In(F({1, 1, hid}, std::vector<float>(hid, 0))), In(F({seq, 1, in}, x))},
                     1, 3));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT((*out)[2].dims(), ElementsAre(seq, 1, 1, hid));
  for (int64_t i = 0; i < seq * hid; ++i) {
    EXPECT_NEAR((*out)[2].GetDouble(i), (*whole)[0].GetDouble(i), 1e-6) << i;
  }
  for (int64_t i = 0; i < hid; ++i) {
    EXPECT_NEAR((*out)[1].GetDouble(i), (*whole)[2].GetDouble(i), 1e-6) << i;
  }
}

// ---------------------------------------------------------------------------- errors

TEST(ScanTest, RejectsWrongBodyInputCount) {
  Body b;
  Value* x = b.In("x");
  b.In("extra");
  b.Out(b.Op("Identity", {x}));
  auto out = RunOp(ScanCall(b.Take(), {In(F({2, 1}, {1, 2}))}, 1, 1));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("node 'node0' (Scan)"));
  EXPECT_THAT(out.status().message(), HasSubstr("body 'body' has 2 inputs, expected 1"));
}

TEST(ScanTest, RejectsWrongBodyOutputCount) {
  auto out = RunOp(ScanCall(CumSumBody(), {In(F({1}, {0})), In(F({2, 1}, {1, 2}))}, 1, 1));
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("has 2 outputs but the node has 1"));
}

TEST(ScanTest, RejectsMismatchedSequenceLengths) {
  Body b;
  Value* x = b.In("x");
  Value* y = b.In("y");
  b.Out(b.Op("Add", {x, y}));
  auto out = RunOp(ScanCall(b.Take(), {In(F({3, 1}, {1, 2, 3})), In(F({2, 1}, {1, 2}))}, 2, 1));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(),
              HasSubstr("scan input 'in1' has sequence length 2 but scan input 'in0' has 3"));
}

// The state grows by one element per iteration (Concat): caught by inference when shapes are
// known, and at run time when they are not.
Attribute GrowingStateBody() {
  Body b;
  Value* s = b.In("s");
  Value* x = b.In("x");
  Value* grown = b.Op("Concat", {s, x}, "axis", Attribute::Int(0));
  b.Out(grown);
  return b.Take();
}

TEST(ScanTest, RejectsStateShapeChangeAtInference) {
  auto out =
      RunOp(ScanCall(GrowingStateBody(), {In(F({2}, {0, 0})), In(F({3, 1}, {1, 2, 3}))}, 1, 1));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("node 'node0' (Scan)"));
  EXPECT_THAT(out.status().message(), HasSubstr("state variable 'in0' has shape [2]"));
}

TEST(ScanTest, RejectsStateShapeChangeAtRunTime) {
  auto model = testing::BuildSingleOpModel(
      ScanCall(GrowingStateBody(), {In(F({2}, {0, 0})), In(F({3, 1}, {1, 2, 3}))}, 1, 1));
  (*model->graph->inputs()[0]->type().shape)[0] = Dim{-1, "n"};
  auto exe = Executor::Create(*model);
  ASSERT_TRUE(exe.ok()) << exe.status();
  auto out = (*exe)->Run(std::vector<Tensor>{F({2}, {0, 0}), F({3, 1}, {1, 2, 3})});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("node 'node0' (Scan)"));
  EXPECT_THAT(out.status().message(),
              HasSubstr("state variable 'in0' is float[2] but the body's value"));
}

TEST(ScanTest, RejectsBadAxes) {
  auto out = RunOp(With(ScanCall(CumSumBody(), {In(F({1}, {0})), In(F({2, 1}, {1, 2}))}, 1, 2),
                        "scan_input_axes", {2}));
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("axis 2 is out of range for rank 2"));
  auto out2 = RunOp(With(ScanCall(CumSumBody(), {In(F({1}, {0})), In(F({2, 1}, {1, 2}))}, 1, 2),
                         "scan_output_axes", {0, 1}));
  ASSERT_FALSE(out2.ok());
  EXPECT_THAT(out2.status().message(), HasSubstr("scan_output_axes has 2 entries, expected 1"));
}

TEST(ScanTest, RejectsContradictingBodyDeclaration) {
  Body b;
  Value* x = b.In("x", FloatType({5}));
  b.Out(b.Op("Identity", {x}));
  auto out = RunOp(ScanCall(b.Take(), {In(F({2, 3}, {1, 2, 3, 4, 5, 6}))}, 1, 1));
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(),
              HasSubstr("body input 'x' is declared with shape [5] but a slice of scan input "
                        "'in0' has shape [3]"));
}

TEST(ScanTest, RejectsOpset8) {
  OpCall c = ScanCall(CumSumBody(), {In(F({1}, {0})), In(F({2, 1}, {1, 2}))}, 1, 2);
  c.opset = 8;
  auto out = RunOp(std::move(c));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(out.status().message(), HasSubstr("Scan-8"));
}

}  // namespace
}  // namespace finngl
