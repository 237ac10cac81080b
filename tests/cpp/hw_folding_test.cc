// Tests of FINN folding configs (src/hw/folding_config.h): apply, write, round trip through a
// file, Defaults, nodes inside RecurrentLayer bodies, and the errors (unknown node, illegal fold,
// bad style) with the graph left unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "nlohmann/json.hpp"
#include "src/hw/folding_config.h"
#include "tests/cpp/hw_test_util.h"

namespace finngl::hw {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using namespace ::finngl::hw::testing;  // NOLINT

TEST(HwFolding, ApplyAndWrite) {
  std::unique_ptr<Model> m = Mlp3(64, 32, 16, 10);
  json cfg = json::parse(R"({
    "Defaults": {},
    "MVAU_0": {"PE": 4, "SIMD": 8, "ram_style": "block", "resType": "dsp"},
    "MVAU_2": {"PE": 5, "SIMD": 16}
  })");
  absl::StatusOr<std::vector<std::string>> w = ApplyFoldingConfig(*m->graph, cfg);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_TRUE(w->empty());
  const Node* n0 = m->graph->FindNode("MVAU_0");
  EXPECT_EQ(n0->GetInt("PE", 0), 4);
  EXPECT_EQ(n0->GetInt("SIMD", 0), 8);
  EXPECT_EQ(n0->GetString("ram_style", ""), "block");
  EXPECT_EQ(n0->GetString("resType", ""), "dsp");
  EXPECT_EQ(m->graph->FindNode("MVAU_2")->GetInt("PE", 0), 5);
  EXPECT_EQ(m->graph->FindNode("MVAU_1")->GetInt("PE", 0), 1);
  json out = FoldingConfigOf(*m->graph);
  EXPECT_EQ(out["Defaults"], json::object());
  EXPECT_EQ(out["MVAU_0"], cfg["MVAU_0"]);
  EXPECT_EQ(out["MVAU_2"], cfg["MVAU_2"]);
  EXPECT_EQ(out["MVAU_1"], json::parse(R"({"PE": 1, "SIMD": 1})"));
}

TEST(HwFolding, FileRoundTrip) {
  std::unique_ptr<Model> a = Mlp3(64, 32, 16, 10);
  ASSERT_TRUE(ApplyFoldingConfig(*a->graph, json::parse(R"({
    "MVAU_0": {"PE": 2, "SIMD": 64, "ram_style": "distributed"},
    "MVAU_1": {"PE": 16, "SIMD": 4, "resType": "lut"},
    "MVAU_2": {"PE": 10, "SIMD": 2, "ram_style": "ultra"}})")).ok());
  const std::string path = ::testing::TempDir() + "/folding_rt.json";
  ASSERT_TRUE(WriteFoldingConfigFile(*a->graph, path).ok());
  std::unique_ptr<Model> b = Mlp3(64, 32, 16, 10);
  absl::StatusOr<std::vector<std::string>> w = ApplyFoldingConfigFile(*b->graph, path);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(FoldingConfigOf(*b->graph), FoldingConfigOf(*a->graph));
  for (const char* n : {"MVAU_0", "MVAU_1", "MVAU_2"}) {
    for (const char* attr : {"PE", "SIMD"}) {
      EXPECT_EQ(b->graph->FindNode(n)->GetInt(attr, 0), a->graph->FindNode(n)->GetInt(attr, -1));
    }
  }
}

TEST(HwFolding, Defaults) {
  std::unique_ptr<Model> m = Mlp3(64, 32, 16, 10);
  ASSERT_TRUE(ApplyFoldingConfig(*m->graph, json::parse(R"({
    "Defaults": {"ram_style": ["block", ["MVAU"]], "resType": ["dsp", "all"],
                 "mem_mode": ["internal_decoupled", "all"]},
    "MVAU_1": {"ram_style": "distributed"}})")).ok());
  EXPECT_EQ(m->graph->FindNode("MVAU_0")->GetString("ram_style", ""), "block");
  EXPECT_EQ(m->graph->FindNode("MVAU_1")->GetString("ram_style", ""), "distributed");
  EXPECT_EQ(m->graph->FindNode("MVAU_2")->GetString("resType", ""), "dsp");
  // Defaults for other op types do not touch the MVAUs.
  ASSERT_TRUE(ApplyFoldingConfig(*m->graph, json::parse(R"({
    "Defaults": {"ram_style": ["ultra", ["Thresholding"]]}})")).ok());
  EXPECT_EQ(m->graph->FindNode("MVAU_0")->GetString("ram_style", ""), "block");
}

TEST(HwFolding, FinnOnlyAttributesWarn) {
  std::unique_ptr<Model> m = Mlp3(64, 32, 16, 10);
  absl::StatusOr<std::vector<std::string>> w = ApplyFoldingConfig(
      *m->graph, json::parse(R"({"MVAU_0": {"PE": 2, "mem_mode": "internal_decoupled"}})"));
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_EQ(w->size(), 1u);
  EXPECT_THAT((*w)[0], HasSubstr("mem_mode"));
  EXPECT_THAT((*w)[0], HasSubstr("MVAU_0"));
  EXPECT_EQ(m->graph->FindNode("MVAU_0")->GetInt("PE", 0), 2);
}

TEST(HwFolding, ErrorsLeaveGraphUnchanged) {
  std::unique_ptr<Model> m = Mlp3(64, 32, 16, 10);
  const json before = FoldingConfigOf(*m->graph);
  auto err = [&](const char* text) {
    absl::StatusOr<std::vector<std::string>> w = ApplyFoldingConfig(*m->graph, json::parse(text));
    EXPECT_FALSE(w.ok()) << text;
    EXPECT_EQ(FoldingConfigOf(*m->graph), before) << text;
    return std::string(w.status().message());
  };
  EXPECT_THAT(err(R"({"MVAU_9": {"PE": 2}})"), HasSubstr("no node named 'MVAU_9'"));
  // The legal first entry is undone when the second is illegal.
  EXPECT_THAT(err(R"({"MVAU_0": {"PE": 4}, "MVAU_1": {"PE": 5}})"),
              HasSubstr("node 'MVAU_1' (MVAU): MH=16 is not divisible by PE=5"));
  EXPECT_THAT(err(R"({"MVAU_0": {"SIMD": 3}})"),
              HasSubstr("node 'MVAU_0' (MVAU): MW=64 is not divisible by SIMD=3"));
  EXPECT_THAT(err(R"({"MVAU_0": {"PE": 0}})"), HasSubstr("PE must be a positive integer"));
  EXPECT_THAT(err(R"({"MVAU_0": {"PE": "4"}})"), HasSubstr("PE must be a positive integer"));
  EXPECT_THAT(err(R"({"MVAU_0": {"ram_style": "bram"}})"),
              HasSubstr("ram_style must be one of auto, block, distributed, ultra"));
  EXPECT_THAT(err(R"({"MVAU_0": {"depth": 4}})"), HasSubstr("'depth' cannot be set on MVAU"));
  EXPECT_THAT(err(R"({"Defaults": {"PE": [3, "all"]}})"), HasSubstr("not divisible by PE=3"));
  EXPECT_THAT(err(R"([1, 2])"), HasSubstr("JSON object"));
}

// A RecurrentLayer whose body holds a node named like a top-level node: the writer qualifies it,
// the reader accepts both forms.
TEST(HwFolding, RecurrentBodies) {
  Graph g("g");
  const DataType u4 = DataType::UInt(4), i4 = DataType::Int(4), i16 = DataType::Int(16);
  auto body = std::make_unique<Graph>("body", &g);
  Value* h = NewValue(*body, "h", {1, 16}, u4);
  Value* xt = NewValue(*body, "xt", {1, 16}, u4);
  Value* m1 = NewValue(*body, "m1", {1, 16}, u4);
  Value* hn = NewValue(*body, "hn", {1, 16}, u4);
  body->AddInput(h);
  body->AddInput(xt);
  AddMvau(*body, "MVAU_0", h, m1, 16, 16, 1, 1, u4, i4, u4, i16, 15);
  NewNode(*body, "ElementwiseAdd", "Add_body", {m1, xt}, {hn},
          {{"NumChannels", I(16)}, {"PE", I(1)}, {"lhsDataType", S("UINT4")},
           {"rhsDataType", S("UINT4")}, {"outDataType", S("UINT4")}, {"numInputVectors", Is({})}});
  body->AddOutput(hn);
  Value* x = NewValue(g, "x", {1, 32}, u4);
  Value* xs = NewValue(g, "xs", {4, 1, 16}, u4);
  Value* h0 = NewInit(g, "h0", {1, 16}, std::vector<float>(16, 0), u4);
  Value* hT = NewValue(g, "hT", {1, 16}, u4);
  Value* y = NewValue(g, "y", {1, 16}, i16);
  AddMvau(g, "MVAU_0", x, y, 32, 16, 1, 1, u4, i4, i16, i16);
  Node* r = NewNode(g, "RecurrentLayer", "Rec", {h0, xs}, {hT}, {{"num_scan_inputs", I(1)}});
  r->SetAttr("body", Attribute::FromGraph(std::move(body)));
  Graph& b = *r->attr("body")->g();

  ASSERT_TRUE(ApplyFoldingConfig(g, json::parse(R"({
    "MVAU_0": {"PE": 2}, "Rec/MVAU_0": {"PE": 4, "SIMD": 2}, "Add_body": {"PE": 8}})")).ok());
  EXPECT_EQ(g.FindNode("MVAU_0")->GetInt("PE", 0), 2);
  EXPECT_EQ(b.FindNode("MVAU_0")->GetInt("PE", 0), 4);
  EXPECT_EQ(b.FindNode("Add_body")->GetInt("PE", 0), 8);
  // The qualified form works for uniquely named body nodes too.
  ASSERT_TRUE(ApplyFoldingConfig(g, json::parse(R"({"Rec/Add_body": {"PE": 16}})")).ok());
  EXPECT_EQ(b.FindNode("Add_body")->GetInt("PE", 0), 16);
  json out = FoldingConfigOf(g);
  EXPECT_EQ(out["Rec/MVAU_0"]["PE"], 4);
  EXPECT_EQ(out["MVAU_0"]["PE"], 2);
  EXPECT_EQ(out["Add_body"]["PE"], 16);
  EXPECT_FALSE(out.contains("Rec"));  // no folding of its own
  absl::StatusOr<std::vector<std::string>> bad =
      ApplyFoldingConfig(g, json::parse(R"({"Add_body": {"PE": 3}})"));
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("node 'Add_body' (ElementwiseAdd): NumChannels=16 is not divisible by PE=3"));
  EXPECT_EQ(b.FindNode("Add_body")->GetInt("PE", 0), 16);
}

}  // namespace
}  // namespace finngl::hw
