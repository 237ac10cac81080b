// End-to-end streamlining of hand-built FINN-ONNX MLPs (the form QONNX -> FINN conversion
// produces: integer weights followed by their scale, activations as MultiThreshold -> Add(bias)
// -> Mul(scale)) with the proposed `streamline` pass order, and the integer-only checker.
//
// With power-of-two activation scales every move is exact, so the streamlined model must match
// the original bit for bit and contain nothing but integer arithmetic and a final scale. With
// ordinary float scales moving a scale past a MatMul changes float rounding: the test measures
// and reports how many outputs differ.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "src/passes/integer_only.h"
#include "src/passes/pipeline.h"
#include "tests/cpp/equivalence.h"
#include "tests/cpp/streamline_test_util.h"

namespace finngl {
namespace {

using testing::CountMismatches;
using ::testing::ElementsAre;
using testing::ExpectEquivalent;
using testing::FindOp;
using testing::GraphBuilder;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::OpTypes;

// The streamlining order proposed for the `streamline` pipeline (see the helper's report): exact
// absorptions first, then the moves that bring scales and biases to the next MultiThreshold,
// repeated to a fixed point; collapsing repeated scales only once nothing else applies (each
// absorption is exact on its own, a collapsed product is rounded once more).
const std::vector<std::string> kMoveAndAbsorb = {"absorb-sign-bias-into-multithreshold",
                                                 "absorb-add-into-multithreshold",
                                                 "factor-out-mul-sign-magnitude",
                                                 "absorb-mul-into-multithreshold",
                                                 "absorb-1bit-mul-into-matmul",
                                                 "absorb-1bit-mul-into-conv",
                                                 "move-mul-past-maxpool",
                                                 "move-scalar-linear-past-invariants",
                                                 "move-add-past-mul",
                                                 "move-scalar-add-past-matmul",
                                                 "move-add-past-conv",
                                                 "move-scalar-mul-past-matmul",
                                                 "move-scalar-mul-past-conv",
                                                 "move-linear-past-eltwise-add",
                                                 "move-linear-past-eltwise-mul",
                                                 "move-mul-past-fork",
                                                 "move-add-past-fork",
                                                 "remove-identity"};

std::vector<PipelineStep> StreamlineSteps() {
  std::vector<std::string> first = {"sub-to-add", "div-to-mul", "batchnorm-to-affine"};
  first.insert(first.end(), kMoveAndAbsorb.begin(), kMoveAndAbsorb.end());
  std::vector<std::string> second = kMoveAndAbsorb;
  second.insert(second.end(), {"collapse-repeated-add", "collapse-repeated-mul"});
  return {Once({"infer-types"}), FixedPoint(first), FixedPoint(second),
          Once({"round-and-clip-thresholds", "remove-dead-code"})};
}

absl::Status Streamline(Model& model) {
  PassContext ctx;
  return PassManager().RunSteps(model, StreamlineSteps(), ctx).status();
}

struct MlpConfig {
  float s_in = 0.25f;              // input quantizer scale (INT4)
  float s_hidden = 0.125f;         // hidden ReLU quantizer scale (UINT3)
  float s_out = 0.25f;             // output quantizer scale (INT4)
  bool negative_channels = false;  // some weight scales negative
  bool output_activation = true;   // end in a quantizer (else in the float bias)
  uint32_t seed = 1;
};

// Thresholds of QONNX's identity handler for a signed 4-bit quantizer: (k - 7.5) s, k = 0..14.
std::vector<float> SignedThresholds(float s) {
  std::vector<float> t;
  for (int k = 0; k < 15; ++k) t.push_back((static_cast<float>(k) - 7.5f) * s);
  return t;
}

// x -> MT(INT4) -> Add(-8) -> Mul(s_in) -> MatMul(W1 INT4) -> Mul(ws1) -> Add(b1)
//   -> MT(UINT3) -> Mul(s_hidden) -> MatMul(W2 INT4) -> Mul(ws2) -> Add(b2)
//   [-> MT(INT4) -> Add(-8) -> Mul(s_out)] -> y
std::unique_ptr<Model> Mlp(const MlpConfig& c) {
  std::mt19937 rng(c.seed);
  auto uniform = [&](float lo, float hi) {
    return std::uniform_real_distribution<float>(lo, hi)(rng);
  };
  auto ints = [&](int n) {
    std::vector<float> v;
    for (int i = 0; i < n; ++i) v.push_back(static_cast<float>(static_cast<int>(rng() % 15) - 7));
    return v;
  };
  auto vec = [&](int n, float lo, float hi) {
    std::vector<float> v;
    for (int i = 0; i < n; ++i) v.push_back(uniform(lo, hi));
    return v;
  };
  GraphBuilder b;
  Value* x = b.Input("x", {8, 8});
  Value* m0 = b.Mt("act0", x, b.Const("T0", {1, 15}, SignedThresholds(c.s_in)), "INT4", "NC");
  Value* a0 = b.Op("act0_bias", "Add", {m0, b.Scalar("act0_bias_c", -8)});
  Value* q0 = b.Op("act0_scale", "Mul", {a0, b.Scalar("act0_scale_c", c.s_in)});
  Value* h = b.Op("fc1", "MatMul", {q0, b.Const("W1", {8, 16}, ints(128), DataType::Int(4))});
  std::vector<float> ws1 = vec(16, 0.01f, 0.05f);
  if (c.negative_channels) {
    for (int i = 0; i < 16; i += 3) ws1[i] = -ws1[i];
  }
  Value* h1 = b.Op("fc1_scale", "Mul", {h, b.Const("ws1", {16}, ws1)});
  Value* h2 = b.Op("fc1_bias", "Add", {h1, b.Const("b1", {16}, vec(16, -0.2f, 0.5f))});
  std::vector<float> t1;
  for (int k = 0; k < 7; ++k) t1.push_back(c.s_hidden / 2 + c.s_hidden * static_cast<float>(k));
  Value* m1 = b.Mt("act1", h2, b.Const("T1", {1, 7}, t1), "UINT3", "NC");
  Value* q1 = b.Op("act1_scale", "Mul", {m1, b.Scalar("act1_scale_c", c.s_hidden)});
  Value* o = b.Op("fc2", "MatMul", {q1, b.Const("W2", {16, 4}, ints(64), DataType::Int(4))});
  std::vector<float> ws2 = vec(4, 0.02f, 0.06f);
  if (c.negative_channels) ws2[1] = -ws2[1];
  Value* o1 = b.Op("fc2_scale", "Mul", {o, b.Const("ws2", {4}, ws2)});
  Value* o2 = b.Op("fc2_bias", "Add", {o1, b.Const("b2", {4}, vec(4, -0.3f, 0.3f))});
  if (!c.output_activation) {
    b.Output(o2);
    return b.Build();
  }
  Value* m2 = b.Mt("act2", o2, b.Const("T2", {1, 15}, SignedThresholds(c.s_out)), "INT4", "NC");
  Value* a2 = b.Op("act2_bias", "Add", {m2, b.Scalar("act2_bias_c", -8)});
  b.Output(b.Op("y", "Mul", {a2, b.Scalar("act2_scale_c", c.s_out)}));
  return b.Build();
}

void ExpectIntegerOnly(const Model& m) {
  std::vector<std::string> reasons;
  for (const IntegerOnlyViolation& v : FindNonIntegerNodes(m)) reasons.push_back(v.ToString());
  EXPECT_THAT(reasons, IsEmpty());
}

TEST(StreamlineMlpTest, PowerOfTwoScalesStreamlineToIntegerOnlyBitExactly) {
  for (bool negative : {false, true}) {
    for (bool activation : {true, false}) {
      SCOPED_TRACE(::testing::Message() << "negative=" << negative << " activation=" << activation);
      MlpConfig c;
      c.negative_channels = negative;
      c.output_activation = activation;
      auto m = Mlp(c);
      EXPECT_FALSE(FindNonIntegerNodes(*m).empty());
      std::unique_ptr<Model> before = m->Clone();
      absl::Status s = Streamline(*m);
      ASSERT_TRUE(s.ok()) << s;
      ExpectIntegerOnly(*m);
      if (activation) {
        EXPECT_THAT(OpTypes(*m->graph), ElementsAre("MultiThreshold", "MatMul", "MultiThreshold",
                                                    "MatMul", "MultiThreshold", "Mul"));
      } else {
        EXPECT_THAT(OpTypes(*m->graph), ElementsAre("MultiThreshold", "MatMul", "MultiThreshold",
                                                    "MatMul", "Mul", "Add"));
      }
      // Thresholds after integer MatMuls are integers of a known type.
      for (int i = 1; i < (activation ? 3 : 2); ++i) {
        const Node* mt = FindOp(*m->graph, "MultiThreshold", i);
        EXPECT_TRUE(mt->input(1)->type().dtype.IsInteger()) << mt->input(1)->type().ToString();
      }
      ExpectEquivalent(*before, *m, 64);
      int64_t total = 0;
      const int64_t mismatches = CountMismatches(
          *before, *m, testing::UniformInputs(*before, 2000, -2.5f, 2.5f, 42), &total);
      EXPECT_EQ(mismatches, 0) << "of " << total;
      std::cout << "[streamline] MLP, power-of-two scales, negative=" << negative
                << " activation=" << activation << ": " << mismatches << " of " << total
                << " outputs differ\n";
    }
  }
}

TEST(StreamlineMlpTest, OrdinaryScalesStreamlineToIntegerOnlyAndMismatchesAreCounted) {
  int64_t all_mismatches = 0, all_total = 0;
  for (uint32_t seed : {1u, 2u, 3u}) {
    for (bool activation : {true, false}) {
      MlpConfig c;
      c.s_in = 0.2371f;
      c.s_hidden = 0.1173f;
      c.s_out = 0.3f;
      c.seed = seed;
      c.output_activation = activation;
      c.negative_channels = seed == 2;
      auto m = Mlp(c);
      std::unique_ptr<Model> before = m->Clone();
      absl::Status s = Streamline(*m);
      ASSERT_TRUE(s.ok()) << s;
      ExpectIntegerOnly(*m);
      int64_t total = 0;
      double max_difference = 0;
      const int64_t mismatches =
          CountMismatches(*before, *m, testing::UniformInputs(*before, 2000, -2.5f, 2.5f, seed),
                          &total, &max_difference);
      std::cout << "[streamline] MLP, ordinary scales, seed " << seed
                << " activation=" << activation << ": " << mismatches << " of " << total
                << " outputs differ (largest difference " << max_difference << ")\n";
      // The float outputs are O(1): a difference beyond a few ulps would be a wrong rewrite.
      EXPECT_LE(max_difference, 1e-5);
      // Without an output quantizer the float output is rounded differently (a scale applied
      // to an exact integer sum instead of a float sum of scaled terms): count, do not demand.
      if (activation) {
        all_mismatches += mismatches;
        all_total += total;
      }
    }
  }
  // Quantized outputs can only differ where a hidden pre-activation lands within float rounding
  // of a threshold: not on this data.
  EXPECT_EQ(all_mismatches, 0) << "of " << all_total;
}

// x -> MT(INT4) -> Add(-8) -> Mul(s_in) -> Conv(W1 INT4, pads 1) -> Mul(ws1) -> Add(b1)
//   -> MT(UINT3) -> Mul(s_hidden) -> MaxPool -> Flatten -> MatMul(W2 INT4) -> Mul(ws2) -> Add(b2)
//   -> MT(INT4) -> Add(-8) -> Mul(s_out) -> y
std::unique_ptr<Model> Cnn(const MlpConfig& c) {
  std::mt19937 rng(c.seed);
  auto vec = [&](int n, float lo, float hi) {
    std::vector<float> v;
    for (int i = 0; i < n; ++i) v.push_back(std::uniform_real_distribution<float>(lo, hi)(rng));
    return v;
  };
  auto ints = [&](int n) {
    std::vector<float> v;
    for (int i = 0; i < n; ++i) v.push_back(static_cast<float>(static_cast<int>(rng() % 15) - 7));
    return v;
  };
  GraphBuilder b;
  Value* x = b.Input("x", {2, 3, 6, 6});
  Value* m0 = b.Mt("act0", x, b.Const("T0", {1, 15}, SignedThresholds(c.s_in)), "INT4", "NCHW");
  Value* a0 = b.Op("act0_bias", "Add", {m0, b.Scalar("act0_bias_c", -8)});
  Value* q0 = b.Op("act0_scale", "Mul", {a0, b.Scalar("act0_scale_c", c.s_in)});
  Value* h = b.Op("conv1", "Conv", {q0, b.Const("W1", {4, 3, 3, 3}, ints(108), DataType::Int(4))},
                  {{"pads", Attribute::Ints({1, 1, 1, 1})}});
  std::vector<float> ws1 = vec(4, 0.005f, 0.02f);
  if (c.negative_channels) ws1[2] = -ws1[2];
  Value* h1 = b.Op("conv1_scale", "Mul", {h, b.Const("ws1", {1, 4, 1, 1}, ws1)});
  Value* h2 = b.Op("conv1_bias", "Add", {h1, b.Const("b1", {1, 4, 1, 1}, vec(4, -0.1f, 0.4f))});
  std::vector<float> t1;
  for (int k = 0; k < 7; ++k) t1.push_back(c.s_hidden / 2 + c.s_hidden * static_cast<float>(k));
  Value* m1 = b.Mt("act1", h2, b.Const("T1", {1, 7}, t1), "UINT3", "NCHW");
  Value* q1 = b.Op("act1_scale", "Mul", {m1, b.Scalar("act1_scale_c", c.s_hidden)});
  Value* p =
      b.Op("pool", "MaxPool", {q1},
           {{"kernel_shape", Attribute::Ints({2, 2})}, {"strides", Attribute::Ints({2, 2})}});
  Value* f = b.Op("flat", "Flatten", {p});
  Value* o = b.Op("fc", "MatMul", {f, b.Const("W2", {36, 5}, ints(180), DataType::Int(4))});
  Value* o1 = b.Op("fc_scale", "Mul", {o, b.Const("ws2", {5}, vec(5, 0.01f, 0.04f))});
  Value* o2 = b.Op("fc_bias", "Add", {o1, b.Const("b2", {5}, vec(5, -0.3f, 0.3f))});
  Value* m2 = b.Mt("act2", o2, b.Const("T2", {1, 15}, SignedThresholds(c.s_out)), "INT4", "NC");
  Value* a2 = b.Op("act2_bias", "Add", {m2, b.Scalar("act2_bias_c", -8)});
  b.Output(b.Op("y", "Mul", {a2, b.Scalar("act2_scale_c", c.s_out)}));
  return b.Build();
}

TEST(StreamlineCnnTest, ConvMaxPoolFlattenStreamlineToIntegerOnly) {
  for (bool power_of_two : {true, false}) {
    MlpConfig c;
    c.negative_channels = true;
    if (!power_of_two) {
      c.s_in = 0.2371f;
      c.s_hidden = 0.1173f;
      c.s_out = 0.3f;
    }
    auto m = Cnn(c);
    std::unique_ptr<Model> before = m->Clone();
    absl::Status s = Streamline(*m);
    ASSERT_TRUE(s.ok()) << s;
    ExpectIntegerOnly(*m);
    EXPECT_THAT(OpTypes(*m->graph),
                ElementsAre("MultiThreshold", "Conv", "MultiThreshold", "MaxPool", "Flatten",
                            "MatMul", "MultiThreshold", "Mul"));
    if (power_of_two) ExpectEquivalent(*before, *m, 64);
    int64_t total = 0;
    const int64_t mismatches =
        CountMismatches(*before, *m, testing::UniformInputs(*before, 1000, -2.5f, 2.5f, 9), &total);
    std::cout << "[streamline] CNN, " << (power_of_two ? "power-of-two" : "ordinary")
              << " scales: " << mismatches << " of " << total << " outputs differ\n";
    EXPECT_EQ(mismatches, 0);
  }
}

// The registered `streamline` pipeline (the lead's order, with absorb-chain-into-multithreshold)
// must do the same on these models.
TEST(StreamlinePipelineTest, RegisteredPipelineStreamlinesTheTestModelsExactly) {
  for (bool ordinary : {false, true}) {
    for (int model = 0; model < 3; ++model) {
      SCOPED_TRACE(::testing::Message() << "ordinary=" << ordinary << " model=" << model);
      MlpConfig c;
      c.negative_channels = true;
      c.output_activation = model != 1;
      if (ordinary) {
        c.s_in = 0.2371f;
        c.s_hidden = 0.1173f;
        c.s_out = 0.3f;
      }
      auto m = model == 2 ? Cnn(c) : Mlp(c);
      std::unique_ptr<Model> before = m->Clone();
      PassContext ctx;
      auto changed = PassManager().RunPipeline(*m, "streamline", ctx);
      ASSERT_TRUE(changed.ok()) << changed.status();
      ExpectIntegerOnly(*m);
      int64_t total = 0;
      double max_difference = 0;
      const int64_t mismatches =
          CountMismatches(*before, *m, testing::UniformInputs(*before, 1000, -2.5f, 2.5f, 5),
                          &total, &max_difference);
      std::cout << "[streamline] pipeline 'streamline', "
                << (ordinary ? "ordinary" : "power-of-two") << " scales, "
                << (model == 2 ? "CNN" : "MLP") << (model == 1 ? " without output quantizer" : "")
                << ": " << mismatches << " of " << total << " outputs differ (largest difference "
                << max_difference << ")\n";
      if (!ordinary || model != 1) EXPECT_EQ(mismatches, 0);
      EXPECT_LE(max_difference, 1e-5);
    }
  }
}

// Two float constants in a row before a MultiThreshold on INT8 values, with thresholds placed
// exactly where collapsing them into one constant changes the comparison (x*a*b rounded twice vs
// x*(a*b) rounded once, for op Mul; likewise for Add). The registered `streamline` pipeline
// absorbs the chain before any collapse may run, so every INT8 value keeps its output; the
// control, collapsing first, loses exactly those values.
std::unique_ptr<Model> ChainBeforeThreshold(const std::string& op, float a, float c,
                                            int* tie_points) {
  auto apply = [&](float x, float k) { return op == "Mul" ? x * k : x + k; };
  std::vector<float> thresholds;
  for (int v = -128; v < 128 && thresholds.size() < 15; ++v) {
    const float x = static_cast<float>(v);
    const float twice = apply(apply(x, a), c);
    const float once = apply(x, apply(a, c));
    if (twice != once) thresholds.push_back(std::max(twice, once));
  }
  std::sort(thresholds.begin(), thresholds.end());
  *tie_points = static_cast<int>(thresholds.size());
  GraphBuilder b;
  Value* x = b.Input("x", {256, 1}, DataType::Int(8));
  Value* t = b.Op("t", op, {x, b.Scalar("a", a)});
  Value* u = b.Op("u", op, {t, b.Scalar("c", c)});
  const int bits = thresholds.size() < 4 ? 2 : 4;
  thresholds.resize((1 << bits) - 1, thresholds.back());
  b.Output(b.Mt("y", u, b.Const("T", {1, static_cast<int64_t>(thresholds.size())}, thresholds),
                "UINT" + std::to_string(bits), "NC"));
  return b.Build();
}

TEST(StreamlinePipelineTest, AbsorbsScaleChainsIntoThresholdsBeforeCollapsingThem) {
  std::vector<float> every_int8;
  for (int v = -128; v < 128; ++v) every_int8.push_back(static_cast<float>(v));
  const std::vector<std::vector<Tensor>> inputs = {{Tensor::FromVector<float>({256, 1},
                                                                              every_int8)}};
  for (const auto& [op, a, c] : {std::tuple<std::string, float, float>{"Mul", 0.1f, 0.3f},
                                 {"Add", 0.1f, 0.2f}}) {
    SCOPED_TRACE(op);
    int tie_points = 0;
    auto m = ChainBeforeThreshold(op, a, c, &tie_points);
    ASSERT_GE(tie_points, 2) << "the constants do not exercise double rounding";
    std::unique_ptr<Model> before = m->Clone();
    std::unique_ptr<Model> control = m->Clone();
    PassContext ctx;
    auto changed = PassManager().RunPipeline(*m, "streamline", ctx);
    ASSERT_TRUE(changed.ok()) << changed.status();
    ExpectIntegerOnly(*m);
    EXPECT_EQ(CountMismatches(*before, *m, inputs), 0);
    // Collapsing first is what the order avoids: it moves every tie point across its threshold.
    PassContext control_ctx;
    ASSERT_TRUE(PassManager()
                    .RunPasses(*control, {op == "Mul" ? "collapse-repeated-mul" : "collapse-repeated-add"},
                               control_ctx)
                    .ok());
    ASSERT_TRUE(PassManager().RunPipeline(*control, "streamline", control_ctx).ok());
    EXPECT_GE(CountMismatches(*before, *control, inputs), tie_points);
  }
}

// An LSTM gate: two integer MatMuls (input and hidden state) with different power-of-two scales
// per channel, summed, biased and thresholded.
TEST(StreamlineGateTest, CommensurableScalesOfAGateStreamlineToIntegerOnly) {
  GraphBuilder b;
  Value* x = b.Input("x", {2, 4}, DataType::Int(8));
  Value* h = b.Input("h", {2, 4}, DataType::Int(8));
  Value* wx =
      b.Op("wx", "MatMul",
           {x, b.Const("W", {4, 3}, {1, -2, 3, 4, -5, 6, -7, 1, 2, 3, 0, -1}, DataType::Int(4))});
  Value* uh =
      b.Op("uh", "MatMul",
           {h, b.Const("U", {4, 3}, {2, 2, -3, 1, 5, -6, 7, 0, 2, -3, 1, 1}, DataType::Int(4))});
  Value* a = b.Op("a", "Mul", {wx, b.Const("A", {3}, {0.03125f, 0.0078125f, 0.015625f})});
  Value* c = b.Op("c", "Mul", {uh, b.Const("B", {3}, {0.015625f, 0.015625f, 0.00390625f})});
  Value* g = b.Op("g", "Add", {a, c});
  Value* gb = b.Op("gb", "Add", {g, b.Const("bias", {3}, {0.1f, -0.37f, 0.05f})});
  std::vector<float> t;
  for (int k = 0; k < 15; ++k) t.push_back(-1.75f + 0.25f * static_cast<float>(k));
  b.Output(b.Mt("y", gb, b.Const("T", {1, 15}, t), "UINT4", "NC"));
  auto m = b.Build();
  std::unique_ptr<Model> before = m->Clone();
  absl::Status s = Streamline(*m);
  ASSERT_TRUE(s.ok()) << s;
  ExpectIntegerOnly(*m);
  ExpectEquivalent(*before, *m, 256);
}

// ============================================================================ integer-only checker

std::vector<std::string> Violations(const Model& m) {
  std::vector<std::string> out;
  for (const IntegerOnlyViolation& v : FindNonIntegerNodes(m)) out.push_back(v.ToString());
  return out;
}

TEST(IntegerOnlyTest, IntegerMatMulWithFinalScaleAndBiasPasses) {
  GraphBuilder b;
  Value* x = b.Input("x", {2, 3}, DataType::Int(8));
  Value* t = b.Op("t", "MatMul", {x, b.Const("W", {3, 2}, {1, 2, 3, 4, 5, 6}, DataType::Int(4))});
  Value* u = b.Op("u", "Mul", {t, b.Const("s", {2}, {0.5f, 0.1f})});
  b.Output(b.Op("y", "Add", {u, b.Const("c", {2}, {0.25f, 1})}));
  auto m = b.Build();
  EXPECT_THAT(Violations(*m), IsEmpty());
}

TEST(IntegerOnlyTest, TailMayReachTheOutputThroughDataMovement) {
  GraphBuilder b;
  Value* x = b.Input("x", {2, 3}, DataType::Int(8));
  Value* t = b.Op("t", "MatMul", {x, b.Const("W", {3, 2}, {1, 2, 3, 4, 5, 6}, DataType::Int(4))});
  Value* u = b.Op("u", "Mul", {t, b.Const("s", {2}, {0.5f, 0.1f})});
  Value* r = b.Op("r", "Reshape", {u, b.Int64s("shape", {4})});
  Value* v = b.Op("v", "Add", {r, b.Scalar("c", 0.25f)});
  b.Output(b.Op("y", "Identity", {v}));
  auto m = b.Build();
  EXPECT_THAT(Violations(*m), IsEmpty());
}

TEST(IntegerOnlyTest, ReportsFloatWeightsAndScalesInTheMiddle) {
  GraphBuilder b;
  Value* x = b.Input("x", {2, 3}, DataType::Int(8));
  Value* t = b.Op("t", "MatMul", {x, b.Const("W", {3, 2}, {1, 2, 3, 4, 5, 6}, DataType::Int(4))});
  Value* u = b.Op("u", "Mul", {t, b.Scalar("s", 0.5f)});
  Value* v = b.Op("v", "MatMul", {u, b.Const("V", {2, 2}, {1, 2, 3, 4})});
  Value* w = b.Op("w", "Mul", {v, b.Scalar("s2", 0.5f)});
  b.Output(b.Op("y", "Mul", {w, b.Scalar("s3", 0.5f)}));
  auto m = b.Build();
  EXPECT_THAT(Violations(*m),
              ElementsAre("graph 'main_graph': node 'u' (Mul): input 's' is FLOAT32, not "
                          "integer-typed",
                          "graph 'main_graph': node 'v' (MatMul): input 'u' is FLOAT32, not "
                          "integer-typed",
                          "graph 'main_graph': node 'w' (Mul): input 'v' is FLOAT32, not "
                          "integer-typed"));
}

TEST(IntegerOnlyTest, ReportsFloatOpsAndNonIntegerThresholdOutputs) {
  GraphBuilder b;
  Value* x = b.Input("x", {2, 3});
  Value* r = b.Op("r", "Relu", {x});
  b.Output(b.Mt("y", r, b.Const("T", {1, 1}, {0.5f}), "BINARY", "NC", 0.5f));
  auto m = b.Build();
  EXPECT_THAT(Violations(*m),
              ElementsAre(HasSubstr("node 'r' (Relu): op 'Relu' computes in float"),
                          HasSubstr("node 'y' (MultiThreshold): out_scale 0.5 and out_bias 0 "
                                    "make its output non-integer")));
}

TEST(IntegerOnlyTest, ChecksScanBodiesWithoutATailAllowance) {
  auto m = std::make_unique<Model>();
  m->opset_imports = {{"", 17}, {kQonnxDomain, 1}};
  Graph& g = *m->graph;
  Value* s0 = *g.AddValue("s0", testing::FloatTypeOf({1, 2}, DataType::Int(8)));
  Value* xs = *g.AddValue("xs", testing::FloatTypeOf({3, 1, 2}, DataType::Int(8)));
  g.AddInput(s0);
  g.AddInput(xs);
  auto body = std::make_unique<Graph>("body", &g);
  Value* s = *body->AddValue("s", testing::FloatTypeOf({1, 2}, DataType::Int(8)));
  Value* x = *body->AddValue("x", testing::FloatTypeOf({1, 2}, DataType::Int(8)));
  body->AddInput(s);
  body->AddInput(x);
  Value* half = *body->AddInitializer("half", Tensor::FromVector<float>({}, {0.5f}));
  Node* add = *body->AddNodeWithNewOutputs("Add", "", "b_add", {s, x}, {"sx"});
  Node* mul = *body->AddNodeWithNewOutputs("Mul", "", "b_mul", {add->output(0), half}, {"h"});
  body->AddOutput(add->output(0));
  body->AddOutput(mul->output(0));
  Value* s_final = *g.AddValue("s_final");
  Value* hs = *g.AddValue("hs");
  Node* scan = *g.AddNode("Scan", "", "scan", {s0, xs}, {s_final, hs});
  scan->SetAttr("num_scan_inputs", Attribute::Int(1));
  scan->SetAttr("body", Attribute::FromGraph(std::move(body)));
  g.AddOutput(s_final);
  g.AddOutput(hs);
  ASSERT_TRUE(InferModelTypes(*m).ok());
  EXPECT_THAT(Violations(*m), ElementsAre("graph 'main_graph/scan.body': node 'b_mul' (Mul): "
                                          "input 'half' is FLOAT32, not integer-typed"));
}

}  // namespace
}  // namespace finngl
