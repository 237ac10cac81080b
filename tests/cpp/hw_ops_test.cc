// Tests of the hardware ops' reference execution (src/ops/hw_*.cc, docs/hw_layers.md): each HW op
// against the op(s) it replaces on random integer inputs of several shapes and datatypes (MatMul,
// MultiThreshold, Im2Col, MaxPoolNHWC, Add/Sub/Mul, ArgMax, run through the executor as separate
// one-node models), plus hand-written references (a naive matrix product, top-K with ties) where
// the replaced op could share a bug with the HW op, type inference (datatypes from the attributes,
// shapes of reshaped stream views) and errors naming the node.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "src/ir/datatype.h"
#include "src/ir/graph.h"
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

constexpr char kQonnx[] = "qonnx.custom_op.general";
constexpr char kHw[] = "finn.custom_op.fpgadataflow";

int64_t Count(const Dims& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// A float tensor of random integers drawn uniformly from `dtype`'s range.
Tensor RandomInts(const Dims& dims, DataType dtype, std::mt19937& rng) {
  std::uniform_int_distribution<int64_t> dist(dtype.MinInt(),
                                              static_cast<int64_t>(dtype.Max()));
  std::vector<float> v(Count(dims));
  for (float& x : v) x = static_cast<float>(dist(rng));
  return Tensor::FromVector<float>(dims, v);
}

// Random ascending integer thresholds [rows, steps] within [lo, hi].
Tensor RandomThresholds(int64_t rows, int64_t steps, int64_t lo, int64_t hi, std::mt19937& rng) {
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<float> v;
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<float> row(steps);
    for (float& x : row) x = static_cast<float>(dist(rng));
    std::sort(row.begin(), row.end());
    v.insert(v.end(), row.begin(), row.end());
  }
  return Tensor::FromVector<float>({rows, steps}, v);
}

OpInput Runtime(Tensor t, std::optional<DataType> dtype = std::nullopt) {
  OpInput in;
  in.value = std::move(t);
  in.dtype = dtype;
  return in;
}
OpInput Constant(Tensor t, std::optional<DataType> dtype = std::nullopt) {
  OpInput in = Runtime(std::move(t), dtype);
  in.constant = true;
  return in;
}

// OpCall holds move-only attributes; tests that run one call several times copy it.
OpCall Copy(const OpCall& c) {
  OpCall out;
  out.op_type = c.op_type;
  out.domain = c.domain;
  out.inputs = c.inputs;
  for (const auto& [name, a] : c.attrs) out.attrs.emplace_back(name, a.Clone(nullptr));
  out.num_outputs = c.num_outputs;
  out.opset = c.opset;
  out.custom_opset = c.custom_opset;
  return out;
}

OpCall Hw(const std::string& op_type, std::vector<OpInput> inputs) {
  OpCall c;
  c.op_type = op_type;
  c.domain = kHw;
  c.inputs = std::move(inputs);
  return c;
}

void ExpectSameValues(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(got.type(), want.type());
  for (int64_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got.GetDouble(i), want.GetDouble(i)) << "element " << i;
  }
}

OpCall MatMul(Tensor x, DataType xdt, Tensor w, DataType wdt) {
  OpCall c;
  c.op_type = "MatMul";
  c.inputs = {Runtime(std::move(x), xdt), Constant(std::move(w), wdt)};
  return c;
}

OpCall MultiThreshold(Tensor v, DataType vdt, Tensor t, DataType out, int64_t bias,
                      const std::string& layout) {
  OpCall c;
  c.op_type = "MultiThreshold";
  c.domain = kQonnx;
  c.inputs = {Runtime(std::move(v), vdt), Constant(std::move(t))};
  c.attrs.emplace_back("out_dtype", Attribute::String(out.Name()));
  c.attrs.emplace_back("out_bias", Attribute::Float(static_cast<float>(bias)));
  c.attrs.emplace_back("data_layout", Attribute::String(layout));
  return c;
}

OpCall Mvau(Tensor x, DataType xdt, Tensor w, DataType wdt, DataType out,
            std::optional<Tensor> thresholds = std::nullopt, int64_t act_val = 0) {
  const int64_t mw = w.dim(0), mh = w.dim(1);
  std::vector<OpInput> ins = {Runtime(std::move(x), xdt), Constant(std::move(w), wdt)};
  const bool act = thresholds.has_value();
  if (act) ins.push_back(Constant(std::move(*thresholds)));
  OpCall c = Hw("MVAU", std::move(ins));
  c.attrs.emplace_back("MW", Attribute::Int(mw));
  c.attrs.emplace_back("MH", Attribute::Int(mh));
  c.attrs.emplace_back("PE", Attribute::Int(1));
  c.attrs.emplace_back("SIMD", Attribute::Int(1));
  c.attrs.emplace_back("inputDataType", Attribute::String(xdt.Name()));
  c.attrs.emplace_back("weightDataType", Attribute::String(wdt.Name()));
  c.attrs.emplace_back("outputDataType", Attribute::String(out.Name()));
  c.attrs.emplace_back("noActivation", Attribute::Int(act ? 0 : 1));
  c.attrs.emplace_back("ActVal", Attribute::Int(act_val));
  return c;
}

// ============================================================================ MVAU

struct MvauCase {
  Dims x_dims;  // last dim is MW
  int64_t mh;
  DataType xdt, wdt;
};

class MvauTest : public ::testing::TestWithParam<MvauCase> {};

TEST_P(MvauTest, NoActivationEqualsMatMulAndANaiveProduct) {
  const MvauCase& p = GetParam();
  std::mt19937 rng(7);
  const int64_t mw = p.x_dims.back();
  for (int trial = 0; trial < 5; ++trial) {
    Tensor x = RandomInts(p.x_dims, p.xdt, rng);
    Tensor w = RandomInts({mw, p.mh}, p.wdt, rng);
    Tensor want = Run1(MatMul(x, p.xdt, w, p.wdt));
    Tensor got = Run1(Mvau(x, p.xdt, w, p.wdt, DataType::Int(32)));
    EXPECT_EQ(got.dims(), want.dims());
    ExpectSameValues(got, want);
    // Independent: the textbook triple loop in int64.
    const int64_t rows = x.size() / mw;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < p.mh; ++c) {
        int64_t acc = 0;
        for (int64_t k = 0; k < mw; ++k) {
          acc += x.GetInt64(r * mw + k) * w.GetInt64(k * p.mh + c);
        }
        ASSERT_EQ(got.GetInt64(r * p.mh + c), acc);
      }
    }
  }
}

TEST_P(MvauTest, WithThresholdsEqualsMultiThresholdOfMatMul) {
  const MvauCase& p = GetParam();
  std::mt19937 rng(11);
  const int64_t mw = p.x_dims.back();
  // Accumulator bound: MW * max|x| * max|w|.
  const int64_t bound = mw * static_cast<int64_t>(std::max(-p.xdt.Min(), p.xdt.Max()) *
                                                  std::max(-p.wdt.Min(), p.wdt.Max()));
  for (auto [steps, act_val, shared] : std::vector<std::tuple<int64_t, int64_t, bool>>{
           {3, 0, false}, {15, -8, false}, {7, -4, true}, {1, 0, true}}) {
    Tensor x = RandomInts(p.x_dims, p.xdt, rng);
    Tensor w = RandomInts({mw, p.mh}, p.wdt, rng);
    // Thresholds near the accumulator's typical range so every count occurs.
    const int64_t spread = std::max<int64_t>(4, bound / 8);
    Tensor t = RandomThresholds(shared ? 1 : p.mh, steps, -spread, spread, rng);
    const DataType out = act_val < 0 ? DataType::Int(5) : DataType::UInt(4);
    Tensor acc = Run1(MatMul(x, p.xdt, w, p.wdt));
    const std::string layout = p.x_dims.size() == 2 ? "NC" : p.x_dims.size() == 3 ? "NWC" : "NHWC";
    Tensor want = Run1(MultiThreshold(acc, DataType::Int(32), t, out, act_val, layout));
    Tensor got = Run1(Mvau(x, p.xdt, w, p.wdt, out, t, act_val));
    EXPECT_EQ(got.dims(), want.dims());
    ExpectSameValues(got, want);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, MvauTest,
    ::testing::Values(MvauCase{{1, 16}, 8, DataType::Int(8), DataType::Int(2)},
                      MvauCase{{4, 32}, 10, DataType::UInt(2), DataType::Int(4)},
                      MvauCase{{2, 3, 3, 27}, 16, DataType::Int(4), DataType::Int(4)},
                      MvauCase{{7, 2, 20}, 12, DataType::Int(6), DataType::Int(8)},
                      MvauCase{{3, 9}, 5, DataType::Binary(), DataType::Int(3)}));

TEST(MvauOpTest, ReadsAnyShapeWithRowsOfMW) {
  // A [1, 2, 2, 8] tensor read as one row of MW = 32 (a removed Flatten): output [1, MH].
  std::mt19937 rng(3);
  Tensor x = RandomInts({1, 2, 2, 8}, DataType::Int(4), rng);
  Tensor w = RandomInts({32, 6}, DataType::Int(4), rng);
  Tensor flat = x;
  flat.Reshape(Dims{1, 32});
  Tensor want = Run1(MatMul(flat, DataType::Int(4), w, DataType::Int(4)));
  Tensor got = Run1(Mvau(x, DataType::Int(4), w, DataType::Int(4), DataType::Int(16)));
  EXPECT_EQ(got.dims(), (Dims{1, 6}));
  ExpectSameValues(got, want);
}

TEST(MvauOpTest, LargeAccumulatorsAreExact) {
  // 512 products of 16-bit values: sums far beyond float32's 2^24, exact in int64; stored in an
  // int64 tensor (x's element type) so nothing rounds.
  std::vector<int64_t> xv(512, 32767), wv(512, -32768);
  Tensor x = Tensor::FromVector<int64_t>({1, 512}, xv);
  Tensor w = Tensor::FromVector<int64_t>({512, 1}, wv);
  Tensor got = Run1(Mvau(x, DataType::Int(16), w, DataType::Int(16), DataType::Int(40)));
  ASSERT_EQ(got.type(), ElementType::kInt64);
  EXPECT_EQ(got.GetInt64(0), int64_t{512} * 32767 * -32768);
}

TEST(MvauOpTest, InfersOutputDatatypeAndShape) {
  std::mt19937 rng(1);
  OpCall c = Mvau(RandomInts({5, 3, 8}, DataType::Int(4), rng), DataType::Int(4),
                  RandomInts({8, 4}, DataType::Int(2), rng), DataType::Int(2), DataType::Int(7));
  auto types = InferOp(Copy(c));
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].dtype, DataType::Int(7));
  EXPECT_EQ(ShapeToString(*(*types)[0].shape), "[5, 3, 4]");
}

TEST(MvauOpTest, ErrorsNameTheNode) {
  std::mt19937 rng(1);
  OpCall c = Mvau(RandomInts({2, 8}, DataType::Int(4), rng), DataType::Int(4),
                  RandomInts({8, 4}, DataType::Int(2), rng), DataType::Int(2), DataType::Int(7));
  c.attrs[0].second = Attribute::Int(6);  // MW = 6 but W is [8, 4]
  EXPECT_THAT(RunError(Copy(c)), HasSubstr("node 'node0' (MVAU)"));
  EXPECT_THAT(RunError(Copy(c)), HasSubstr("expected [MW, MH] = [6, 4]"));
  OpCall d = Mvau(RandomInts({2, 8}, DataType::Int(4), rng), DataType::Int(4),
                  RandomInts({8, 4}, DataType::Int(2), rng), DataType::Int(2), DataType::Int(7));
  d.attrs.emplace_back("noActivation", Attribute::Int(0));
  d.attrs.erase(d.attrs.begin() + 7);  // the first noActivation = 1
  EXPECT_THAT(RunError(Copy(d)), HasSubstr("noActivation = 0 needs a thresholds input"));
}

// ============================================================================ Thresholding

OpCall Thresholding(Tensor x, DataType xdt, Tensor t, DataType out, int64_t act_val) {
  const int64_t c = x.dims().back();
  const int64_t steps = t.dim(1);
  OpCall call = Hw("Thresholding", {Runtime(std::move(x), xdt), Constant(std::move(t))});
  call.attrs.emplace_back("NumChannels", Attribute::Int(c));
  call.attrs.emplace_back("PE", Attribute::Int(1));
  call.attrs.emplace_back("numSteps", Attribute::Int(steps));
  call.attrs.emplace_back("inputDataType", Attribute::String(xdt.Name()));
  call.attrs.emplace_back("weightDataType", Attribute::String(xdt.Name()));
  call.attrs.emplace_back("outputDataType", Attribute::String(out.Name()));
  call.attrs.emplace_back("ActVal", Attribute::Int(act_val));
  return call;
}

TEST(ThresholdingOpTest, EqualsMultiThresholdOnChannelLastData) {
  std::mt19937 rng(5);
  struct Case {
    Dims dims;
    DataType xdt;
    int64_t steps, act_val;
    bool shared;
    const char* layout;
  };
  for (const Case& k : {Case{{4, 10}, DataType::Int(8), 3, 0, false, "NC"},
                        Case{{2, 5, 5, 16}, DataType::Int(12), 15, -8, false, "NHWC"},
                        Case{{6, 3, 7}, DataType::UInt(6), 7, -4, true, "NWC"},
                        Case{{1, 64}, DataType::Int(6), 63, -32, false, "NC"}}) {
    for (int trial = 0; trial < 3; ++trial) {
      Tensor x = RandomInts(k.dims, k.xdt, rng);
      const int64_t c = k.dims.back();
      Tensor t = RandomThresholds(k.shared ? 1 : c, k.steps, static_cast<int64_t>(k.xdt.Min()),
                                  static_cast<int64_t>(k.xdt.Max()), rng);
      const DataType out = DataType::SmallestHolding(
          static_cast<double>(k.act_val), static_cast<double>(k.act_val + k.steps));
      Tensor want = Run1(MultiThreshold(x, k.xdt, t, out, k.act_val, k.layout));
      Tensor got = Run1(Thresholding(x, k.xdt, t, out, k.act_val));
      EXPECT_EQ(got.dims(), want.dims());
      ExpectSameValues(got, want);
    }
  }
}

TEST(ThresholdingOpTest, CountsThresholdsAtOrBelowTheInput) {
  // Hand-checked: thresholds [-1, 0, 2]; y = ActVal + #{T <= x}.
  Tensor x = Tensor::FromVector<float>({1, 5}, {-2, -1, 0, 1, 5});
  Tensor t = Tensor::FromVector<float>({1, 3}, {-1, 0, 2});
  OpCall c = Thresholding(x, DataType::Int(4), t, DataType::Int(3), -1);
  c.attrs[0].second = Attribute::Int(5);
  Tensor y = Run1(Copy(c));
  EXPECT_EQ(y.ToDoubles(), (std::vector<double>{-1, 0, 1, 1, 2}));
}

// ============================================================================ SWG and pooling

OpCall SlidingWindow(Tensor x, Dims nhwc, std::vector<int64_t> k, std::vector<int64_t> s,
                     std::vector<int64_t> d, std::vector<int64_t> pad, DataType dt) {
  const int64_t h = nhwc[1], w = nhwc[2], c = nhwc[3];
  const int64_t oh = (h + pad[0] + pad[2] - d[0] * (k[0] - 1) - 1) / s[0] + 1;
  const int64_t ow = (w + pad[1] + pad[3] - d[1] * (k[1] - 1) - 1) / s[1] + 1;
  OpCall call = Hw("ConvolutionInputGenerator", {Runtime(std::move(x), dt)});
  call.attrs.emplace_back("ConvKernelDim", Attribute::Ints(k));
  call.attrs.emplace_back("IFMChannels", Attribute::Int(c));
  call.attrs.emplace_back("IFMDim", Attribute::Ints({h, w}));
  call.attrs.emplace_back("OFMDim", Attribute::Ints({oh, ow}));
  call.attrs.emplace_back("Stride", Attribute::Ints(s));
  call.attrs.emplace_back("Dilation", Attribute::Ints(d));
  call.attrs.emplace_back("Padding", Attribute::Ints(pad));
  call.attrs.emplace_back("SIMD", Attribute::Int(1));
  call.attrs.emplace_back("inputDataType", Attribute::String(dt.Name()));
  call.attrs.emplace_back("outputDataType", Attribute::String(dt.Name()));
  call.attrs.emplace_back("depthwise", Attribute::Int(0));
  return call;
}

OpCall Im2Col(Tensor x, std::vector<int64_t> k, std::vector<int64_t> s, std::vector<int64_t> d,
              std::vector<int64_t> pad, DataType dt) {
  OpCall c;
  c.op_type = "Im2Col";
  c.domain = kQonnx;
  const Dims dims = x.dims();
  c.inputs = {Runtime(std::move(x), dt)};
  c.attrs.emplace_back("kernel_size", Attribute::Ints(k));
  c.attrs.emplace_back("stride", Attribute::Ints(s));
  c.attrs.emplace_back("dilations", Attribute::Ints(d));
  c.attrs.emplace_back("pad_amount", Attribute::Ints(pad));
  c.attrs.emplace_back("input_shape",
                       Attribute::String("(" + std::to_string(dims[0]) + ", " +
                                         std::to_string(dims[1]) + ", " +
                                         std::to_string(dims[2]) + ", " +
                                         std::to_string(dims[3]) + ")"));
  return c;
}

TEST(ConvolutionInputGeneratorOpTest, EqualsIm2Col) {
  std::mt19937 rng(9);
  struct Case {
    Dims nhwc;
    std::vector<int64_t> k, s, d, pad;
    DataType dt;
  };
  for (const Case& k : {Case{{1, 6, 6, 3}, {3, 3}, {1, 1}, {1, 1}, {0, 0, 0, 0}, DataType::Int(8)},
                        Case{{2, 7, 5, 4}, {3, 2}, {2, 1}, {1, 1}, {1, 0, 1, 1}, DataType::UInt(4)},
                        Case{{1, 9, 9, 2}, {3, 3}, {1, 2}, {2, 2}, {2, 2, 2, 2}, DataType::Int(4)},
                        Case{{1, 100, 40, 1}, {1, 2}, {1, 2}, {1, 1}, {0, 0, 0, 0},
                             DataType::Int(8)},
                        Case{{3, 10, 1, 8}, {4, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0},
                             DataType::UInt(6)}}) {
    Tensor x = RandomInts(k.nhwc, k.dt, rng);
    Tensor want = Run1(Im2Col(x, k.k, k.s, k.d, k.pad, k.dt));
    Tensor got = Run1(SlidingWindow(x, k.nhwc, k.k, k.s, k.d, k.pad, k.dt));
    EXPECT_EQ(got.dims(), want.dims());
    ExpectSameValues(got, want);
    // The same stream under another shape (a removed Reshape) gives the same patches.
    Tensor flat = x;
    flat.Reshape(Dims{k.nhwc[0], k.nhwc[1] * k.nhwc[2] * k.nhwc[3]});
    Tensor got_flat = Run1(SlidingWindow(flat, k.nhwc, k.k, k.s, k.d, k.pad, k.dt));
    ExpectSameValues(got_flat, want);
  }
}

TEST(ConvolutionInputGeneratorOpTest, RejectsInconsistentOFMDim) {
  std::mt19937 rng(9);
  OpCall c = SlidingWindow(RandomInts({1, 6, 6, 3}, DataType::Int(8), rng), {1, 6, 6, 3}, {3, 3},
                           {1, 1}, {1, 1}, {0, 0, 0, 0}, DataType::Int(8));
  c.attrs[3].second = Attribute::Ints({5, 4});
  EXPECT_THAT(RunError(Copy(c)), HasSubstr("OFMDim = [5, 4] but the window geometry gives [4, 4]"));
}

OpCall StreamingMaxPool(Tensor x, Dims nhwc, std::vector<int64_t> k, std::vector<int64_t> s,
                        DataType dt) {
  OpCall call = Hw("StreamingMaxPool", {Runtime(std::move(x), dt)});
  call.attrs.emplace_back("ImgDim", Attribute::Ints({nhwc[1], nhwc[2]}));
  call.attrs.emplace_back("PoolDim", Attribute::Ints(k));
  call.attrs.emplace_back("Stride", Attribute::Ints(s));
  call.attrs.emplace_back("NumChannels", Attribute::Int(nhwc[3]));
  call.attrs.emplace_back("PE", Attribute::Int(1));
  call.attrs.emplace_back("dataType", Attribute::String(dt.Name()));
  return call;
}

TEST(StreamingMaxPoolOpTest, EqualsMaxPoolNhwc) {
  std::mt19937 rng(13);
  struct Case {
    Dims nhwc;
    std::vector<int64_t> k, s;
    DataType dt;
  };
  for (const Case& k : {Case{{1, 8, 8, 16}, {2, 2}, {2, 2}, DataType::UInt(4)},
                        Case{{3, 7, 5, 3}, {3, 2}, {2, 1}, DataType::Int(6)},
                        Case{{2, 9, 9, 2}, {3, 3}, {3, 3}, DataType::Int(3)}}) {
    Tensor x = RandomInts(k.nhwc, k.dt, rng);
    OpCall ref;
    ref.op_type = "MaxPoolNHWC";
    ref.domain = kQonnx;
    ref.inputs = {Runtime(x, k.dt)};
    ref.attrs.emplace_back("kernel_shape", Attribute::Ints(k.k));
    ref.attrs.emplace_back("strides", Attribute::Ints(k.s));
    ref.attrs.emplace_back("pads", Attribute::Ints({0, 0, 0, 0}));
    Tensor want = Run1(std::move(ref));
    Tensor got = Run1(StreamingMaxPool(x, k.nhwc, k.k, k.s, k.dt));
    EXPECT_EQ(got.dims(), want.dims());
    ExpectSameValues(got, want);
  }
}

// ============================================================================ elementwise

OpCall Eltwise(const std::string& op, OpInput a, OpInput b, DataType adt, DataType bdt,
               int64_t channels) {
  OpCall call = Hw(op, {std::move(a), std::move(b)});
  call.attrs.emplace_back("NumChannels", Attribute::Int(channels));
  call.attrs.emplace_back("PE", Attribute::Int(1));
  call.attrs.emplace_back("lhsDataType", Attribute::String(adt.Name()));
  call.attrs.emplace_back("rhsDataType", Attribute::String(bdt.Name()));
  call.attrs.emplace_back("outDataType", Attribute::String(DataType::Int(32).Name()));
  return call;
}

TEST(ElementwiseOpTest, EqualsAddSubMulForStreamsAndConstants) {
  std::mt19937 rng(17);
  for (const char* op : {"Add", "Sub", "Mul"}) {
    for (const Dims& dims : {Dims{4, 16}, Dims{2, 3, 3, 8}, Dims{1, 64}}) {
      const int64_t c = dims.back();
      const DataType adt = DataType::Int(6), bdt = DataType::UInt(5);
      Tensor a = RandomInts(dims, adt, rng);
      // Stream + stream, per-channel constant, scalar constant (shape [1] and []).
      std::vector<std::pair<Tensor, bool>> rhs = {{RandomInts(dims, bdt, rng), false},
                                                  {RandomInts({c}, bdt, rng), true},
                                                  {RandomInts({1}, bdt, rng), true},
                                                  {RandomInts({}, bdt, rng), true}};
      for (auto& [b, constant] : rhs) {
        OpCall ref;
        ref.op_type = op;
        ref.inputs = {Runtime(a, adt), constant ? Constant(b, bdt) : Runtime(b, bdt)};
        Tensor want = Run1(std::move(ref));
        Tensor got = Run1(Eltwise(std::string("Elementwise") + op, Runtime(a, adt),
                                  constant ? Constant(b, bdt) : Runtime(b, bdt), adt, bdt, c));
        EXPECT_EQ(got.dims(), want.dims()) << op;
        ExpectSameValues(got, want);
      }
    }
  }
}

TEST(ElementwiseOpTest, RejectsAnOperandOfTheWrongSize) {
  std::mt19937 rng(17);
  OpCall c = Eltwise("ElementwiseAdd", Runtime(RandomInts({2, 8}, DataType::Int(4), rng)),
                     Constant(RandomInts({3}, DataType::Int(4), rng)), DataType::Int(4),
                     DataType::Int(4), 8);
  EXPECT_THAT(RunError(Copy(c)), HasSubstr("(ElementwiseAdd)"));
}

// ============================================================================ streams

TEST(StreamOpsTest, DuplicateStreamsCopiesToEveryOutput) {
  std::mt19937 rng(19);
  Tensor x = RandomInts({2, 3, 8}, DataType::Int(4), rng);
  OpCall c = Hw("DuplicateStreams", {Runtime(x, DataType::Int(4))});
  c.num_outputs = 3;
  c.attrs.emplace_back("NumChannels", Attribute::Int(8));
  c.attrs.emplace_back("NumOutputStreams", Attribute::Int(3));
  c.attrs.emplace_back("inputDataType", Attribute::String("INT4"));
  auto out = RunOp(Copy(c));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 3u);
  for (const Tensor& y : *out) EXPECT_TRUE(y.SameContents(x));
  auto types = InferOp(Copy(c));
  ASSERT_TRUE(types.ok());
  EXPECT_EQ((*types)[2].dtype, DataType::Int(4));
  OpCall bad = Copy(c);
  bad.attrs[1].second = Attribute::Int(2);
  EXPECT_THAT(RunError(Copy(bad)), HasSubstr("NumOutputStreams = 2 but the node has 3 outputs"));
}

TEST(StreamOpsTest, DataWidthConverterAndFifoAreIdentities) {
  std::mt19937 rng(23);
  Tensor x = RandomInts({1, 4, 4, 6}, DataType::UInt(3), rng);
  OpCall dwc = Hw("StreamingDataWidthConverter", {Runtime(x, DataType::UInt(3))});
  dwc.attrs.emplace_back("inWidth", Attribute::Int(6));
  dwc.attrs.emplace_back("outWidth", Attribute::Int(9));
  dwc.attrs.emplace_back("dataType", Attribute::String("UINT3"));
  dwc.attrs.emplace_back("shape", Attribute::Ints({1, 4, 4, 6}));
  EXPECT_TRUE(Run1(Copy(dwc)).SameContents(x));
  OpCall fifo = Hw("StreamingFIFO", {Runtime(x, DataType::UInt(3))});
  fifo.attrs.emplace_back("depth", Attribute::Int(32));
  fifo.attrs.emplace_back("dataType", Attribute::String("UINT3"));
  fifo.attrs.emplace_back("foldedShape", Attribute::Ints({1, 4, 4, 3, 2}));
  fifo.attrs.emplace_back("ram_style", Attribute::String("auto"));
  EXPECT_TRUE(Run1(Copy(fifo)).SameContents(x));
}

// ============================================================================ LabelSelect

OpCall LabelSelect(Tensor x, DataType dt, int64_t k) {
  const int64_t labels = x.dims().back();
  OpCall c = Hw("LabelSelect", {Runtime(std::move(x), dt)});
  c.attrs.emplace_back("Labels", Attribute::Int(labels));
  c.attrs.emplace_back("PE", Attribute::Int(1));
  c.attrs.emplace_back("K", Attribute::Int(k));
  c.attrs.emplace_back("inputDataType", Attribute::String(dt.Name()));
  c.attrs.emplace_back("outputDataType", Attribute::String("UINT8"));
  return c;
}

TEST(LabelSelectOpTest, KOneEqualsArgMaxIncludingTies) {
  std::mt19937 rng(29);
  for (DataType dt : {DataType::UInt(2), DataType::Int(8)}) {  // UINT2: many ties
    Tensor x = RandomInts({50, 10}, dt, rng);
    OpCall ref;
    ref.op_type = "ArgMax";
    ref.inputs = {Runtime(x, dt)};
    ref.attrs.emplace_back("axis", Attribute::Int(-1));
    ref.attrs.emplace_back("keepdims", Attribute::Int(1));
    Tensor want = Run1(std::move(ref));
    Tensor got = Run1(LabelSelect(x, dt, 1));
    EXPECT_EQ(got.dims(), want.dims());
    ExpectSameValues(got, want);
  }
}

TEST(LabelSelectOpTest, TopKLargestFirstTiesToTheLowerIndex) {
  Tensor x = Tensor::FromVector<float>({2, 5}, {3, 7, 7, 1, 3,  //
                                                -1, -1, 0, -1, 2});
  Tensor y = Run1(LabelSelect(x, DataType::Int(4), 3));
  EXPECT_EQ(y.dims(), (Dims{2, 3}));
  EXPECT_EQ(y.ToInt64s(), (std::vector<int64_t>{1, 2, 0, 4, 2, 0}));
}

}  // namespace
}  // namespace finngl
