// Tests of absorb-chain-into-multithreshold: monotone float ops between an integer value and a
// MultiThreshold become exact integer thresholds (ties and double rounding included).
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



void AnnotateInput(Model& model, const std::string& name, DataType dt) {
  model.graph->FindValue(name)->type().dtype = dt;
  model.graph->FindValue(name)->type().dtype_annotated = true;
  ASSERT_TRUE(InferModelTypes(model).ok());
}

absl::StatusOr<bool> Absorb(Model& model) {
  PassContext ctx;
  return PassManager().RunPasses(model, {"absorb-chain-into-multithreshold"}, ctx);
}

// A batch-norm-like chain in double with ties: 0.5 * k lands exactly on the thresholds 0.5 * j.
constexpr char kBatchNormChain[] = R"ONNX(
  <ir_version: 8, opset_import: ["" : 17, "qonnx.custom_op.general" : 1]>
  g (float[512, 4] x) => (float[512, 4] y)
  <float s = {0.5}, double[4] alpha = {1.0, 0.3, 2.5, 0.0}, double[4] beta = {0.0, -1.1, 0.25, 3.0},
   float[1, 7] thr = {-1.5, -1.0, 0.0, 0.5, 1.0, 2.0, 2.75}>
  {
    a = Mul(x, s)
    b = Cast <to = 11> (a)
    c = Mul(b, alpha)
    d = Add(c, beta)
    e = Cast <to = 1> (d)
    f = Relu(e)
    y = qonnx.custom_op.general.MultiThreshold <out_dtype = "UINT3", data_layout = "NC"> (f, thr)
  })ONNX";

TEST(AbsorbChainTest, BatchNormLikeChainBecomesIntegerThresholds) {
  auto model = ParseModel(kBatchNormChain, /*infer=*/false);
  ASSERT_NE(model, nullptr);
  AnnotateInput(*model, "x", DataType::Int(6));
  std::unique_ptr<Model> before = model->Clone();
  absl::StatusOr<bool> changed = Absorb(*model);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("MultiThreshold"));
  const Node* mt = model->graph->nodes()[0];
  EXPECT_EQ(mt->input(0)->name(), "x");
  const Tensor& t = *mt->input(1)->initializer();
  ASSERT_EQ(t.dims(), (Dims{4, 7}));
  for (int64_t i = 0; i < t.size(); ++i) {
    EXPECT_EQ(t.GetDouble(i), std::round(t.GetDouble(i))) << "threshold " << i;
  }
  // Channel 0 is x * 0.5 with ties at every threshold: x >= 2 * T exactly, e.g. T = 0.5 -> 1.
  EXPECT_EQ(t.GetDouble(3), 1.0);
  // Channel 3 multiplies by 0: the chain is the constant Relu(3.0), reaching thresholds <= 3
  // from the lowest input on.
  EXPECT_EQ(t.GetDouble(3 * 7 + 6), -32.0);
  testing::ExpectEquivalent(*before, *model, 64);
}

TEST(AbsorbChainTest, NegativeFactorsAndForksAreLeftAlone) {
  std::string negative = kBatchNormChain;
  negative.replace(negative.find("0.3"), 3, "-0.3");
  auto model = ParseModel(negative, /*infer=*/false);
  ASSERT_NE(model, nullptr);
  AnnotateInput(*model, "x", DataType::Int(6));
  absl::StatusOr<bool> changed = Absorb(*model);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);

  std::string fork = kBatchNormChain;
  fork.replace(fork.find("=> (float[512, 4] y)"), 20, "=> (float[512, 4] y, float[512, 4] d)");
  model = ParseModel(fork, /*infer=*/false);
  ASSERT_NE(model, nullptr);
  AnnotateInput(*model, "x", DataType::Int(6));
  changed = Absorb(*model);
  ASSERT_TRUE(changed.ok()) << changed.status();
  // d is also a graph output: the chain does not reach an integer value through single uses.
  EXPECT_FALSE(*changed);
}

TEST(AbsorbChainTest, FloatInputsAreNotTouched) {
  auto model = ParseModel(kBatchNormChain, /*infer=*/false);
  ASSERT_NE(model, nullptr);
  ASSERT_TRUE(InferModelTypes(*model).ok());
  absl::StatusOr<bool> changed = Absorb(*model);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
}

}  // namespace
}  // namespace finngl
