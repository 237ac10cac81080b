// Tests of the streamlining passes, one group per pass: the structure each rewrite produces, what
// it must leave alone (forks, runtime parameters, negative scales, padded convolutions, ...), and
// the equivalence guard (ExpectEquivalent: integer outputs bit-identical, float outputs identical;
// the float-inexact moves are exercised with power-of-two scales and integer inputs, where they
// are exact). Threshold absorption is also checked on inputs that sit exactly on the thresholds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "onnx/defs/parser.h"
#include "src/onnx/importer.h"
#include "src/ops/infer.h"
#include "src/passes/integer_only.h"
#include "src/passes/threshold_search.h"
#include "tests/cpp/equivalence.h"
#include "tests/cpp/streamline_test_util.h"

namespace finngl {
namespace {

using testing::ConstInput;
using testing::CountMismatches;
using testing::CountOps;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using testing::ExpectEquivalent;
using testing::FindOp;
using testing::GraphBuilder;
using ::testing::HasSubstr;
using testing::OpTypes;
using testing::RunPass;

constexpr int kSamples = 16;

// Runs `pass`, which must change the model, then the equivalence guard.
void RewriteAndCheck(Model& model, const std::string& pass) {
  std::unique_ptr<Model> before = model.Clone();
  absl::StatusOr<bool> changed = RunPass(model, pass);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed) << pass << " changed nothing";
  ExpectEquivalent(*before, model, kSamples);
}

// Runs `pass`, which must leave the model alone.
void ExpectNoRewrite(Model& model, const std::string& pass) {
  const std::vector<std::string> ops = OpTypes(*model.graph);
  absl::StatusOr<bool> changed = RunPass(model, pass);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed) << pass;
  EXPECT_EQ(OpTypes(*model.graph), ops);
}

Attribute Ints(std::vector<int64_t> v) { return Attribute::Ints(std::move(v)); }

// ============================================================================ move-add-past-mul

std::unique_ptr<Model> AddThenMul(bool fork, bool runtime_scale) {
  GraphBuilder b;
  Value* x = b.Input("x", {2, 4}, DataType::Int(8));
  Value* a = runtime_scale ? b.Input("A", {4}) : b.Const("A", {4}, {0.5f, 2, 0.25f, -4});
  Value* t = b.Op("t", "Add", {x, b.Const("B", {4}, {1, -2, 0.5f, 3})});
  b.Output(b.Op("y", "Mul", {t, a}));
  if (fork) b.Output(t);
  return b.Build();
}

TEST(MoveAddPastMulTest, ScaleFirstThenScaledBias) {
  auto m = AddThenMul(false, false);
  RewriteAndCheck(*m, "move-add-past-mul");
  EXPECT_THAT(OpTypes(*m->graph), ElementsAre("Mul", "Add"));
  Node* mul = FindOp(*m->graph, "Mul");
  Node* add = FindOp(*m->graph, "Add");
  EXPECT_EQ(mul->input(0)->name(), "x");
  EXPECT_THAT(ConstInput(add, 1), ElementsAre(0.5f, -4, 0.125f, -12));
  EXPECT_EQ(add->output(0)->name(), "y");  // the graph output keeps its name
}

TEST(MoveAddPastMulTest, LeavesForksAndRuntimeScalesAlone) {
  auto fork = AddThenMul(true, false);
  ExpectNoRewrite(*fork, "move-add-past-mul");
  auto runtime = AddThenMul(false, true);
  ExpectNoRewrite(*runtime, "move-add-past-mul");
}

// ============================================================================
// move-scalar-add-past-matmul

std::unique_ptr<Model> AddThenMatMul(bool weights_first, std::vector<float> bias) {
  GraphBuilder b;
  Value* x = b.Input("x", weights_first ? Dims{4, 3} : Dims{3, 4}, DataType::Int(4));
  Value* t = b.Op("t", "Add", {x, b.Const("a", {static_cast<int64_t>(bias.size())}, bias)});
  const std::vector<float> w = {1, -2, 3, 0, -1, 4, 2, 2};
  Value* y = weights_first ? b.Op("y", "MatMul", {b.Const("W", {2, 4}, w, DataType::Int(4)), t})
                           : b.Op("y", "MatMul", {t, b.Const("W", {4, 2}, w, DataType::Int(4))});
  b.Output(y);
  return b.Build();
}

TEST(MoveScalarAddPastMatMulTest, BiasBecomesScaledColumnSums) {
  auto m = AddThenMatMul(false, {2});
  RewriteAndCheck(*m, "move-scalar-add-past-matmul");
  EXPECT_THAT(OpTypes(*m->graph), ElementsAre("MatMul", "Add"));
  EXPECT_EQ(FindOp(*m->graph, "MatMul")->input(0)->name(), "x");
  // W = [[1, -2], [3, 0], [-1, 4], [2, 2]]: column sums 5 and 4.
  Node* add = FindOp(*m->graph, "Add");
  EXPECT_THAT(ConstInput(add, 1), ElementsAre(10, 8));
  EXPECT_EQ(ConstantData(add->input(1))->dims(), (Dims{1, 2}));
}

TEST(MoveScalarAddPastMatMulTest, WeightsOnInputZeroGiveRowSums) {
  auto m = AddThenMatMul(true, {2});
  RewriteAndCheck(*m, "move-scalar-add-past-matmul");
  // W = [[1, -2, 3, 0], [-1, 4, 2, 2]]: row sums 2 and 7, one per output row.
  Node* add = FindOp(*m->graph, "Add");
  EXPECT_THAT(ConstInput(add, 1), ElementsAre(4, 14));
  EXPECT_EQ(ConstantData(add->input(1))->dims(), (Dims{2, 1}));
}

TEST(MoveScalarAddPastMatMulTest, LeavesPerChannelBiasesAlone) {
  auto m = AddThenMatMul(false, {1, 2, 3, 4});
  ExpectNoRewrite(*m, "move-scalar-add-past-matmul");
}

// ============================================================================
// move-scalar-mul-past-matmul

TEST(MoveScalarMulPastMatMulTest, MovesPastEveryMatMulOfAFork) {
  GraphBuilder b;
  Value* x = b.Input("x", {2, 4}, DataType::Int(8));
  Value* t = b.Op("t", "Mul", {x, b.Const("s", {1}, {0.25f})});
  b.Output(
      b.Op("y", "MatMul",
           {t, b.Const("W", {4, 3}, {1, 2, 3, 4, 5, 6, -1, -2, -3, 0, 1, 7}, DataType::Int(4))}));
  b.Output(b.Op("z", "MatMul", {b.Const("V", {3, 2}, {1, -1, 2, 0, 3, 5}, DataType::Int(4)), t}));
  auto m = b.Build();
  RewriteAndCheck(*m, "move-scalar-mul-past-matmul");
  EXPECT_EQ(CountOps(*m->graph, "Mul"), 2);
  for (int i = 0; i < 2; ++i) {
    Node* mm = FindOp(*m->graph, "MatMul", i);
    EXPECT_TRUE(mm->input(0)->name() == "x" || mm->input(1)->name() == "x");
    Node* mul = mm->output(0)->uses().at(0).node;
    EXPECT_EQ(mul->op_type(), "Mul");
    EXPECT_THAT(ConstInput(mul, 1), ElementsAre(0.25f));
    // The MatMul now multiplies integers: its result is integer-typed.
    EXPECT_TRUE(mm->output(0)->type().dtype.IsInteger()) << mm->output(0)->type().ToString();
  }
  EXPECT_EQ(m->graph->outputs()[0]->producer()->op_type(), "Mul");
}

TEST(MoveScalarMulPastMatMulTest, LeavesMixedForksAndPerChannelScalesAlone) {
  {
    GraphBuilder b;
    Value* x = b.Input("x", {2, 4}, DataType::Int(8));
    Value* t = b.Op("t", "Mul", {x, b.Const("s", {1}, {0.25f})});
    b.Output(b.Op("y", "MatMul", {t, b.Const("W", {4, 1}, {1, 2, 3, 4})}));
    b.Output(b.Op("r", "Relu", {t}));
    auto m = b.Build();
    ExpectNoRewrite(*m, "move-scalar-mul-past-matmul");
  }
  {
    GraphBuilder b;
    Value* x = b.Input("x", {2, 4}, DataType::Int(8));
    Value* t = b.Op("t", "Mul", {x, b.Const("s", {4}, {0.25f, 0.5f, 1, 2})});
    b.Output(b.Op("y", "MatMul", {t, b.Const("W", {4, 1}, {1, 2, 3, 4})}));
    auto m = b.Build();
    ExpectNoRewrite(*m, "move-scalar-mul-past-matmul");
  }
}

// ============================================================================ convolutions

std::vector<float> Iota(int n, float start, float step, int modulo) {
  std::vector<float> v;
  for (int i = 0; i < n; ++i) v.push_back(start + step * static_cast<float>(i % modulo));
  return v;
}

std::unique_ptr<Model> AddThenConv(std::vector<int64_t> pads, std::vector<int64_t> dilations) {
  GraphBuilder b;
  Value* x = b.Input("x", {1, 2, 7, 7}, DataType::Int(4));
  Value* t = b.Op("t", "Add", {x, b.Const("A", {1, 2, 1, 1}, {1, -2})});
  Value* w = b.Const("W", {3, 2, 3, 3}, Iota(54, -7, 1, 15), DataType::Int(4));
  Value* bias = b.Const("B", {3}, {0.5f, -1, 2});
  std::vector<testing::Attr> attrs;
  attrs.emplace_back("pads", Ints(pads));
  if (!dilations.empty()) attrs.emplace_back("dilations", Ints(dilations));
  b.Output(b.Op("y", "Conv", {t, w, bias}, attrs));
  return b.Build();
}

TEST(MoveAddPastConvTest, BiasBecomesPerOutputChannelWindowSums) {
  for (std::vector<int64_t> dilations : {std::vector<int64_t>{}, std::vector<int64_t>{2, 2}}) {
    auto m = AddThenConv({0, 0, 0, 0}, dilations);
    const std::vector<float> w = ConstInput(FindOp(*m->graph, "Conv"), 1);
    RewriteAndCheck(*m, "move-add-past-conv");
    EXPECT_THAT(OpTypes(*m->graph), ElementsAre("Conv", "Add"));
    Node* add = FindOp(*m->graph, "Add");
    EXPECT_EQ(ConstantData(add->input(1))->dims(), (Dims{1, 3, 1, 1}));
    // Brute force: sum over c, kh, kw of W[o, c, kh, kw] * A[c].
    std::vector<float> want(3, 0);
    for (int o = 0; o < 3; ++o) {
      for (int c = 0; c < 2; ++c) {
        for (int k = 0; k < 9; ++k) want[o] += w[(o * 2 + c) * 9 + k] * (c == 0 ? 1.0f : -2.0f);
      }
    }
    EXPECT_THAT(ConstInput(add, 1), ElementsAreArray(want));
  }
}

TEST(MoveAddPastConvTest, LeavesPaddedConvAlone) {
  auto m = AddThenConv({1, 1, 1, 1}, {});
  ExpectNoRewrite(*m, "move-add-past-conv");
}

std::unique_ptr<Model> MulThenConv(bool with_bias) {
  GraphBuilder b;
  Value* x = b.Input("x", {1, 2, 5, 5}, DataType::Int(4));
  Value* t = b.Op("t", "Mul", {x, b.Scalar("s", 0.5f)});
  std::vector<Value*> in = {t, b.Const("W", {3, 2, 3, 3}, Iota(54, -7, 1, 15), DataType::Int(4))};
  if (with_bias) in.push_back(b.Const("B", {3}, {1, 2, 3}));
  b.Output(b.Op("y", "Conv", in, {{"pads", Ints({1, 1, 1, 1})}}));
  return b.Build();
}

TEST(MoveScalarMulPastConvTest, ScaleMovesBehindPaddedConv) {
  auto m = MulThenConv(false);
  RewriteAndCheck(*m, "move-scalar-mul-past-conv");
  EXPECT_THAT(OpTypes(*m->graph), ElementsAre("Conv", "Mul"));
  EXPECT_EQ(FindOp(*m->graph, "Conv")->input(0)->name(), "x");
  EXPECT_TRUE(FindOp(*m->graph, "Conv")->output(0)->type().dtype.IsInteger());
}

TEST(MoveScalarMulPastConvTest, LeavesConvWithBiasAlone) {
  auto m = MulThenConv(true);
  ExpectNoRewrite(*m, "move-scalar-mul-past-conv");
}

std::unique_ptr<Model> MulThenMaxPool(std::vector<float> scale) {
  GraphBuilder b;
  Value* x = b.Input("x", {1, 3, 4, 4});
  Value* t = b.Op("t", "Mul", {x, b.Const("A", {1, 3, 1, 1}, scale)});
  b.Output(b.Op("y", "MaxPool", {t}, {{"kernel_shape", Ints({2, 2})}, {"strides", Ints({2, 2})}}));
  return b.Build();
}

TEST(MoveMulPastMaxPoolTest, NonNegativeChannelScaleMovesExactlyEvenOnFloats) {
  auto m = MulThenMaxPool({0.3f, 0.0f, 3.7f});
  RewriteAndCheck(*m, "move-mul-past-maxpool");  // float inputs: bit-identical outputs
  EXPECT_THAT(OpTypes(*m->graph), ElementsAre("MaxPool", "Mul"));
  EXPECT_THAT(ConstInput(FindOp(*m->graph, "Mul"), 1), ElementsAre(0.3f, 0.0f, 3.7f));
}

TEST(MoveMulPastMaxPoolTest, LeavesNegativeScalesAlone) {
  auto m = MulThenMaxPool({0.3f, -1.0f, 3.7f});
  ExpectNoRewrite(*m, "move-mul-past-maxpool");
}

// ============================================================================
// move-scalar-linear-past-invariants

TEST(MoveScalarLinearPastInvariantsTest, ScalarsMovePastShapeOpsAndAveragePool) {
  GraphBuilder b;
  Value* x = b.Input("x", {2, 3, 4}, DataType::Int(8));
  Value* t = b.Op("t", "Mul", {x, b.Const("c", {1}, {0.5f})});
  b.Output(b.Op("y", "Transpose", {t}, {{"perm", Ints({0, 2, 1})}}));
  Value* u = b.Op("u", "Add", {x, b.Scalar("d", 1.5f)});
  b.Output(b.Op("z", "Reshape", {u, b.Int64s("shape", {6, 4})}));
  Value* v = b.Op("v", "Mul", {b.Input("p", {1, 3, 2, 2}, DataType::Int(8)), b.Scalar("e", 0.25f)});
  b.Output(b.Op("g", "GlobalAveragePool", {v}));
  auto m = b.Build();
  RewriteAndCheck(*m, "move-scalar-linear-past-invariants");
  const std::pair<const char*, const char*> want[] = {
      {"Mul", "Transpose"}, {"Add", "Reshape"}, {"Mul", "GlobalAveragePool"}};
  for (int i = 0; i < 3; ++i) {
    const Node* last = m->graph->outputs()[i]->producer();
    EXPECT_EQ(last->op_type(), want[i].first);
    EXPECT_EQ(last->input(0)->producer()->op_type(), want[i].second);
    EXPECT_EQ(ConstantData(last->input(1))->rank(), 0);
  }
}

TEST(MoveScalarLinearPastInvariantsTest, LeavesPerChannelScalesAlone) {
  GraphBuilder b;
  Value* x = b.Input("x", {2, 3, 4}, DataType::Int(8));
  Value* t = b.Op("t", "Mul", {x, b.Const("c", {3, 1}, {0.5f, 1, 2})});
  b.Output(b.Op("y", "Transpose", {t}, {{"perm", Ints({0, 2, 1})}}));
  auto m = b.Build();
  ExpectNoRewrite(*m, "move-scalar-linear-past-invariants");
}

// ============================================================== move-scaled-bias-past-eltwise-mul

// (x * a + C) * v with C = K * a: Brevitas' CIFG forget gate Q(1) - i times the cell state.
std::unique_ptr<Model> ScaledBiasTimesValue(float a, float c) {
  GraphBuilder b;
  Value* x = b.Input("x", {2, 4}, DataType::Int(4));
  Value* v = b.Input("v", {2, 4}, DataType::Int(8));
  Value* t = b.Op("t", "Mul", {x, b.Scalar("a", a)});
  Value* u = b.Op("u", "Add", {t, b.Scalar("c", c)});
  b.Output(b.Op("y", "Mul", {v, u}));
  return b.Build();
}

TEST(MoveScaledBiasPastEltwiseMulTest, IntegerBiasAndTheScaleAfterTheProduct) {
  auto m = ScaledBiasTimesValue(0.125f, 0.875f);  // power of two: the rewrite is exact
  RewriteAndCheck(*m, "move-scaled-bias-past-eltwise-mul");
  EXPECT_THAT(OpTypes(*m->graph), ElementsAre("Add", "Mul", "Mul"));
  Node* add = FindOp(*m->graph, "Add");
  EXPECT_EQ(add->input(0)->name(), "x");
  EXPECT_THAT(ConstInput(add, 1), ElementsAre(7));
  Node* product = FindOp(*m->graph, "Mul", 0);
  EXPECT_EQ(product->input(0)->name(), "v");
  EXPECT_TRUE(product->output(0)->type().dtype.IsInteger());
  EXPECT_THAT(ConstInput(FindOp(*m->graph, "Mul", 1), 1), ElementsAre(0.125f));
  EXPECT_EQ(m->graph->outputs()[0]->name(), "y");
}

TEST(MoveScaledBiasPastEltwiseMulTest, LeavesBiasesOffTheScaleGridAlone) {
  auto off_grid = ScaledBiasTimesValue(0.125f, 0.3f);
  ExpectNoRewrite(*off_grid, "move-scaled-bias-past-eltwise-mul");
  // 0.1f * 9 is not 0.9f in float32: K * a must give C back bit for bit.
  auto inexact = ScaledBiasTimesValue(0.1f, 0.9f);
  ExpectNoRewrite(*inexact, "move-scaled-bias-past-eltwise-mul");
}

// ============================================================================ sub-to-add (c - x)

TEST(SubToAddTest, ConstantMinusValueNegatesTheValue) {
  GraphBuilder b;
  Value* x = b.Input("x", {2, 3});
  b.Output(b.Op("y", "Sub", {b.Const("c", {3}, {1.5f, -2, 0.3f}), x}));
  auto m = b.Build();
  RewriteAndCheck(*m, "sub-to-add");  // bit-identical outputs
  EXPECT_THAT(OpTypes(*m->graph), ElementsAre("Mul", "Add"));
  EXPECT_THAT(ConstInput(FindOp(*m->graph, "Mul"), 1), ElementsAre(-1));
  EXPECT_EQ(FindOp(*m->graph, "Add")->input(1)->name(), "c");
}

// ============================================================================ collapse-repeated-*

std::unique_ptr<Model> Repeated(const std::string& op, std::vector<float> first, bool fork) {
  GraphBuilder b;
  Value* x = b.Input("x", {2, 4}, DataType::Int(8));
  Value* t = b.Op("t", op, {x, b.Const("c1", {static_cast<int64_t>(first.size())}, first)});
  b.Output(b.Op("y", op, {t, b.Const("c2", {4}, {0.5f, 2, -1, 4})}));
  if (fork) b.Output(t);
  return b.Build();
}

TEST(CollapseRepeatedTest, TwoScalesBecomeOne) {
  auto m = Repeated("Mul", {0.25f}, false);
  RewriteAndCheck(*m, "collapse-repeated-mul");
  EXPECT_THAT(OpTypes(*m->graph), ElementsAre("Mul"));
  EXPECT_THAT(ConstInput(FindOp(*m->graph, "Mul"), 1), ElementsAre(0.125f, 0.5f, -0.25f, 1));
  EXPECT_EQ(m->graph->outputs()[0]->name(), "y");
}

TEST(CollapseRepeatedTest, TwoBiasesBecomeOne) {
  auto m = Repeated("Add", {1.5f}, false);
  RewriteAndCheck(*m, "collapse-repeated-add");
  EXPECT_THAT(OpTypes(*m->graph), ElementsAre("Add"));
  EXPECT_THAT(ConstInput(FindOp(*m->graph, "Add"), 1), ElementsAre(2, 3.5f, 0.5f, 5.5f));
}

TEST(CollapseRepeatedTest, LeavesForksAndFactoredSignsAlone) {
  auto fork = Repeated("Mul", {0.25f}, true);
  ExpectNoRewrite(*fork, "collapse-repeated-mul");
  auto add_fork = Repeated("Add", {0.25f}, true);
  ExpectNoRewrite(*add_fork, "collapse-repeated-add");
  // A sign vector in front of a magnitude is what factor-out-mul-sign-magnitude produced.
  auto sign = Repeated("Mul", {1, -1, 1, -1}, false);
  ExpectNoRewrite(*sign, "collapse-repeated-mul");
}

// ============================================================================
// move-linear-past-eltwise-*

std::unique_ptr<Model> EltwiseAdd(const std::string& op, std::vector<float> c1,
                                  std::vector<float> c2) {
  GraphBuilder b;
  Value* x1 = b.Input("x1", {2, 4}, DataType::Int(8));
  Value* x2 = b.Input("x2", {2, 4}, DataType::Int(8));
  Value* a = b.Op("a", op, {x1, b.Const("c1", {4}, c1)});
  Value* c = b.Op("c", op, {x2, b.Const("c2", {4}, c2)});
  b.Output(b.Op("y", "Add", {a, c}));
  return b.Build();
}

TEST(MoveLinearPastEltwiseAddTest, CommonScaleMovesBehindTheSum) {
  auto m = EltwiseAdd("Mul", {0.5f, 0.25f, 2, 1}, {0.5f, 0.25f, 2, 1});
  RewriteAndCheck(*m, "move-linear-past-eltwise-add");
  EXPECT_THAT(OpTypes(*m->graph), ElementsAre("Add", "Mul"));
  Node* add = FindOp(*m->graph, "Add");
  EXPECT_EQ(add->input(0)->name(), "x1");
  EXPECT_EQ(add->input(1)->name(), "x2");
  EXPECT_THAT(ConstInput(FindOp(*m->graph, "Mul"), 1), ElementsAre(0.5f, 0.25f, 2, 1));
}

TEST(MoveLinearPastEltwiseAddTest, BiasesAreSummedBehindTheSum) {
  auto m = EltwiseAdd("Add", {1, 2, 3, 4}, {0.5f, -2, 0, 1});
  RewriteAndCheck(*m, "move-linear-past-eltwise-add");
  EXPECT_THAT(OpTypes(*m->graph), ElementsAre("Add", "Add"));
  EXPECT_THAT(ConstInput(m->graph->outputs()[0]->producer(), 1), ElementsAre(1.5f, 0, 3, 5));
}

TEST(MoveLinearPastEltwiseAddTest, CommensurableScalesShareTheSmallerOne) {
  const std::vector<float> big = {0.5f, 0.25f, 2, 1}, small = {0.125f, 0.25f, 0.5f, 0.5f};
  for (bool swapped : {false, true}) {
    auto m = swapped ? EltwiseAdd("Mul", small, big) : EltwiseAdd("Mul", big, small);
    RewriteAndCheck(*m, "move-linear-past-eltwise-add");
    ASSERT_THAT(OpTypes(*m->graph), ElementsAre("Mul", "Add", "Mul"));
    Node* ratio = FindOp(*m->graph, "Mul", 0);
    EXPECT_EQ(ratio->input(0)->name(), swapped ? "x2" : "x1");
    EXPECT_THAT(ConstInput(ratio, 1), ElementsAre(4, 1, 4, 2));
    EXPECT_TRUE(ratio->output(0)->type().dtype.IsInteger());  // an integer Mul
    EXPECT_THAT(ConstInput(FindOp(*m->graph, "Mul", 1), 1), ElementsAreArray(small));
  }
  // Per element the smaller scale: both sides get integer factors.
  auto m = EltwiseAdd("Mul", {0.5f, 0.125f, 2, 1}, {0.125f, 0.25f, 0.5f, 0.5f});
  RewriteAndCheck(*m, "move-linear-past-eltwise-add");
  ASSERT_THAT(OpTypes(*m->graph), ElementsAre("Mul", "Mul", "Add", "Mul"));
  EXPECT_THAT(ConstInput(FindOp(*m->graph, "Mul", 0), 1), ElementsAre(4, 1, 4, 2));
  EXPECT_THAT(ConstInput(FindOp(*m->graph, "Mul", 1), 1), ElementsAre(1, 2, 1, 1));
  EXPECT_THAT(ConstInput(FindOp(*m->graph, "Mul", 2), 1), ElementsAre(0.125f, 0.125f, 0.5f, 0.5f));
}

TEST(MoveLinearPastEltwiseAddTest, LeavesIncommensurableScalesAlone) {
  auto m = EltwiseAdd("Mul", {0.5f, 0.25f, 2, 1}, {0.3f, 0.25f, 2, 1});
  ExpectNoRewrite(*m, "move-linear-past-eltwise-add");
}

TEST(MoveLinearPastEltwiseMulTest, BothScalesMoveBehindTheProduct) {
  GraphBuilder b;
  Value* x1 = b.Input("x1", {2, 4}, DataType::Int(8));
  Value* x2 = b.Input("x2", {2, 4}, DataType::Int(8));
  Value* a = b.Op("a", "Mul", {x1, b.Const("A", {4}, {0.5f, 0.25f, 2, 1})});
  Value* c = b.Op("c", "Mul", {x2, b.Const("B", {1}, {0.125f})});
  b.Output(b.Op("y", "Mul", {a, c}));
  auto m = b.Build();
  RewriteAndCheck(*m, "move-linear-past-eltwise-mul");
  ASSERT_THAT(OpTypes(*m->graph), ElementsAre("Mul", "Mul"));
  Node* product = FindOp(*m->graph, "Mul", 0);
  EXPECT_EQ(product->input(0)->name(), "x1");
  EXPECT_EQ(product->input(1)->name(), "x2");
  EXPECT_TRUE(product->output(0)->type().dtype.IsInteger());
  EXPECT_THAT(ConstInput(FindOp(*m->graph, "Mul", 1), 1),
              ElementsAre(0.0625f, 0.03125f, 0.25f, 0.125f));
}

TEST(MoveLinearPastEltwiseMulTest, OneScaledInputMovesAlone) {
  GraphBuilder b;
  Value* x1 = b.Input("x1", {2, 4}, DataType::Int(8));
  Value* x2 = b.Input("x2", {2, 4}, DataType::Int(8));
  Value* a = b.Op("a", "Mul", {x1, b.Const("A", {4}, {0.5f, 0.25f, 2, 1})});
  b.Output(b.Op("y", "Mul", {x2, a}));
  auto m = b.Build();
  RewriteAndCheck(*m, "move-linear-past-eltwise-mul");
  ASSERT_THAT(OpTypes(*m->graph), ElementsAre("Mul", "Mul"));
  EXPECT_EQ(FindOp(*m->graph, "Mul", 0)->input(0)->name(), "x2");
  EXPECT_EQ(FindOp(*m->graph, "Mul", 0)->input(1)->name(), "x1");
}

TEST(MoveLinearPastEltwiseMulTest, LeavesConstantProductsAlone) {
  auto m = Repeated("Mul", {0.25f}, false);  // Mul(Mul(x, c1), c2) is no elementwise product
  ExpectNoRewrite(*m, "move-linear-past-eltwise-mul");
}

// ============================================================================ forks

std::unique_ptr<Model> Fork(const std::string& op, bool also_output) {
  GraphBuilder b;
  Value* x = b.Input("x", {2, 4}, DataType::Int(8));
  Value* t = b.Op("t", op, {x, b.Scalar("c", 0.5f)});
  b.Output(
      b.Op("y", "MatMul", {t, b.Const("W", {4, 2}, {1, 2, 3, 4, 5, 6, 7, 8}, DataType::Int(4))}));
  b.Output(b.Op("r", "Relu", {t}));
  if (also_output) b.Output(t);
  return b.Build();
}

TEST(MoveOpPastForkTest, EachReaderGetsItsOwnCopy) {
  for (const char* op : {"Mul", "Add"}) {
    auto m = Fork(op, false);
    RewriteAndCheck(
        *m, std::string("move-") + (op == std::string("Mul") ? "mul" : "add") + "-past-fork");
    ASSERT_EQ(CountOps(*m->graph, op), 2) << op;
    for (int i = 0; i < 2; ++i) {
      Node* n = FindOp(*m->graph, op, i);
      EXPECT_EQ(n->output(0)->uses().size(), 1u);
      EXPECT_EQ(n->input(0)->name(), "x");
    }
  }
  // The copy on the MatMul branch can move on now.
  auto m = Fork("Mul", false);
  ASSERT_TRUE(RunPass(*m, "move-mul-past-fork").ok());
  RewriteAndCheck(*m, "move-scalar-mul-past-matmul");
  EXPECT_EQ(m->graph->outputs()[0]->producer()->op_type(), "Mul");
}

TEST(MoveOpPastForkTest, GraphOutputKeepsTheOriginal) {
  auto m = Fork("Mul", true);
  RewriteAndCheck(*m, "move-mul-past-fork");
  EXPECT_EQ(CountOps(*m->graph, "Mul"), 3);
  const Value* t = m->graph->outputs()[2];
  EXPECT_EQ(t->name(), "t");
  EXPECT_TRUE(t->uses().empty());
}

// ============================================================================
// factor-out-mul-sign-magnitude

TEST(FactorOutMulSignMagnitudeTest, SplitsSignAndMagnitudeBitExactly) {
  GraphBuilder b;
  Value* x = b.Input("x", {3, 4});
  b.Output(b.Op("y", "Mul", {x, b.Const("A", {4}, {0.5f, -0.25f, -0.0f, 3.3f})}));
  auto m = b.Build();
  std::unique_ptr<Model> before = m->Clone();
  RewriteAndCheck(*m, "factor-out-mul-sign-magnitude");
  ASSERT_THAT(OpTypes(*m->graph), ElementsAre("Mul", "Mul"));
  Node* sign = FindOp(*m->graph, "Mul", 0);
  EXPECT_EQ(sign->input(0)->name(), "x");
  EXPECT_THAT(ConstInput(sign, 1), ElementsAre(1, -1, -1, 1));
  EXPECT_EQ(sign->input(1)->type().dtype, DataType::Bipolar());
  EXPECT_THAT(ConstInput(FindOp(*m->graph, "Mul", 1), 1), ElementsAre(0.5f, 0.25f, 0.0f, 3.3f));
  // Bit for bit, signed zeros and denormals included.
  const float xs[] = {1.5f,   -2.0f,    3.0f, -7e-39f, 0.0f,  -0.0f,
                      1e-45f, -3.4e38f, 0.1f, -0.3f,   1e30f, -1.0f};
  Tensor in = Tensor::FromVector<float>({3, 4}, std::vector<float>(std::begin(xs), std::end(xs)));
  auto e0 = Executor::Create(*before);
  auto e1 = Executor::Create(*m);
  ASSERT_TRUE(e0.ok() && e1.ok());
  auto r0 = (*e0)->Run(std::vector<Tensor>{in});
  auto r1 = (*e1)->Run(std::vector<Tensor>{in});
  ASSERT_TRUE(r0.ok() && r1.ok());
  EXPECT_TRUE((*r0)[0].SameContents((*r1)[0]));
}

TEST(FactorOutMulSignMagnitudeTest, LeavesPositiveScalesAndSignsAlone) {
  for (std::vector<float> a : {std::vector<float>{0.5f, 2}, std::vector<float>{1, -1}}) {
    GraphBuilder b;
    b.Output(b.Op("y", "Mul", {b.Input("x", {3, 2}), b.Const("A", {2}, a)}));
    auto m = b.Build();
    ExpectNoRewrite(*m, "factor-out-mul-sign-magnitude");
  }
}

// ============================================================================
// absorb-1bit-mul-into-*

std::unique_ptr<Model> MatMulThenSign(bool weights_first, std::vector<float> w) {
  GraphBuilder b;
  Value* x = b.Input("x", weights_first ? Dims{3, 2} : Dims{2, 3}, DataType::Int(8));
  Value* wv = b.Const("W", weights_first ? Dims{4, 3} : Dims{3, 4}, w, DataType::Int(4));
  Value* t = weights_first ? b.Op("t", "MatMul", {wv, x}) : b.Op("t", "MatMul", {x, wv});
  Value* s = weights_first ? b.Const("S", {4, 1}, {1, -1, -1, 1}, DataType::Bipolar())
                           : b.Const("S", {4}, {1, -1, -1, 1}, DataType::Bipolar());
  b.Output(b.Op("y", "Mul", {t, s}));
  return b.Build();
}

TEST(Absorb1BitMulIntoMatMulTest, SignsFoldIntoWeightColumns) {
  const std::vector<float> w = {1, -7, 3, 0, 2, 5, -6, 7, -1, 0, 4, -3};
  auto m = MatMulThenSign(false, w);
  RewriteAndCheck(*m, "absorb-1bit-mul-into-matmul");
  ASSERT_THAT(OpTypes(*m->graph), ElementsAre("MatMul"));
  Node* mm = FindOp(*m->graph, "MatMul");
  EXPECT_EQ(mm->output(0)->name(), "y");
  EXPECT_EQ(mm->name(), "t");
  EXPECT_THAT(ConstInput(mm, 1), ElementsAre(1, 7, -3, 0, 2, -5, 6, 7, -1, 0, -4, -3));
  EXPECT_EQ(mm->input(1)->type().dtype, DataType::Int(4));
}

TEST(Absorb1BitMulIntoMatMulTest, WeightsOnInputZeroFoldRows) {
  const std::vector<float> w = {1, -7, 3, 0, 2, 5, -6, 7, -1, 0, 4, -3};
  auto m = MatMulThenSign(true, w);
  RewriteAndCheck(*m, "absorb-1bit-mul-into-matmul");
  EXPECT_THAT(ConstInput(FindOp(*m->graph, "MatMul"), 0),
              ElementsAre(1, -7, 3, 0, -2, -5, 6, -7, 1, 0, 4, -3));
}

TEST(Absorb1BitMulIntoMatMulTest, RefusesWeightsThatLeaveTheirType) {
  // -8 in a negated column would become 8, which INT4 cannot hold.
  auto m = MatMulThenSign(false, {1, -8, 3, 0, 2, 5, -6, 7, -1, 0, 4, -3});
  PassContext ctx;
  auto changed = RunPass(*m, "absorb-1bit-mul-into-matmul", &ctx);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
  ASSERT_EQ(ctx.warnings.size(), 1u);
  EXPECT_THAT(ctx.warnings[0], HasSubstr("node 'y' (Mul): not absorbed into the weights 'W' of "
                                         "node 't' (MatMul): the result leaves INT4"));
}

TEST(Absorb1BitMulIntoConvTest, SignsFoldIntoWeightsAndBias) {
  GraphBuilder b;
  Value* x = b.Input("x", {1, 2, 4, 4}, DataType::Int(4));
  Value* t = b.Op("t", "Conv",
                  {x, b.Const("W", {2, 2, 3, 3}, Iota(36, -7, 1, 15), DataType::Int(4)),
                   b.Const("B", {2}, {1, -3})});
  b.Output(b.Op("y", "Mul", {t, b.Const("S", {1, 2, 1, 1}, {-1, 1}, DataType::Bipolar())}));
  auto m = b.Build();
  RewriteAndCheck(*m, "absorb-1bit-mul-into-conv");
  ASSERT_THAT(OpTypes(*m->graph), ElementsAre("Conv"));
  Node* conv = FindOp(*m->graph, "Conv");
  std::vector<float> want = Iota(36, -7, 1, 15);
  for (int i = 0; i < 18; ++i) want[i] = -want[i];
  EXPECT_THAT(ConstInput(conv, 1), ElementsAreArray(want));
  EXPECT_THAT(ConstInput(conv, 2), ElementsAre(-1, -3));
}

// ============================================================================ absorb into
// thresholds

struct LayoutCase {
  std::string layout;
  Dims x;
  Dims param;
  int64_t axis;
};
const LayoutCase kLayouts[] = {{"NC", {5, 3}, {3}, 1},
                               {"NCHW", {2, 3, 2, 2}, {1, 3, 1, 1}, 1},
                               {"NHWC", {1, 2, 2, 3}, {3}, 3}};

const std::vector<float> kThresholds = {-1.5f, -0.5f, 0.5f, 1.5f, 2.5f};

std::unique_ptr<Model> LinearThenThreshold(const std::string& op, const LayoutCase& lc,
                                           std::vector<float> param,
                                           std::vector<float> thresholds = kThresholds) {
  GraphBuilder b;
  Value* x = b.Input("x", lc.x);
  Value* p = param.size() == 1 ? b.Const("P", {1}, param) : b.Const("P", lc.param, param);
  Value* t = b.Op("t", op, {x, p});
  const int64_t n = static_cast<int64_t>(thresholds.size());
  b.Output(b.Mt("y", t, b.Const("T", {1, n}, thresholds), "UINT3", lc.layout));
  return b.Build();
}

// Rows of NC inputs that sit on or within 3 ulps of each threshold's exact preimage and of its
// naive preimage (T / a or T - b), per channel.
Tensor TieInputs(const std::vector<float>& thresholds, const std::vector<float>& params, bool mul) {
  std::vector<float> rows;
  const size_t c = params.size();
  std::vector<std::vector<float>> per_channel(c);
  for (size_t ch = 0; ch < c; ++ch) {
    for (float t : thresholds) {
      const float p = params[ch];
      const float exact = mul ? ThresholdBeforeMul(t, p) : ThresholdBeforeAdd(t, p);
      const float naive = mul ? t / p : t - p;
      for (float center : {exact, naive}) {
        float v = center;
        for (int i = 0; i < 3; ++i) v = std::nextafter(v, -INFINITY);
        for (int i = 0; i < 7; ++i, v = std::nextafter(v, INFINITY)) per_channel[ch].push_back(v);
      }
    }
  }
  const size_t n = per_channel[0].size();
  for (size_t r = 0; r < n; ++r) {
    for (size_t ch = 0; ch < c; ++ch) rows.push_back(per_channel[ch][r]);
  }
  return Tensor::FromVector<float>({static_cast<int64_t>(n), static_cast<int64_t>(c)}, rows);
}

// Absorbs into the thresholds of an NC model and counts output mismatches on the tie inputs.
int64_t TieMismatches(const std::string& op, const std::vector<float>& params,
                      const std::vector<float>& thresholds) {
  const bool mul = op == "Mul";
  Tensor ties = TieInputs(thresholds, params, mul);
  LayoutCase nc{"NC", ties.dims(), {static_cast<int64_t>(params.size())}, 1};
  auto m = LinearThenThreshold(op, nc, params, thresholds);
  std::unique_ptr<Model> before = m->Clone();
  auto changed =
      RunPass(*m, mul ? "absorb-mul-into-multithreshold" : "absorb-add-into-multithreshold");
  EXPECT_TRUE(changed.ok() && *changed);
  EXPECT_EQ(CountOps(*m->graph, op), 0);
  return CountMismatches(*before, *m, {{ties}});
}

TEST(AbsorbAddIntoMultiThresholdTest, PerChannelBiasMovesIntoThresholdsInEveryLayout) {
  for (const LayoutCase& lc : kLayouts) {
    SCOPED_TRACE(lc.layout);
    const std::vector<float> bias = {0.1f, -0.3f, 7.77f};
    auto m = LinearThenThreshold("Add", lc, bias);
    RewriteAndCheck(*m, "absorb-add-into-multithreshold");
    ASSERT_THAT(OpTypes(*m->graph), ElementsAre("MultiThreshold"));
    Node* mt = FindOp(*m->graph, "MultiThreshold");
    EXPECT_EQ(mt->input(0)->name(), "x");
    EXPECT_EQ(ConstantData(mt->input(1))->dims(), (Dims{3, 5}));
    std::vector<float> want;
    for (float b : bias) {
      for (float t : kThresholds) want.push_back(ThresholdBeforeAdd(t, b));
    }
    EXPECT_THAT(ConstInput(mt, 1), ElementsAreArray(want));
  }
}

TEST(AbsorbAddIntoMultiThresholdTest, ScalarBiasKeepsSharedThresholds) {
  auto m = LinearThenThreshold("Add", kLayouts[0], {0.1f});
  RewriteAndCheck(*m, "absorb-add-into-multithreshold");
  EXPECT_EQ(ConstantData(FindOp(*m->graph, "MultiThreshold")->input(1))->dims(), (Dims{1, 5}));
}

TEST(AbsorbAddIntoMultiThresholdTest, ExactOnInputsAtTheThresholds) {
  const std::vector<float> thresholds = {-7.25f, -1.5f, 0.1f, 0.3f, 0.5f, 1.5f, 2.5f, 1e5f};
  EXPECT_EQ(TieMismatches("Add", {0.1f, -0.3f, 7.77f, 1e-3f, -1234.5678f}, thresholds), 0);
}

TEST(AbsorbMulIntoMultiThresholdTest, PositiveChannelScaleMovesIntoThresholdsInEveryLayout) {
  for (const LayoutCase& lc : kLayouts) {
    SCOPED_TRACE(lc.layout);
    const std::vector<float> scale = {0.1f, 0.3f, 3.7e-3f};
    auto m = LinearThenThreshold("Mul", lc, scale);
    RewriteAndCheck(*m, "absorb-mul-into-multithreshold");
    ASSERT_THAT(OpTypes(*m->graph), ElementsAre("MultiThreshold"));
    Node* mt = FindOp(*m->graph, "MultiThreshold");
    std::vector<float> want;
    for (float a : scale) {
      for (float t : kThresholds) want.push_back(ThresholdBeforeMul(t, a));
    }
    EXPECT_THAT(ConstInput(mt, 1), ElementsAreArray(want));
  }
}

TEST(AbsorbMulIntoMultiThresholdTest, ExactOnInputsAtTheThresholdsWhereTOverAIsNot) {
  // The QONNX identity-handler grid (k + 0.5) s for a non-power-of-two s, and other scales.
  std::vector<float> thresholds;
  for (int k = -8; k < 8; ++k) thresholds.push_back((static_cast<float>(k) + 0.5f) * 0.37f);
  const std::vector<float> scales = {0.1f, 0.3f, 3.7e-3f, 0.37f, 1.0f / 3.0f, 0.0078125f};
  EXPECT_EQ(TieMismatches("Mul", scales, thresholds), 0);
  // The same inputs do catch the naive T / A thresholds: the test is sharp.
  Tensor ties = TieInputs(thresholds, scales, true);
  LayoutCase nc{"NC", ties.dims(), {static_cast<int64_t>(scales.size())}, 1};
  auto reference = LinearThenThreshold("Mul", nc, scales, thresholds);
  GraphBuilder naive_builder;
  std::vector<float> naive;
  for (float a : scales) {
    for (float t : thresholds) naive.push_back(t / a);
  }
  Value* x = naive_builder.Input("x", ties.dims());
  naive_builder.Output(naive_builder.Mt(
      "y", x,
      naive_builder.Const(
          "T", {static_cast<int64_t>(scales.size()), static_cast<int64_t>(thresholds.size())},
          naive),
      "UINT3", "NC"));
  auto naive_model = naive_builder.Build();
  int64_t total = 0;
  const int64_t naive_mismatches = CountMismatches(*reference, *naive_model, {{ties}}, &total);
  std::cout << "[streamline] T/A thresholds: " << naive_mismatches << " of " << total
            << " tie outputs differ; exact search: 0\n";
  EXPECT_GT(naive_mismatches, 0);
}

TEST(AbsorbMulIntoMultiThresholdTest, ForkIntoSeveralThresholdsAbsorbsIntoEach) {
  GraphBuilder b;
  Value* x = b.Input("x", {4, 3});
  Value* t = b.Op("t", "Mul", {x, b.Const("A", {3}, {0.1f, 0.2f, 0.3f})});
  b.Output(b.Mt("y", t, b.Const("T", {1, 3}, {0.5f, 1, 1.5f}), "UINT2", "NC"));
  b.Output(b.Mt("z", t, b.Const("U", {3, 1}, {0.05f, -0.1f, 0.2f}), "BINARY", "NC"));
  auto m = b.Build();
  RewriteAndCheck(*m, "absorb-mul-into-multithreshold");
  EXPECT_THAT(OpTypes(*m->graph), ElementsAre("MultiThreshold", "MultiThreshold"));
}

TEST(AbsorbMulIntoMultiThresholdTest, LeavesNegativeAndZeroScalesAndForksAlone) {
  for (std::vector<float> scale :
       {std::vector<float>{0.1f, -0.2f, 0.3f}, std::vector<float>{0.1f, 0.0f, 0.3f}}) {
    auto m = LinearThenThreshold("Mul", kLayouts[0], scale);
    ExpectNoRewrite(*m, "absorb-mul-into-multithreshold");
  }
  GraphBuilder b;
  Value* x = b.Input("x", {4, 3});
  Value* t = b.Op("t", "Mul", {x, b.Const("A", {3}, {0.1f, 0.2f, 0.3f})});
  b.Output(b.Mt("y", t, b.Const("T", {1, 3}, {0.5f, 1, 1.5f}), "UINT2", "NC"));
  b.Output(b.Op("r", "Relu", {t}));
  auto m = b.Build();
  ExpectNoRewrite(*m, "absorb-mul-into-multithreshold");
}

TEST(AbsorbAddIntoMultiThresholdTest, LeavesRuntimeThresholdsAlone) {
  GraphBuilder b;
  Value* x = b.Input("x", {4, 3});
  Value* t = b.Op("t", "Add", {x, b.Const("B", {3}, {0.1f, 0.2f, 0.3f})});
  b.Output(b.Mt("y", t, b.Input("T", {1, 3}), "UINT2", "NC"));
  auto m = b.Build();
  ExpectNoRewrite(*m, "absorb-add-into-multithreshold");
}

// ============================================================================
// absorb-sign-bias-into-multithreshold

std::unique_ptr<Model> ThresholdThenBias(std::vector<float> bias, float out_bias = 0) {
  GraphBuilder b;
  Value* x = b.Input("x", {2, 3});
  std::vector<float> t;
  for (int k = 0; k < 15; ++k) t.push_back(static_cast<float>(k) - 6.5f);
  Value* m = b.Mt("m", x, b.Const("T", {1, 15}, t), "INT4", "NC", 1.0f, out_bias);
  const Dims dims = bias.size() == 1 ? Dims{} : Dims{static_cast<int64_t>(bias.size())};
  b.Output(b.Op("y", "Add", {m, b.Const("A", dims, bias)}));
  return b.Build();
}

TEST(AbsorbSignBiasIntoMultiThresholdTest, BiasBecomesOutBiasAndTypeIsSigned) {
  auto m = ThresholdThenBias({-8});
  RewriteAndCheck(*m, "absorb-sign-bias-into-multithreshold");
  ASSERT_THAT(OpTypes(*m->graph), ElementsAre("MultiThreshold"));
  Node* mt = FindOp(*m->graph, "MultiThreshold");
  EXPECT_EQ(mt->name(), "m");
  EXPECT_EQ(mt->GetFloat("out_bias", 0), -8.0f);
  EXPECT_EQ(mt->GetString("out_dtype", ""), "INT4");
  EXPECT_EQ(mt->output(0)->name(), "y");
  EXPECT_EQ(mt->output(0)->type().dtype, DataType::Int(4));
}

TEST(AbsorbSignBiasIntoMultiThresholdTest, LeavesPerChannelAndInexactBiasesAlone) {
  auto per_channel = ThresholdThenBias({-8, -7, -8});
  ExpectNoRewrite(*per_channel, "absorb-sign-bias-into-multithreshold");
  // fl(fl(k + 0.1) + 0.2) != fl(k + fl(0.1 + 0.2)) for k = 1, 4, 5, 6, 7.
  auto inexact = ThresholdThenBias({0.2f}, 0.1f);
  ExpectNoRewrite(*inexact, "absorb-sign-bias-into-multithreshold");
}

// ============================================================================
// round-and-clip-thresholds

TEST(RoundAndClipThresholdsTest, SignedInputRoundsUpAndClipsToTheRange) {
  GraphBuilder b;
  Value* x = b.Input("x", {16, 2}, DataType::Int(4));
  b.Output(b.Mt("y", x, b.Const("T", {2, 4}, {-9.5f, -0.25f, 3, 12, -100, 0.5f, 6.99f, 7}), "UINT3",
                "NC"));
  auto m = b.Build();
  std::unique_ptr<Model> before = m->Clone();
  RewriteAndCheck(*m, "round-and-clip-thresholds");
  Node* mt = FindOp(*m->graph, "MultiThreshold");
  EXPECT_THAT(ConstInput(mt, 1), ElementsAre(-8, 0, 3, 8, -8, 1, 7, 7));
  EXPECT_FALSE(std::signbit(ConstantData(mt->input(1))->data<float>()[1]));  // +0, not ceil's -0
  EXPECT_EQ(mt->input(1)->type().dtype, DataType::Int(5));
  EXPECT_TRUE(mt->input(1)->type().dtype_annotated);
  // Every INT4 input value, in both channels.
  std::vector<float> all;
  for (int v = -8; v < 8; ++v)
    all.insert(all.end(), {static_cast<float>(v), static_cast<float>(v)});
  EXPECT_EQ(CountMismatches(*before, *m, {{Tensor::FromVector<float>({16, 2}, all)}}), 0);
  // Idempotent.
  ExpectNoRewrite(*m, "round-and-clip-thresholds");
}

TEST(RoundAndClipThresholdsTest, UnsignedInputClipsAtZero) {
  GraphBuilder b;
  Value* x = b.Input("x", {8, 1}, DataType::UInt(3));
  b.Output(b.Mt("y", x, b.Const("T", {1, 3}, {-2.5f, 3.2f, 100}), "UINT2", "NC"));
  auto m = b.Build();
  RewriteAndCheck(*m, "round-and-clip-thresholds");
  Node* mt = FindOp(*m->graph, "MultiThreshold");
  EXPECT_THAT(ConstInput(mt, 1), ElementsAre(0, 4, 8));
  EXPECT_EQ(mt->input(1)->type().dtype, DataType::UInt(4));
}

TEST(RoundAndClipThresholdsTest, RangeOfARawCountInputComesFromTheThresholdNode) {
  // Right after QONNX -> FINN conversion m says INT4 but holds counts 0..15.
  GraphBuilder b;
  Value* x = b.Input("x", {4, 1});
  std::vector<float> t0;
  for (int k = 0; k < 15; ++k) t0.push_back(static_cast<float>(k) * 0.25f - 1.75f);
  Value* m0 = b.Mt("m", x, b.Const("T0", {1, 15}, t0), "INT4", "NC");
  b.Output(b.Mt("y", m0, b.Const("T1", {1, 3}, {3.5f, 9.5f, 14.5f}), "UINT2", "NC"));
  auto m = b.Build();
  RewriteAndCheck(*m, "round-and-clip-thresholds");
  EXPECT_THAT(ConstInput(FindOp(*m->graph, "MultiThreshold", 1), 1), ElementsAre(4, 10, 15));
}

TEST(RoundAndClipThresholdsTest, LeavesFloatInputsAlone) {
  auto m = LinearThenThreshold("Add", kLayouts[0], {0.5f});
  ExpectNoRewrite(*m, "round-and-clip-thresholds");
}

// ============================================================================ Scan bodies

// A Scan whose body scales each step and thresholds it; the thresholds live in the main graph.
std::unique_ptr<Model> ScanWithScaledThreshold() {
  auto m = std::make_unique<Model>();
  m->opset_imports = {{"", 17}, {kQonnxDomain, 1}};
  Graph& g = *m->graph;
  Value* s0 = *g.AddValue("s0", testing::FloatTypeOf({1, 4}));
  Value* xs = *g.AddValue("xs", testing::FloatTypeOf({3, 1, 4}));
  g.AddInput(s0);
  g.AddInput(xs);
  *g.AddInitializer("T", Tensor::FromVector<float>({1, 3}, {0.5f, 1.5f, 2.5f}));
  auto body = std::make_unique<Graph>("body", &g);
  Value* s = *body->AddValue("s", testing::FloatTypeOf({1, 4}));
  Value* x = *body->AddValue("x", testing::FloatTypeOf({1, 4}));
  body->AddInput(s);
  body->AddInput(x);
  Value* t = *body->AddOuterRef("T", testing::FloatTypeOf({1, 3}));
  Value* a = *body->AddInitializer("a", Tensor::FromVector<float>({4}, {0.5f, 0.3f, 2, 0.1f}));
  Node* mul = *body->AddNodeWithNewOutputs("Mul", "", "b_mul", {x, a}, {"xa"});
  Node* mt = *body->AddNodeWithNewOutputs("MultiThreshold", kQonnxDomain, "b_mt",
                                          {mul->output(0), t}, {"q"});
  mt->SetAttr("out_dtype", Attribute::String("UINT2"));
  mt->SetAttr("data_layout", Attribute::String("NC"));
  Node* copy = *body->AddNodeWithNewOutputs("Identity", "", "b_copy", {s}, {"s_next"});
  body->AddOutput(copy->output(0));
  body->AddOutput(mt->output(0));
  Value* s_final = *g.AddValue("s_final");
  Value* qs = *g.AddValue("qs");
  Node* scan = *g.AddNode("Scan", "", "scan", {s0, xs}, {s_final, qs});
  scan->SetAttr("num_scan_inputs", Attribute::Int(1));
  scan->SetAttr("body", Attribute::FromGraph(std::move(body)));
  g.AddOutput(s_final);
  g.AddOutput(qs);
  EXPECT_TRUE(InferModelTypes(*m).ok());
  return m;
}

TEST(StreamlineInScanTest, AbsorbsIntoThresholdsInsideTheBody) {
  auto m = ScanWithScaledThreshold();
  RewriteAndCheck(*m, "absorb-mul-into-multithreshold");
  Graph* body = FindOp(*m->graph, "Scan")->subgraphs().at(0);
  EXPECT_EQ(CountOps(*body, "Mul"), 0);
  Node* mt = FindOp(*body, "MultiThreshold");
  EXPECT_EQ(mt->input(0)->name(), "x");
  EXPECT_EQ(ConstantData(mt->input(1))->dims(), (Dims{4, 3}));
  // The main graph's thresholds are untouched (the body gets its own).
  ASSERT_NE(m->graph->FindValue("T"), nullptr);
  EXPECT_THAT(ConstantData(m->graph->FindValue("T"))->ToDoubles(), ElementsAre(0.5, 1.5, 2.5));
}

// A Scan over xs scaled by `scale` outside the loop (or shifted by it, with op "Add"); the body
// thresholds each slice. With `scale_state` the scaled tensor is the initial state instead.
std::unique_ptr<Model> ScanOverScaledSequence(std::vector<float> scale, bool scale_state,
                                              const std::string& op = "Mul") {
  auto m = std::make_unique<Model>();
  m->opset_imports = {{"", 17}, {kQonnxDomain, 1}};
  Graph& g = *m->graph;
  Value* s0 = *g.AddValue("s0", testing::FloatTypeOf({1, 4}));
  Value* xs = *g.AddValue("xs", testing::FloatTypeOf({3, 1, 4}, DataType::Int(8)));
  g.AddInput(s0);
  g.AddInput(xs);
  Value* c = *g.AddInitializer(
      "c", Tensor::FromVector<float>({static_cast<int64_t>(scale.size())}, scale));
  Node* mul = *g.AddNodeWithNewOutputs(op, "", "scale", {scale_state ? s0 : xs, c}, {"t"});
  auto body = std::make_unique<Graph>("body", &g);
  Value* s = *body->AddValue("s", testing::FloatTypeOf({1, 4}));
  Value* x = *body->AddValue("x", testing::FloatTypeOf({1, 4}));
  body->AddInput(s);
  body->AddInput(x);
  Value* t = *body->AddInitializer("T", Tensor::FromVector<float>({1, 3}, {-3.1f, 0.2f, 7.5f}));
  Node* mt = *body->AddNodeWithNewOutputs("MultiThreshold", kQonnxDomain, "b_mt", {x, t}, {"q"});
  mt->SetAttr("out_dtype", Attribute::String("UINT2"));
  mt->SetAttr("data_layout", Attribute::String("NC"));
  Node* copy = *body->AddNodeWithNewOutputs("Identity", "", "b_copy", {s}, {"s_next"});
  body->AddOutput(copy->output(0));
  body->AddOutput(mt->output(0));
  Value* s_final = *g.AddValue("s_final");
  Value* qs = *g.AddValue("qs");
  std::vector<Value*> inputs = {scale_state ? mul->output(0) : s0,
                                scale_state ? xs : mul->output(0)};
  Node* scan = *g.AddNode("Scan", "", "scan", inputs, {s_final, qs});
  scan->SetAttr("num_scan_inputs", Attribute::Int(1));
  scan->SetAttr("body", Attribute::FromGraph(std::move(body)));
  g.AddOutput(s_final);
  g.AddOutput(qs);
  EXPECT_TRUE(InferModelTypes(*m).ok());
  return m;
}

TEST(MoveScalarLinearIntoScanTest, ScaleMovesIntoTheBodyAndOnIntoItsThresholds) {
  auto m = ScanOverScaledSequence({0.3f}, false);
  std::unique_ptr<Model> before = m->Clone();
  RewriteAndCheck(*m, "move-scalar-linear-into-scan");
  Node* scan = FindOp(*m->graph, "Scan");
  EXPECT_EQ(scan->input(1)->name(), "xs");
  EXPECT_EQ(CountOps(*m->graph, "Mul"), 0);
  Graph* body = scan->subgraphs().at(0);
  Node* mul = FindOp(*body, "Mul");
  ASSERT_NE(mul, nullptr);
  EXPECT_EQ(mul->input(0)->name(), "x");
  EXPECT_EQ(FindOp(*body, "MultiThreshold")->input(0), mul->output(0));
  // The slices are INT8 now, so the body becomes integer-only.
  EXPECT_EQ(body->inputs()[1]->type().dtype, DataType::Int(8));
  RewriteAndCheck(*m, "absorb-mul-into-multithreshold");
  RewriteAndCheck(*m, "round-and-clip-thresholds");
  EXPECT_EQ(CountOps(*body, "Mul"), 0);
  EXPECT_TRUE(FindOp(*body, "MultiThreshold")->input(1)->type().dtype.IsInteger());
  // Every INT8 sequence value, against the original model.
  std::vector<float> all;
  for (int v = -128; v < 128; ++v) all.push_back(static_cast<float>(v));
  std::vector<std::vector<Tensor>> sets;
  for (int i = 0; i < 256; i += 12) {
    std::vector<float> seq(all.begin() + i, all.begin() + std::min(i + 12, 256));
    seq.resize(12, 0);
    sets.push_back({Tensor::FromVector<float>({1, 4}, {0, 0, 0, 0}),
                    Tensor::FromVector<float>({3, 1, 4}, seq)});
  }
  EXPECT_EQ(CountMismatches(*before, *m, sets), 0);
}

// The registered `streamline` pipeline runs move-scalar-linear-into-scan: a scalar Add on a
// scan input (which hoist-scan-scales, for Muls only, does not take) ends in the body's integer
// thresholds, and the whole model is integer-only and exact on every INT8 value.
TEST(MoveScalarLinearIntoScanTest, StreamlinePipelineTakesAScalarShiftIntoTheBody) {
  for (const std::string op : {"Add", "Mul"}) {
    SCOPED_TRACE(op);
    auto m = ScanOverScaledSequence({0.3f}, false, op);
    std::unique_ptr<Model> before = m->Clone();
    PassContext ctx;
    auto changed = PassManager().RunPipeline(*m, "streamline", ctx);
    ASSERT_TRUE(changed.ok()) << changed.status();
    EXPECT_TRUE(*changed);
    EXPECT_EQ(CountOps(*m->graph, op), 0);
    Graph* body = FindOp(*m->graph, "Scan")->subgraphs().at(0);
    EXPECT_EQ(CountOps(*body, op), 0);
    EXPECT_TRUE(FindOp(*body, "MultiThreshold")->input(1)->type().dtype.IsInteger());
    EXPECT_EQ(FindOp(*body, "MultiThreshold")->input(0), body->inputs()[1]);  // the slice
    std::vector<std::vector<Tensor>> sets;
    for (int i = -128; i < 128; i += 12) {
      std::vector<float> seq;
      for (int v = i; v < i + 12; ++v) seq.push_back(static_cast<float>(std::min(v, 127)));
      sets.push_back({Tensor::FromVector<float>({1, 4}, {0, 0, 0, 0}),
                      Tensor::FromVector<float>({3, 1, 4}, seq)});
    }
    EXPECT_EQ(CountMismatches(*before, *m, sets), 0);
  }
}

TEST(MoveScalarLinearIntoScanTest, LeavesStatesAndPerFeatureScalesAlone) {
  auto state = ScanOverScaledSequence({0.3f}, true);
  ExpectNoRewrite(*state, "move-scalar-linear-into-scan");
  auto per_feature = ScanOverScaledSequence({0.3f, 0.2f, 0.1f, 1}, false);
  ExpectNoRewrite(*per_feature, "move-scalar-linear-into-scan");
}

TEST(MoveScalarLinearPastInvariantsTest, ShapeReadsTheUnscaledValue) {
  GraphBuilder b;
  Value* x = b.Input("x", {2, 3}, DataType::Int(8));
  Value* t = b.Op("t", "Mul", {x, b.Const("c", {3}, {0.5f, 1, 2})});
  b.Output(b.Op("shape", "Shape", {t}));
  auto m = b.Build();
  RewriteAndCheck(*m, "move-scalar-linear-past-invariants");
  EXPECT_THAT(OpTypes(*m->graph), ElementsAre("Shape"));
  EXPECT_EQ(FindOp(*m->graph, "Shape")->input(0)->name(), "x");
}


// ============================================================ FLOAT32 annotations from files

// qonnx annotates tensors it knows nothing better about as FLOAT32. Such an annotation must not
// hide the integer datatype inference proves: otherwise an integer MatMul reads as a float one
// and a streamlined graph fails the integer-only check.
constexpr char kIntegerMatMuls[] = R"(
  <ir_version: 8, opset_import: ["" : 17]>
  g (float[2, 3] x) => (float[2, 2] y)
  <float[3, 2] W = {1, -2, 3, 4, -5, 6}, float[2, 2] V = {1, 2, -1, 3}> {
    t = MatMul(x, W)
    y = MatMul(t, V)
  }
)";

std::unique_ptr<Model> ImportAnnotated(const std::string& t_annotation) {
  onnx::ModelProto proto;
  auto parsed = onnx::OnnxParser::Parse(proto, kIntegerMatMuls);
  EXPECT_TRUE(parsed.IsOK()) << parsed.ErrorMessage();
  for (const auto& [tensor, dtype] : std::vector<std::pair<std::string, std::string>>{
           {"x", "INT8"}, {"W", "INT4"}, {"V", "INT4"}, {"t", t_annotation}, {"y", "FLOAT32"}}) {
    onnx::TensorAnnotation* ann = proto.mutable_graph()->add_quantization_annotation();
    ann->set_tensor_name(tensor);
    onnx::StringStringEntryProto* kv = ann->add_quant_parameter_tensor_names();
    kv->set_key("finn_datatype");
    kv->set_value(dtype);
  }
  auto model = ImportModelProto(proto, "annotated.onnx");
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return nullptr;
  EXPECT_TRUE((*model)->graph->FindValue("t")->type().dtype_annotated);  // as read
  absl::Status inferred = InferModelTypes(**model);
  EXPECT_TRUE(inferred.ok()) << inferred;
  return std::move(*model);
}

TEST(Float32AnnotationTest, DoesNotHideAnInferredIntegerDatatype) {
  auto m = ImportAnnotated("FLOAT32");
  ASSERT_NE(m, nullptr);
  for (const char* name : {"t", "y"}) {
    SCOPED_TRACE(name);
    const TensorType& t = m->graph->FindValue(name)->type();
    EXPECT_TRUE(t.dtype.IsInteger()) << t.ToString();
    EXPECT_FALSE(t.dtype_annotated);
  }
  // Sound: x . W reaches -1534 (x = (127, -128, -128) on W's second column) and 1526.
  const DataType t = m->graph->FindValue("t")->type().dtype;
  EXPECT_LE(t.Min(), -1534);
  EXPECT_GE(t.Max(), 1526);
  EXPECT_THAT(FindNonIntegerNodes(*m), ::testing::IsEmpty());
}

TEST(Float32AnnotationTest, IntegerAnnotationsStillWin) {
  auto m = ImportAnnotated("INT16");
  ASSERT_NE(m, nullptr);
  const TensorType& t = m->graph->FindValue("t")->type();
  EXPECT_EQ(t.dtype, DataType::Int(16));
  EXPECT_TRUE(t.dtype_annotated);
}

TEST(Float32AnnotationTest, ScanSlicesTakeTheSequenceDatatype) {
  auto m = ScanOverScaledSequence({2.0f}, false, "Add");  // xs + 2: an integer sequence
  Node* scan = FindOp(*m->graph, "Scan");
  ASSERT_TRUE(scan->input(1)->type().dtype.IsInteger()) << scan->input(1)->type().ToString();
  Value* slice = scan->subgraphs().at(0)->inputs()[1];
  slice->type().dtype = DataType::Float32();  // as the importer reads a FLOAT32 annotation
  slice->type().dtype_annotated = true;
  ASSERT_TRUE(InferModelTypes(*m).ok());
  EXPECT_EQ(slice->type().dtype, scan->input(1)->type().dtype);
}

}  // namespace
}  // namespace finngl
