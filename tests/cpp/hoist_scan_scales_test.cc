// Tests of hoist-scan-scales: quantized Scan states and outputs are carried as integers and their
// scale is applied outside the loop, with the same outputs bit for bit.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx/defs/parser.h"
#include "src/onnx/importer.h"
#include "src/ops/infer.h"
#include "src/passes/pass_manager.h"
#include "tests/cpp/equivalence.h"
#include "tests/cpp/parse_model.h"

namespace finngl {
namespace {

using testing::ParseModel;
using testing::OpTypes;

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;



Node* FindScan(const Model& model) {
  for (Node* n : model.graph->nodes()) {
    if (n->op_type() == "Scan") return n;
  }
  return nullptr;
}

// A quantized recurrence: the state is a 2-bit level times 0.37, read back each step.
std::string RecurrentModel(const std::string& init_decl, const std::string& init_expr,
                           const std::string& extra_constants = "") {
  return R"ONNX(
  <ir_version: 8, opset_import: ["" : 17, "qonnx.custom_op.general" : 1]>
  g ()ONNX" + init_decl + R"ONNX(float[5, 1, 4] xs) => (float[1, 4] final, float[5, 1, 4] ys)
  <float scale = {0.37})ONNX" + extra_constants + R"ONNX(>
  {
    )ONNX" + init_expr + R"ONNX(
    final, ys = Scan <num_scan_inputs = 1,
        body = b (float[1, 4] h_in, float[1, 4] x_in) => (float[1, 4] h_out, float[1, 4] y_out)
        <float[1, 3] thr = {-0.5, 0.25, 1.0}, float bscale = {0.37}> {
          s = Add(h_in, x_in)
          q = qonnx.custom_op.general.MultiThreshold <out_dtype = "UINT2", data_layout = "NC">
              (s, thr)
          h_out = Mul(q, bscale)
          y_out = Mul(q, bscale)
        }> (init, xs)
  })ONNX";
}

absl::StatusOr<bool> Hoist(Model& model) {
  PassContext ctx;
  return PassManager().RunPasses(model, {"hoist-scan-scales"}, ctx);
}

TEST(HoistScanScalesTest, ZeroInitialStateAndOutputsCarriedAsIntegers) {
  auto model = ParseModel(RecurrentModel("", "", ", float[1, 4] init = {0, 0, 0, 0}"));
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> before = model->Clone();
  absl::StatusOr<bool> changed = Hoist(*model);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  Node* scan = FindScan(*model);
  ASSERT_NE(scan, nullptr);
  const Graph& body = *scan->subgraphs().at(0);
  // The state input is rescaled where it is read; both body outputs are the integer levels.
  EXPECT_THAT(OpTypes(body), UnorderedElementsAre("Mul", "Add", "MultiThreshold", "Identity"));
  EXPECT_EQ(body.outputs()[0]->producer()->op_type(), "MultiThreshold");
  EXPECT_EQ(body.outputs()[1]->producer()->op_type(), "Identity");
  EXPECT_EQ(body.inputs()[0]->type().dtype.Name(), "UINT2");
  // Outside: both results scaled after the loop, under their original names.
  EXPECT_EQ(model->graph->FindValue("final")->producer()->op_type(), "Mul");
  EXPECT_EQ(model->graph->FindValue("ys")->producer()->op_type(), "Mul");
  testing::ExpectEquivalent(*before, *model, 16);
  // A second run finds nothing left to hoist.
  absl::StatusOr<bool> again = Hoist(*model);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(*again);
}

TEST(HoistScanScalesTest, InitialStateScaledOutsideStartsFromItsLevels) {
  // init = z * scale with the body's scale: the loop starts from z directly.
  auto model = ParseModel(RecurrentModel("float[1, 4] z, ", "init = Mul(z, scale)"));
  ASSERT_NE(model, nullptr);
  model->graph->FindValue("z")->type().dtype = DataType::UInt(2);
  model->graph->FindValue("z")->type().dtype_annotated = true;
  ASSERT_TRUE(InferModelTypes(*model).ok());
  std::unique_ptr<Model> before = model->Clone();
  ASSERT_TRUE(Hoist(*model).ok());
  Node* scan = FindScan(*model);
  EXPECT_EQ(scan->input(0)->name(), "z");
  EXPECT_EQ(scan->subgraphs().at(0)->inputs()[0]->type().dtype.Name(), "UINT2");
  testing::ExpectEquivalent(*before, *model, 16);
}

TEST(HoistScanScalesTest, RuntimeInitialStateKeepsTheStateButHoistsOutputs) {
  // A float initial state given at run time cannot be divided by the scale exactly.
  auto model = ParseModel(RecurrentModel("float[1, 4] init, ", ""));
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> before = model->Clone();
  ASSERT_TRUE(Hoist(*model).ok());
  Node* scan = FindScan(*model);
  const Graph& body = *scan->subgraphs().at(0);
  EXPECT_EQ(scan->input(0)->name(), "init");
  EXPECT_EQ(body.outputs()[0]->producer()->op_type(), "Mul");  // state untouched
  EXPECT_EQ(body.outputs()[1]->producer()->op_type(), "MultiThreshold");
  EXPECT_EQ(model->graph->FindValue("final")->producer()->op_type(), "Scan");
  EXPECT_EQ(model->graph->FindValue("ys")->producer()->op_type(), "Mul");
  testing::ExpectEquivalent(*before, *model, 16);
}

TEST(HoistScanScalesTest, ScanInputScaleMovesIntoTheBody) {
  auto model = ParseModel(R"ONNX(
  <ir_version: 8, opset_import: ["" : 17, "qonnx.custom_op.general" : 1]>
  g (float[5, 1, 4] xs) => (float[1, 4] final)
  <float scale = {0.37}, float[1, 4] init = {0, 0, 0, 0}>
  {
    xs_scaled = Mul(xs, scale)
    final = Scan <num_scan_inputs = 1,
        body = b (float[1, 4] h_in, float[1, 4] x_in) => (float[1, 4] h_out)
        <float[1, 3] thr = {-0.5, 0.25, 1.0}> {
          s = Add(h_in, x_in)
          h_out = qonnx.custom_op.general.MultiThreshold <out_dtype = "UINT2", data_layout = "NC">
              (s, thr)
        }> (init, xs_scaled)
  })ONNX");
  ASSERT_NE(model, nullptr);
  model->graph->FindValue("xs")->type().dtype = DataType::Int(4);
  model->graph->FindValue("xs")->type().dtype_annotated = true;
  ASSERT_TRUE(InferModelTypes(*model).ok());
  std::unique_ptr<Model> before = model->Clone();
  ASSERT_TRUE(Hoist(*model).ok());
  Node* scan = FindScan(*model);
  EXPECT_EQ(scan->input(1)->name(), "xs");
  const Graph& body = *scan->subgraphs().at(0);
  EXPECT_THAT(OpTypes(body), UnorderedElementsAre("Mul", "Add", "MultiThreshold"));
  EXPECT_EQ(body.inputs()[1]->type().dtype.Name(), "INT4");  // slices of xs
  testing::ExpectEquivalent(*before, *model, 16);
}

}  // namespace
}  // namespace finngl
