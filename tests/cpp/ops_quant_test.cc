// Tests of the quantization ops: ONNX QuantizeLinear / DequantizeLinear and the QONNX custom ops
// Quant / IntQuant, BipolarQuant, Trunc (v1, v2) and MultiThreshold, plus the rounding helpers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>

#include "src/exec/executor.h"
#include "src/ir/datatype.h"
#include "src/ir/graph.h"
#include "src/ops/registry.h"
#include "src/ops/rounding.h"
#include "tests/cpp/op_test_util.h"

namespace finngl {
namespace {

using ::finngl::testing::InferOp;
using ::finngl::testing::OpCall;
using ::finngl::testing::OpInput;
using ::finngl::testing::Run1;
using ::finngl::testing::RunError;
using ::finngl::testing::RunOp;
using ::testing::HasSubstr;

OpInput Runtime(Tensor t) {
  OpInput in;
  in.value = std::move(t);
  return in;
}
OpInput Const(Tensor t) {
  OpInput in = Runtime(std::move(t));
  in.constant = true;
  return in;
}
Tensor Floats(Dims dims, std::vector<float> v) { return Tensor::FromVector<float>(dims, v); }
Tensor Floats(std::vector<float> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return Floats({n}, v);
}
Tensor F(float v) { return Tensor::Scalar<float>(v); }

// A copyable (name, attribute) pair so tests can write attribute lists inline.
struct AttrArg {
  AttrArg(std::string n, Attribute a)
      : name(std::move(n)), value(std::make_shared<Attribute>(std::move(a))) {}
  std::string name;
  std::shared_ptr<Attribute> value;
};

OpCall Call(std::string op, std::string domain, std::vector<OpInput> inputs,
            std::vector<AttrArg> attrs = {}) {
  OpCall c;
  c.op_type = std::move(op);
  c.domain = std::move(domain);
  c.inputs = std::move(inputs);
  for (const AttrArg& a : attrs) c.attrs.emplace_back(a.name, a.value->Clone(nullptr));
  return c;
}

constexpr char kQonnx[] = "qonnx.custom_op.general";

DataType InferredDataType(OpCall call) {
  auto t = InferOp(std::move(call));
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? (*t)[0].dtype : DataType::Float32();
}

std::vector<double> Values(const Tensor& t) { return t.ToDoubles(); }

// ============================================================================ rounding helpers

const std::vector<std::pair<const char*, std::vector<double>>>& RoundingTable() {
  // Inputs 2.5, -2.5, 1.6, -1.1 (qonnx tests/custom_op/test_runding_mode.py).
  static const auto* table = new std::vector<std::pair<const char*, std::vector<double>>>{
      {"ROUND", {2, -2, 2, -1}},   {"HALF_EVEN", {2, -2, 2, -1}}, {"CEIL", {3, -2, 2, -1}},
      {"FLOOR", {2, -3, 1, -2}},   {"UP", {3, -3, 2, -2}},        {"DOWN", {2, -2, 1, -1}},
      {"HALF_UP", {3, -3, 2, -1}}, {"HALF_DOWN", {2, -2, 2, -1}}, {"ROUND_TO_ZERO", {2, -2, 1, -1}},
      {"round", {2, -2, 2, -1}},   {"half_up", {3, -3, 2, -1}}};
  return *table;
}

TEST(RoundingTest, TableFromQonnxTests) {
  const std::vector<float> in = {2.5f, -2.5f, 1.6f, -1.1f};
  for (const auto& [name, want] : RoundingTable()) {
    auto mode = ParseRoundingMode(name);
    ASSERT_TRUE(mode.ok()) << name;
    for (size_t i = 0; i < in.size(); ++i) {
      EXPECT_EQ(ApplyRounding(*mode, in[i]), want[i]) << name << " " << in[i];
      EXPECT_EQ(ApplyRounding(*mode, static_cast<double>(in[i])), want[i]) << name;
    }
  }
}

TEST(RoundingTest, HalfUpIsComputedInFloat32LikeNumpy) {
  // |x| + 0.5 rounds up to 1 in float32 for the largest float below 0.5.
  const float x = std::nextafter(0.5f, 0.0f);
  EXPECT_EQ(ApplyRounding(RoundingMode::kHalfUp, x), 1.0f);
  EXPECT_EQ(ApplyRounding(RoundingMode::kHalfUp, static_cast<double>(x)), 0.0);
}

TEST(RoundingTest, RejectsUnknownModesListingAccepted) {
  auto mode = ParseRoundingMode("DPU");
  ASSERT_FALSE(mode.ok());
  EXPECT_THAT(std::string(mode.status().message()),
              HasSubstr("unsupported rounding_mode 'DPU'; accepted: ROUND, HALF_EVEN, CEIL, FLOOR, "
                        "UP, DOWN, HALF_UP, HALF_DOWN, ROUND_TO_ZERO"));
}

TEST(RoundingTest, IntRangeTable) {
  EXPECT_EQ(QuantIntRange<double>(true, false, 8), (std::pair<double, double>{-128, 127}));
  EXPECT_EQ(QuantIntRange<double>(true, true, 8), (std::pair<double, double>{-127, 127}));
  EXPECT_EQ(QuantIntRange<double>(false, false, 8), (std::pair<double, double>{0, 255}));
  EXPECT_EQ(QuantIntRange<double>(false, true, 8), (std::pair<double, double>{0, 254}));
  EXPECT_EQ(QuantIntRange<float>(true, false, 32.0f).first, -2147483648.0f);
}

// ============================================================================ QuantizeLinear

TEST(QuantizeLinearTest, PerTensorInt8RoundsHalfToEvenAndSaturates) {
  Tensor y = Run1(Call("QuantizeLinear", "",
                       {Runtime(Floats({-1.0f, 0.0f, 0.5f, 1.5f, 2.5f, 300.0f, -300.0f, -0.5f})),
                        Const(F(1.0f)), Const(Tensor::Scalar<int8_t>(0))}));
  EXPECT_EQ(y.type(), ElementType::kInt8);
  EXPECT_EQ(Values(y), (std::vector<double>{-1, 0, 0, 2, 2, 127, -128, 0}));
}

TEST(QuantizeLinearTest, ZeroPointAndScale) {
  // x/scale: 0.3f/0.1f = 3.0000002 -> 3; zero point added after rounding.
  Tensor y = Run1(Call("QuantizeLinear", "",
                       {Runtime(Floats({0.3f, -0.25f, 0.05f, 100.0f})), Const(F(0.1f)),
                        Const(Tensor::Scalar<uint8_t>(128))}));
  EXPECT_EQ(y.type(), ElementType::kUint8);
  EXPECT_EQ(Values(y), (std::vector<double>{131, 126, 128, 255}));
}

TEST(QuantizeLinearTest, DefaultZeroPointIsUint8AndInt32Works) {
  Tensor y =
      Run1(Call("QuantizeLinear", "", {Runtime(Floats({-3.0f, 3.0f, 700.0f})), Const(F(2.0f))}));
  EXPECT_EQ(y.type(), ElementType::kUint8);
  EXPECT_EQ(Values(y), (std::vector<double>{0, 2, 255}));
  Tensor z = Run1(
      Call("QuantizeLinear", "",
           {Runtime(Floats({1e6f, -2.5f})), Const(F(0.5f)), Const(Tensor::Scalar<int32_t>(-7))}));
  EXPECT_EQ(z.type(), ElementType::kInt32);
  EXPECT_EQ(Values(z), (std::vector<double>{1999993, -12}));
}

TEST(QuantizeLinearTest, PerAxis) {
  // x [2, 3] with per-channel scale on axis 1 (default) and on axis 0.
  Tensor x = Floats({2, 3}, {1, 2, 4, -1, -2, -4});
  Tensor y = Run1(Call(
      "QuantizeLinear", "",
      {Runtime(x), Const(Floats({1, 2, 4})), Const(Tensor::FromVector<int8_t>({3}, {0, 1, -1}))}));
  EXPECT_EQ(Values(y), (std::vector<double>{1, 2, 0, -1, 0, -2}));
  Tensor z = Run1(
      Call("QuantizeLinear", "",
           {Runtime(x), Const(Floats({1, 0.5})), Const(Tensor::FromVector<int8_t>({2}, {0, 0}))},
           {{"axis", Attribute::Int(-2)}}));
  EXPECT_EQ(Values(z), (std::vector<double>{1, 2, 4, -2, -4, -8}));
}

TEST(QuantizeLinearTest, DataTypeFollowsZeroPoint) {
  EXPECT_EQ(
      InferredDataType(Call("QuantizeLinear", "",
                            {Runtime(Floats({1})), Const(F(1)), Const(Tensor::Scalar<int8_t>(0))})),
      DataType::Int(8));
  EXPECT_EQ(InferredDataType(Call("QuantizeLinear", "", {Runtime(Floats({1})), Const(F(1))})),
            DataType::UInt(8));
  EXPECT_EQ(InferredDataType(
                Call("QuantizeLinear", "",
                     {Runtime(Floats({1})), Const(F(1)), Const(Tensor::Scalar<int32_t>(0))})),
            DataType::Int(32));
}

TEST(QuantizeLinearTest, Errors) {
  EXPECT_THAT(RunError(Call("QuantizeLinear", "",
                            {Runtime(Floats({2, 3}, {1, 2, 3, 4, 5, 6})), Const(Floats({1, 2})),
                             Const(Tensor::FromVector<int8_t>({2}, {0, 0}))})),
              HasSubstr("input 'scale' has 2 values but axis 1 of shape [2, 3] has size 3"));
  OpCall old = Call("QuantizeLinear", "",
                    {Runtime(Floats({2, 2}, {1, 2, 3, 4})), Const(Floats({1, 2})),
                     Const(Tensor::FromVector<int8_t>({2}, {0, 0}))});
  old.opset = 10;
  EXPECT_THAT(RunError(std::move(old)), HasSubstr("must be a scalar before opset 13"));
  EXPECT_THAT(RunError(Call("QuantizeLinear", "",
                            {Runtime(Floats({1})), Const(Tensor::Scalar<int8_t>(1))})),
              HasSubstr("input 'in1' has element type int8, expected float or float16"));
}

// ============================================================================ DequantizeLinear

TEST(DequantizeLinearTest, PerTensor) {
  Tensor y = Run1(Call("DequantizeLinear", "",
                       {Runtime(Tensor::FromVector<int8_t>({3}, {-128, 0, 127})), Const(F(0.5f)),
                        Const(Tensor::Scalar<int8_t>(-1))}));
  EXPECT_EQ(y.type(), ElementType::kFloat);
  EXPECT_EQ(Values(y), (std::vector<double>{-63.5, 0.5, 64}));
  Tensor u = Run1(Call("DequantizeLinear", "",
                       {Runtime(Tensor::FromVector<uint8_t>({2}, {0, 255})), Const(F(2.0f))}));
  EXPECT_EQ(Values(u), (std::vector<double>{0, 510}));
}

TEST(DequantizeLinearTest, PerAxisAndInt32Bias) {
  Tensor y =
      Run1(Call("DequantizeLinear", "",
                {Runtime(Tensor::FromVector<uint8_t>({2, 2}, {10, 20, 30, 40})),
                 Const(Floats({0.5f, 2.0f})), Const(Tensor::FromVector<uint8_t>({2}, {10, 0}))},
                {{"axis", Attribute::Int(0)}}));
  EXPECT_EQ(Values(y), (std::vector<double>{0, 5, 60, 80}));
  Tensor b = Run1(Call("DequantizeLinear", "",
                       {Runtime(Tensor::FromVector<int32_t>({2}, {-100000, 7})), Const(F(0.25f))}));
  EXPECT_EQ(Values(b), (std::vector<double>{-25000, 1.75}));
  EXPECT_EQ(InferredDataType(Call("DequantizeLinear", "",
                                  {Runtime(Tensor::FromVector<int8_t>({1}, {1})), Const(F(1))})),
            DataType::Float32());
}

TEST(DequantizeLinearTest, Errors) {
  EXPECT_THAT(RunError(Call("DequantizeLinear", "", {Runtime(Floats({1})), Const(F(1))})),
              HasSubstr("input 'in0' has element type float, expected int8, uint8"));
  EXPECT_THAT(RunError(Call("DequantizeLinear", "",
                            {Runtime(Tensor::FromVector<int8_t>({1}, {1})), Const(F(1)),
                             Const(Tensor::Scalar<uint8_t>(0))})),
              HasSubstr("input 'in2' has element type uint8 but input 'in0' has int8"));
}

TEST(QdqTest, NotConstantFoldable) {
  for (const char* op : {"QuantizeLinear", "DequantizeLinear"}) {
    EXPECT_FALSE(OpRegistry::Get().Find("", op, 17)->foldable) << op;
  }
  for (const char* op : {"Quant", "IntQuant", "BipolarQuant", "Trunc"}) {
    EXPECT_FALSE(OpRegistry::Get().Find(kQonnx, op, 2)->foldable) << op;
  }
}

// ============================================================================ Quant / IntQuant

OpCall QuantCall(Tensor x, Tensor scale, Tensor zeropt, float bits, int is_signed, int narrow,
                 const std::string& mode = "ROUND", const std::string& op = "Quant") {
  return Call(
      op, kQonnx,
      {Runtime(std::move(x)), Const(std::move(scale)), Const(std::move(zeropt)), Const(F(bits))},
      {{"signed", Attribute::Int(is_signed)},
       {"narrow", Attribute::Int(narrow)},
       {"rounding_mode", Attribute::String(mode)}});
}

TEST(QuantTest, RoundingModesTable) {
  Tensor x = Floats({2.5f, -2.5f, 1.6f, -1.1f});
  for (const auto& [name, want] : RoundingTable()) {
    Tensor y = Run1(QuantCall(x, F(1), F(0), 8, 1, 0, name));
    EXPECT_EQ(Values(y), want) << name;
  }
}

TEST(QuantTest, RangesForEveryBitWidthSignedNarrow) {
  for (int bits = 1; bits <= 16; ++bits) {
    for (int is_signed = 0; is_signed <= 1; ++is_signed) {
      for (int narrow = 0; narrow <= 1; ++narrow) {
        const double full = std::ldexp(1.0, bits), half = std::ldexp(1.0, bits - 1);
        double lo = is_signed ? -half + narrow : 0;
        double hi = is_signed ? half - 1 : full - 1 - narrow;
        // A ramp through and beyond the range, with halves to exercise rounding.
        std::vector<float> xs;
        for (double v = -full - 3; v <= full + 3; v += full > 64 ? full / 16 + 0.5 : 0.5) {
          xs.push_back(static_cast<float>(v));
        }
        Tensor y = Run1(QuantCall(Floats(xs), F(1), F(0), bits, is_signed, narrow));
        ASSERT_EQ(y.size(), static_cast<int64_t>(xs.size()));
        for (size_t i = 0; i < xs.size(); ++i) {
          double want;
          if (bits == 1 && is_signed) {
            want = xs[i] >= 0 ? 1 : -1;  // qonnx's bipolar special case, no clamp
          } else {
            want = std::nearbyint(std::clamp<double>(xs[i], lo, hi));
          }
          ASSERT_EQ(y.GetDouble(i), want) << "bits=" << bits << " signed=" << is_signed
                                          << " narrow=" << narrow << " x=" << xs[i];
        }
        DataType dt = InferredDataType(QuantCall(Floats(xs), F(1), F(0), bits, is_signed, narrow));
        DataType expect = bits == 1 ? (is_signed ? DataType::Bipolar() : DataType::Binary())
                                    : (is_signed ? DataType::Int(bits) : DataType::UInt(bits));
        EXPECT_EQ(dt, expect) << bits;
      }
    }
  }
}

TEST(QuantTest, PerChannelScaleAndZeroPoint) {
  // x [2, 3, 2], scale [1, 3, 1] per channel, zero point 2, unsigned 4 bit.
  std::vector<float> xs;
  for (int i = 0; i < 12; ++i) xs.push_back(-3.3f + 1.7f * static_cast<float>(i));
  std::vector<float> scales = {0.5f, 1.0f, 0.25f};
  Tensor y = Run1(QuantCall(Floats({2, 3, 2}, xs), Floats({1, 3, 1}, scales), F(2), 4, 0, 0));
  ASSERT_EQ(y.dims(), (Dims{2, 3, 2}));
  for (int i = 0; i < 12; ++i) {
    const float s = scales[(i / 2) % 3];
    float q = xs[i] / s + 2.0f;
    q = std::nearbyint(std::clamp(q, 0.0f, 15.0f));
    EXPECT_EQ(y.GetDouble(i), static_cast<float>((q - 2.0f) * s)) << i;
  }
}

TEST(QuantTest, HandValues) {
  // scale 0.5, signed 3 bit: range [-4, 3] * 0.5 = [-2, 1.5].
  Tensor y = Run1(QuantCall(Floats({-5, -0.3f, 0.3f, 0.74f, 0.76f, 9}), F(0.5f), F(0), 3, 1, 0));
  EXPECT_EQ(Values(y), (std::vector<double>{-2, -0.5, 0.5, 0.5, 1.0, 1.5}));
  // Narrow signed 3 bit: [-3, 3].
  Tensor n = Run1(QuantCall(Floats({-5, 5}), F(1), F(0), 3, 1, 1));
  EXPECT_EQ(Values(n), (std::vector<double>{-3, 3}));
  // IntQuant is the same op; domain aliases resolve.
  OpCall alias = QuantCall(Floats({-5, 5}), F(1), F(0), 3, 1, 1, "ROUND", "IntQuant");
  alias.domain = "onnx.brevitas";
  EXPECT_EQ(Values(Run1(std::move(alias))), (std::vector<double>{-3, 3}));
}

TEST(QuantTest, NonIntegerBitWidthUsesFloatPowers) {
  // signed, b = 2.5: max = 2**1.5 - 1 = 1.828 -> clamp then round -> 2.
  Tensor y = Run1(QuantCall(Floats({5, -5}), F(1), F(0), 2.5f, 1, 0));
  const float hi = std::pow(2.0f, 1.5f) - 1.0f, lo = -std::pow(2.0f, 1.5f);
  EXPECT_EQ(Values(y), (std::vector<double>{std::nearbyint(hi), std::nearbyint(lo)}));
}

TEST(QuantTest, DataTypeInference) {
  EXPECT_EQ(InferredDataType(QuantCall(Floats({1}), F(0.5f), F(0), 4, 1, 0)), DataType::Float32());
  EXPECT_EQ(InferredDataType(QuantCall(Floats({1}), F(1), F(3), 4, 0, 0)), DataType::Float32());
  EXPECT_EQ(InferredDataType(QuantCall(Floats({1}), Floats({1, 1}), F(0), 6, 0, 1)),
            DataType::UInt(6));
  // A bit width that is not a constant gives FLOAT32.
  OpCall dyn =
      Call("Quant", kQonnx, {Runtime(Floats({1})), Const(F(1)), Const(F(0)), Runtime(F(4))},
           {{"signed", Attribute::Int(1)}});
  EXPECT_EQ(InferredDataType(std::move(dyn)), DataType::Float32());
}

TEST(QuantTest, Errors) {
  EXPECT_THAT(RunError(QuantCall(Floats({1}), F(1), F(0), 4, 1, 0, "DPU")),
              HasSubstr("unsupported rounding_mode 'DPU'; accepted: ROUND"));
  EXPECT_THAT(
      RunError(Call("Quant", kQonnx,
                    {Runtime(Floats({1})), Const(F(1)), Const(F(0)), Const(Floats({4, 4}))})),
      HasSubstr("input 'bitwidth' must hold a single value"));
  EXPECT_THAT(RunError(QuantCall(Floats({2}, {1, 2}), Floats({3}, {1, 1, 1}), F(0), 4, 1, 0)),
              HasSubstr("cannot be broadcast"));
}

// ============================================================================ BipolarQuant

TEST(BipolarQuantTest, SignTimesScale) {
  Tensor y =
      Run1(Call("BipolarQuant", kQonnx, {Runtime(Floats({-1, 0, 2, -0.0f})), Const(F(0.5f))}));
  EXPECT_EQ(Values(y), (std::vector<double>{-0.5, 0.5, 0.5, 0.5}));
  Tensor c = Run1(Call("BipolarQuant", kQonnx,
                       {Runtime(Floats({2, 2}, {-1, 1, -1, 1})), Const(Floats({2, 1}, {2, 3}))}));
  EXPECT_EQ(Values(c), (std::vector<double>{-2, 2, -3, 3}));
  EXPECT_EQ(InferredDataType(Call("BipolarQuant", kQonnx, {Runtime(Floats({1})), Const(F(1))})),
            DataType::Bipolar());
  EXPECT_EQ(InferredDataType(Call("BipolarQuant", kQonnx, {Runtime(Floats({1})), Const(F(2))})),
            DataType::Float32());
}

// ============================================================================ Trunc

OpCall TruncV1(Tensor x, float scale, float zp, float in_bw, float out_bw, const char* mode) {
  OpCall c = Call(
      "Trunc", kQonnx,
      {Runtime(std::move(x)), Const(F(scale)), Const(F(zp)), Const(F(in_bw)), Const(F(out_bw))},
      {{"rounding_mode", Attribute::String(mode)}});
  c.custom_opset = 1;
  return c;
}

OpCall TruncV2(Tensor x, Tensor scale, float zp, float in_bw, Tensor out_scale, float out_bw,
               const char* mode, int is_signed = 1, int narrow = 0) {
  OpCall c = Call("Trunc", kQonnx,
                  {Runtime(std::move(x)), Const(std::move(scale)), Const(F(zp)), Const(F(in_bw)),
                   Const(std::move(out_scale)), Const(F(out_bw))},
                  {{"rounding_mode", Attribute::String(mode)},
                   {"signed", Attribute::Int(is_signed)},
                   {"narrow", Attribute::Int(narrow)}});
  c.custom_opset = 2;
  return c;
}

TEST(TruncTest, V1DropsLsbsWithoutClampOrRescale) {
  // 8 -> 4 bits: y = floor(round(x) / 16); out = y * scale (input scale).
  Tensor y = Run1(TruncV1(Floats({37, -37, 300, 15.5f}), 1, 0, 8, 4, "FLOOR"));
  EXPECT_EQ(Values(y), (std::vector<double>{2, -3, 18, 1}));
  Tensor r = Run1(TruncV1(Floats({40, 24, -24}), 0.5f, 0, 8, 5, "ROUND"));
  // x/0.5 = 80, 48, -48; / 8 = 10, 6, -6; * 0.5.
  EXPECT_EQ(Values(r), (std::vector<double>{5, 3, -3}));
  EXPECT_EQ(InferredDataType(TruncV1(Floats({1}), 1, 0, 8, 4, "FLOOR")), DataType::Float32());
}

TEST(TruncTest, WithoutAQonnxOpsetImportMeansV1AsInQonnx) {
  OpCall call = TruncV1(Floats({37, -37}), 1, 0, 8, 4, "FLOOR");
  std::unique_ptr<Model> model = testing::BuildSingleOpModel(std::move(call));
  model->opset_imports.resize(1);  // keep only the default domain
  ASSERT_EQ(model->OpsetVersion(kQonnx), -1);
  auto exe = Executor::Create(*model);
  ASSERT_TRUE(exe.ok()) << exe.status();
  auto out = (*exe)->Run(std::vector<Tensor>{Floats({37, -37})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(Values((*out)[0]), (std::vector<double>{2, -3}));
}

TEST(TruncTest, V2RescalesToOutScaleAndClamps) {
  // scale 1, out_scale 16 (trunc_scale 16), out 4 bit signed: [-8, 7].
  Tensor y = Run1(TruncV2(Floats({37, -37, 300, -300}), F(1), 0, 8, F(16), 4, "FLOOR"));
  EXPECT_EQ(Values(y), (std::vector<double>{32, -48, 112, -128}));
  // Unsigned narrow: [0, 14]; out_scale 15 is forced to the power of two 16 for trunc_scale but
  // the result is multiplied by 15.
  Tensor u = Run1(TruncV2(Floats({100, 1000, -5}), F(1), 0, 8, F(15), 4, "ROUND", 0, 1));
  EXPECT_EQ(Values(u), (std::vector<double>{6 * 15, 14 * 15, 0}));
}

TEST(TruncTest, PerChannelV2) {
  Tensor y = Run1(TruncV2(Floats({2, 2}, {33, 33, 33, 33}), Floats({2, 1}, {1, 0.5f}), 0, 8,
                          Floats({2, 1}, {4, 4}), 8, "FLOOR"));
  // row 0: x/1 = 33, /4 = 8.25 -> 8 -> *4 = 32; row 1: x/0.5 = 66, ts = 8 -> 8.25 -> 8 -> 32.
  EXPECT_EQ(Values(y), (std::vector<double>{32, 32, 32, 32}));
}

TEST(TruncTest, VersionChosenByQonnxOpset) {
  // The same 6-input node under opset 1 is rejected (Trunc v1 has 5 inputs), and a 5-input node
  // under opset 2 is missing out_bitwidth.
  OpCall v2_as_v1 = TruncV2(Floats({37}), F(1), 0, 8, F(16), 4, "FLOOR");
  v2_as_v1.custom_opset = 1;
  EXPECT_THAT(RunError(std::move(v2_as_v1)),
              HasSubstr("Trunc v1 (qonnx opset 1) takes 5 inputs, got 6"));
  Tensor v1 = Run1(TruncV1(Floats({37}), 1, 0, 8, 4, "FLOOR"));
  Tensor v2 = Run1(TruncV2(Floats({37}), F(1), 0, 8, F(16), 4, "FLOOR"));
  EXPECT_EQ(v1.GetDouble(0), 2);   // v1: floor(37 / 16) * scale
  EXPECT_EQ(v2.GetDouble(0), 32);  // v2: floor(37 / 16) * out_scale
  EXPECT_EQ(OpRegistry::Get().Find(kQonnx, "Trunc", 1)->max_inputs, 5);
  EXPECT_EQ(OpRegistry::Get().Find(kQonnx, "Trunc", 2)->max_inputs, 6);
  EXPECT_EQ(OpRegistry::Get().Find("finn", "Trunc", 3)->since_version, 2);
  OpCall v1_as_v2 = TruncV1(Floats({37}), 1, 0, 8, 4, "FLOOR");
  v1_as_v2.custom_opset = 2;
  EXPECT_THAT(RunError(std::move(v1_as_v2)), HasSubstr("('out_bitwidth') is missing"));
}

// ============================================================================ MultiThreshold

OpCall Mt(Tensor v, Tensor thresholds, std::vector<AttrArg> attrs) {
  attrs.insert(attrs.begin(), AttrArg("out_dtype", Attribute::String("UINT4")));
  return Call("MultiThreshold", kQonnx, {Runtime(std::move(v)), Const(std::move(thresholds))},
              attrs);
}

// count(v >= T[c, :]) by a plain loop, channel axis `axis`.
std::vector<double> NaiveThreshold(const Tensor& v, const Tensor& t, int64_t axis, float scale,
                                   float bias) {
  std::vector<double> out(v.size());
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < v.rank(); ++d) inner *= v.dim(d);
  for (int64_t i = 0; i < v.size(); ++i) {
    const int64_t c = (i / inner) % v.dim(axis);
    const int64_t row = t.dim(0) == 1 ? 0 : c;
    int count = 0;
    for (int64_t j = 0; j < t.dim(1); ++j)
      count += v.GetDouble(i) >= t.GetDouble(row * t.dim(1) + j);
    out[i] = scale * static_cast<float>(count) + bias;
  }
  return out;
}

TEST(MultiThresholdTest, NchwUnsortedThresholds) {
  std::vector<float> vs;
  for (int i = 0; i < 8; ++i) vs.push_back(-2.0f + 0.75f * static_cast<float>(i));
  Tensor v = Floats({1, 2, 2, 2}, vs);
  Tensor t = Floats({2, 3}, {1, -1, 0, 2.5f, 0.5f, -0.5f});
  Tensor y = Run1(Mt(v, t, {}));
  EXPECT_EQ(Values(y), NaiveThreshold(v, t, 1, 1, 0));
  // Hand check: channel 0 holds -2, -1.25, -0.5, 0.25 against {-1, 0, 1}: 0, 0, 1, 2.
  EXPECT_EQ(Values(y)[0], 0);
  EXPECT_EQ(Values(y)[2], 1);
  EXPECT_EQ(Values(y)[3], 2);
}

TEST(MultiThresholdTest, NhwcSharedAndScaleBias) {
  Tensor v = Floats({1, 2, 2, 3}, {-1, 0, 1, 2, 3, 4, -1, 0, 1, 2, 3, 4});
  Tensor t = Floats({3, 2}, {0, 1, 1, 2, 2, 3});
  Tensor y = Run1(Mt(v, t, {{"data_layout", Attribute::String("NHWC")}}));
  EXPECT_EQ(Values(y), NaiveThreshold(v, t, 3, 1, 0));
  Tensor shared = Floats({1, 2}, {0, 2});
  Tensor z = Run1(Mt(v, shared,
                     {{"data_layout", Attribute::String("NHWC")},
                      {"out_scale", Attribute::Float(2)},
                      {"out_bias", Attribute::Float(-1)}}));
  EXPECT_EQ(Values(z), NaiveThreshold(v, shared, 3, 2, -1));
  EXPECT_EQ(Values(z)[0], -1);  // -1 passes no threshold: 2 * 0 - 1
  EXPECT_EQ(Values(z)[3], 3);   // 2 passes both
}

TEST(MultiThresholdTest, LayoutDefaultsFollowRankLikeQonnx) {
  // Without data_layout: rank 2 is NC, rank 3 is NWC (channels last), rank 4 is NCHW.
  Tensor v3 = Floats({1, 2, 3}, {0, 1, 2, 3, 4, 5});
  Tensor t3 = Floats({3, 1}, {0.5f, 3.5f, 10});
  EXPECT_EQ(Values(Run1(Mt(v3, t3, {}))), NaiveThreshold(v3, t3, 2, 1, 0));
  Tensor t3c = Floats({2, 1}, {0.5f, 3.5f});
  EXPECT_EQ(Values(Run1(Mt(v3, t3c, {{"data_layout", Attribute::String("NCW")}}))),
            NaiveThreshold(v3, t3c, 1, 1, 0));
  Tensor v2 = Floats({2, 2}, {0, 1, 2, 3});
  EXPECT_EQ(Values(Run1(Mt(v2, t3c, {}))), NaiveThreshold(v2, t3c, 1, 1, 0));
}

TEST(MultiThresholdTest, NanAndDuplicateThresholds) {
  Tensor v = Floats({1, 1, 4}, {0, 1, 2, std::nanf("")});
  Tensor t = Floats({1, 4}, {1, std::nanf(""), 1, 0});
  Tensor y = Run1(Mt(v, t, {{"data_layout", Attribute::String("NCW")}}));
  EXPECT_EQ(Values(y), (std::vector<double>{1, 3, 3, 0}));
}

TEST(MultiThresholdTest, DataTypeInference) {
  Tensor v = Floats({1, 2}, {0, 1});
  Tensor t = Floats({1, 1}, {0});
  EXPECT_EQ(InferredDataType(Mt(v, t, {})), DataType::UInt(4));
  EXPECT_EQ(InferredDataType(
                Mt(v, t, {{"out_scale", Attribute::Float(2)}, {"out_bias", Attribute::Float(-8)}})),
            DataType::UInt(4));
  EXPECT_EQ(InferredDataType(Mt(v, t, {{"out_scale", Attribute::Float(0.5f)}})),
            DataType::Float32());
  EXPECT_EQ(InferredDataType(Mt(v, t, {{"out_bias", Attribute::Float(-0.5f)}})),
            DataType::Float32());
}

TEST(MultiThresholdTest, Errors) {
  Tensor v = Floats({1, 2, 2, 2}, std::vector<float>(8, 0));
  EXPECT_THAT(RunError(Mt(v, Floats({3, 2}, std::vector<float>(6, 0)), {})),
              HasSubstr("input 'in1' has shape [3, 2] but input 'in0' has shape [1, 2, 2, 2] with "
                        "2 channels on axis 1"));
  OpCall bad = Call("MultiThreshold", kQonnx, {Runtime(v), Const(Floats({1, 1}, {0}))},
                    {{"out_dtype", Attribute::String("INT0")}});
  EXPECT_THAT(RunError(std::move(bad)), HasSubstr("attribute 'out_dtype' value 'INT0' is not a "
                                                  "valid DataType"));
  OpCall missing = Call("MultiThreshold", kQonnx, {Runtime(v), Const(Floats({1, 1}, {0}))});
  EXPECT_THAT(RunError(std::move(missing)), HasSubstr("required attribute 'out_dtype' is missing"));
  EXPECT_THAT(RunError(Mt(Floats({3}, {0, 1, 2}), Floats({1, 1}, {0}), {})),
              HasSubstr("which has no channel axis"));
}

TEST(MultiThresholdTest, RuntimeThresholds) {
  Tensor v = Floats({1, 2, 2}, {0, 1, 2, 3});
  Tensor t = Floats({2, 2}, {3, 0.5f, 2, 2.5f});
  OpCall c =
      Call("MultiThreshold", kQonnx, {Runtime(v), Runtime(t)},
           {{"out_dtype", Attribute::String("UINT2")}, {"data_layout", Attribute::String("NCW")}});
  EXPECT_EQ(Values(Run1(std::move(c))), NaiveThreshold(v, t, 1, 1, 0));
}

}  // namespace
}  // namespace finngl
