// Tests of src/passes: the pass base (subgraphs, re-inference, verification, dumps), the registry,
// the manager (pass lists, pipelines, fixed points) and every cleanup pass. Each pass test checks
// the structure the pass produces AND that the model computes the same outputs before and after
// (ExpectEquivalent: integer outputs bit-identical, float outputs identical unless the pass is
// documented as float-inexact).
#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "onnx/defs/parser.h"
#include "src/base/status.h"
#include "src/onnx/importer.h"
#include "src/ops/infer.h"
#include "src/passes/pass.h"
#include "src/passes/pass_manager.h"
#include "src/passes/pass_registry.h"
#include "tests/cpp/equivalence.h"
#include "tests/cpp/parse_model.h"

namespace finngl {
namespace {

using testing::ParseModel;
using testing::OpTypes;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ExpectEquivalent;
using testing::FloatTolerance;

constexpr int kSamples = 8;


absl::StatusOr<bool> RunPass(Model& model, const std::string& name, PassContext* ctx = nullptr) {
  PassContext local;
  return PassManager().RunPasses(model, {name}, ctx != nullptr ? *ctx : local);
}

// Runs a pass that must succeed and change the model, then the equivalence guard.
void RunAndCheck(Model& model, const std::string& name, PassContext* ctx = nullptr,
                 FloatTolerance tolerance = {}) {
  std::unique_ptr<Model> before = model.Clone();
  absl::StatusOr<bool> changed = RunPass(model, name, ctx);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed) << name << " changed nothing";
  ExpectEquivalent(*before, model, kSamples, tolerance);
}


int Count(const Graph& g, const std::string& op) {
  int n = 0;
  for (Node* node : g.nodes()) n += node->op_type() == op;
  return n;
}

void Annotate(Model& model, const std::string& tensor, DataType dtype) {
  Value* v = model.graph->FindValue(tensor);
  ASSERT_NE(v, nullptr) << tensor;
  v->type().dtype = dtype;
  v->type().dtype_annotated = true;
  ASSERT_TRUE(InferModelTypes(model).ok());
}

Graph* ScanBody(const Model& model) {
  for (Node* n : model.graph->nodes()) {
    if (n->op_type() == "Scan") return n->subgraphs().at(0);
  }
  return nullptr;
}

// ============================================================================ registry, manager

TEST(PassRegistryTest, ListsEveryCleanupPassAndPipeline) {
  const PassRegistry& r = PassRegistry::Builtin();
  std::vector<std::string> names;
  for (const PassInfo& p : r.passes()) {
    names.push_back(p.name);
    EXPECT_FALSE(p.description.empty()) << p.name;
    EXPECT_EQ(p.description.find('\n'), std::string::npos) << p.name;
    EXPECT_EQ(p.create()->name(), p.name);
  }
  // The cleanup passes come first, in this order; the frontend and streamlining passes follow.
  ASSERT_GE(names.size(), 11u);
  EXPECT_THAT(std::vector<std::string>(names.begin(), names.begin() + 7),
              ElementsAre("infer-types", "fold-constants", "remove-identity", "sub-to-add",
                          "div-to-mul", "gemm-to-matmul", "batchnorm-to-affine"));
  EXPECT_THAT(names, ::testing::IsSupersetOf({"cancel-transposes", "remove-dead-code",
                                              "give-unique-names", "give-readable-names",
                                              "qcdq-to-quant", "fold-quant-weights",
                                              "quant-act-to-multithreshold",
                                              "absorb-chain-into-multithreshold",
                                              "hoist-scan-scales", "lower-conv-to-matmul"}));
  for (const char* pipeline : {"cleanup", "simplify", "qcdq-to-qonnx", "lower-recurrent",
                               "qonnx-to-finn", "streamline", "lower-conv", "frontend"}) {
    EXPECT_NE(r.FindPipeline(pipeline), nullptr) << pipeline;
  }
  for (const PipelineInfo& p : r.pipelines()) {
    for (const PipelineStep& step : p.steps) {
      for (const std::string& pass : step.passes) {
        EXPECT_NE(r.FindPass(pass), nullptr) << p.name << " names unknown pass " << pass;
      }
    }
  }
}

TEST(PassRegistryTest, UnknownNamesListTheValidOnes) {
  auto pass = PassRegistry::Builtin().CreatePass("fold-constant");
  ASSERT_FALSE(pass.ok());
  EXPECT_EQ(pass.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(pass.status().message(),
              HasSubstr("unknown pass 'fold-constant'; valid passes: infer-types, fold-constants"));
  auto pipeline = PassRegistry::Builtin().GetPipeline("clean");
  ASSERT_FALSE(pipeline.ok());
  EXPECT_THAT(pipeline.status().message(), HasSubstr("valid pipelines: cleanup, "));
  EXPECT_THAT(pipeline.status().message(), HasSubstr("frontend"));
}

constexpr char kIdentityChain[] = R"ONNX(
  <ir_version: 8, opset_import: ["" : 17]>
  g (float[2, 3] x) => (float[2, 3] y) {
    a = Identity(x)
    b = Identity(a)
    c = Identity(b)
    y = Relu(c)
  })ONNX";

TEST(PassManagerTest, UnknownPassFailsBeforeAnyPassRuns) {
  auto model = ParseModel(kIdentityChain);
  PassContext ctx;
  auto result = PassManager().RunPasses(*model, {"remove-identity", "no-such-pass"}, ctx);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("unknown pass 'no-such-pass'"));
  EXPECT_TRUE(ctx.records.empty());
  EXPECT_EQ(Count(*model->graph, "Identity"), 3);
}

TEST(PassManagerTest, RecordsEachPassWithWhetherItChanged) {
  auto model = ParseModel(kIdentityChain);
  PassContext ctx;
  auto changed = PassManager().RunPasses(
      *model, {"fold-constants", "remove-identity", "remove-identity"}, ctx);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  ASSERT_EQ(ctx.records.size(), 3u);
  EXPECT_EQ(ctx.records[0].pass, "fold-constants");
  EXPECT_FALSE(ctx.records[0].changed);
  EXPECT_EQ(ctx.records[1].pass, "remove-identity");
  EXPECT_TRUE(ctx.records[1].changed);
  EXPECT_FALSE(ctx.records[2].changed);
  for (const PassRecord& r : ctx.records) EXPECT_GE(r.milliseconds, 0);
}

TEST(PassManagerTest, InvalidInputModelIsTheInputsFaultNotAPasss) {
  auto model = ParseModel(kIdentityChain);
  model->graph->nodes()[3]->SetAttr("alpha", Attribute::String("not a relu attribute"));
  PassContext ctx;
  auto result = PassManager().RunPasses(*model, {"remove-identity"}, ctx);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(ctx.records.empty());
}

// Removes one Identity per run, so a fixed point over it takes one iteration per Identity.
class RemoveOneIdentityPass final : public NamedPass<RemoveOneIdentityPass> {
 public:
  static constexpr const char kName[] = "remove-one-identity";
  static constexpr const char kDescription[] = "test pass: removes the first Identity";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override {
    for (Node* n : graph.nodes()) {
      if (n->op_type() != "Identity") continue;
      graph.ReplaceAllUsesWith(n->output(0), n->input(0));
      RETURN_IF_ERROR(graph.RemoveNode(n));
      return true;
    }
    return false;
  }
};

// Claims a change every time: a fixed point over it never ends.
class AlwaysChangesPass final : public NamedPass<AlwaysChangesPass> {
 public:
  static constexpr const char kName[] = "always-changes";
  static constexpr const char kDescription[] = "test pass: reports a change every run";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override { return true; }
};

// Gives a Transpose an impossible permutation; `report_change` decides whether it admits it.
template <bool report_change>
class BreakModelPass final : public NamedPass<BreakModelPass<report_change>> {
 public:
  static constexpr const char kName[] = "break-model";
  static constexpr const char kDescription[] = "test pass: makes the model invalid";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override {
    for (Node* n : graph.nodes()) {
      if (n->op_type() == "Transpose") n->SetAttr("perm", Attribute::Ints({0, 0}));
    }
    return report_change;
  }
};

PassRegistry TestRegistry() {
  PassRegistry r = PassRegistry::Builtin();
  r.AddPass<RemoveOneIdentityPass>();
  r.AddPass<AlwaysChangesPass>();
  return r;
}

TEST(PassManagerTest, FixedPointRepeatsUntilNothingChanges) {
  auto model = ParseModel(kIdentityChain);
  PassRegistry registry = TestRegistry();
  PassContext ctx;
  auto changed = PassManager(registry).RunSteps(
      *model, {FixedPoint({"remove-one-identity", "remove-dead-code"})}, ctx);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("Relu"));
  // Three iterations remove one Identity each; the fourth changes nothing and ends the loop.
  ASSERT_EQ(ctx.records.size(), 8u);
  EXPECT_TRUE(ctx.records[4].changed);
  EXPECT_FALSE(ctx.records[6].changed);
  EXPECT_FALSE(ctx.records[7].changed);
}

TEST(PassManagerTest, FixedPointFailsAtItsIterationCap) {
  auto model = ParseModel(kIdentityChain);
  PassRegistry registry = TestRegistry();
  PassContext ctx;
  auto result = PassManager(registry).RunSteps(
      *model, {FixedPoint({"remove-identity", "always-changes"}, /*max_iterations=*/3)}, ctx);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(result.status().message(),
              HasSubstr("passes [remove-identity, always-changes] did not reach a fixed point in "
                        "3 iterations (still changing the model: always-changes)"));
  EXPECT_EQ(ctx.records.size(), 6u);
}

constexpr char kTransposeModel[] = R"ONNX(
  <ir_version: 8, opset_import: ["" : 17]>
  g (float[2, 3] x) => (float[3, 2] y) {
    t = Transpose <perm = [1, 0]> (x)
    y = Relu(t)
  })ONNX";

TEST(GraphPassTest, VerifierAfterEachPassNamesThePassThatBrokeTheModel) {
  for (bool admits_change : {true, false}) {
    SCOPED_TRACE(admits_change ? "pass reports the change" : "pass hides the change");
    auto model = ParseModel(kTransposeModel);
    PassContext ctx;
    absl::StatusOr<bool> result = admits_change ? BreakModelPass<true>().Run(*model, ctx)
                                                : BreakModelPass<false>().Run(*model, ctx);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal);
    EXPECT_THAT(result.status().message(),
                HasSubstr("pass 'break-model' produced an invalid model: node 'Transpose_0' "
                          "(Transpose)"));
  }
  // Without the verifier, a pass that hides its damage goes unnoticed: the check is what caught it.
  auto model = ParseModel(kTransposeModel);
  PassContext unchecked;
  unchecked.verify = false;
  EXPECT_TRUE(BreakModelPass<false>().Run(*model, unchecked).ok());
}

TEST(GraphPassTest, DumpDirGetsTheModelAfterEachPass) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "finngl_passes_dump";
  std::filesystem::remove_all(dir);
  auto model = ParseModel(kIdentityChain);
  PassContext ctx;
  ctx.dump_dir = dir.string();
  ASSERT_TRUE(
      PassManager().RunPasses(*model, {"remove-identity", "give-readable-names"}, ctx).ok());
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  EXPECT_THAT(files, ElementsAre("01_remove-identity.onnx", "02_give-readable-names.onnx"));
  auto after_first = ImportModelFromFile((dir / "01_remove-identity.onnx").string());
  ASSERT_TRUE(after_first.ok()) << after_first.status();
  EXPECT_THAT(OpTypes(*(*after_first)->graph), ElementsAre("Relu"));
  std::filesystem::remove_all(dir);
}

// A Scan body that reads main-graph constants: passes rewrite inside it as in the main graph.
constexpr char kScanModel[] = R"ONNX(
  <ir_version: 8, opset_import: ["" : 17]>
  g (float[4] init, float[3, 4] xs) => (float[4] final, float[3, 4] ys)
  <float[4] bias = {1, 2, 3, 4}, float[4] unused = {0, 0, 0, 0}>
  {
    final, ys = Scan <num_scan_inputs = 1,
        body = scan_body (float[4] s_in, float[4] x_in) => (float[4] s_out, float[4] y_out)
        <float two = {2}, float[4] zero = {0, 0, 0, 0}> {
          b2 = Mul(bias, two)
          xi = Identity(x_in)
          d = Sub(xi, b2)
          s_sum = Add(s_in, d)
          s0 = Add(s_sum, zero)
          s_out = Relu(s0)
          dead = Neg(unused)
          y_out = Mul(s_out, bias)
        }> (init, xs)
  })ONNX";

TEST(GraphPassTest, PassesRewriteInsideScanBodies) {
  auto model = ParseModel(kScanModel);
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> before = model->Clone();
  PassContext ctx;
  auto changed = PassManager().RunPipeline(*model, "simplify", ctx);
  ASSERT_TRUE(changed.ok()) << changed.status();
  Graph* body = ScanBody(*model);
  ASSERT_NE(body, nullptr);
  // Mul(bias, two) folded from an outer constant, Identity and Add 0 removed, Sub -> Add of the
  // negation, the dead Neg removed together with the body's reference to `unused`.
  EXPECT_THAT(OpTypes(*body), ElementsAre("Add", "Add", "Relu", "Mul"));
  EXPECT_EQ(body->FindValue("unused"), nullptr);
  EXPECT_EQ(model->graph->FindValue("unused"), nullptr);
  EXPECT_NE(model->graph->FindValue("bias"), nullptr);
  ExpectEquivalent(*before, *model, kSamples);
}

TEST(EquivalenceGuardTest, ReportsTheFirstDifferentOutputElement) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[2, 3] x) => (float[2, 3] y) <float[3] c = {1, 2, 3}> {
      y = Add(x, c)
    })ONNX");
  std::unique_ptr<Model> changed = model->Clone();
  Value* c = changed->graph->FindValue("c");
  changed->graph->SetInitializer(c, Tensor::FromVector<float>({3}, {1, 2, 3.0001f}));
  EXPECT_NONFATAL_FAILURE(ExpectEquivalent(*model, *changed, 1),
                          "output 'y', sample 0: element 2 is");
  ExpectEquivalent(*model, *changed, 1, FloatTolerance{1e-3, 0});
}

// ============================================================================ infer-types

TEST(InferTypesPassTest, TypesEveryTensorOnce) {
  auto model = ParseModel(kTransposeModel, /*infer=*/false);
  EXPECT_EQ(model->graph->FindValue("t")->type().elem, ElementType::kUndefined);
  PassContext ctx;
  ctx.verify = false;  // the input is not typed yet, which the verifier would report
  auto changed = RunPass(*model, "infer-types", &ctx);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(model->graph->FindValue("t")->type().ToString(), "float[3, 2] FLOAT32");
  changed = RunPass(*model, "infer-types");
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
}

// ============================================================================ fold-constants

TEST(FoldConstantsPassTest, FoldsThroughTheOpsKernelsAndKeepsNames) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[2, 3] x) => (float[2, 4] y) {
      w = Constant <value = float[4, 3] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}> ()
      wt = Transpose <perm = [1, 0]> (w)
      half = Constant <value_float = 0.5> ()
      wh = Mul(wt, half)
      y = MatMul(x, wh)
    })ONNX");
  RunAndCheck(*model, "fold-constants");
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("MatMul"));
  const Value* wh = model->graph->FindValue("wh");
  ASSERT_NE(wh, nullptr);
  ASSERT_TRUE(wh->is_initializer());
  EXPECT_EQ(wh->initializer()->dims(), (Dims{3, 4}));
  EXPECT_EQ(wh->initializer()->GetDouble(1), 2.0);  // w[1][0] * 0.5
  EXPECT_EQ(model->graph->nodes()[0]->input(1), wh);
}

TEST(FoldConstantsPassTest, KeepsQuantizersGraphOutputsAndNarrowDatatypes) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[2, 3] x) => (float[2, 4] y, float[3] c)
    <float[4, 3] w = {1, -2, 3, -4, 5, -6, 7, -8, 1, 2, 3, 4}, float s = {0.5}, int8 zp = {0},
     float[3] k = {1, 2, 3}> {
      wt = Transpose <perm = [1, 0]> (w)
      q = QuantizeLinear(wt, s, zp)
      dq = DequantizeLinear(q, s, zp)
      y = MatMul(x, dq)
      c = Neg(k)
    })ONNX");
  Annotate(*model, "w", DataType::Int(4));
  RunAndCheck(*model, "fold-constants");
  // The Transpose folds; the quantizers are not foldable; `c` stays computed (graph output).
  EXPECT_THAT(OpTypes(*model->graph),
              ElementsAre("QuantizeLinear", "DequantizeLinear", "MatMul", "Neg"));
  const Value* wt = model->graph->FindValue("wt");
  ASSERT_TRUE(wt->is_initializer());
  EXPECT_TRUE(wt->type().dtype_annotated);
  EXPECT_EQ(wt->type().dtype, DataType::Int(4));
  EXPECT_FALSE(*RunPass(*model, "fold-constants"));
}

// ============================================================================ remove-identity

TEST(RemoveIdentityPassTest, RemovesIdentitiesAndNeutralArithmetic) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[2, 3] x) => (float[2, 3] y, float[2, 2, 3] z)
    <float zero = {0}, float[3] ones = {1, 1, 1}, float one = {1}, float[2, 1, 1] zeros = {0, 0}> {
      a = Identity(x)
      b = Add(a, zero)
      c = Mul(ones, b)
      d = Sub(c, zero)
      e = Div(d, one)
      f = Relu(e)
      z = Add(f, zeros)
      r = Div(one, f)
      y = Identity(r)
    })ONNX");
  RunAndCheck(*model, "remove-identity");
  // Kept: an Add 0 that broadcasts to a larger shape, 1 / f, and an Identity producing an output.
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("Relu", "Div", "Identity", "Add"));
  EXPECT_EQ(model->graph->FindNode("Relu_0")->input(0), model->graph->FindValue("x"));
}

TEST(RemoveIdentityPassTest, IntegerNeutralElementsAreExact) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 17]>
    g (int32[2, 3] x) => (int32[2, 3] y) <int32 zero = {0}, int32 one = {1}> {
      a = Add(zero, x)
      b = Mul(a, one)
      c = Div(b, one)
      y = Neg(c)
    })ONNX");
  RunAndCheck(*model, "remove-identity");
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("Neg"));
}

TEST(RemoveIdentityPassTest, ScanBodiesReadingTheRemovedValueFollowIt) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[4] init, float[3, 4] xs, float[4] offset) => (float[4] final, float[3, 4] ys) {
      shift = Identity(offset)
      final, ys = Scan <num_scan_inputs = 1,
          body = scan_body (float[4] s_in, float[4] x_in) => (float[4] s_out, float[4] y_out) {
            t = Add(s_in, x_in)
            s_out = Sub(t, shift)
            y_out = Mul(t, offset)
          }> (init, xs)
    })ONNX");
  RunAndCheck(*model, "remove-identity");
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("Scan"));
  // The body read both names; its two references to them are now one, to `offset`.
  const Graph* body = ScanBody(*model);
  EXPECT_EQ(body->FindValue("shift"), nullptr);
  EXPECT_EQ(body->FindValue("offset")->uses().size(), 2u);
}

// ============================================================================ sub-to-add

TEST(SubToAddPassTest, SubtractingAConstantBecomesAddingItsNegation) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[2, 3] x, int8[2, 3] n) => (float[2, 3] y, int8[2, 3] m, int8[2, 3] k, float[2, 3] w)
    <float[3] c = {1.5, -2, 0.25}, int8[3] ci = {3, -7, 127}, int8 cmin = {-128}> {
      y = Sub(x, c)
      m = Sub(n, ci)
      k = Sub(n, cmin)
      w = Sub(c, x)
    })ONNX");
  RunAndCheck(*model, "sub-to-add");
  // Left alone: a constant holding int8's minimum. A float constant on the left: c + (-x).
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("Add", "Add", "Sub", "Mul", "Add"));
  const Node* w = model->graph->FindValue("w")->producer();
  ASSERT_EQ(w->op_type(), "Add");
  EXPECT_EQ(w->input(1)->name(), "c");
  EXPECT_EQ(w->input(0)->producer()->op_type(), "Mul");
  EXPECT_EQ(w->input(0)->producer()->input(0)->name(), "x");
  const Node* add = model->graph->FindValue("y")->producer();
  ASSERT_EQ(add->op_type(), "Add");
  EXPECT_EQ(add->input(1)->initializer()->ToDoubles(), (std::vector<double>{-1.5, 2, -0.25}));
  EXPECT_EQ(model->graph->FindValue("m")->producer()->input(1)->initializer()->ToDoubles(),
            (std::vector<double>{-3, 7, -127}));
}

// ============================================================================ div-to-mul

constexpr char kDivModel[] = R"ONNX(
  <ir_version: 8, opset_import: ["" : 17]>
  g (float[2, 2] x) => (float[2, 2] y, float[2, 2] z) <float[2] p = {4, -0.5}, float three = {3}> {
    y = Div(x, p)
    z = Div(x, three)
  })ONNX";

TEST(DivToMulPassTest, OnlyExactReciprocalsByDefault) {
  auto model = ParseModel(kDivModel);
  RunAndCheck(*model, "div-to-mul");
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("Mul", "Div"));
  const Node* mul = model->graph->FindValue("y")->producer();
  EXPECT_EQ(mul->input(1)->initializer()->ToDoubles(), (std::vector<double>{0.25, -2}));
}

TEST(DivToMulPassTest, InexactReciprocalsWhenAllowed) {
  auto model = ParseModel(kDivModel);
  PassContext ctx;
  ctx.allow_inexact_float = true;
  // x / 3 and x * (1/3) may differ in the last bit: this rewrite is documented as float-inexact.
  RunAndCheck(*model, "div-to-mul", &ctx, FloatTolerance{1e-6, 0});
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("Mul", "Mul"));
}

// ============================================================================ gemm-to-matmul

constexpr FloatTolerance kGemmTolerance{1e-6, 1e-6};

TEST(GemmToMatMulPassTest, GemmBecomesMatMulWithScaleAndBias) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[2, 3] x, float[4, 3] b, float[2, 4] v) => (float[2, 4] y, float[3, 4] z, float[2, 4] u)
    <float[4, 3] w = {1, -2, 3, 0.5, 5, -6, 7, 8, -0.25, 2, 3, 4}, float[4] c = {1, 2, -3, 4}> {
      y = Gemm <alpha = 0.5, beta = 2.0, transB = 1> (x, w, c)
      z = Gemm <transA = 1> (x, v)
      u = Gemm <transB = 1, beta = 0.0> (x, b, c)
    })ONNX");
  // Float products may be summed in another order than the Gemm kernel's (documented).
  RunAndCheck(*model, "gemm-to-matmul", nullptr, kGemmTolerance);
  const Graph& g = *model->graph;
  EXPECT_EQ(Count(g, "Gemm"), 0);
  EXPECT_EQ(Count(g, "MatMul"), 3);
  EXPECT_EQ(Count(g, "Transpose"), 2);  // the runtime operands x (transA) and b (transB)
  EXPECT_EQ(Count(g, "Mul"), 1);        // alpha
  EXPECT_EQ(Count(g, "Add"), 1);        // beta * C for y only: u has beta = 0
  // y = Add(Mul(MatMul(x, w transposed), 0.5), 2 * c).
  const Node* add = g.FindValue("y")->producer();
  ASSERT_EQ(add->op_type(), "Add");
  EXPECT_EQ(add->input(1)->initializer()->ToDoubles(), (std::vector<double>{2, 4, -6, 8}));
  const Node* matmul = add->input(0)->producer()->input(0)->producer();
  ASSERT_EQ(matmul->op_type(), "MatMul");
  EXPECT_EQ(matmul->input(1)->initializer()->dims(), (Dims{3, 4}));
  EXPECT_EQ(matmul->origin(), "Gemm_0");
}

TEST(GemmToMatMulPassTest, IntegerTypedGemmStaysBitExact) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[5, 3] x) => (float[5, 4] y)
    <float[4, 3] w = {1, -2, 3, 0, 3, -3, 2, 1, -1, 2, 3, -4}, float[4] c = {1, 2, -3, 4}> {
      y = Gemm <transB = 1> (x, w, c)
    })ONNX");
  Annotate(*model, "x", DataType::Int(4));
  Annotate(*model, "w", DataType::Int(3));
  RunAndCheck(*model, "gemm-to-matmul");
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("MatMul", "Add"));
  EXPECT_EQ(model->graph->nodes()[0]->input(1)->type().dtype, DataType::Int(3));
}

// ============================================================================ batchnorm-to-affine

TEST(BatchNormToAffinePassTest, BecomesPerChannelMulAndAddBitExactly) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[2, 3, 4, 4] x) => (float[2, 3, 4, 4] y)
    <float[3] s = {1, 0.5, -2}, float[3] b = {0.1, 0.2, -0.3}, float[3] m = {0.5, -1, 2},
     float[3] v = {1, 0.3, 4}> {
      y = BatchNormalization <epsilon = 0.001> (x, s, b, m, v)
    })ONNX");
  RunAndCheck(*model, "batchnorm-to-affine");
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("Mul", "Add"));
  for (const Node* n : model->graph->nodes()) {
    EXPECT_EQ(n->input(1)->initializer()->dims(), (Dims{3, 1, 1})) << n->Describe();
  }
}

// ============================================================================ cancel-transposes

TEST(CancelTransposesPassTest, RemovesInversePairsAndMergesTheRest) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[1, 2, 3, 4] x) => (float[1, 2, 3, 4] y, float[1, 4, 3, 2] z, float[1, 2, 3, 4] w) {
      t1 = Transpose <perm = [0, 2, 3, 1]> (x)
      t2 = Transpose <perm = [0, 3, 1, 2]> (t1)
      y = Relu(t2)
      u1 = Transpose <perm = [0, 2, 3, 1]> (x)
      z = Transpose <perm = [0, 2, 1, 3]> (u1)
      i = Transpose <perm = [0, 1, 2, 3]> (x)
      w = Relu(i)
    })ONNX");
  RunAndCheck(*model, "cancel-transposes");
  const Graph& g = *model->graph;
  EXPECT_EQ(Count(g, "Transpose"), 1);
  EXPECT_EQ(g.FindValue("y")->producer()->input(0), g.FindValue("x"));
  EXPECT_EQ(g.FindValue("w")->producer()->input(0), g.FindValue("x"));
  // The merged Transpose took over the graph output's name.
  const Node* merged = g.FindValue("z")->producer();
  ASSERT_EQ(merged->op_type(), "Transpose");
  EXPECT_EQ(merged->input(0), g.FindValue("x"));
  EXPECT_EQ(merged->GetInts("perm", {}), (std::vector<int64_t>{0, 3, 2, 1}));
}

// ============================================================================ remove-dead-code

TEST(RemoveDeadCodePassTest, RemovesUnreadNodesAndInitializersButNotInputs) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[2] x, float[2] spare) => (float[2] y) <float[2] w = {1, 2}, float[2] orphan = {3, 4}> {
      y = Relu(x)
      t = Mul(x, w)
      u = Neg(t)
    })ONNX");
  RunAndCheck(*model, "remove-dead-code");
  const Graph& g = *model->graph;
  EXPECT_THAT(OpTypes(g), ElementsAre("Relu"));
  EXPECT_EQ(g.FindValue("w"), nullptr);
  EXPECT_EQ(g.FindValue("orphan"), nullptr);
  EXPECT_NE(g.FindValue("spare"), nullptr);
  EXPECT_FALSE(*RunPass(*model, "remove-dead-code"));
}

// ============================================================================ naming

constexpr char kNamingModel[] = R"ONNX(
  <ir_version: 8, opset_import: ["" : 17]>
  g (float[4] init, float[3, 4] xs) => (float[4] final, float[3, 4] ys)
  <float[4] bias = {1, 2, 3, 4}> {
    scaled = Mul(xs, bias)
    final, ys = Scan <num_scan_inputs = 1,
        body = scan_body (float[4] s_in, float[4] x_in) => (float[4] s_out, float[4] y_out) {
          t = Add(s_in, x_in)
          s_out = Mul(t, bias)
          y_out = Relu(t)
        }> (init, scaled)
  })ONNX";

TEST(GiveNamesPassTest, UniqueNodeNamesCountPerOpTypeAcrossTheModel) {
  auto model = ParseModel(kNamingModel);
  Node* mul = model->graph->nodes()[0];
  const std::string origin = mul->origin();
  ASSERT_TRUE(model->graph->RenameNode(mul, "/layer/Mul").ok());
  RunAndCheck(*model, "give-unique-names");
  EXPECT_NE(model->graph->FindNode("Mul_0"), nullptr);
  EXPECT_NE(model->graph->FindNode("Scan_0"), nullptr);
  std::vector<std::string> body_nodes;
  for (const Node* n : ScanBody(*model)->nodes()) body_nodes.push_back(n->name());
  EXPECT_THAT(body_nodes, ElementsAre("Add_0", "Mul_1", "Relu_0"));
  EXPECT_NE(model->graph->FindValue("scaled"), nullptr);  // tensors keep their names
  EXPECT_EQ(model->graph->FindNode("Mul_0"), mul);
  EXPECT_EQ(mul->origin(), origin);  // diagnostics still name the ONNX node
  EXPECT_FALSE(*RunPass(*model, "give-unique-names"));
}

TEST(GiveNamesPassTest, ReadableNamesFollowNodesAndKeepInterfaces) {
  auto model = ParseModel(kNamingModel);
  RunAndCheck(*model, "give-readable-names");
  const Graph& g = *model->graph;
  for (const char* kept : {"init", "xs", "final", "ys"}) EXPECT_NE(g.FindValue(kept), nullptr);
  EXPECT_EQ(g.FindNode("Mul_0")->output(0)->name(), "Mul_0_out0");
  EXPECT_EQ(g.FindNode("Mul_0")->input(1)->name(), "Mul_0_param1");
  const Graph* body = ScanBody(*model);
  // The body's reference to the renamed initializer followed it; its interface kept its names.
  ASSERT_NE(body->FindValue("Mul_0_param1"), nullptr);
  EXPECT_TRUE(body->FindValue("Mul_0_param1")->is_outer_ref());
  EXPECT_EQ(body->FindNode("Add_0")->output(0)->name(), "Add_0_out0");
  for (const char* kept : {"s_in", "x_in", "s_out", "y_out"}) {
    EXPECT_NE(body->FindValue(kept), nullptr);
  }
  EXPECT_FALSE(*RunPass(*model, "give-readable-names"));
}

TEST(GiveNamesPassTest, GeneratedNamesAvoidNamesThatStay) {
  auto model = ParseModel(R"ONNX(
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[2] Relu_0_out0) => (float[2] y) {
      a = Relu(Relu_0_out0)
      y = Neg(a)
    })ONNX");
  RunAndCheck(*model, "give-readable-names");
  EXPECT_EQ(model->graph->FindNode("Relu_0")->output(0)->name(), "Relu_0_out0_1");
  EXPECT_FALSE(*RunPass(*model, "give-readable-names"));
}

// ============================================================================ pipelines

constexpr char kCleanupModel[] = R"ONNX(
  <ir_version: 8, opset_import: ["" : 17]>
  g (float[2, 3] x) => (float[2, 4] y)
  <float[4, 3] w = {1, -2, 3, 0.5, 5, -6, 7, 8, -0.25, 2, 3, 4}, float[4] c = {1, 2, -3, 4},
   float two = {2}, float zero = {0}, float[4] spare = {0, 0, 0, 0}> {
    xt = Transpose <perm = [1, 0]> (x)
    xb = Transpose <perm = [1, 0]> (xt)
    xi = Identity(xb)
    xs = Sub(xi, zero)
    h = Gemm <transB = 1> (xs, w, c)
    q = Div(h, two)
    y = Relu(q)
  })ONNX";

TEST(PipelineTest, CleanupReachesAFixedPointAndComputesTheSame) {
  auto model = ParseModel(kCleanupModel);
  std::unique_ptr<Model> before = model->Clone();
  PassContext ctx;
  auto changed = PassManager().RunPipeline(*model, "cleanup", ctx);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("MatMul", "Add", "Mul", "Relu"));
  std::vector<std::string> names;
  for (const Node* n : model->graph->nodes()) names.push_back(n->name());
  EXPECT_THAT(names, ElementsAre("MatMul_0", "Add_0", "Mul_0", "Relu_0"));
  EXPECT_EQ(model->graph->FindValue("spare"), nullptr);
  EXPECT_EQ(ctx.records.front().pass, "infer-types");
  EXPECT_EQ(ctx.records.back().pass, "give-readable-names");
  ExpectEquivalent(*before, *model, kSamples, kGemmTolerance);

  PassContext again;
  changed = PassManager().RunPipeline(*model, "cleanup", again);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed) << "cleanup is not idempotent";
}

}  // namespace
}  // namespace finngl
