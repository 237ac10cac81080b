// Tests of the folder (src/hw/auto_folder.h): meets a frame-rate target on a 3-layer MLP with the
// cheapest legal folding per layer (checked against brute force over all legal foldings),
// relaxes to the bottleneck and names the layer at maximum when the target is unreachable,
// explains a binding resource on a tiny device, honours a latency bound, folds recurrent bodies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_join.h"
#include "src/hw/auto_folder.h"
#include "src/hw/layer_info.h"
#include "src/hw/network_estimate.h"
#include "tests/cpp/hw_test_util.h"

namespace finngl::hw {
namespace {

using ::testing::HasSubstr;
using namespace ::finngl::hw::testing;  // NOLINT

void ExpectAllLegal(const Graph& g) {
  for (const Node* n : g.nodes()) {
    EXPECT_TRUE(CheckFolding(*n).ok()) << CheckFolding(*n);
    for (const Graph* sub : n->subgraphs()) ExpectAllLegal(*sub);
  }
}

double CostOf(const Resources& r, const Resources& budget) {
  double c = 0;
  const auto u = r.AsArray(), b = budget.AsArray();
  for (size_t k = 0; k < u.size(); ++k) c += u[k] > 0 ? u[k] / b[k] : 0;
  return c;
}

TEST(HwFolder, MeetsTargetOnMlpAtLowestCost) {
  std::unique_ptr<Model> m = Mlp3(256, 64, 64, 10);
  FolderOptions opt;
  opt.clk_period_ns = 10;
  opt.target_fps = 1e6;  // 100 cycles per frame at 100 MHz
  opt.device = *LookupDevice("ZCU104");
  absl::StatusOr<FolderReport> rep = AutoFold(*m->graph, opt);
  ASSERT_TRUE(rep.ok()) << rep.status();
  EXPECT_TRUE(rep->met) << rep->ToString();
  EXPECT_EQ(rep->target_cycles, 100);
  EXPECT_TRUE(rep->binding.empty());
  ExpectAllLegal(*m->graph);
  const int64_t dims[3][2] = {{256, 64}, {64, 64}, {64, 10}};
  for (int i = 0; i < 3; ++i) {
    Node* n = m->graph->FindNode("MVAU_" + std::to_string(i));
    const int64_t pe = n->GetInt("PE", 0), simd = n->GetInt("SIMD", 0);
    // FINN's cycles MH/PE * MW/SIMD within the target.
    EXPECT_LE((dims[i][1] / pe) * (dims[i][0] / simd), 100) << n->name();
    // Brute force: no legal (PE, SIMD, resType) meeting the target is cheaper.
    const double chosen = CostOf(EstimateLayer(*n)->res, opt.device.budget);
    for (int64_t p = 1; p <= dims[i][1]; ++p) {
      if (dims[i][1] % p) continue;
      for (int64_t s = 1; s <= dims[i][0]; ++s) {
        if (dims[i][0] % s || (dims[i][1] / p) * (dims[i][0] / s) > 100) continue;
        for (const char* rt : {"lut", "dsp"}) {
          auto probe = m->graph->Clone();
          Node* q = probe->FindNode(n->name());
          q->SetAttr("PE", I(p));
          q->SetAttr("SIMD", I(s));
          q->SetAttr("resType", S(rt));
          EXPECT_GE(CostOf(EstimateLayer(*q)->res, opt.device.budget), chosen - 1e-12)
              << n->name() << " PE=" << p << " SIMD=" << s << " " << rt;
        }
      }
    }
  }
  absl::StatusOr<NetworkEstimate> net = EstimateNetwork(*m->graph);
  ASSERT_TRUE(net.ok());
  EXPECT_LE(net->max_cycles, 100);
  EXPECT_EQ(rep->max_cycles, net->max_cycles);
  EXPECT_THAT(rep->ToString(), HasSubstr("met"));
}

// Thresholding over 100 pixels x 4 channels, then an MVAU to 8 channels: the thresholds cannot go
// below 100 cycles.
void ThresholdsThenMvau(Graph& g) {
  const DataType u4 = DataType::UInt(4);
  Value* x = NewValue(g, "x", {1, 100, 4}, DataType::Int(8));
  Value* t = NewValue(g, "t", {1, 100, 4}, u4);
  Value* y = NewValue(g, "y", {1, 100, 8}, DataType::Int(16));
  g.AddInput(x);
  NewNode(g, "Thresholding", "Thr", {x, NewInit(g, "T", {4, 15}, std::vector<float>(60, 0),
                                               DataType::Int(8))},
          {t},
          {{"NumChannels", I(4)}, {"PE", I(1)}, {"numSteps", I(15)}, {"inputDataType", S("INT8")},
           {"weightDataType", S("INT8")}, {"outputDataType", S("UINT4")},
           {"numInputVectors", Is({100})}});
  AddMvau(g, "MVAU_0", t, y, 4, 8, 1, 1, u4, DataType::Int(4), DataType::Int(16),
          DataType::Int(16), 0, {25});
  g.AddOutput(y);
}

// The MVAU after the thresholds is relaxed to that bottleneck instead of being unrolled for the
// unreachable target.
TEST(HwFolder, RelaxesToBottleneckAndNamesLayerAtMaximum) {
  Graph g("g");
  ThresholdsThenMvau(g);
  FolderOptions opt;
  opt.target_fps = 2.5e6;  // 40 cycles at 100 MHz: the MVAU could (25), the thresholds cannot
  opt.device = *LookupDevice("ZCU104");
  absl::StatusOr<FolderReport> rep = AutoFold(g, opt);
  ASSERT_TRUE(rep.ok()) << rep.status();
  EXPECT_FALSE(rep->met);
  ASSERT_EQ(rep->binding.size(), 1u) << rep->ToString();
  EXPECT_THAT(rep->binding[0], HasSubstr("Thr (Thresholding)"));
  EXPECT_THAT(rep->binding[0], HasSubstr("PE/SIMD at maximum"));
  EXPECT_THAT(rep->binding[0], HasSubstr("PE=4"));
  EXPECT_EQ(g.FindNode("Thr")->GetInt("PE", 0), 4);
  EXPECT_EQ(rep->max_cycles, 100);
  const Node* mv = g.FindNode("MVAU_0");
  const int64_t pe = mv->GetInt("PE", 0), simd = mv->GetInt("SIMD", 0);
  const int64_t mv_cycles = 25 * (8 / pe) * (4 / simd);
  EXPECT_LE(mv_cycles, 100);
  EXPECT_GT(mv_cycles, 25) << "MVAU was not relaxed: PE=" << pe << " SIMD=" << simd;
  ExpectAllLegal(g);
}

// A target no folding reaches on a device too small for the fastest folding: the report names
// the layers at maximum and then the budget that holds the chosen design further back.
TEST(HwFolder, UnreachableTargetOnTinyDeviceNamesTheBudgetToo) {
  FolderOptions opt;
  opt.target_fps = 1e12;  // below the thresholds' 100 cycles at PE = 4
  opt.device.part = "roomy";
  opt.device.budget = {1e9, 1e9, 1000, 0, 0};
  Graph fastest("fastest");
  ThresholdsThenMvau(fastest);
  absl::StatusOr<FolderReport> unlimited = AutoFold(fastest, opt);
  ASSERT_TRUE(unlimited.ok()) << unlimited.status();
  // Now a device with a little less than the fastest folding needs (the cheapest still fits).
  Graph g("g");
  ThresholdsThenMvau(g);
  opt.device.part = "tiny";
  opt.device.budget = {unlimited->total.lut - 1, 1e9, 1000, 0, 0};
  absl::StatusOr<FolderReport> rep = AutoFold(g, opt);
  ASSERT_TRUE(rep.ok()) << rep.status();
  EXPECT_FALSE(rep->met);
  ASSERT_GE(rep->binding.size(), 2u) << rep->ToString();
  EXPECT_THAT(rep->binding.front(), HasSubstr("PE/SIMD at maximum"));
  EXPECT_THAT(rep->binding.back(), HasSubstr("budget: maximum folding needs LUT"));
  EXPECT_THAT(rep->binding.back(),
              HasSubstr(absl::StrCat("at ", rep->max_cycles, " cycles")));
  ExpectAllLegal(g);
}

TEST(HwFolder, ExplainsBindingBudgetOnTinyDevice) {
  std::unique_ptr<Model> m = Mlp3(256, 64, 64, 10);
  FolderOptions opt;
  opt.target_fps = 1e6;  // 100 cycles: needs MVAU_0 at PE*SIMD >= 164
  opt.device.part = "tiny";
  opt.device.budget = {6000, 1e6, 1000, 0, 0};  // no DSP: multipliers must be LUTs
  absl::StatusOr<FolderReport> rep = AutoFold(*m->graph, opt);
  ASSERT_TRUE(rep.ok()) << rep.status();
  EXPECT_FALSE(rep->met);
  ASSERT_FALSE(rep->binding.empty());
  EXPECT_THAT(rep->binding[0], HasSubstr("LUT: meeting the target needs"));
  EXPECT_THAT(rep->binding[0], HasSubstr("budget is 6000"));
  EXPECT_THAT(rep->binding[0], HasSubstr("largest user MVAU_0 (MVAU)"));
  // The result fits and is as fast as fits: still legal, within budget, no DSPs.
  EXPECT_LE(rep->total.lut, 6000);
  EXPECT_EQ(rep->total.dsp, 0);
  EXPECT_GT(rep->max_cycles, 100);
  ExpectAllLegal(*m->graph);
  // Doubling the budget can only make it faster.
  std::unique_ptr<Model> m2 = Mlp3(256, 64, 64, 10);
  opt.device.budget.lut = 12000;
  absl::StatusOr<FolderReport> rep2 = AutoFold(*m2->graph, opt);
  ASSERT_TRUE(rep2.ok());
  EXPECT_LE(rep2->max_cycles, rep->max_cycles);
}

TEST(HwFolder, LatencyBound) {
  std::unique_ptr<Model> m = Mlp3(64, 32, 32, 8);
  FolderOptions opt;
  opt.clk_period_ns = 5;
  opt.max_latency_ns = 5 * 200;
  opt.device = *LookupDevice("U250");
  absl::StatusOr<FolderReport> rep = AutoFold(*m->graph, opt);
  ASSERT_TRUE(rep.ok()) << rep.status();
  EXPECT_TRUE(rep->met) << rep->ToString();
  absl::StatusOr<NetworkEstimate> net = EstimateNetwork(*m->graph);
  ASSERT_TRUE(net.ok());
  EXPECT_LE(net->critical_path_cycles, 200);
  // All folds 1 would take 64*32 cycles in the first layer alone.
  EXPECT_GT(m->graph->FindNode("MVAU_0")->GetInt("PE", 1) * m->graph->FindNode("MVAU_0")->GetInt("SIMD", 1), 1);
  ExpectAllLegal(*m->graph);
  // An impossible bound is explained.
  std::unique_ptr<Model> m3 = Mlp3(64, 32, 32, 8);
  opt.max_latency_ns = 5.0;
  rep = AutoFold(*m3->graph, opt);
  ASSERT_TRUE(rep.ok());
  EXPECT_FALSE(rep->met);
  EXPECT_THAT(absl::StrJoin(rep->binding, ";"), HasSubstr("latency"));
}

TEST(HwFolder, FoldsRecurrentBody) {
  Graph g("g");
  const DataType u4 = DataType::UInt(4), i4 = DataType::Int(4), i16 = DataType::Int(16);
  auto body = std::make_unique<Graph>("body", &g);
  Value* h = NewValue(*body, "h", {1, 32}, u4);
  Value* xt = NewValue(*body, "xt", {1, 32}, u4);
  Value* m1 = NewValue(*body, "m1", {1, 32}, u4);
  Value* hn = NewValue(*body, "hn", {1, 32}, u4);
  body->AddInput(h);
  body->AddInput(xt);
  AddMvau(*body, "MVAU_h", h, m1, 32, 32, 1, 1, u4, i4, u4, i16, 15);
  NewNode(*body, "ElementwiseAdd", "Add_x", {m1, xt}, {hn},
          {{"NumChannels", I(32)}, {"PE", I(1)}, {"lhsDataType", S("UINT4")},
           {"rhsDataType", S("UINT4")}, {"outDataType", S("UINT4")}, {"numInputVectors", Is({})}});
  body->AddOutput(hn);
  Value* xs = NewValue(g, "xs", {20, 1, 32}, u4);
  Value* h0 = NewInit(g, "h0", {1, 32}, std::vector<float>(32, 0), u4);
  Value* hT = NewValue(g, "hT", {1, 32}, u4);
  g.AddInput(xs);
  Node* r = NewNode(g, "RecurrentLayer", "Rec", {h0, xs}, {hT}, {{"num_scan_inputs", I(1)}});
  r->SetAttr("body", Attribute::FromGraph(std::move(body)));
  g.AddOutput(hT);
  const int64_t unfolded = EstimateLayer(*r)->cycles;  // 20 x (1024 + ...) cycles
  FolderOptions opt;
  opt.target_fps = 1e8 / 2000;  // 2000 cycles per frame: 100 per step
  opt.device = *LookupDevice("ZCU104");
  absl::StatusOr<FolderReport> rep = AutoFold(g, opt);
  ASSERT_TRUE(rep.ok()) << rep.status();
  EXPECT_TRUE(rep->met) << rep->ToString();
  const int64_t folded = EstimateLayer(*r)->cycles;
  EXPECT_LE(folded, 2000);
  EXPECT_LT(folded, unfolded);
  const Node* mv = r->attr("body")->g()->FindNode("MVAU_h");
  EXPECT_GT(mv->GetInt("PE", 1) * mv->GetInt("SIMD", 1), 1);
  ExpectAllLegal(g);
  EXPECT_THAT(absl::StrJoin(rep->choices, "\n"), HasSubstr("MVAU_h.PE="));
}

}  // namespace
}  // namespace finngl::hw
