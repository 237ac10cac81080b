// Golden files for generated HLS C++: small MVAU (with thresholds), Thresholding and SWG graphs.
// The expected files live in tests/golden/codegen/<case>/ and were reviewed by hand (weights in
// the kernel layout, one row per line); regenerate them after an intended change with
//   FINNGL_UPDATE_GOLDEN=1 ./build/tests/cpp/codegen_golden_test
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/codegen/project.h"
#include "tests/cpp/codegen_test_util.h"

namespace finngl::codegen::testing {
namespace {

namespace fs = std::filesystem;

fs::path GoldenDir(const std::string& name) {
  return fs::path(FINNGL_SOURCE_DIR) / "tests" / "golden" / "codegen" / name;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Compares the generated files whose path starts with one of `prefixes` with the golden copies
// (or rewrites them when FINNGL_UPDATE_GOLDEN=1). Also checks that no golden file went missing.
void CheckGolden(const std::string& name, const Model& model,
                 const std::vector<std::string>& prefixes) {
  auto files = GenerateFiles(model, CodegenOptions{});
  ASSERT_TRUE(files.ok()) << files.status();
  const char* update = std::getenv("FINNGL_UPDATE_GOLDEN");
  const bool regenerate = update != nullptr && std::string(update) == "1";
  const fs::path dir = GoldenDir(name);
  if (regenerate) fs::remove_all(dir);
  int compared = 0;
  for (const auto& [path, text] : *files) {
    bool selected = false;
    for (const std::string& p : prefixes) selected = selected || path.rfind(p, 0) == 0;
    if (!selected) continue;
    if (regenerate) {
      fs::create_directories((dir / path).parent_path());
      std::ofstream(dir / path, std::ios::binary) << text;
      continue;
    }
    ASSERT_TRUE(fs::exists(dir / path)) << "missing golden file " << (dir / path)
                                        << " (regenerate with FINNGL_UPDATE_GOLDEN=1)";
    EXPECT_EQ(text, ReadText(dir / path)) << "generated " << path << " differs from " << dir / path;
    ++compared;
  }
  if (!regenerate) {
    int on_disk = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) on_disk += entry.is_regular_file();
    EXPECT_EQ(on_disk, compared) << "golden files without a generated counterpart in " << dir;
    EXPECT_GT(compared, 0);
  }
}

// MW=4, MH=4, SIMD=2, PE=2 with hand-picked weights W[i][j] = 10 * i + j - 16 so the layout is
// easy to check: weights[p][nf * 2 + sf][s] = W[sf * 2 + s][nf * 2 + p].
std::unique_ptr<Model> SmallMvau() {
  HwGraph g;
  Value* x = g.Input("x", {1, 4}, DataType::Int(4));
  std::vector<int64_t> w;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) w.push_back(10 * i + j - 16);
  }
  Value* wv = g.Const("W", {4, 4}, w, DataType::Int(6));
  Value* t = g.Const("T", {4, 3}, {-50, 0, 50, -40, 1, 60, -30, 2, 70, -20, 3, 80}, DataType::Int(12));
  Node* n = g.Add("MVAU", "MVAU_0", {x, wv, t});
  SetMvau(n, 4, 4, 2, 2, "INT4", "INT6", "INT12", "UINT2",
          /*no_activation=*/0);
  SetI(n, "ActVal", 0);
  g.Output(n->output(0));
  return g.Take();
}

TEST(CodegenGolden, Mvau) {
  auto model = SmallMvau();
  CheckGolden("mvau", *model, {""});
  // Independent of the golden copy: the layout rule written out for two rows.
  auto files = GenerateFiles(*model, CodegenOptions{});
  ASSERT_TRUE(files.ok());
  const std::string& params = files->at("params/MVAU_0.h");
  // p = 0, tile 0 (nf 0, sf 0): W[0][0], W[1][0] = -16, -6.  p = 1, tile 3 (nf 1, sf 1):
  // W[2][3], W[3][3] = 7, 17.
  EXPECT_THAT(params, ::testing::HasSubstr("{-16, -6}"));
  EXPECT_THAT(params, ::testing::HasSubstr("{7, 17}"));
  // thresholds[p][nf]: channel nf * 2 + p; channel 1 = {-40, 1, 60} sits at p = 1, nf = 0.
  EXPECT_THAT(params, ::testing::HasSubstr("{-40, 1, 60}"));
}

TEST(CodegenGolden, Thresholding) {
  HwGraph g;
  Value* x = g.Input("in put", {1, 2, 4}, DataType::UInt(4));  // a name that needs sanitizing
  Value* t = g.Const("T", {4, 2}, {1, 5, 2, 6, 3, 7, 4, 8}, DataType::UInt(4));
  Node* n = g.Add("Thresholding", "Thresholding/0", {x, t});
  SetI(n, "NumChannels", 4);
  SetI(n, "PE", 4);
  SetI(n, "numSteps", 2);
  SetS(n, "inputDataType", "UINT4");
  SetS(n, "weightDataType", "UINT4");
  SetS(n, "outputDataType", "INT2");
  SetI(n, "ActVal", -1);
  SetInts(n, "numInputVectors", {2});
  g.Output(n->output(0));
  CheckGolden("thresholding", *g.Take(), {"layers", "params", "top", "testbench"});
}

TEST(CodegenGolden, SlidingWindow) {
  HwGraph g;
  Value* x = g.Input("x", {1, 4, 4, 2}, DataType::Int(3));
  Node* n = g.Add("ConvolutionInputGenerator", "SWG_0", {x});
  SetInts(n, "ConvKernelDim", {3, 3});
  SetI(n, "IFMChannels", 2);
  SetInts(n, "IFMDim", {4, 4});
  SetInts(n, "OFMDim", {2, 2});
  SetInts(n, "Stride", {1, 1});
  SetInts(n, "Dilation", {1, 1});
  SetInts(n, "Padding", {0, 0, 0, 0});
  SetI(n, "SIMD", 1);
  SetS(n, "inputDataType", "INT3");
  SetS(n, "outputDataType", "INT3");
  g.Output(n->output(0));
  CheckGolden("swg", *g.Take(), {"layers", "top"});
}

}  // namespace
}  // namespace finngl::codegen::testing
