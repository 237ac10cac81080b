// Tests of src/hw's cost model: FINN's cycle and resource formulas (finn.md 3) evaluated by hand
// in the test for small layers, stream widths, legality errors, the device table, network
// throughput/critical path, the recurrent layer's cost and the estimate reports' layout.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "nlohmann/json.hpp"
#include "src/hw/device.h"
#include "src/hw/estimate_reports.h"
#include "src/hw/layer_info.h"
#include "src/hw/network_estimate.h"
#include "tests/cpp/hw_test_util.h"

namespace finngl::hw {
namespace {

using ::testing::HasSubstr;
using namespace ::finngl::hw::testing;  // NOLINT

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

struct OneMvau {
  Graph g{"g"};
  Node* node = nullptr;
};

// MW=64, MH=32, PE=4, SIMD=8, UINT4 inputs, INT4 weights, no activation, 3x3 input vectors.
std::unique_ptr<OneMvau> MakeMvau(const std::string& res_type, const std::string& ram_style) {
  auto t = std::make_unique<OneMvau>();
  Value* x = NewValue(t->g, "x", {1, 3, 3, 64}, DataType::UInt(4));
  Value* y = NewValue(t->g, "y", {1, 3, 3, 32}, DataType::Int(32));
  t->node = AddMvau(t->g, "MVAU_0", x, y, 64, 32, 4, 8, DataType::UInt(4), DataType::Int(4),
                    DataType::Int(32), DataType::Int(32), 0, {3, 3});
  t->node->SetAttr("resType", S(res_type));
  t->node->SetAttr("ram_style", S(ram_style));
  return t;
}

TEST(HwCost, MvauCyclesAndStreamWidths) {
  auto t = MakeMvau("lut", "block");
  absl::StatusOr<LayerEstimate> e = EstimateLayer(*t->node);
  ASSERT_TRUE(e.ok()) << e.status();
  // FINN get_exp_cycles: reps * MH/PE * MW/SIMD.
  EXPECT_EQ(e->cycles, 9 * (32 / 4) * (64 / 8));
  EXPECT_EQ(e->in_widths[0], 8 * 4);   // SIMD * input bits
  EXPECT_EQ(e->in_widths[1], 0);       // weights are not a stream
  EXPECT_EQ(e->out_widths[0], 4 * 32);  // PE * output bits
  EXPECT_EQ(e->in_beats[0], 9 * 64 / 8);
  EXPECT_EQ(e->out_beats[0], 9 * 32 / 4);
  EXPECT_EQ(e->pe, 4);
  EXPECT_EQ(e->simd, 8);
}

TEST(HwCost, MvauLutBramFinnR) {
  auto t = MakeMvau("lut", "block");
  absl::StatusOr<LayerEstimate> e = EstimateLayer(*t->node);
  ASSERT_TRUE(e.ok()) << e.status();
  const int64_t P = 4, Q = 8, W = 4, A = 4, MW = 64, MH = 32;
  const double mult = Q * (2 * CeilDiv(W + A, 6) - 1) * (W + A);  // 8 * 3 * 8
  const double adder = (W + A) * (2 * Q - 1);
  // alpha = log2(MW) + W + A - 1 - signed(idt) with UINT4 inputs.
  const double alpha = std::log2(64.0) + W + A - 1;
  const double acc = std::min(32.0, std::ceil(alpha + std::log2(1 + std::pow(2, -alpha)) + 1));
  EXPECT_EQ(acc, 15);
  EXPECT_NEAR(e->res.lut, 300 + 1.1 * P * (mult + adder + acc), 1e-9);
  // WMEM = MW*MH/(P*Q) = 64 words of P*Q*W = 128 bits: width > 18, depth <= 512 ->
  // ceil(64/512) * ceil(128/36).
  const int64_t wmem = MW * MH / (P * Q), width = P * Q * W;
  EXPECT_EQ(e->res.bram18, CeilDiv(wmem, 512) * CeilDiv(width, 36));
  EXPECT_EQ(e->res.bram18, 4);
  EXPECT_EQ(e->res.dsp, 0);
  EXPECT_EQ(e->res.uram, 0);
}

TEST(HwCost, MvauDspDistributedUltra) {
  const int64_t P = 4, Q = 8, W = 4, A = 4;
  const double adder = (W + A) * (2 * Q - 1), acc = 15;
  {
    auto t = MakeMvau("dsp", "block");
    absl::StatusOr<LayerEstimate> e = EstimateLayer(*t->node);
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ(e->res.dsp, P * Q * CeilDiv(W + A, 48));
    EXPECT_NEAR(e->res.lut, 300 + 1.1 * P * (0 + adder + acc), 1e-9);
  }
  {
    auto t = MakeMvau("lut", "distributed");
    absl::StatusOr<LayerEstimate> e = EstimateLayer(*t->node);
    ASSERT_TRUE(e.ok()) << e.status();
    const double mult = Q * (2 * CeilDiv(W + A, 6) - 1) * (W + A);
    const double c2 = P * Q * W * CeilDiv(64, 64);  // WMEM = 64
    EXPECT_NEAR(e->res.lut, 300 + 1.1 * P * (mult + adder + acc) + c2, 1e-9);
    EXPECT_EQ(e->res.bram18, 0);
  }
  {
    auto t = MakeMvau("lut", "ultra");
    absl::StatusOr<LayerEstimate> e = EstimateLayer(*t->node);
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ(e->res.uram, CeilDiv(P * Q * W, 72) * CeilDiv(64, 4096));
    EXPECT_EQ(e->res.bram18, 0);
  }
}

TEST(HwCost, MvauCountsWithThresholds) {
  Graph g("g");
  Value* x = NewValue(g, "x", {1, 2, 48}, DataType::UInt(4));
  Value* y = NewValue(g, "y", {1, 2, 16}, DataType::UInt(4));
  Node* n = AddMvau(g, "MVAU_0", x, y, 48, 16, 2, 3, DataType::UInt(4), DataType::Int(2),
                    DataType::UInt(4), DataType::Int(16), 15, {2});
  absl::StatusOr<LayerEstimate> e = EstimateLayer(*n);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->cycles, 2 * (16 / 2) * (48 / 3));
  EXPECT_EQ(e->counts.at("op_mac_2bx4b"), 48 * 16 * 2);  // smaller width first
  EXPECT_EQ(e->counts.at("param_weight_2b"), 48 * 16);
  EXPECT_EQ(e->counts.at("param_threshold_16b"), 16 * 15);
  EXPECT_EQ(e->counts.size(), 3u);
  // Threshold comparators and memory are added for the activation: acc bits here are
  // ceil(log2(48) + 2 + 4 - 1 + small + 1) = 12; 15 steps; TMEM = 8 -> ceil(8/64) = 1.
  const int64_t P = 2, Q = 3, W = 2, A = 4;
  const double alpha = std::log2(48.0) + W + A - 1;
  const double acc = std::ceil(alpha + std::log2(1 + std::pow(2, -alpha)) + 1);
  const double mult = Q * (2 * CeilDiv(W + A, 6) - 1) * (W + A);
  const double adder = (W + A) * (2 * Q - 1);
  const double thr = 15 * acc * 1, comp = 15 * acc;
  // WMEM = 48*16/6 = 128 -> auto memory is distributed (c2 = P*Q*W*ceil(128/64)).
  const double c2 = P * Q * W * 2;
  EXPECT_NEAR(e->res.lut, 300 + 1.1 * P * (mult + adder + acc + thr + comp) + c2, 1e-9);
}

TEST(HwCost, ThresholdingFinnFormulas) {
  for (const std::string style : {"block", "distributed"}) {
    for (int64_t steps : {1, 3}) {
      Graph g("g");
      Value* x = NewValue(g, "x", {1, 5, 64}, DataType::Int(8));
      Value* t = NewInit(g, "T", {64, steps}, std::vector<float>(64 * steps, 0), DataType::Int(8));
      Value* y = NewValue(g, "y", {1, 5, 64}, DataType::UInt(2));
      Node* n = NewNode(g, "Thresholding", "Thresholding_0", {x, t}, {y},
                        {{"NumChannels", I(64)},
                         {"PE", I(4)},
                         {"numSteps", I(steps)},
                         {"inputDataType", S("INT8")},
                         {"weightDataType", S("INT8")},
                         {"outputDataType", S("UINT2")},
                         {"numInputVectors", Is({5})},
                         {"ram_style", S(style)}});
      absl::StatusOr<LayerEstimate> e = EstimateLayer(*n);
      ASSERT_TRUE(e.ok()) << e.status();
      const int64_t A = 8, P = 4, tmem = 64 / 4;
      EXPECT_EQ(e->cycles, 5 * 64 / 4);
      EXPECT_EQ(e->in_widths[0], P * 8);
      EXPECT_EQ(e->out_widths[0], P * 2);
      if (steps == 1) {
        // Exactly FINN's HLS model: BRAM ceil(A*P/16)*ceil(TMEM/1024); LUT A*P (+ P*A*ceil(TMEM/64)).
        if (style == "block") {
          EXPECT_EQ(e->res.bram18, CeilDiv(A * P, 16) * CeilDiv(tmem, 1024));
          EXPECT_EQ(e->res.lut, A * P);
        } else {
          EXPECT_EQ(e->res.bram18, 0);
          EXPECT_EQ(e->res.lut, A * P + P * A * CeilDiv(tmem, 64));
        }
      } else {
        // finngl's generalisation: memory and comparators scale with numSteps.
        if (style == "block") {
          EXPECT_EQ(e->res.bram18, CeilDiv(A * P * steps, 16) * CeilDiv(tmem, 1024));
        } else {
          EXPECT_EQ(e->res.lut, A * P * steps + P * A * steps * CeilDiv(tmem, 64));
        }
      }
      EXPECT_EQ(e->counts.at("param_threshold_8b"), 64 * steps);
    }
  }
}

TEST(HwCost, SlidingWindowCycles) {
  Graph g("g");
  Value* x = NewValue(g, "x", {1, 8, 8, 16}, DataType::UInt(4));
  Value* y = NewValue(g, "y", {1, 6, 6, 144}, DataType::UInt(4));
  Node* n = NewNode(g, "ConvolutionInputGenerator", "SWG_0", {x}, {y},
                    {{"ConvKernelDim", Is({3, 3})},
                     {"IFMChannels", I(16)},
                     {"IFMDim", Is({8, 8})},
                     {"OFMDim", Is({6, 6})},
                     {"Stride", Is({1, 1})},
                     {"Dilation", Is({1, 1})},
                     {"Padding", Is({0, 0, 0, 0})},
                     {"SIMD", I(4)},
                     {"inputDataType", S("UINT4")},
                     {"outputDataType", S("UINT4")},
                     {"depthwise", I(0)}});
  absl::StatusOr<LayerEstimate> e = EstimateLayer(*n);
  ASSERT_TRUE(e.ok()) << e.status();
  // FINN HLS 2D: IFM_w*k_h*d_h*cf + OFM_h * max(OFM_w*k_w*k_h*cf, s_w*IFM_w*cf), cf = C/SIMD = 4.
  const int64_t cf = 4;
  EXPECT_EQ(e->cycles, 8 * 3 * 1 * cf + 6 * std::max<int64_t>(6 * 3 * 3 * cf, 1 * 8 * cf));
  EXPECT_EQ(e->cycles, 1392);
  EXPECT_EQ(e->in_widths[0], 16);
  EXPECT_EQ(e->out_beats[0], 6 * 6 * 9 * cf);
}

TEST(HwCost, LegalityErrorsNameNodeAndRule) {
  Graph g("g");
  Value* x = NewValue(g, "x", {1, 32}, DataType::UInt(4));
  Value* y = NewValue(g, "y", {1, 64}, DataType::Int(32));
  Node* n = AddMvau(g, "MVAU_0", x, y, 32, 64, 5, 8, DataType::UInt(4), DataType::Int(4),
                    DataType::Int(32), DataType::Int(32));
  EXPECT_EQ(CheckFolding(*n).message(), "node 'MVAU_0' (MVAU): MH=64 is not divisible by PE=5");
  n->SetAttr("PE", I(4));
  n->SetAttr("SIMD", I(3));
  EXPECT_EQ(CheckFolding(*n).message(), "node 'MVAU_0' (MVAU): MW=32 is not divisible by SIMD=3");
  EXPECT_THAT(std::string(EstimateLayer(*n).status().message()),
              HasSubstr("MW=32 is not divisible by SIMD=3"));
  n->SetAttr("SIMD", I(0));
  EXPECT_THAT(std::string(CheckFolding(*n).message()), HasSubstr("SIMD=0 must be positive"));
  n->SetAttr("SIMD", I(32));
  EXPECT_TRUE(CheckFolding(*n).ok());
  absl::StatusOr<std::vector<int64_t>> legal = LegalFoldValues(*n, "PE");
  ASSERT_TRUE(legal.ok());
  EXPECT_EQ(*legal, (std::vector<int64_t>{1, 2, 4, 8, 16, 32, 64}));
}

TEST(HwCost, BramTable) {
  EXPECT_EQ(BramCount(16384, 1), 1);
  EXPECT_EQ(BramCount(16385, 1), 2);
  EXPECT_EQ(BramCount(8192, 2), 1);
  EXPECT_EQ(BramCount(4096, 4), 1);
  EXPECT_EQ(BramCount(2048, 9), 1);
  EXPECT_EQ(BramCount(2049, 10), 3 * 1);  // w <= 18: ceil(2049/1024) * ceil(10/18)
  EXPECT_EQ(BramCount(1024, 18), 1);
  EXPECT_EQ(BramCount(512, 36), 1);
  EXPECT_EQ(BramCount(513, 36), 1 * 2);  // depth > 512: ceil(513/1024) * ceil(36/18)
  EXPECT_EQ(BramCount(512, 72), 2);
}

TEST(HwCost, DeviceTable) {
  absl::StatusOr<Device> d = LookupDevice("xczu7ev-ffvc1156-2-e");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->budget.lut, 230400);
  EXPECT_EQ(d->budget.ff, 460800);
  EXPECT_EQ(d->budget.bram18, 2 * 312);
  EXPECT_EQ(d->budget.uram, 96);
  EXPECT_EQ(d->budget.dsp, 1728);
  absl::StatusOr<Device> b = LookupDevice("zcu104");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->part, "xczu7ev-ffvc1156-2-e");
  EXPECT_EQ(LookupDevice("Ultra96")->part, "xczu3eg-sbva484-1-e");
  EXPECT_EQ(LookupDevice("Ultra96")->budget.bram18, 2 * 216);
  EXPECT_EQ(LookupDevice("Pynq-Z1")->part, "xc7z020clg400-1");
  EXPECT_EQ(LookupDevice("xc7z020clg400-1")->budget.dsp, 220);
  EXPECT_EQ(LookupDevice("U250")->budget.uram, 1280);
  EXPECT_EQ(LookupDevice("U250")->budget.bram18, 2 * 2688);
  absl::StatusOr<Device> bad = LookupDevice("xc9fantasy");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("'xc9fantasy'"));
  for (const char* valid : {"xczu7ev-ffvc1156-2-e", "xczu3eg-sbva484-1-e", "xc7z020clg400-1",
                            "xcu250-figd2104-2L-e", "ZCU104", "Ultra96", "Pynq-Z1", "U250"}) {
    EXPECT_THAT(std::string(bad.status().message()), HasSubstr(valid));
  }
}

// x -> Dup -> (Thr_a: 4 ch PE1, Thr_b: PE4) -> Add: the critical path takes the slower branch.
TEST(HwCost, NetworkCriticalPathAndThroughput) {
  Graph g("g");
  const DataType u4 = DataType::UInt(4);
  Value* x = NewValue(g, "x", {1, 8}, u4);
  Value* d0 = NewValue(g, "d0", {1, 8}, u4);
  Value* d1 = NewValue(g, "d1", {1, 8}, u4);
  Value* a = NewValue(g, "a", {1, 8}, u4);
  Value* b = NewValue(g, "b", {1, 8}, u4);
  Value* y = NewValue(g, "y", {1, 8}, DataType::UInt(5));
  g.AddInput(x);
  NewNode(g, "DuplicateStreams", "Dup", {x}, {d0, d1},
          {{"NumChannels", I(8)}, {"PE", I(2)}, {"NumOutputStreams", I(2)},
           {"inputDataType", S("UINT4")}, {"numInputVectors", Is({})}});
  auto thr = [&](const std::string& name, Value* in, Value* out, int64_t pe) {
    Value* t = NewInit(g, name + "_T", {8, 1}, std::vector<float>(8, 3), u4);
    NewNode(g, "Thresholding", name, {in, t}, {out},
            {{"NumChannels", I(8)}, {"PE", I(pe)}, {"numSteps", I(1)},
             {"inputDataType", S("UINT4")}, {"weightDataType", S("UINT4")},
             {"outputDataType", S("UINT4")}, {"numInputVectors", Is({})}});
  };
  thr("Thr_a", d0, a, 1);
  thr("Thr_b", d1, b, 4);
  NewNode(g, "ElementwiseAdd", "Add", {a, b}, {y},
          {{"NumChannels", I(8)}, {"PE", I(8)}, {"lhsDataType", S("UINT4")},
           {"rhsDataType", S("UINT4")}, {"outDataType", S("UINT5")}, {"numInputVectors", Is({})}});
  g.AddOutput(y);
  absl::StatusOr<NetworkEstimate> net = EstimateNetwork(g);
  ASSERT_TRUE(net.ok()) << net.status();
  ASSERT_EQ(net->layers.size(), 4u);
  std::map<std::string, LayerEstimate> by_name;
  for (const LayerEstimate& l : net->layers) by_name[l.name] = l;
  EXPECT_EQ(by_name["Dup"].cycles, 8 / 2);
  EXPECT_EQ(by_name["Thr_a"].cycles, 8);
  EXPECT_EQ(by_name["Thr_b"].cycles, 2);
  EXPECT_EQ(by_name["Add"].cycles, 1);
  EXPECT_EQ(by_name["Add"].in_widths[1], 8 * 4);
  EXPECT_EQ(net->max_cycles, 8);
  EXPECT_EQ(net->max_cycles_node_name, "Thr_a");
  EXPECT_EQ(net->critical_path_cycles,
            by_name["Dup"].latency() + by_name["Thr_a"].latency() + by_name["Add"].latency());
  EXPECT_DOUBLE_EQ(net->ThroughputFps(5.0), 200e6 / 8);
  EXPECT_DOUBLE_EQ(net->LatencyNs(5.0), 5.0 * net->critical_path_cycles);
  Resources sum;
  for (const LayerEstimate& l : net->layers) sum += l.res;
  EXPECT_DOUBLE_EQ(net->total.lut, sum.lut);
}

// Two MVAUs in a row over N = 16 vectors: they overlap, so the pipelined latency is one frame of
// the first plus one vector of the second (c + unit + 2 depth), while FINN's critical path adds
// both frames; a LabelSelect needs its whole input, so it adds its full cycles either way.
TEST(HwCost, PipelinedLatencyOverlapsStreamingLayers) {
  Graph g("g");
  const DataType u2 = DataType::UInt(2), i2 = DataType::Int(2), i8 = DataType::Int(8);
  Value* x = NewValue(g, "x", {16, 8}, u2);
  Value* h = NewValue(g, "h", {16, 8}, i8);
  Value* y = NewValue(g, "y", {16, 4}, i8);
  g.AddInput(x);
  auto mvau = [&](const std::string& name, Value* in, Value* out, int64_t mh, DataType idt) {
    Value* w = NewInit(g, name + "_W", {8, mh}, std::vector<float>(8 * mh, 1), i2);
    NewNode(g, "MVAU", name, {in, w}, {out},
            {{"MW", I(8)}, {"MH", I(mh)}, {"PE", I(2)}, {"SIMD", I(2)},
             {"inputDataType", S(idt.Name())}, {"weightDataType", S("INT2")},
             {"accDataType", S("INT8")}, {"outputDataType", S("INT8")}, {"noActivation", I(1)},
             {"numInputVectors", Is({16})}});
  };
  mvau("M0", x, h, 8, u2);
  mvau("M1", h, y, 4, i8);
  g.AddOutput(y);
  absl::StatusOr<NetworkEstimate> net = EstimateNetwork(g);
  ASSERT_TRUE(net.ok()) << net.status();
  const LayerEstimate& m0 = net->layers[0];
  const LayerEstimate& m1 = net->layers[1];
  EXPECT_EQ(m0.unit_cycles, (8 / 2) * (8 / 2));
  EXPECT_EQ(m0.cycles, 16 * m0.unit_cycles);
  EXPECT_EQ(net->critical_path_cycles, m0.latency() + m1.latency());
  // M1 starts after M0's first vector and ends one of its own vectors after M0's last.
  EXPECT_EQ(net->pipelined_latency_cycles,
            std::max(m0.unit_cycles + m0.depth + m1.latency(),
                     m0.latency() + m1.unit_cycles + m1.depth));
  EXPECT_LT(net->pipelined_latency_cycles, net->critical_path_cycles);
  EXPECT_GE(net->pipelined_latency_cycles, net->max_cycles);
  EXPECT_DOUBLE_EQ(net->PipelinedLatencyNs(4.0), 4.0 * net->pipelined_latency_cycles);
}

// A RecurrentLayer whose body is h' = Thr(MVAU(h) + x_t): cycles = T x (step critical path + 2)
// + 8, resources the body's sum plus control, MACs T times.
TEST(HwCost, RecurrentLayer) {
  Graph g("g");
  const DataType u4 = DataType::UInt(4), i4 = DataType::Int(4), i16 = DataType::Int(16);
  auto body = std::make_unique<Graph>("body", &g);
  Graph& b = *body;
  Value* h = NewValue(b, "h", {1, 16}, u4);
  Value* xt = NewValue(b, "xt", {1, 16}, i16);
  Value* m = NewValue(b, "m", {1, 16}, i16);
  Value* s = NewValue(b, "s", {1, 16}, i16);
  Value* h2 = NewValue(b, "h2", {1, 16}, u4);
  Value* yt = NewValue(b, "yt", {1, 16}, u4);
  b.AddInput(h);
  b.AddInput(xt);
  AddMvau(b, "MVAU_h", h, m, 16, 16, 2, 4, u4, i4, i16, i16);
  NewNode(b, "ElementwiseAdd", "Add_x", {m, xt}, {s},
          {{"NumChannels", I(16)}, {"PE", I(2)}, {"lhsDataType", S("INT16")},
           {"rhsDataType", S("INT16")}, {"outDataType", S("INT16")}, {"numInputVectors", Is({})}});
  Value* t = NewInit(b, "T_act", {16, 15}, std::vector<float>(16 * 15, 0), i16);
  NewNode(b, "Thresholding", "Thr_h", {s, t}, {h2},
          {{"NumChannels", I(16)}, {"PE", I(2)}, {"numSteps", I(15)},
           {"inputDataType", S("INT16")}, {"weightDataType", S("INT16")},
           {"outputDataType", S("UINT4")}, {"numInputVectors", Is({})}});
  NewNode(b, "DuplicateStreams", "Dup_h", {h2}, {yt},
          {{"NumChannels", I(16)}, {"PE", I(2)}, {"NumOutputStreams", I(1)},
           {"inputDataType", S("UINT4")}, {"numInputVectors", Is({})}});
  b.AddOutput(h2);
  b.AddOutput(yt);
  Value* h0 = NewInit(g, "h0", {1, 16}, std::vector<float>(16, 0), u4);
  Value* xs = NewValue(g, "xs", {10, 1, 16}, i16);
  Value* hT = NewValue(g, "hT", {1, 16}, u4);
  Value* ys = NewValue(g, "ys", {10, 1, 16}, u4);
  g.AddInput(xs);
  Node* r = NewNode(g, "RecurrentLayer", "Rec_0", {h0, xs}, {hT, ys},
                    {{"num_scan_inputs", I(1)}});
  r->SetAttr("body", Attribute::FromGraph(std::move(body)));
  g.AddOutput(ys);
  absl::StatusOr<LayerEstimate> e = EstimateLayer(*r);
  ASSERT_TRUE(e.ok()) << e.status();
  Graph& rb = *r->attr("body")->g();
  int64_t crit = 0;
  Resources sum;
  for (const char* name : {"MVAU_h", "Add_x", "Thr_h", "Dup_h"}) {
    absl::StatusOr<LayerEstimate> l = EstimateLayer(*rb.FindNode(name));
    ASSERT_TRUE(l.ok());
    crit += l->latency();  // a chain: the critical path is the sum of the latencies
    sum += l->res;
  }
  EXPECT_EQ(EstimateLayer(*rb.FindNode("MVAU_h"))->cycles, (16 / 2) * (16 / 4));
  EXPECT_EQ(e->cycles, 10 * (crit + kRecurrentStepOverhead) + kRecurrentFillDrain);
  EXPECT_NEAR(e->res.lut, sum.lut + 100, 1e-9);
  EXPECT_EQ(e->res.bram18, sum.bram18);
  EXPECT_EQ(e->counts.at("op_mac_4bx4b"), 10 * 16 * 16);
  EXPECT_EQ(e->counts.at("param_weight_4b"), 16 * 16);
  // Stream widths at the layer boundary come from the body: x_t feeds Add_x (PE 2 x 16 bits),
  // 10 steps of 8 beats; the initial state is a constant (no stream).
  EXPECT_EQ(e->in_widths[0], 0);
  EXPECT_EQ(e->in_widths[1], 2 * 16);
  EXPECT_EQ(e->in_beats[1], 10 * 8);
  EXPECT_EQ(e->out_widths[1], 2 * 4);
  // An illegal fold inside the body is reported with the body node's name.
  rb.FindNode("Thr_h")->SetAttr("PE", I(3));
  EXPECT_THAT(std::string(EstimateLayer(*r).status().message()),
              HasSubstr("node 'Thr_h' (Thresholding): NumChannels=16 is not divisible by PE=3"));
}

TEST(HwCost, EstimateReportsLayout) {
  std::unique_ptr<Model> m = Mlp3(64, 32, 16, 10);
  m->graph->FindNode("MVAU_0")->SetAttr("PE", I(8));
  const std::string dir = ::testing::TempDir() + "/hw_reports";
  absl::StatusOr<Device> dev = LookupDevice("Pynq-Z1");
  absl::StatusOr<std::string> summary = WriteEstimateReports(*m->graph, 10.0, &*dev, dir);
  ASSERT_TRUE(summary.ok()) << summary.status();
  auto read = [&](const std::string& f) {
    std::ifstream in(dir + "/" + f);
    return nlohmann::json::parse(in);
  };
  nlohmann::json cycles = read("estimate_layer_cycles.json");
  EXPECT_EQ(cycles["MVAU_0"], 32 / 8 * 64);
  EXPECT_EQ(cycles["MVAU_1"], 16 * 32);
  EXPECT_EQ(cycles["MVAU_2"], 10 * 16);
  nlohmann::json perf = read("estimate_network_performance.json");
  EXPECT_EQ(perf["max_cycles"], 16 * 32);
  EXPECT_EQ(perf["max_cycles_node_name"], "MVAU_1");
  EXPECT_DOUBLE_EQ(perf["estimated_throughput_fps"].get<double>(), 1e8 / (16 * 32));
  EXPECT_DOUBLE_EQ(perf["estimated_latency_ns"].get<double>(),
                   10.0 * perf["critical_path_cycles"].get<double>());
  nlohmann::json res = read("estimate_layer_resources.json");
  int64_t lut = 0;
  for (const char* n : {"MVAU_0", "MVAU_1", "MVAU_2"}) {
    for (const char* k : {"BRAM_18K", "LUT", "URAM", "DSP", "FF", "BRAM_efficiency"}) {
      EXPECT_TRUE(res[n].contains(k)) << n << " " << k;
    }
    lut += res[n]["LUT"].get<int64_t>();
  }
  EXPECT_NEAR(res["total"]["LUT"].get<double>(), lut, 3);  // per-layer values are rounded up
  nlohmann::json counts = read("op_and_param_counts.json");
  EXPECT_EQ(counts["total"]["op_mac_4bx4b"], 64 * 32 + 32 * 16 + 16 * 10);
  EXPECT_EQ(counts["total"]["param_weight_4b"], 64 * 32 + 32 * 16 + 16 * 10);
  EXPECT_EQ(counts["MVAU_0"]["param_threshold_16b"], 32 * 15);
  EXPECT_EQ(counts["total"]["param_threshold_16b"], 32 * 15 + 16 * 15);
  EXPECT_THAT(*summary, HasSubstr("MVAU_1"));
  EXPECT_THAT(*summary, HasSubstr("8/1"));
  EXPECT_THAT(*summary, HasSubstr("xc7z020clg400-1"));
  EXPECT_THAT(*summary, HasSubstr("%"));
}

}  // namespace
}  // namespace finngl::hw
