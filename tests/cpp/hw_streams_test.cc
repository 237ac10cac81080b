// Tests of stream plumbing and bit-width minimisation (src/hw/insert_streams.h,
// minimize_bitwidths.h): DWCs exactly where widths differ, FIFO depths from the documented rule
// (hand-computed), FIFOs inside recurrent bodies, and minimised accumulator/weight/threshold
// types against brute-force ranges.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "src/hw/insert_streams.h"
#include "src/hw/layer_info.h"
#include "src/hw/minimize_bitwidths.h"
#include "src/hw/network_estimate.h"
#include "tests/cpp/hw_test_util.h"

namespace finngl::hw {
namespace {

using ::testing::HasSubstr;
using namespace ::finngl::hw::testing;  // NOLINT

const Node* Producer(const Node* n, int input) { return n->input(input)->producer(); }

TEST(HwStreams, DwcAndFifoDepthsOnMlp) {
  std::unique_ptr<Model> m = Mlp3(64, 32, 16, 10);
  Graph& g = *m->graph;
  g.FindNode("MVAU_0")->SetAttr("PE", I(4));   // out 4 x UINT4 = 16 bits, 512 cycles
  g.FindNode("MVAU_1")->SetAttr("PE", I(2));   // in 2 x 4 = 8 bits, out 8 bits, 128 cycles
  g.FindNode("MVAU_1")->SetAttr("SIMD", I(2));
  g.FindNode("MVAU_2")->SetAttr("SIMD", I(2));  // in 8 bits, 80 cycles
  absl::StatusOr<int> dwcs = InsertDataWidthConverters(g);
  ASSERT_TRUE(dwcs.ok()) << dwcs.status();
  EXPECT_EQ(*dwcs, 1);
  const Node* dwc = Producer(g.FindNode("MVAU_1"), 0);
  ASSERT_EQ(dwc->op_type(), "StreamingDataWidthConverter");
  EXPECT_EQ(dwc->GetInt("inWidth", 0), 16);
  EXPECT_EQ(dwc->GetInt("outWidth", 0), 8);
  EXPECT_EQ(dwc->GetInts("shape", {}), (std::vector<int64_t>{1, 32}));
  EXPECT_EQ(dwc->GetString("dataType", ""), "UINT4");
  EXPECT_EQ(Producer(dwc, 0)->name(), "MVAU_0");
  EXPECT_EQ(Producer(g.FindNode("MVAU_2"), 0)->name(), "MVAU_1");
  EXPECT_EQ(*InsertDataWidthConverters(g), 0);  // idempotent

  absl::StatusOr<int> fifos = InsertFifos(g);
  ASSERT_TRUE(fifos.ok()) << fifos.status();
  EXPECT_EQ(*fifos, 3);
  // DWC -> MVAU_1: B = 32*4/8 = 16 beats; DWC cycles max(32*4/16, 16) = 16, MVAU_1 128:
  // backlog 16 * (1 - 16/128) = 14.
  const Node* f1 = Producer(g.FindNode("MVAU_1"), 0);
  ASSERT_EQ(f1->op_type(), "StreamingFIFO");
  EXPECT_EQ(f1->GetInt("depth", 0), 14);
  EXPECT_EQ(f1->GetInts("foldedShape", {}), (std::vector<int64_t>{1, 16, 2}));
  // MVAU_1 -> MVAU_2: the consumer is faster (80 < 128): minimum depth.
  const Node* f2 = Producer(g.FindNode("MVAU_2"), 0);
  ASSERT_EQ(f2->op_type(), "StreamingFIFO");
  EXPECT_EQ(f2->GetInt("depth", 0), kMinFifoDepth);
  // MVAU_0 (512) -> DWC (16): minimum depth.
  const Node* f0 = Producer(Producer(f1, 0), 0);
  ASSERT_EQ(f0->op_type(), "StreamingFIFO");
  EXPECT_EQ(f0->GetInt("depth", 0), kMinFifoDepth);
  EXPECT_EQ(*InsertFifos(g), 0);  // idempotent
  // The plumbed graph still estimates, with unchanged bottleneck.
  absl::StatusOr<NetworkEstimate> net = EstimateNetwork(g);
  ASSERT_TRUE(net.ok()) << net.status();
  EXPECT_EQ(net->max_cycles, 512);
  EXPECT_EQ(net->layers.size(), 7u);
  // All-minimum mode.
  std::unique_ptr<Model> m2 = Mlp3(64, 32, 16, 10);
  m2->graph->FindNode("MVAU_2")->SetAttr("PE", I(10));
  FifoOptions fixed;
  fixed.size_by_rate = false;
  ASSERT_EQ(*InsertFifos(*m2->graph, fixed), 2);
  EXPECT_EQ(Producer(m2->graph->FindNode("MVAU_1"), 0)->GetInt("depth", 0), kMinFifoDepth);
}

TEST(HwStreams, FifoWithoutDwcIsAnError) {
  std::unique_ptr<Model> m = Mlp3(64, 32, 16, 10);
  m->graph->FindNode("MVAU_0")->SetAttr("PE", I(4));
  absl::StatusOr<int> r = InsertFifos(*m->graph);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("insert data width converters"));
}

// Dup -> Thr -> Add and Dup -> Add: the short edge buffers what the Dup emits while the long
// branch is on its way. Dup (8 ch, PE 2): 4 beats, cycles 4, depth 1; Thr: depth 2 + ceil(log2 2)
// = 3. Join time = max(0 + 1, (4 + 1) + 3) = 8; skew of the short edge = 8 - 1 = 7 cycles ->
// 7 * 4 / 4 = 7 beats, capped at the 4 beats of a frame.
TEST(HwStreams, JoinSkewDepth) {
  Graph g("g");
  const DataType u4 = DataType::UInt(4);
  Value* x = NewValue(g, "x", {1, 8}, u4);
  Value* d0 = NewValue(g, "d0", {1, 8}, u4);
  Value* d1 = NewValue(g, "d1", {1, 8}, u4);
  Value* a = NewValue(g, "a", {1, 8}, u4);
  Value* y = NewValue(g, "y", {1, 8}, DataType::UInt(5));
  NewNode(g, "DuplicateStreams", "Dup", {x}, {d0, d1},
          {{"NumChannels", I(8)}, {"PE", I(2)}, {"NumOutputStreams", I(2)},
           {"inputDataType", S("UINT4")}});
  NewNode(g, "Thresholding", "Thr", {d0, NewInit(g, "T", {8, 1}, std::vector<float>(8, 1), u4)},
          {a},
          {{"NumChannels", I(8)}, {"PE", I(2)}, {"numSteps", I(1)}, {"inputDataType", S("UINT4")},
           {"weightDataType", S("UINT4")}, {"outputDataType", S("UINT4")}});
  Node* add = NewNode(g, "ElementwiseAdd", "Add", {a, d1}, {y},
                      {{"NumChannels", I(8)}, {"PE", I(2)}, {"lhsDataType", S("UINT4")},
                       {"rhsDataType", S("UINT4")}, {"outDataType", S("UINT5")}});
  ASSERT_EQ(*InsertDataWidthConverters(g), 0);
  ASSERT_EQ(*InsertFifos(g), 3);
  EXPECT_EQ(Producer(add, 1)->GetInt("depth", 0), 4);
  EXPECT_EQ(Producer(add, 0)->GetInt("depth", 0), kMinFifoDepth);
}

TEST(HwStreams, InsideRecurrentBody) {
  Graph g("g");
  const DataType u4 = DataType::UInt(4), i4 = DataType::Int(4), i16 = DataType::Int(16);
  auto body = std::make_unique<Graph>("body", &g);
  Value* h = NewValue(*body, "h", {1, 16}, u4);
  Value* m1 = NewValue(*body, "m1", {1, 16}, u4);
  Value* hn = NewValue(*body, "hn", {1, 16}, u4);
  body->AddInput(h);
  body->AddInput(NewValue(*body, "xt", {1, 16}, u4));  // the scan input, unused by this body
  AddMvau(*body, "MVAU_a", h, m1, 16, 16, 4, 1, u4, i4, u4, i16, 15);
  AddMvau(*body, "MVAU_b", m1, hn, 16, 16, 1, 2, u4, i4, u4, i16, 15);
  body->AddOutput(hn);
  Value* h0 = NewInit(g, "h0", {1, 16}, std::vector<float>(16, 0), u4);
  Value* xs = NewValue(g, "xs", {5, 1, 16}, u4);
  Value* hT = NewValue(g, "hT", {1, 16}, u4);
  Node* r = NewNode(g, "RecurrentLayer", "Rec", {h0, xs}, {hT}, {{"num_scan_inputs", I(1)}});
  r->SetAttr("body", Attribute::FromGraph(std::move(body)));
  Graph& b = *r->attr("body")->g();
  EXPECT_EQ(*InsertDataWidthConverters(g), 1);  // 16 bits -> 8 bits inside the body
  EXPECT_EQ(*InsertFifos(g), 2);
  const Node* f = Producer(b.FindNode("MVAU_b"), 0);
  ASSERT_EQ(f->op_type(), "StreamingFIFO");
  EXPECT_EQ(Producer(f, 0)->op_type(), "StreamingDataWidthConverter");
  EXPECT_TRUE(EstimateLayer(*r).ok());
}

// Brute force over every input vector: the minimised accumulator type is the smallest holding
// the true range; weights get the smallest type holding them; the consumer follows.
TEST(HwBitwidth, MvauAccumulatorMatchesBruteForce) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const int64_t mw = 3, mh = 4;
    std::uniform_int_distribution<int> wd(trial % 2 ? -3 : 0, 5);
    std::vector<float> w(mw * mh);
    for (float& v : w) v = static_cast<float>(wd(rng));
    const DataType idt = trial % 3 == 0 ? DataType::Int(3) : DataType::UInt(3);
    Graph g("g");
    Value* x = NewValue(g, "x", {1, mw}, idt);
    Value* y = NewValue(g, "y", {1, mh}, DataType::Int(32));
    Value* z = NewValue(g, "z", {1, mh}, DataType::Int(32));
    Node* n = AddMvau(g, "MVAU_0", x, y, mw, mh, 1, 1, idt, DataType::Int(8), DataType::Int(32),
                      DataType::Int(32));
    g.SetInitializer(n->input(1), Tensor::FromVector<float>({mw, mh}, w));
    n->input(1)->type().dtype = DataType::Int(8);
    Node* fifo = NewNode(g, "StreamingFIFO", "FIFO_0", {y}, {z},
                         {{"depth", I(2)}, {"dataType", S("INT32")}, {"foldedShape", Is({1, 4, 1})}});
    ASSERT_TRUE(MinimizeBitwidths(g).ok());
    // Brute force over all 8^3 inputs.
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    const int64_t vmin = static_cast<int64_t>(idt.Min()), vmax = static_cast<int64_t>(idt.Max());
    for (int64_t a = vmin; a <= vmax; ++a) {
      for (int64_t b = vmin; b <= vmax; ++b) {
        for (int64_t c = vmin; c <= vmax; ++c) {
          for (int64_t j = 0; j < mh; ++j) {
            const int64_t acc = a * static_cast<int64_t>(w[0 * mh + j]) +
                                b * static_cast<int64_t>(w[1 * mh + j]) +
                                c * static_cast<int64_t>(w[2 * mh + j]);
            lo = std::min(lo, acc);
            hi = std::max(hi, acc);
          }
        }
      }
    }
    std::string want;
    if (lo >= 0) {
      int bits = 1;
      while ((int64_t{1} << bits) - 1 < hi) ++bits;
      want = bits == 1 ? "BINARY" : "UINT" + std::to_string(bits);
    } else {
      int bits = 1;
      while (-(int64_t{1} << (bits - 1)) > lo || (int64_t{1} << (bits - 1)) - 1 < hi) ++bits;
      want = "INT" + std::to_string(bits);
    }
    EXPECT_EQ(n->GetString("accDataType", ""), want) << "trial " << trial;
    EXPECT_EQ(n->GetString("outputDataType", ""), want);
    EXPECT_EQ(y->type().dtype.Name(), want);
    EXPECT_EQ(fifo->GetString("dataType", ""), want);
    EXPECT_EQ(z->type().dtype.Name(), want);
    const auto [wmin, wmax] = std::minmax_element(w.begin(), w.end());
    std::string wwant;
    if (*wmin >= 0) {
      int bits = 1;
      while ((1 << bits) - 1 < *wmax) ++bits;
      wwant = bits == 1 ? "BINARY" : "UINT" + std::to_string(bits);
    } else {
      int bits = 1;
      while (-(1 << (bits - 1)) > *wmin || (1 << (bits - 1)) - 1 < *wmax) ++bits;
      wwant = "INT" + std::to_string(bits);
    }
    EXPECT_EQ(n->GetString("weightDataType", ""), wwant);
    EXPECT_EQ(n->input(1)->type().dtype.Name(), wwant);
  }
}

TEST(HwBitwidth, ThresholdsExtendRanges) {
  Graph g("g");
  const DataType i4 = DataType::Int(4);
  Value* x = NewValue(g, "x", {1, 2}, i4);
  Value* y = NewValue(g, "y", {1, 2}, DataType::UInt(2));
  // Input INT4 [-8, 7], thresholds down to -20: INT6 ([-32, 31]) is the smallest holding both.
  Node* t = NewNode(g, "Thresholding", "Thr", {x, NewInit(g, "T", {2, 3}, {-20, 0, 3, -1, 1, 2},
                                                          DataType::Int(16))},
                    {y},
                    {{"NumChannels", I(2)}, {"PE", I(1)}, {"numSteps", I(3)},
                     {"inputDataType", S("INT4")}, {"weightDataType", S("INT16")},
                     {"outputDataType", S("UINT2")}});
  // MVAU with thresholds beyond the accumulator range: acc of 2 x UINT2 by weights 1 is [0, 6],
  // threshold 100 extends it to [0, 100] -> UINT7; the output type is untouched.
  Value* x2 = NewValue(g, "x2", {1, 2}, DataType::UInt(2));
  Value* y2 = NewValue(g, "y2", {1, 2}, DataType::UInt(2));
  Node* mv = AddMvau(g, "MVAU_t", x2, y2, 2, 2, 1, 1, DataType::UInt(2), DataType::Int(8),
                     DataType::UInt(2), DataType::Int(32), 3);
  g.SetInitializer(mv->input(2), Tensor::FromVector<float>({2, 3}, {0, 1, 100, 0, 1, 2}));
  ASSERT_TRUE(MinimizeBitwidths(g).ok());
  EXPECT_EQ(t->GetString("weightDataType", ""), "INT6");
  EXPECT_EQ(t->input(1)->type().dtype.Name(), "INT6");
  EXPECT_EQ(mv->GetString("accDataType", ""), "UINT7");
  EXPECT_EQ(mv->input(2)->type().dtype.Name(), "UINT7");
  EXPECT_EQ(mv->GetString("outputDataType", ""), "UINT2");
  EXPECT_EQ(mv->GetString("weightDataType", ""), "BINARY");  // all weights are 1
}

}  // namespace
}  // namespace finngl::hw
