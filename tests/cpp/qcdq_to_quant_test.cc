// Tests of the qcdq-to-quant pass: which chains become Quant nodes and with which bit width,
// signedness and narrow flag (structure), that the model computes the same before and after
// (ExpectEquivalent: bit-identical outputs), and that every chain Quant cannot express exactly
// stays unchanged with a warning naming the node and the reason.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/strings/str_cat.h"
#include "onnx/defs/parser.h"
#include "src/exec/executor.h"
#include "src/onnx/importer.h"
#include "src/ops/infer.h"
#include "src/passes/pass.h"
#include "src/passes/pass_manager.h"
#include "src/passes/rewrite_util.h"
#include "tests/cpp/equivalence.h"
#include "tests/cpp/parse_model.h"

namespace finngl {
namespace {

using testing::ParseModel;
using testing::OpTypes;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::ExpectEquivalent;

constexpr int kSamples = 16;



std::vector<Node*> Quants(const Graph& g) {
  std::vector<Node*> out;
  for (Node* n : g.nodes()) {
    if (n->op_type() == "Quant") out.push_back(n);
  }
  return out;
}

// Runs the pass; returns its warnings. The pass must succeed; `expect_change` says whether it
// must rewrite something. The equivalence guard runs whenever it changed the model.
std::vector<std::string> RunPass(Model& model, bool expect_change = true) {
  std::unique_ptr<Model> before = model.Clone();
  PassContext ctx;
  absl::StatusOr<bool> changed = PassManager().RunPasses(model, {"qcdq-to-quant"}, ctx);
  EXPECT_TRUE(changed.ok()) << changed.status();
  if (!changed.ok()) return {};
  EXPECT_EQ(*changed, expect_change);
  if (*changed) ExpectEquivalent(*before, model, kSamples);
  return ctx.warnings;
}

struct Form {
  double bits;
  int64_t is_signed;
  int64_t narrow;
};

void ExpectQuant(const Node& quant, Form form) {
  EXPECT_EQ(quant.domain(), kQonnxDomain);
  EXPECT_EQ(quant.GetInt("signed", -1), form.is_signed) << quant.name();
  EXPECT_EQ(quant.GetInt("narrow", -1), form.narrow) << quant.name();
  EXPECT_EQ(quant.GetString("rounding_mode", ""), "ROUND");
  const Tensor* bits = ConstantData(quant.input(3));
  ASSERT_NE(bits, nullptr);
  EXPECT_EQ(bits->type(), ElementType::kFloat);
  EXPECT_EQ(bits->rank(), 0);
  EXPECT_EQ(bits->GetDouble(0), form.bits) << quant.name();
  const Tensor* zp = ConstantData(quant.input(2));
  ASSERT_NE(zp, nullptr);
  EXPECT_EQ(zp->type(), ElementType::kFloat);
  EXPECT_TRUE(AllElementsEqual(*zp, 0));
}

// ============================================================================ activations

TEST(QcdqToQuantTest, QuantizeDequantizeWithoutClipIsEightBit) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[2, 5] x) => (float[2, 5] y) <float s = {0.03125}, int8 zp = {0}> {
      q = QuantizeLinear(x, s, zp)
      y = DequantizeLinear(q, s, zp)
    })ONNX");
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(RunPass(*model), IsEmpty());
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("Quant"));
  ExpectQuant(*Quants(*model->graph)[0], {8, 1, 0});
  EXPECT_EQ(model->graph->outputs()[0]->name(), "y");
  EXPECT_EQ(model->graph->FindValue("zp"), nullptr) << "dead zero point left behind";
  EXPECT_GE(model->OpsetVersion(kQonnxDomain), 1);
}

TEST(QcdqToQuantTest, ClipGivesTheBitWidthSignednessAndNarrowFlag) {
  struct Case {
    const char* zp_type;
    int lo, hi;
    Form form;
  };
  const Case cases[] = {
      {"int8", -7, 7, {4, 1, 1}},    {"int8", -8, 7, {4, 1, 0}},     {"int8", -127, 127, {8, 1, 1}},
      {"int8", -2, 1, {2, 1, 0}},    {"int8", -1, 1, {2, 1, 1}},     {"int8", -31, 31, {6, 1, 1}},
      {"uint8", 0, 15, {4, 0, 0}},   {"uint8", 0, 63, {6, 0, 0}},    {"uint8", 0, 254, {8, 0, 1}},
      {"uint8", 0, 1, {1, 0, 0}},    {"uint8", 0, 6, {3, 0, 1}},     {"int8", 0, 7, {3, 0, 0}},
      {"int16", -512, 511, {10, 1, 0}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.zp_type, " [", c.lo, ", ", c.hi, "]"));
    auto model = ParseModel(absl::StrCat(R"ONNX(
      <ir_version: 8, opset_import: ["" : 13]>
      g (float[3, 4] x) => (float[3, 4] y) <float s = {0.125}, )ONNX",
                                    c.zp_type, " zp = {0}, ", c.zp_type, " lo = {", c.lo, "}, ",
                                    c.zp_type, " hi = {", c.hi, R"ONNX(}> {
        q = QuantizeLinear(x, s, zp)
        c = Clip(q, lo, hi)
        y = DequantizeLinear(c, s, zp)
      })ONNX"));
    ASSERT_NE(model, nullptr);
    EXPECT_THAT(RunPass(*model), IsEmpty());
    EXPECT_THAT(OpTypes(*model->graph), ElementsAre("Quant"));
    ExpectQuant(*Quants(*model->graph)[0], c.form);
  }
}

TEST(QcdqToQuantTest, ClipWithOneBoundOrAttributesBeforeOpset11) {
  // Only a lower bound: uint8 [0, 255] cut to [0, 255] = 8-bit unsigned; int8 with max only.
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[6] x) => (float[6] y) <float s = {0.5}, int8 zp = {0}, int8 hi = {31}> {
      q = QuantizeLinear(x, s, zp)
      c = Clip(q, , hi)
      y = DequantizeLinear(c, s, zp)
    })ONNX");
  ASSERT_NE(model, nullptr);
  std::vector<std::string> warnings = RunPass(*model, /*expect_change=*/false);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("[-128, 31]"));

  // Opset 10: the bounds are attributes.
  auto old = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 10]>
    g (float[6] x) => (float[6] y) <float s = {0.5}, int8 zp = {0}> {
      q = QuantizeLinear(x, s, zp)
      c = Clip <min = -31.0, max = 31.0> (q)
      y = DequantizeLinear(c, s, zp)
    })ONNX");
  ASSERT_NE(old, nullptr);
  EXPECT_THAT(RunPass(*old), IsEmpty());
  ASSERT_EQ(Quants(*old->graph).size(), 1u);
  ExpectQuant(*Quants(*old->graph)[0], {6, 1, 1});
}

TEST(QcdqToQuantTest, PerChannelScalesAreReshapedToBroadcast) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[2, 3, 4] x) => (float[2, 3, 4] y)
    <float[3] s = {0.5, 0.25, 0.0625}, int8[3] zp = {0, 0, 0}, int8 lo = {-7}, int8 hi = {7}> {
      q = QuantizeLinear <axis = 1> (x, s, zp)
      c = Clip(q, lo, hi)
      y = DequantizeLinear <axis = -2> (c, s, zp)
    })ONNX");
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(RunPass(*model), IsEmpty());
  auto quants = Quants(*model->graph);
  ASSERT_EQ(quants.size(), 1u);
  ExpectQuant(*quants[0], {4, 1, 1});
  const Tensor* scale = ConstantData(quants[0]->input(1));
  ASSERT_NE(scale, nullptr);
  EXPECT_EQ(scale->dims(), (Dims{1, 3, 1}));
  EXPECT_EQ(scale->GetDouble(2), 0.0625);
}

TEST(QcdqToQuantTest, ScalesEqualByValueMatch) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[8] x) => (float[8] y) <float s1 = {0.2}, float s2 = {0.2}, uint8 z1 = {0}> {
      q = QuantizeLinear(x, s1, z1)
      y = DequantizeLinear(q, s2)
    })ONNX");
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(RunPass(*model), IsEmpty());
  ASSERT_EQ(Quants(*model->graph).size(), 1u);
  ExpectQuant(*Quants(*model->graph)[0], {8, 0, 0});
}

TEST(QcdqToQuantTest, ForksKeepEveryConsumerCorrect) {
  // One QuantizeLinear feeds a plain DQ, a clipped DQ, and is itself a graph output.
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[2, 6] x) => (float[2, 6] y1, float[2, 6] y2, int8[2, 6] q)
    <float s = {0.1}, int8 zp = {0}, int8 lo = {-7}, int8 hi = {7}> {
      q = QuantizeLinear(x, s, zp)
      y1 = DequantizeLinear(q, s, zp)
      c = Clip(q, lo, hi)
      y2 = DequantizeLinear(c, s, zp)
    })ONNX");
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(RunPass(*model), IsEmpty());
  EXPECT_THAT(OpTypes(*model->graph), ::testing::UnorderedElementsAre("QuantizeLinear", "Quant",
                                                                      "Quant"));
  Value* y2 = model->graph->FindValue("y2");
  ASSERT_NE(y2, nullptr);
  ExpectQuant(*y2->producer(), {4, 1, 1});
  ExpectQuant(*model->graph->FindValue("y1")->producer(), {8, 1, 0});
}

TEST(QcdqToQuantTest, ChainsInsideScanBodiesReadOuterScales) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[2, 3] h0, float[4, 2, 3] xs) => (float[2, 3] h, float[4, 2, 3] ys)
    <float s = {0.0625}, uint8 zp = {0}, uint8 hi = {63}> {
      h, ys = Scan <num_scan_inputs = 1,
          body = body (float[2, 3] h_in, float[2, 3] x_in) => (float[2, 3] h_out, float[2, 3] y_out)
          <float w = {0.75}> {
            a = Add(h_in, x_in)
            r = Relu(a)
            q = QuantizeLinear(r, s, zp)
            c = Clip(q, zp, hi)
            d = DequantizeLinear(c, s, zp)
            h_out = Mul(d, w)
            y_out = Identity(d)
          }> (h0, xs)
    })ONNX");
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(RunPass(*model), IsEmpty());
  Graph* body = model->graph->nodes()[0]->subgraphs()[0];
  EXPECT_THAT(OpTypes(*body), ElementsAre("Add", "Relu", "Quant", "Mul", "Identity"));
  ExpectQuant(*Quants(*body)[0], {6, 0, 0});
}

// ============================================================================ constants

TEST(QcdqToQuantTest, IntegerWeightsThroughClipBecomeFloatWeightsWithTheClipBitWidth) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[2, 3] x) => (float[2, 2] y)
    <int8[3, 2] w = {-7, 7, 3, 0, -1, 5}, float ws = {0.25}, int8 wz = {0},
     int8 lo = {-7}, int8 hi = {7}> {
      c = Clip(w, lo, hi)
      wf = DequantizeLinear(c, ws, wz)
      y = MatMul(x, wf)
    })ONNX");
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(RunPass(*model), IsEmpty());
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("Quant", "MatMul"));
  Node* quant = Quants(*model->graph)[0];
  ExpectQuant(*quant, {4, 1, 1});
  const Tensor* w = ConstantData(quant->input(0));
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->type(), ElementType::kFloat);
  EXPECT_EQ(w->dims(), (Dims{3, 2}));
  EXPECT_EQ(w->GetDouble(0), -1.75);
  EXPECT_EQ(w->GetDouble(5), 1.25);
  EXPECT_EQ(model->graph->FindValue("w"), nullptr) << "integer weights left behind";
}

TEST(QcdqToQuantTest, PerChannelIntegerWeightsAndInt32Bias) {
  // Brevitas' QuantConv2d/QuantLinear export: per-output-channel int8 weights (axis 0), an int32
  // bias with scale = input scale x weight scale.
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[1, 2, 3, 3] x) => (float[1, 2, 2, 2] y)
    <int8[2, 2, 2, 2] w = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14, 15, -127},
     float[2] ws = {0.5, 0.01}, int8[2] wz = {0, 0}, int8 lo = {-127}, int8 hi = {127},
     int32[2] b = {100000, -3}, float[2] bs = {0.05, 0.001}, int32[2] bz = {0, 0}> {
      c = Clip(w, lo, hi)
      wf = DequantizeLinear <axis = 0> (c, ws, wz)
      bf = DequantizeLinear <axis = 0> (b, bs, bz)
      y = Conv(x, wf, bf)
    })ONNX");
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(RunPass(*model), IsEmpty());
  Node* wq = model->graph->FindValue("wf")->producer();
  Node* bq = model->graph->FindValue("bf")->producer();
  ExpectQuant(*wq, {8, 1, 1});
  ExpectQuant(*bq, {32, 1, 0});
  EXPECT_EQ(ConstantData(wq->input(1))->dims(), (Dims{2, 1, 1, 1}));
  EXPECT_EQ(ConstantData(bq->input(1))->dims(), (Dims{2}));
  EXPECT_EQ(ConstantData(bq->input(0))->GetDouble(0), static_cast<float>(100000 * 0.05f));
}

TEST(QcdqToQuantTest, ConstantsWithARangeNoQuantHasAreStillExact) {
  // A Clip [-5, 5] on a constant: the constant's values are reproduced by the covering 4-bit
  // narrow Quant, which the pass verifies on the constant itself.
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[2, 2] x) => (float[2, 2] y)
    <int8[2, 2] w = {-9, 9, 4, -5}, float ws = {0.3}, int8 lo = {-5}, int8 hi = {5}> {
      c = Clip(w, lo, hi)
      wf = DequantizeLinear(c, ws)
      y = Add(x, wf)
    })ONNX");
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(RunPass(*model), IsEmpty());
  ExpectQuant(*Quants(*model->graph)[0], {4, 1, 1});
}

TEST(QcdqToQuantTest, FloatWeightsThroughQuantizeLinearKeepTheFloatWeights) {
  // Brevitas' export_weight_q_node=True form: float initializer -> Q -> Clip -> DQ.
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[1, 3] x) => (float[1, 2] y)
    <float[3, 2] w = {0.11, -0.52, 0.33, 0.9, -0.7, 0.05}, float ws = {0.1}, int8 wz = {0},
     int8 lo = {-7}, int8 hi = {7}> {
      q = QuantizeLinear(w, ws, wz)
      c = Clip(q, lo, hi)
      wf = DequantizeLinear(c, ws, wz)
      y = MatMul(x, wf)
    })ONNX");
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(RunPass(*model), IsEmpty());
  Node* quant = Quants(*model->graph)[0];
  ExpectQuant(*quant, {4, 1, 1});
  EXPECT_EQ(quant->input(0)->name(), "w");
}

// ============================================================================ left unchanged

// Runs the pass on a model it must not change and returns its single warning.
std::string SingleWarning(const std::string& text) {
  auto model = ParseModel(text);
  EXPECT_NE(model, nullptr);
  if (model == nullptr) return "";
  const std::vector<std::string> ops = OpTypes(*model->graph);
  std::vector<std::string> warnings = RunPass(*model, /*expect_change=*/false);
  EXPECT_EQ(OpTypes(*model->graph), ops);
  EXPECT_EQ(warnings.size(), 1u);
  return warnings.empty() ? "" : warnings[0];
}

TEST(QcdqToQuantTest, ClipRangesWithoutAQuantStayWithAWarning) {
  const std::string w = SingleWarning(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[4] x) => (float[4] y) <float s = {0.1}, int8 zp = {0}, int8 lo = {-5}, int8 hi = {5}> {
      q = QuantizeLinear(x, s, zp)
      c = Clip(q, lo, hi)
      dq_node = DequantizeLinear(c, s, zp)
      y = Identity(dq_node)
    })ONNX");
  EXPECT_THAT(w, HasSubstr("qcdq-to-quant"));
  EXPECT_THAT(w, HasSubstr("(DequantizeLinear)"));
  EXPECT_THAT(w, HasSubstr("[-5, 5]"));
  EXPECT_THAT(w, HasSubstr("(Clip)"));
  EXPECT_THAT(w, HasSubstr("not the range of any Quant"));
  // Signed [-1, 0] would be Quant's bipolar special case.
  EXPECT_THAT(SingleWarning(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[4] x) => (float[4] y) <float s = {0.1}, int8 zp = {0}, int8 lo = {-1}, int8 hi = {0}> {
      q = QuantizeLinear(x, s, zp)
      c = Clip(q, lo, hi)
      y = DequantizeLinear(c, s, zp)
    })ONNX"),
              HasSubstr("[-1, 0]"));
}

TEST(QcdqToQuantTest, MismatchedScalesStay) {
  const std::string w = SingleWarning(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[4] x) => (float[4] y) <float s1 = {0.1}, float s2 = {0.2}, int8 zp = {0}> {
      quantize = QuantizeLinear(x, s1, zp)
      y = DequantizeLinear(quantize, s2, zp)
    })ONNX");
  EXPECT_THAT(w, HasSubstr("different scales"));
  EXPECT_THAT(w, HasSubstr("(QuantizeLinear)"));
  EXPECT_THAT(w, HasSubstr("'s1'"));
}

TEST(QcdqToQuantTest, RuntimeScalesStay) {
  EXPECT_THAT(SingleWarning(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[4] x, float s) => (float[4] y) <int8 zp = {0}> {
      q = QuantizeLinear(x, s, zp)
      y = DequantizeLinear(q, s, zp)
    })ONNX"),
              HasSubstr("scale 's' is not a constant"));
}

TEST(QcdqToQuantTest, Float16Stays) {
  // The text parser has no float16 literals: parse float32, then switch x and the scale.
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[4] x) => (float[4] y) <float s = {0.1}, int8 zp = {0}> {
      q = QuantizeLinear(x, s, zp)
      y = DequantizeLinear(q, s, zp)
    })ONNX");
  ASSERT_NE(model, nullptr);
  Graph& g = *model->graph;
  Tensor half(ElementType::kFloat16, {});
  half.data<uint16_t>()[0] = FloatToHalf(0.1f);
  g.SetInitializer(g.FindValue("s"), half);
  g.FindValue("x")->type().elem = ElementType::kFloat16;
  g.FindValue("y")->type().elem = ElementType::kUndefined;
  ASSERT_TRUE(InferModelTypes(*model).ok());
  std::vector<std::string> warnings = RunPass(*model, /*expect_change=*/false);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("float16"));
  EXPECT_THAT(OpTypes(g), ElementsAre("QuantizeLinear", "DequantizeLinear"));
}

TEST(QcdqToQuantTest, NonzeroZeroPointsOfRuntimeValuesStay) {
  EXPECT_THAT(SingleWarning(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[4] x) => (float[4] y) <float s = {0.1}, uint8 zp = {128}> {
      q = QuantizeLinear(x, s, zp)
      y = DequantizeLinear(q, s, zp)
    })ONNX"),
              HasSubstr("zero point is not 0"));
  EXPECT_THAT(SingleWarning(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[4] x) => (float[4] y) <float s = {0.1}, uint8 z1 = {0}, uint8 z2 = {3}> {
      q = QuantizeLinear(x, s, z1)
      y = DequantizeLinear(q, s, z2)
    })ONNX"),
              HasSubstr("different zero points"));
}

TEST(QcdqToQuantTest, DequantizeOfARuntimeIntegerStays) {
  EXPECT_THAT(SingleWarning(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (int8[4] q) => (float[4] y) <float s = {0.1}> {
      y = DequantizeLinear(q, s)
    })ONNX"),
              HasSubstr("neither produced by QuantizeLinear nor an integer constant"));
}

TEST(QcdqToQuantTest, NonzeroZeroPointsOfConstantsAreVerifiedOnTheConstant) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[4] x) => (float[4] y)
    <uint8[4] w = {0, 17, 128, 255}, float s = {0.02}, uint8 z = {128}> {
      wf = DequantizeLinear(w, s, z)
      y = Mul(x, wf)
    })ONNX");
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(RunPass(*model), IsEmpty());
  Node* quant = Quants(*model->graph)[0];
  EXPECT_EQ(quant->GetInt("signed", -1), 0);
  EXPECT_EQ(ConstantData(quant->input(2))->GetDouble(0), 128);
}

}  // namespace
}  // namespace finngl
