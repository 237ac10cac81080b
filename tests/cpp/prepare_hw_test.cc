// Tests of the passes that prepare a streamlined graph for hardware mapping: set-batch-one (with
// fold-constants folding Shape of a fully known value), hoist-scan-input-projection,
// transpose-to-feature-gather, absorb-feature-permutation, scan-to-recurrent-layer (and the
// RecurrentLayer op it produces), and RunFrames, which runs a batch-1 graph frame by frame.
//
// Each pass test asserts what the rewrite produced (nodes moved out of a Scan body, new scan
// inputs, Gather indices, permuted constant rows, computed here independently of the pass), runs
// the equivalence guard (tests/cpp/equivalence.h: bit-identical outputs on random integer inputs
// drawn from the inputs' datatypes) and checks the cases where the pass must leave the graph alone.
#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/exec/executor.h"
#include "src/exec/frame_runner.h"
#include "src/ops/infer.h"
#include "src/passes/pass_manager.h"
#include "src/passes/rewrite_util.h"
#include "tests/cpp/equivalence.h"
#include "tests/cpp/parse_model.h"

namespace finngl {
namespace {

using testing::ExpectEquivalent;
using testing::OpTypes;
using testing::ParseModel;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr int kSamples = 16;
constexpr char kHeader[] =
    R"(<ir_version: 8, opset_import: ["" : 17, "qonnx.custom_op.general" : 1]>)";

absl::StatusOr<bool> RunPasses(Model& model, const std::vector<std::string>& passes,
                         PassContext* ctx_out = nullptr) {
  PassContext ctx;
  absl::StatusOr<bool> changed = PassManager().RunPasses(model, passes, ctx);
  if (ctx_out != nullptr) *ctx_out = std::move(ctx);
  return changed;
}

// Runs `passes` in place; a pass error is a test failure (and counts as "changed").
bool Changed(Model& model, const std::vector<std::string>& passes) {
  absl::StatusOr<bool> changed = RunPasses(model, passes);
  EXPECT_TRUE(changed.ok()) << changed.status();
  return !changed.ok() || *changed;
}

// Runs `passes` on a copy, expects success and `changed`, returns the copy.
std::unique_ptr<Model> Rewritten(const Model& before, const std::vector<std::string>& passes,
                                 bool changed = true) {
  std::unique_ptr<Model> after = before.Clone();
  absl::StatusOr<bool> c = RunPasses(*after, passes);
  EXPECT_TRUE(c.ok()) << c.status();
  if (c.ok()) EXPECT_EQ(*c, changed);
  return after;
}

// Annotates graph inputs with integer datatypes (random inputs are then drawn from them).
void Annotate(Model& model, const std::vector<std::pair<std::string, DataType>>& dtypes) {
  for (const auto& [name, dtype] : dtypes) {
    Value* v = model.graph->FindValue(name);
    ASSERT_NE(v, nullptr) << name;
    v->type().dtype = dtype;
    v->type().dtype_annotated = true;
  }
  absl::Status s = InferModelTypes(model);
  ASSERT_TRUE(s.ok()) << s;
}

std::vector<Node*> NodesOf(const Graph& g, const std::string& op) {
  std::vector<Node*> found;
  for (Node* n : g.nodes()) {
    if (n->op_type() == op) found.push_back(n);
  }
  return found;
}

Node* OnlyNode(const Graph& g, const std::string& op) {
  std::vector<Node*> found = NodesOf(g, op);
  EXPECT_EQ(found.size(), 1u) << op << " in " << absl::StrJoin(OpTypes(g), ",");
  return found.size() == 1 ? found[0] : nullptr;
}

std::vector<int64_t> DimsOf(const Value* v) {
  if (v == nullptr || !v->type().shape) return {};
  return ShapeToDims(*v->type().shape);
}

std::vector<double> Values(const Value* v) {
  const Tensor* t = ConstantData(v);
  return t != nullptr ? t->ToDoubles() : std::vector<double>{};
}

// "{a, b, ...}" for ONNX text constants.
std::string List(const std::vector<int>& v) { return "{" + absl::StrJoin(v, ", ") + "}"; }

// Deterministic small integers in [lo, hi].
std::vector<int> Ints(int n, int lo, int hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<int> v(n);
  for (int& e : v) e = d(rng);
  return v;
}

// Ascending threshold rows [rows, steps] in [lo, hi] (offset by .5 so none ties an integer).
std::string ThresholdRows(int rows, int steps, int lo, int hi, unsigned seed) {
  std::vector<std::string> all;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  for (int r = 0; r < rows; ++r) {
    std::vector<int> row(steps);
    for (int& e : row) e = d(rng);
    std::sort(row.begin(), row.end());
    for (int e : row) all.push_back(absl::StrCat(e, ".5"));
  }
  return "{" + absl::StrJoin(all, ", ") + "}";
}

// ==================================================================== set-batch-one, fold Shape

TEST(SetBatchOneTest, FixesASymbolicBatchToOne) {
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[N, 3] x, float[N, 2, 2] z) => (float[N, 2] y, float[N, 2, 2] w)
  <float[3, 2] wt = {1, -2, 3, 0, -1, 2}> {
    y = MatMul(x, wt)
    w = Relu(z)
  })"));
  ASSERT_NE(model, nullptr);
  Annotate(*model, {{"x", DataType::Int(4)}});
  std::unique_ptr<Model> after = Rewritten(*model, {"set-batch-one", "infer-types"});
  EXPECT_THAT(DimsOf(after->graph->FindValue("x")), ElementsAre(1, 3));
  EXPECT_THAT(DimsOf(after->graph->FindValue("z")), ElementsAre(1, 2, 2));
  EXPECT_THAT(DimsOf(after->graph->FindValue("y")), ElementsAre(1, 2));
  // Inputs drawn from the batch-1 model are valid inputs of the symbolic one.
  ExpectEquivalent(*after, *model, kSamples);
  // Nothing left to fix.
  EXPECT_FALSE(Changed(*after, {"set-batch-one"}));
}

TEST(SetBatchOneTest, LeavesAFixedBatchAndScalarsAlone) {
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[4, 3] x, float s) => (float[4, 3] y) {
    y = Mul(x, s)
  })"));
  ASSERT_NE(model, nullptr);
  PassContext ctx;
  absl::StatusOr<bool> changed = RunPasses(*model, {"set-batch-one"}, &ctx);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
  EXPECT_THAT(DimsOf(model->graph->FindValue("x")), ElementsAre(4, 3));
  EXPECT_TRUE(model->graph->FindValue("s")->type().shape->empty());
  EXPECT_THAT(absl::StrJoin(ctx.warnings, "\n"), HasSubstr("'x'"));
}

// Sequences: a time-major [T, N, F] has its batch at axis 1; [1, T, F] (batch first) and a
// time-major [T, 1, F] already hold one frame and are left as they are, without a warning.
TEST(SetBatchOneTest, FindsTheBatchAxisOfSequences) {
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[8, N, 6] a, float[1, T, 6] b, float[8, 1, 6] c) => (float[8, N, 6] y, float[1, T, 6] z,
                                                               float[8, 1, 6] w) {
    y = Relu(a)
    z = Relu(b)
    w = Relu(c)
  })"));
  ASSERT_NE(model, nullptr);
  PassContext ctx;
  absl::StatusOr<bool> changed = RunPasses(*model, {"set-batch-one"}, &ctx);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_THAT(DimsOf(model->graph->FindValue("a")), ElementsAre(8, 1, 6));
  const Shape& b = *model->graph->FindValue("b")->type().shape;
  EXPECT_EQ(b[0].value, 1);
  EXPECT_FALSE(b[1].known());  // T stays symbolic
  EXPECT_THAT(DimsOf(model->graph->FindValue("c")), ElementsAre(8, 1, 6));
  EXPECT_TRUE(ctx.warnings.empty()) << absl::StrJoin(ctx.warnings, "\n");
}

TEST(SetBatchOneTest, ShapeOfAFullyKnownValueFolds) {
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[N, 4] x) => (float[N, 4] y)
  <int64[1] st = {0}, int64[1] en = {1}, int64[1] hid = {4}, float zero = {0}> {
    s = Shape(x)
    n = Slice(s, st, en)
    shp = Concat <axis = 0> (n, hid)
    z = Expand(zero, shp)
    y = Add(x, z)
  })"));
  ASSERT_NE(model, nullptr);
  Annotate(*model, {{"x", DataType::Int(4)}});
  // With N unknown, Shape is not constant: nothing folds.
  std::unique_ptr<Model> symbolic = Rewritten(*model, {"fold-constants"}, false);
  EXPECT_THAT(OpTypes(*symbolic->graph), ElementsAre("Shape", "Slice", "Concat", "Expand", "Add"));

  std::unique_ptr<Model> after =
      Rewritten(*model, {"set-batch-one", "infer-types", "fold-constants", "remove-dead-code"});
  EXPECT_THAT(OpTypes(*after->graph), ElementsAre("Add"));
  Node* add = OnlyNode(*after->graph, "Add");
  ASSERT_NE(add, nullptr);
  const Tensor* z = ConstantData(add->input(1));
  ASSERT_NE(z, nullptr);
  EXPECT_THAT(z->dims(), ElementsAre(1, 4));
  EXPECT_THAT(z->ToDoubles(), ElementsAre(0, 0, 0, 0));
  ExpectEquivalent(*after, *model, kSamples);
}

TEST(SetBatchOneTest, ShapeWithAnUnknownInnerDimStays) {
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[N, M] x) => (int64[2] s) {
    s = Shape(x)
  })"));
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> after = Rewritten(*model, {"set-batch-one", "infer-types"});
  EXPECT_FALSE(Changed(*after, {"fold-constants"}));
  EXPECT_THAT(OpTypes(*after->graph), ElementsAre("Shape"));
}

// ============================================================ hoist-scan-input-projection

// A quantized recurrence in the shape of an LSTM gate: x_t is quantized and projected
// (W_x x_t + b), h_{t-1} projected (W_h h), both added and requantized into the next state.
// `directions`: the scan_input_directions attribute text ("" for none).
std::string GateModel(const std::string& directions = "") {
  return absl::StrCat(kHeader, R"(
  g (float[1, 4] h0, float[5, 1, 3] xs) => (float[1, 4] h_final, float[5, 1, 4] hs)
  <float[4, 4] wh = )", List(Ints(16, -2, 2, 11)), R"(> {
    h_final, hs = Scan <num_scan_inputs = 1, )", directions, R"(
        body = b (float[1, 4] h, float[1, 3] x_t) => (float[1, 4] h_out, float[1, 4] y_out)
        <float[3, 3] tx = )", ThresholdRows(3, 3, -7, 6, 12), R"(,
         float[3, 4] wx = )", List(Ints(12, -3, 3, 13)), R"(,
         float[4] bx = )", List(Ints(4, -4, 4, 14)), R"(,
         float[1, 3] th = {-3.5, 0.5, 4.5}> {
          q = qonnx.custom_op.general.MultiThreshold <out_dtype = "UINT2", data_layout = "NC">
              (x_t, tx)
          a = MatMul(q, wx)
          ab = Add(a, bx)
          r = MatMul(h, wh)
          s = Add(ab, r)
          h_out = qonnx.custom_op.general.MultiThreshold <out_dtype = "UINT2", data_layout = "NC">
              (s, th)
          y_out = Identity(h_out)
        }> (h0, xs)
  })");
}

std::unique_ptr<Model> AnnotatedGateModel(const std::string& directions = "") {
  auto model = ParseModel(GateModel(directions));
  if (model == nullptr) return nullptr;
  Annotate(*model, {{"h0", DataType::UInt(2)}, {"xs", DataType::Int(4)}});
  return model;
}

TEST(HoistScanInputProjectionTest, MovesTheInputProjectionOutOfTheLoop) {
  std::unique_ptr<Model> model = AnnotatedGateModel();
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> after = Rewritten(*model, {"hoist-scan-input-projection", "infer-types"});
  const Graph& g = *after->graph;
  // Outside, over the whole [5, 1, 3] sequence: quantizer, projection, bias; then the loop.
  EXPECT_THAT(OpTypes(g), ElementsAre("MultiThreshold", "MatMul", "Add", "Scan"));
  Node* mt = OnlyNode(g, "MultiThreshold");
  ASSERT_NE(mt, nullptr);
  EXPECT_EQ(mt->input(0)->name(), "xs");
  EXPECT_EQ(mt->GetString("data_layout", ""), "NWC");  // channel axis stays the last one
  EXPECT_EQ(mt->output(0)->type().dtype.Name(), "UINT2");
  Node* mm = OnlyNode(g, "MatMul");
  ASSERT_NE(mm, nullptr);
  EXPECT_EQ(mm->input(0), mt->output(0));
  EXPECT_THAT(Values(mm->input(1)), ::testing::SizeIs(12));
  EXPECT_THAT(DimsOf(mm->output(0)), ElementsAre(5, 1, 4));
  Node* scan = OnlyNode(g, "Scan");
  ASSERT_NE(scan, nullptr);
  Node* bias = OnlyNode(g, "Add");
  ASSERT_NE(bias, nullptr);
  // The loop reads the projected sequence instead of xs; xs itself is no longer scanned.
  EXPECT_EQ(scan->GetInt("num_scan_inputs", 0), 1);
  ASSERT_EQ(scan->num_inputs(), 2);
  EXPECT_EQ(scan->input(0)->name(), "h0");
  EXPECT_EQ(scan->input(1), bias->output(0));
  const Graph& body = *scan->subgraphs().at(0);
  EXPECT_THAT(OpTypes(body), UnorderedElementsAre("MatMul", "Add", "MultiThreshold", "Identity"));
  // The MatMul left in the loop is W_h h_{t-1}: it reads the state.
  EXPECT_EQ(OnlyNode(body, "MatMul")->input(0), body.inputs()[0]);
  ASSERT_EQ(body.inputs().size(), 2u);
  EXPECT_THAT(DimsOf(body.inputs()[1]), ElementsAre(1, 4));
  EXPECT_EQ(OnlyNode(body, "Add")->input(0), body.inputs()[1]);
  ExpectEquivalent(*model, *after, kSamples);
  // A second run finds nothing left to hoist.
  EXPECT_FALSE(Changed(*after, {"hoist-scan-input-projection"}));
}

TEST(HoistScanInputProjectionTest, ReverseScanInputsKeepTheirDirection) {
  std::unique_ptr<Model> model = AnnotatedGateModel("scan_input_directions = [1],");
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> after = Rewritten(*model, {"hoist-scan-input-projection", "infer-types"});
  Node* scan = OnlyNode(*after->graph, "Scan");
  ASSERT_NE(scan, nullptr);
  EXPECT_EQ(scan->input(1)->producer()->op_type(), "Add");
  EXPECT_THAT(scan->GetInts("scan_input_directions", {}), ElementsAre(1));
  ExpectEquivalent(*model, *after, kSamples);
}

TEST(HoistScanInputProjectionTest, ConstantsFromTheOuterGraphAndSeveralReaders) {
  // W_x lives in the main graph; the quantized x_t feeds two projections (two gates), and the
  // hoisted quantizer's result is read outside only.
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[1, 2] h0, float[4, 1, 3] xs) => (float[1, 2] h_final)
  <float[3, 2] wx = {1, -2, 0, 3, -1, 2}, float[3, 2] wy = {2, 1, -3, 0, 1, -1}> {
    h_final = Scan <num_scan_inputs = 1,
        body = b (float[1, 2] h, float[1, 3] x_t) => (float[1, 2] h_out)
        <float[1, 2] th = {-0.5, 2.5}> {
          q = qonnx.custom_op.general.MultiThreshold <out_dtype = "UINT2", data_layout = "NC">
              (x_t, th)
          a = MatMul(q, wx)
          c = MatMul(q, wy)
          m = Mul(a, c)
          s = Add(m, h)
          h_out = qonnx.custom_op.general.MultiThreshold <out_dtype = "UINT2", data_layout = "NC">
              (s, th)
        }> (h0, xs)
  })"));
  ASSERT_NE(model, nullptr);
  Annotate(*model, {{"h0", DataType::UInt(2)}, {"xs", DataType::Int(3)}});
  std::unique_ptr<Model> after = Rewritten(*model, {"hoist-scan-input-projection", "infer-types"});
  Node* scan = OnlyNode(*after->graph, "Scan");
  ASSERT_NE(scan, nullptr);
  // Everything up to the product of the two projections depends on x_t only.
  EXPECT_THAT(OpTypes(*scan->subgraphs()[0]), UnorderedElementsAre("Add", "MultiThreshold"));
  EXPECT_EQ(scan->input(1)->producer()->op_type(), "Mul");
  EXPECT_EQ(NodesOf(*after->graph, "MatMul").size(), 2u);
  ExpectEquivalent(*model, *after, kSamples);
}

TEST(HoistScanInputProjectionTest, AScanOutputComputedFromTheInputOnly) {
  // y_t = W x_t is a scan output: it is hoisted and the body passes the new scan input through.
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[1, 2] h0, float[4, 1, 3] xs) => (float[1, 2] h_final, float[4, 1, 2] ys)
  <float[3, 2] wx = {1, -2, 0, 3, -1, 2}> {
    h_final, ys = Scan <num_scan_inputs = 1,
        body = b (float[1, 2] h, float[1, 3] x_t) => (float[1, 2] h_out, float[1, 2] y)
        {
          y = MatMul(x_t, wx)
          h_out = Add(h, y)
        }> (h0, xs)
  })"));
  ASSERT_NE(model, nullptr);
  Annotate(*model, {{"h0", DataType::Int(4)}, {"xs", DataType::Int(4)}});
  std::unique_ptr<Model> after = Rewritten(*model, {"hoist-scan-input-projection", "infer-types"});
  Node* scan = OnlyNode(*after->graph, "Scan");
  ASSERT_NE(scan, nullptr);
  EXPECT_THAT(OpTypes(*scan->subgraphs()[0]), ElementsAre("Add"));
  ExpectEquivalent(*model, *after, kSamples);
}

// One gate-like Scan body reading a [1, f] input with the given names; layers share names.
std::string StackedLayerBody(int f) {
  return absl::StrCat(R"(b (float[1, 4] h, float[1, )", f, R"(] x_t) => (float[1, 4] h_out,
                                                                  float[1, 4] y_out)
        <float[)", f, R"(, 3] tx = )", ThresholdRows(f, 3, -5, 5, 50 + f), R"(,
         float[)", f, R"(, 4] wx = )", List(Ints(4 * f, -3, 3, 60 + f)), R"(,
         float[4, 4] wh = )", List(Ints(16, -2, 2, 70 + f)), R"(,
         float[1, 3] th = {-3.5, 0.5, 4.5}> {
          q = qonnx.custom_op.general.MultiThreshold <out_dtype = "UINT2", data_layout = "NC">
              (x_t, tx)
          a = MatMul(q, wx)
          r = MatMul(h, wh)
          s = Add(a, r)
          h_out = qonnx.custom_op.general.MultiThreshold <out_dtype = "UINT2", data_layout = "NC">
              (s, th)
          y_out = Identity(h_out)
        })");
}

TEST(HoistScanInputProjectionTest, StackedLayersWithTheSameBodyNames) {
  // Two recurrent layers, the second reading the first's output sequence: both projections move
  // out, each before its own loop, with the hoisted values' names kept apart.
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[1, 4] h0, float[5, 1, 3] xs) => (float[1, 4] h2, float[5, 1, 4] ys)
  {
    h1, hs1 = Scan <num_scan_inputs = 1, body = )", StackedLayerBody(3), R"(> (h0, xs)
    h2, ys = Scan <num_scan_inputs = 1, body = )", StackedLayerBody(4), R"(> (h1, hs1)
  })"));
  ASSERT_NE(model, nullptr);
  Annotate(*model, {{"h0", DataType::UInt(2)}, {"xs", DataType::Int(4)}});
  std::unique_ptr<Model> after = Rewritten(*model, {"hoist-scan-input-projection", "infer-types"});
  std::vector<Node*> scans = NodesOf(*after->graph, "Scan");
  ASSERT_EQ(scans.size(), 2u);
  for (Node* scan : scans) {
    EXPECT_EQ(scan->input(1)->producer()->op_type(), "MatMul");
    EXPECT_THAT(OpTypes(*scan->subgraphs()[0]),
                UnorderedElementsAre("MatMul", "Add", "MultiThreshold", "Identity"));
  }
  EXPECT_NE(scans[0]->input(1), scans[1]->input(1));
  EXPECT_EQ(NodesOf(*after->graph, "MatMul").size(), 2u);
  ExpectEquivalent(*model, *after, kSamples);
}

TEST(HoistScanInputProjectionTest, ValueReadByANestedLoopBecomesAScanInput) {
  // The projection is read only inside a nested Scan of the body (an outer-scope reference).
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[1, 2] h0, float[4, 1, 3] xs, float[2, 1, 2] zs) => (float[1, 2] h_final)
  <float[3, 2] wx = {1, -2, 0, 3, -1, 2}> {
    h_final = Scan <num_scan_inputs = 1,
        body = b (float[1, 2] h, float[1, 3] x_t) => (float[1, 2] h_out)
        {
          a = MatMul(x_t, wx)
          h_out = Scan <num_scan_inputs = 1,
              body = c (float[1, 2] k, float[1, 2] z_t) => (float[1, 2] k_out) {
                u = Add(k, a)
                k_out = Add(u, z_t)
              }> (h, zs)
        }> (h0, xs)
  })"));
  ASSERT_NE(model, nullptr);
  Annotate(*model, {{"h0", DataType::Int(4)}, {"xs", DataType::Int(4)}, {"zs", DataType::Int(4)}});
  std::unique_ptr<Model> after = Rewritten(*model, {"hoist-scan-input-projection"});
  Node* scan = OnlyNode(*after->graph, "Scan");
  ASSERT_NE(scan, nullptr);
  EXPECT_EQ(scan->input(1)->producer()->op_type(), "MatMul");
  EXPECT_THAT(OpTypes(*scan->subgraphs()[0]), ElementsAre("Scan"));
  ExpectEquivalent(*model, *after, kSamples);
}

TEST(HoistScanInputProjectionTest, LeavesStateReadersAndNonConstantWeightsInTheLoop) {
  // The only x_t-side MatMul multiplies by a runtime matrix; everything else reads the state.
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[1, 2] h0, float[4, 1, 3] xs, float[3, 2] w) => (float[1, 2] h_final)
  <float[2, 2] wh = {1, -1, 2, 0}> {
    h_final = Scan <num_scan_inputs = 1,
        body = b (float[1, 2] h, float[1, 3] x_t) => (float[1, 2] h_out)
        {
          a = MatMul(x_t, w)
          r = MatMul(h, wh)
          h_out = Add(a, r)
        }> (h0, xs)
  })"));
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> after = Rewritten(*model, {"hoist-scan-input-projection"}, false);
  EXPECT_THAT(OpTypes(*after->graph), ElementsAre("Scan"));
  EXPECT_THAT(OpTypes(*OnlyNode(*after->graph, "Scan")->subgraphs()[0]),
              ElementsAre("MatMul", "MatMul", "Add"));
}

// h += x_t - z_t over two scanned inputs; `scan_attribute` says how the two are scanned.
std::string TwoScannedInputsModel(const std::string& zs_shape, const std::string& scan_attribute) {
  return absl::StrCat(kHeader, R"(
  g (float[1, 2] h0, float[4, 1, 2] xs, float)", zs_shape, R"( zs) => (float[1, 2] h_final)
  {
    h_final = Scan <num_scan_inputs = 2, )", scan_attribute, R"(,
        body = b (float[1, 2] h, float[1, 2] x_t, float[1, 2] z_t) => (float[1, 2] h_out)
        {
          d = Sub(x_t, z_t)
          h_out = Add(h, d)
        }> (h0, xs, zs)
  })");
}

TEST(HoistScanInputProjectionTest, InputsScannedInOppositeDirectionsAreNotCombined) {
  auto model =
      ParseModel(TwoScannedInputsModel("[4, 1, 2]", "scan_input_directions = [0, 1]"));
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> after = Rewritten(*model, {"hoist-scan-input-projection"}, false);
  EXPECT_THAT(OpTypes(*OnlyNode(*after->graph, "Scan")->subgraphs()[0]), ElementsAre("Sub", "Add"));
}

// GateModel's recurrence exported batch-first (as Brevitas' QuantLSTM with batch_first=True):
// xs is [1, 5, 3] scanned along axis 1 and the outputs sequence hs [1, 5, 4] along axis 1.
std::unique_ptr<Model> BatchFirstGateModel(const std::string& directions = "") {
  std::string text = GateModel(directions);
  auto replace = [&](const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
  };
  replace("float[5, 1, 3] xs", "float[1, 5, 3] xs");
  replace("float[5, 1, 4] hs", "float[1, 5, 4] hs");
  replace("num_scan_inputs = 1,", "num_scan_inputs = 1, scan_input_axes = [1], scan_output_axes = [1],");
  auto model = ParseModel(text);
  if (model == nullptr) return nullptr;
  Annotate(*model, {{"h0", DataType::UInt(2)}, {"xs", DataType::Int(4)}});
  return model;
}

TEST(HoistScanInputProjectionTest, BatchFirstSequenceScannedAlongAxis1) {
  std::unique_ptr<Model> model = BatchFirstGateModel();
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> after = Rewritten(*model, {"hoist-scan-input-projection", "infer-types"});
  const Graph& g = *after->graph;
  // Outside, over the whole [1, 5, 3] sequence: quantizer, projection, bias; then the loop.
  EXPECT_THAT(OpTypes(g), ElementsAre("MultiThreshold", "MatMul", "Add", "Scan"));
  Node* mt = OnlyNode(g, "MultiThreshold");
  ASSERT_NE(mt, nullptr);
  EXPECT_EQ(mt->input(0)->name(), "xs");
  EXPECT_EQ(mt->GetString("data_layout", ""), "NWC");  // channels stay last in [1, T, C]
  EXPECT_THAT(DimsOf(mt->output(0)), ElementsAre(1, 5, 3));
  Node* mm = OnlyNode(g, "MatMul");
  ASSERT_NE(mm, nullptr);
  EXPECT_EQ(mm->input(0), mt->output(0));
  EXPECT_THAT(DimsOf(mm->output(0)), ElementsAre(1, 5, 4));
  Node* bias = OnlyNode(g, "Add");
  ASSERT_NE(bias, nullptr);
  EXPECT_THAT(DimsOf(bias->output(0)), ElementsAre(1, 5, 4));
  Node* scan = OnlyNode(g, "Scan");
  ASSERT_NE(scan, nullptr);
  // The projected [1, T, 4] sequence is scanned like xs was: along axis 1.
  ASSERT_EQ(scan->num_inputs(), 2);
  EXPECT_EQ(scan->input(1), bias->output(0));
  EXPECT_THAT(scan->GetInts("scan_input_axes", {}), ElementsAre(1));
  EXPECT_THAT(scan->GetInts("scan_output_axes", {}), ElementsAre(1));
  const Graph& body = *scan->subgraphs().at(0);
  EXPECT_THAT(OpTypes(body), UnorderedElementsAre("MatMul", "Add", "MultiThreshold", "Identity"));
  EXPECT_EQ(OnlyNode(body, "MatMul")->input(0), body.inputs()[0]);  // W_h h_{t-1} stays
  ASSERT_EQ(body.inputs().size(), 2u);
  EXPECT_THAT(DimsOf(body.inputs()[1]), ElementsAre(1, 4));
  ExpectEquivalent(*model, *after, kSamples);
  EXPECT_FALSE(Changed(*after, {"hoist-scan-input-projection"}));
}

TEST(HoistScanInputProjectionTest, BatchFirstReverseScanAndNegativeAxis) {
  // axis -2 of [1, 5, 3] is axis 1; the new scan input keeps the direction.
  std::unique_ptr<Model> model = BatchFirstGateModel("scan_input_directions = [1],");
  ASSERT_NE(model, nullptr);
  Node* original = OnlyNode(*model->graph, "Scan");
  ASSERT_NE(original, nullptr);
  original->SetAttr("scan_input_axes", Attribute::Ints({-2}));
  std::unique_ptr<Model> after = Rewritten(*model, {"hoist-scan-input-projection", "infer-types"});
  Node* scan = OnlyNode(*after->graph, "Scan");
  ASSERT_NE(scan, nullptr);
  EXPECT_EQ(scan->input(1)->producer()->op_type(), "Add");
  EXPECT_THAT(scan->GetInts("scan_input_axes", {}), ElementsAre(1));
  EXPECT_THAT(scan->GetInts("scan_input_directions", {}), ElementsAre(1));
  ExpectEquivalent(*model, *after, kSamples);
}

TEST(HoistScanInputProjectionTest, InnerScanAxisIsLeftAlone) {
  // [2, 5, 3] along axis 1: two sequences side by side, the slices [2, 3] are not in memory order
  // (hardware cannot stream it either); nothing moves.
  std::string text = GateModel();
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"float[1, 4] h0", "float[2, 4] h0"},
           {"float[1, 4] h_final", "float[2, 4] h_final"},
           {"float[5, 1, 3] xs", "float[2, 5, 3] xs"},
           {"float[5, 1, 4] hs", "float[2, 5, 4] hs"},
           {"num_scan_inputs = 1,",
            "num_scan_inputs = 1, scan_input_axes = [1], scan_output_axes = [1],"},
           {"float[1, 4] h, float[1, 3] x_t", "float[2, 4] h, float[2, 3] x_t"},
           {"float[1, 4] h_out, float[1, 4] y_out", "float[2, 4] h_out, float[2, 4] y_out"}}) {
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  }
  auto model = ParseModel(text);
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> after = Rewritten(*model, {"hoist-scan-input-projection"}, false);
  EXPECT_THAT(OpTypes(*after->graph), ElementsAre("Scan"));
}

// x_t + c with c [2, 3]: per step [1, 3] + [2, 3] is [2, 3], fine for a time-major [5, 1, 3]
// sequence ([5, 1, 3] + c stacks the steps along axis 0) but not for a batch-first [1, 5, 3] one,
// where c's 2 would meet the step axis.
std::string BroadcastIntoStateModel(bool batch_first) {
  return absl::StrCat(kHeader, R"(
  g (float[2, 3] h0, float)", batch_first ? "[1, 5, 3]" : "[5, 1, 3]", R"( xs) => (float[2, 3] h_final)
  <float[2, 3] c = {1, -2, 3, 0, 2, -1}> {
    h_final = Scan <num_scan_inputs = 1, scan_input_axes = [)", batch_first ? 1 : 0, R"(],
        body = b (float[2, 3] h, float[1, 3] x_t) => (float[2, 3] h_out) {
          y = Add(x_t, c)
          h_out = Add(h, y)
        }> (h0, xs)
  })");
}

TEST(HoistScanInputProjectionTest, BatchFirstConstantsMayNotReachTheStepAxis) {
  auto time_major = ParseModel(BroadcastIntoStateModel(false));
  auto batch_first = ParseModel(BroadcastIntoStateModel(true));
  ASSERT_TRUE(time_major != nullptr && batch_first != nullptr);
  Annotate(*time_major, {{"h0", DataType::Int(4)}, {"xs", DataType::Int(4)}});
  std::unique_ptr<Model> hoisted =
      Rewritten(*time_major, {"hoist-scan-input-projection", "infer-types"});
  EXPECT_THAT(OpTypes(*hoisted->graph), ElementsAre("Add", "Scan"));
  EXPECT_THAT(DimsOf(OnlyNode(*hoisted->graph, "Add")->output(0)), ElementsAre(5, 2, 3));
  ExpectEquivalent(*time_major, *hoisted, kSamples);
  std::unique_ptr<Model> kept = Rewritten(*batch_first, {"hoist-scan-input-projection"}, false);
  EXPECT_THAT(OpTypes(*OnlyNode(*kept->graph, "Scan")->subgraphs()[0]), ElementsAre("Add", "Add"));
}

TEST(HoistScanInputProjectionTest, InputsScannedAlongDifferentAxesAreNotCombined) {
  // Both slices are [1, 2], but xs steps along axis 0 and zs along axis 1: x - z over the stacked
  // sequences would broadcast [4, 1, 2] against [1, 4, 2].
  auto model = ParseModel(TwoScannedInputsModel("[1, 4, 2]", "scan_input_axes = [0, 1]"));
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> after = Rewritten(*model, {"hoist-scan-input-projection"}, false);
  EXPECT_THAT(OpTypes(*OnlyNode(*after->graph, "Scan")->subgraphs()[0]), ElementsAre("Sub", "Add"));
}

// ============================================================ transpose-to-feature-gather

// Conv features [1, H, W, C] (NHWC, H = time) reordered to [H, 1, C, W] and flattened to
// [H, 1, C * W]: per time step the features are read (c, w) instead of the stream's (w, c).
std::string ConvToRnnModel(const std::string& perm, const std::string& in_shape,
                           const std::string& out_shape, const std::string& shape_values) {
  return absl::StrCat(kHeader, R"(
  g (float)", in_shape, R"( x) => (float)", out_shape, R"( y)
  <int64[)", std::count(shape_values.begin(), shape_values.end(), ',') + 1, "] shp = {",
                      shape_values, R"(}> {
    t = Transpose <perm = )", perm, R"(> (x)
    y = Reshape(t, shp)
  })");
}

TEST(TransposeToFeatureGatherTest, TransposeWithinTimeStepsBecomesAGather) {
  const int h = 3, w = 2, c = 4;
  auto model = ParseModel(
      ConvToRnnModel("[1, 0, 3, 2]", "[1, 3, 2, 4]", "[3, 1, 8]", "3, 1, 8"));
  ASSERT_NE(model, nullptr);
  Annotate(*model, {{"x", DataType::Int(8)}});
  std::unique_ptr<Model> after = Rewritten(*model, {"transpose-to-feature-gather"});
  const Graph& g = *after->graph;
  EXPECT_THAT(OpTypes(g), ElementsAre("Reshape", "Gather"));
  Node* reshape = OnlyNode(g, "Reshape");
  Node* gather = OnlyNode(g, "Gather");
  ASSERT_TRUE(reshape != nullptr && gather != nullptr);
  EXPECT_EQ(reshape->input(0)->name(), "x");  // row-major order unchanged
  EXPECT_THAT(Values(reshape->input(1)), ElementsAre(h, 1, c * w));
  EXPECT_EQ(gather->input(0), reshape->output(0));
  EXPECT_EQ(gather->GetInt("axis", 0), 2);
  EXPECT_EQ(gather->output(0)->name(), "y");
  // Output feature j = ci * W + wi reads input feature wi * C + ci of the same time step.
  std::vector<double> want;
  for (int j = 0; j < c * w; ++j) want.push_back((j % w) * c + j / w);
  EXPECT_EQ(Values(gather->input(1)), want);
  ExpectEquivalent(*model, *after, kSamples);
}

TEST(TransposeToFeatureGatherTest, ReshapeWithCopiedAndInferredDims) {
  // Shape {0, 1, -1}: 0 copies the Transpose output's dim 0 (H), which x does not have there.
  auto model = ParseModel(ConvToRnnModel("[1, 0, 3, 2]", "[1, 3, 2, 4]", "[3, 1, 8]", "0, 1, -1"));
  ASSERT_NE(model, nullptr);
  Annotate(*model, {{"x", DataType::Int(8)}});
  std::unique_ptr<Model> after = model->Clone();
  absl::StatusOr<bool> changed = RunPasses(*after, {"transpose-to-feature-gather"});
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_THAT(DimsOf(after->graph->outputs()[0]), ElementsAre(3, 1, 8));
  ExpectEquivalent(*model, *after, kSamples);
}

TEST(TransposeToFeatureGatherTest, MovingOnlyTheUnitAxisNeedsNoGather) {
  auto model = ParseModel(ConvToRnnModel("[1, 0, 2]", "[1, 3, 4]", "[3, 4]", "3, 4"));
  ASSERT_NE(model, nullptr);
  Annotate(*model, {{"x", DataType::Int(8)}});
  std::unique_ptr<Model> after = Rewritten(*model, {"transpose-to-feature-gather"});
  EXPECT_THAT(OpTypes(*after->graph), ElementsAre("Reshape"));
  EXPECT_EQ(OnlyNode(*after->graph, "Reshape")->input(0)->name(), "x");
  ExpectEquivalent(*model, *after, kSamples);
}

TEST(TransposeToFeatureGatherTest, ReorderingAcrossTimeStepsStays) {
  // [1, H, W, C] -> [1, W, H, C] -> [1, W, H * C]: elements move between last-axis vectors.
  auto model =
      ParseModel(ConvToRnnModel("[0, 2, 1, 3]", "[1, 3, 2, 4]", "[1, 2, 12]", "1, 2, 12"));
  ASSERT_NE(model, nullptr);
  EXPECT_FALSE(Changed(*model, {"transpose-to-feature-gather"}));
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("Transpose", "Reshape"));
}

TEST(TransposeToFeatureGatherTest, TransposeWithASecondReaderStays) {
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[1, 3, 2, 4] x) => (float[3, 1, 8] y, float[3, 1, 4, 2] t)
  <int64[3] shp = {3, 1, 8}> {
    t = Transpose <perm = [1, 0, 3, 2]> (x)
    y = Reshape(t, shp)
  })"));
  ASSERT_NE(model, nullptr);
  EXPECT_FALSE(Changed(*model, {"transpose-to-feature-gather"}));
}

TEST(TransposeToFeatureGatherTest, UnknownShapesStay) {
  // Before set-batch-one the batch is symbolic: the element map cannot be computed.
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[N, 3, 2, 4] x) => (float[3, N, 8] y)
  <int64[3] shp = {3, -1, 8}> {
    t = Transpose <perm = [1, 0, 3, 2]> (x)
    y = Reshape(t, shp)
  })"));
  ASSERT_NE(model, nullptr);
  EXPECT_FALSE(Changed(*model, {"transpose-to-feature-gather"}));
}

// ============================================================= absorb-feature-permutation

constexpr int kF = 6;
const std::vector<int> kPerm = {4, 0, 5, 2, 1, 3};

// x -> Gather(last axis, `indices`) -> MultiThreshold (per-channel or shared rows) -> MatMul.
std::string PermutedLayerModel(const std::vector<int>& indices, int threshold_rows) {
  return absl::StrCat(kHeader, R"(
  g (float[2, 6] x) => (float[2, 3] y)
  <int64[6] idx = )", List(indices), R"(,
   float[)", threshold_rows, R"(, 3] thr = )", ThresholdRows(threshold_rows, 3, -8, 8, 21), R"(,
   float[6, 3] w = )", List(Ints(18, -4, 4, 22)), R"(> {
    p = Gather <axis = 1> (x, idx)
    q = qonnx.custom_op.general.MultiThreshold <out_dtype = "UINT2", data_layout = "NC"> (p, thr)
    y = MatMul(q, w)
  })");
}

// Row r of the result is row `where`(r) of `t` ([rows, cols] flattened).
std::vector<double> RowsAt(const std::vector<double>& t, int cols, const std::vector<int>& from) {
  std::vector<double> out(t.size());
  for (size_t r = 0; r < from.size(); ++r) {
    for (int k = 0; k < cols; ++k) out[r * cols + k] = t[from[r] * cols + k];
  }
  return out;
}

TEST(AbsorbFeaturePermutationTest, PermutationMovesPastThresholdsIntoWeightRows) {
  auto model = ParseModel(PermutedLayerModel(kPerm, kF));
  ASSERT_NE(model, nullptr);
  Annotate(*model, {{"x", DataType::Int(5)}});
  const std::vector<double> thr = Values(model->graph->FindValue("thr"));
  const std::vector<double> w = Values(model->graph->FindValue("w"));
  std::unique_ptr<Model> after = Rewritten(*model, {"absorb-feature-permutation"});
  const Graph& g = *after->graph;
  EXPECT_THAT(OpTypes(g), ElementsAre("MultiThreshold", "MatMul"));
  Node* mt = OnlyNode(g, "MultiThreshold");
  Node* mm = OnlyNode(g, "MatMul");
  ASSERT_TRUE(mt != nullptr && mm != nullptr);
  EXPECT_EQ(mt->input(0)->name(), "x");
  EXPECT_EQ(mm->input(0), mt->output(0));
  // Feature i of x was feature j of the permuted tensor where kPerm[j] = i: its threshold row
  // and weight row are row j of the originals.
  std::vector<int> inverse(kF);
  for (int j = 0; j < kF; ++j) inverse[kPerm[j]] = j;
  EXPECT_EQ(Values(mt->input(1)), RowsAt(thr, 3, inverse));
  EXPECT_EQ(Values(mm->input(1)), RowsAt(w, 3, inverse));
  ExpectEquivalent(*model, *after, kSamples);
}

TEST(AbsorbFeaturePermutationTest, SharedThresholdRowStays) {
  auto model = ParseModel(PermutedLayerModel(kPerm, 1));
  ASSERT_NE(model, nullptr);
  Annotate(*model, {{"x", DataType::Int(5)}});
  const std::vector<double> thr = Values(model->graph->FindValue("thr"));
  std::unique_ptr<Model> after = Rewritten(*model, {"absorb-feature-permutation"});
  EXPECT_THAT(OpTypes(*after->graph), ElementsAre("MultiThreshold", "MatMul"));
  EXPECT_EQ(Values(OnlyNode(*after->graph, "MultiThreshold")->input(1)), thr);
  ExpectEquivalent(*model, *after, kSamples);
}

TEST(AbsorbFeaturePermutationTest, DuplicateIndicesAreNoPermutation) {
  auto model = ParseModel(PermutedLayerModel({4, 0, 5, 2, 1, 4}, kF));
  ASSERT_NE(model, nullptr);
  EXPECT_FALSE(Changed(*model, {"absorb-feature-permutation"}));
  EXPECT_THAT(OpTypes(*model->graph), ElementsAre("Gather", "MultiThreshold", "MatMul"));
}

TEST(AbsorbFeaturePermutationTest, OtherReadersKeepTheGather) {
  // A reader that is neither a thresholding nor a MatMul by a constant: the permutation stays.
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[2, 6] x, float[6, 3] wr) => (float[2, 3] y, float[2, 6] r, float[2, 3] z)
  <int64[6] idx = )", List(kPerm), R"(, float[6, 3] w = )", List(Ints(18, -4, 4, 23)), R"(> {
    p = Gather <axis = 1> (x, idx)
    y = MatMul(p, w)
    r = Relu(p)
    z = MatMul(p, wr)
  })"));
  ASSERT_NE(model, nullptr);
  EXPECT_FALSE(Changed(*model, {"absorb-feature-permutation"}));
  EXPECT_EQ(NodesOf(*model->graph, "Gather").size(), 1u);
}

TEST(AbsorbFeaturePermutationTest, ReadInsideAScanBodyKeepsTheGather) {
  // p is also read by a Scan body (an outer-scope reference): it must stay.
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[1, 6] x, float[3, 1, 6] xs) => (float[1, 3] y, float[1, 6] acc)
  <int64[6] idx = )", List(kPerm), R"(, float[6, 3] w = )", List(Ints(18, -4, 4, 26)), R"(> {
    p = Gather <axis = 1> (x, idx)
    y = MatMul(p, w)
    acc = Scan <num_scan_inputs = 1,
        body = b (float[1, 6] a, float[1, 6] x_t) => (float[1, 6] a_out) {
          s = Add(a, x_t)
          a_out = Mul(s, p)
        }> (x, xs)
  })"));
  ASSERT_NE(model, nullptr);
  Annotate(*model, {{"x", DataType::Int(3)}, {"xs", DataType::Int(3)}});
  std::unique_ptr<Model> after = Rewritten(*model, {"absorb-feature-permutation"}, false);
  EXPECT_EQ(NodesOf(*after->graph, "Gather").size(), 1u);
  ExpectEquivalent(*model, *after, kSamples);
}

TEST(AbsorbFeaturePermutationTest, GatherAlongAnotherAxisStays) {
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[6, 6] x) => (float[6, 3] y)
  <int64[6] idx = )", List(kPerm), R"(, float[6, 3] w = )", List(Ints(18, -4, 4, 24)), R"(> {
    p = Gather <axis = 0> (x, idx)
    y = MatMul(p, w)
  })"));
  ASSERT_NE(model, nullptr);
  EXPECT_FALSE(Changed(*model, {"absorb-feature-permutation"}));
}

TEST(AbsorbFeaturePermutationTest, TransposeBeforeARecurrentProjectionDisappears) {
  // The case study's pattern end to end: conv features [1, H, W, C] reordered for the RNN, then
  // projected; feature-gather + absorb leave a plain Reshape and permuted weight rows.
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[1, 3, 2, 4] x) => (float[3, 1, 5] z)
  <int64[3] shp = {3, 1, 8}, float[8, 5] w = )", List(Ints(40, -3, 3, 25)), R"(> {
    t = Transpose <perm = [1, 0, 3, 2]> (x)
    y = Reshape(t, shp)
    z = MatMul(y, w)
  })"));
  ASSERT_NE(model, nullptr);
  Annotate(*model, {{"x", DataType::Int(4)}});
  std::unique_ptr<Model> after = Rewritten(
      *model, {"transpose-to-feature-gather", "absorb-feature-permutation", "remove-dead-code"});
  EXPECT_THAT(OpTypes(*after->graph), ElementsAre("Reshape", "MatMul"));
  ExpectEquivalent(*model, *after, kSamples);
}

// ================================================== scan-to-recurrent-layer, RecurrentLayer

constexpr char kHwDomainName[] = "finn.custom_op.fpgadataflow";

// A small integer recurrence whose body convert-to-hw maps to MVAU / ElementwiseAdd /
// Thresholding, with the input projection already hoisted: g_t is the scan input.
// `y_out`: how the scan output is computed from the next state.
std::string IntegerRecurrence(const std::string& scan_attrs = "",
                              const std::string& y_out = "Add(g_t, r)") {
  return absl::StrCat(kHeader, R"(
  g (float[1, 4] h0, float[6, 1, 4] gs) => (float[1, 4] h_final, float[6, 1, 4] hs)
  {
    h_final, hs = Scan <num_scan_inputs = 1, )", scan_attrs, R"(
        body = b (float[1, 4] h, float[1, 4] g_t) => (float[1, 4] h_out, float[1, 4] y_out)
        <float[4, 4] wh = )", List(Ints(16, -2, 2, 31)), R"(,
         float[4, 3] th = )", ThresholdRows(4, 3, -9, 9, 32), R"(> {
          r = MatMul(h, wh)
          s = Add(g_t, r)
          h_out = qonnx.custom_op.general.MultiThreshold <out_dtype = "UINT2", data_layout = "NC">
              (s, th)
          y_out = )", y_out, R"(
        }> (h0, gs)
  })");
}

// Gives the recurrent weights and the state in the Scan body their integer datatypes (as
// fold-quant-weights does; ONNX text cannot annotate them) and the graph inputs theirs.
void AnnotateRecurrence(Model& model) {
  for (Node* n : model.graph->nodes()) {
    if (n->op_type() != "Scan") continue;
    Value* wh = n->subgraphs().at(0)->FindValue("wh");
    ASSERT_NE(wh, nullptr);
    wh->type().dtype = DataType::Int(2);
    wh->type().dtype_annotated = true;
    // The state's datatype: its initial value says nothing about later steps (hoist-scan-scales
    // annotates it in the real flow).
    Value* h = n->subgraphs().at(0)->FindValue("h");
    ASSERT_NE(h, nullptr);
    h->type().dtype = DataType::UInt(2);
    h->type().dtype_annotated = true;
  }
  Annotate(model, {{"h0", DataType::UInt(2)}, {"gs", DataType::Int(6)}});
}

std::unique_ptr<Model> HwRecurrence(const std::string& scan_attrs = "",
                                    const std::string& y_out = "Add(g_t, r)") {
  auto model = ParseModel(IntegerRecurrence(scan_attrs, y_out));
  if (model == nullptr) return nullptr;
  AnnotateRecurrence(*model);
  return model;
}

// The convert-to-hw passes without scan-to-recurrent-layer.
const std::vector<std::string> kBodyToHw = {"infer-types", "infer-mvau", "infer-thresholding",
                                            "infer-elementwise", "remove-stream-reshapes",
                                            "infer-duplicate-streams", "remove-dead-code"};

TEST(ScanToRecurrentLayerTest, HardwareBodyBecomesARecurrentLayer) {
  std::unique_ptr<Model> model = HwRecurrence();
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> hw = Rewritten(*model, kBodyToHw);
  Node* scan = OnlyNode(*hw->graph, "Scan");
  ASSERT_NE(scan, nullptr);
  for (const Node* n : scan->subgraphs()[0]->nodes()) {
    ASSERT_EQ(n->domain(), kHwDomainName) << n->op_type() << " in the body is not a hardware op";
  }
  ExpectEquivalent(*model, *hw, kSamples);

  std::unique_ptr<Model> after = Rewritten(*hw, {"scan-to-recurrent-layer"});
  EXPECT_TRUE(NodesOf(*after->graph, "Scan").empty());
  Node* layer = OnlyNode(*after->graph, "RecurrentLayer");
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->domain(), kHwDomainName);
  EXPECT_EQ(layer->name(), scan->name());
  ASSERT_EQ(layer->num_inputs(), 2);
  EXPECT_EQ(layer->input(0)->name(), "h0");
  EXPECT_EQ(layer->input(1)->name(), "gs");
  EXPECT_EQ(layer->output(0)->name(), "h_final");
  EXPECT_EQ(layer->output(1)->name(), "hs");
  EXPECT_EQ(layer->GetInt("num_scan_inputs", 0), 1);
  EXPECT_EQ(OpTypes(*layer->subgraphs().at(0)), OpTypes(*scan->subgraphs()[0]));
  EXPECT_THAT(DimsOf(layer->output(1)), ElementsAre(6, 1, 4));
  // The RecurrentLayer computes what the original Scan computed.
  ExpectEquivalent(*model, *after, kSamples);
  EXPECT_FALSE(Changed(*after, {"scan-to-recurrent-layer"}));
}

// An output nothing reads (here the final state, as the LSTM's c_T in the case study) is left
// out of the layer, so the hardware never streams it; what is read stays.
TEST(ScanToRecurrentLayerTest, UnreadOutputsAreLeftOut) {
  std::unique_ptr<Model> model = HwRecurrence();
  ASSERT_NE(model, nullptr);
  Value* hs = model->graph->FindValue("hs");
  ASSERT_NE(hs, nullptr);
  model->graph->SetOutputs({hs});
  std::unique_ptr<Model> after = Rewritten(*model, kBodyToHw);
  after = Rewritten(*after, {"scan-to-recurrent-layer"});
  Node* layer = OnlyNode(*after->graph, "RecurrentLayer");
  ASSERT_NE(layer, nullptr);
  ASSERT_EQ(layer->num_outputs(), 2);
  EXPECT_EQ(layer->output(0), nullptr);
  ASSERT_NE(layer->output(1), nullptr);
  EXPECT_EQ(layer->output(1)->name(), "hs");
  EXPECT_EQ(after->graph->FindValue("h_final"), nullptr);
  ExpectEquivalent(*model, *after, kSamples);
}

TEST(ScanToRecurrentLayerTest, ReverseDirectionIsKept) {
  std::unique_ptr<Model> model = HwRecurrence("scan_input_directions = [1],");
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> after = Rewritten(*model, kBodyToHw);
  after = Rewritten(*after, {"scan-to-recurrent-layer"});
  Node* layer = OnlyNode(*after->graph, "RecurrentLayer");
  ASSERT_NE(layer, nullptr);
  EXPECT_THAT(layer->GetInts("scan_input_directions", {}), ElementsAre(1));
  ExpectEquivalent(*model, *after, kSamples);
}

TEST(ScanToRecurrentLayerTest, BodyWithANonHardwareNodeStaysAScan) {
  // Before convert-to-hw the body holds MatMul / Add / MultiThreshold: not hardware ops.
  std::unique_ptr<Model> model = HwRecurrence();
  ASSERT_NE(model, nullptr);
  EXPECT_FALSE(Changed(*model, {"scan-to-recurrent-layer"}));
  // After it, one float op that has no hardware mapping keeps the whole loop a Scan.
  std::unique_ptr<Model> mixed = HwRecurrence("", "Sigmoid(h_out)");
  ASSERT_NE(mixed, nullptr);
  ASSERT_TRUE(RunPasses(*mixed, kBodyToHw).ok());
  Node* scan = OnlyNode(*mixed->graph, "Scan");
  ASSERT_NE(scan, nullptr);
  EXPECT_THAT(OpTypes(*scan->subgraphs()[0]), ::testing::Contains("Sigmoid"));
  EXPECT_FALSE(Changed(*mixed, {"scan-to-recurrent-layer"}));
  EXPECT_TRUE(NodesOf(*mixed->graph, "RecurrentLayer").empty());
}

// A recurrence over gs [batch, 6, 4] scanned along axis 1 (batch first), the sequence of states
// stacked along axis 1 too.
std::unique_ptr<Model> BatchFirstRecurrence(int batch) {
  const std::string b = absl::StrCat(batch);
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[)", b, R"(, 4] h0, float[)", b, R"(, 6, 4] gs) => (float[)", b, R"(, 4] h_final,
                                                            float[)", b, R"(, 6, 4] hs)
  {
    h_final, hs = Scan <num_scan_inputs = 1, scan_input_axes = [1], scan_output_axes = [1],
        body = b ()", "float[", b, R"(, 4] h, float[)", b, R"(, 4] g_t) =>
                 (float[)", b, R"(, 4] h_out, float[)", b, R"(, 4] y_out)
        <float[4, 4] wh = )", List(Ints(16, -2, 2, 33)), R"(,
         float[4, 3] th = )", ThresholdRows(4, 3, -9, 9, 34), R"(> {
          r = MatMul(h, wh)
          s = Add(g_t, r)
          h_out = qonnx.custom_op.general.MultiThreshold <out_dtype = "UINT2", data_layout = "NC">
              (s, th)
          y_out = Add(g_t, r)
        }> (h0, gs)
  })"));
  if (model == nullptr) return nullptr;
  AnnotateRecurrence(*model);
  return model;
}

// Regression (Brevitas QuantLSTM exported batch first): with batch 1, [1, T, F] scanned along
// axis 1 streams in the same order as [T, 1, F] along axis 0, so it is hardware too.
TEST(ScanToRecurrentLayerTest, BatchFirstScanOverABatchOfOneBecomesARecurrentLayer) {
  std::unique_ptr<Model> model = BatchFirstRecurrence(1);
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> hw = Rewritten(*model, kBodyToHw);
  for (const Node* n : OnlyNode(*hw->graph, "Scan")->subgraphs()[0]->nodes()) {
    ASSERT_EQ(n->domain(), kHwDomainName) << n->op_type();
  }
  std::unique_ptr<Model> after = Rewritten(*hw, {"scan-to-recurrent-layer"});
  Node* layer = OnlyNode(*after->graph, "RecurrentLayer");
  ASSERT_NE(layer, nullptr);
  EXPECT_THAT(layer->GetInts("scan_input_axes", {}), ElementsAre(1));
  EXPECT_THAT(layer->GetInts("scan_output_axes", {}), ElementsAre(1));
  EXPECT_THAT(DimsOf(layer->output(1)), ElementsAre(1, 6, 4));
  ExpectEquivalent(*model, *after, kSamples);
}

TEST(ScanToRecurrentLayerTest, ScanAlongAnInnerAxisStays) {
  // Batch 2: the steps interleave in memory, which no stream order reproduces.
  std::unique_ptr<Model> model = BatchFirstRecurrence(2);
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> hw = Rewritten(*model, kBodyToHw);
  for (const Node* n : OnlyNode(*hw->graph, "Scan")->subgraphs()[0]->nodes()) {
    ASSERT_EQ(n->domain(), kHwDomainName) << n->op_type();
  }
  EXPECT_FALSE(Changed(*hw, {"scan-to-recurrent-layer"}));
}

// Regression (Brevitas QuantLSTM, whose h is both the state and the output sequence): the body
// returns the next state once more through an Identity (hoist-scan-scales does that), which has no
// hardware mapping and kept the loop on the host. remove-body-output-copies returns the value
// itself twice; convert-to-hw then forks it into one stream per output slot and the loop becomes
// a RecurrentLayer.
TEST(RemoveBodyOutputCopiesTest, StateReturnedTwiceBecomesAForkInARecurrentLayer) {
  std::unique_ptr<Model> model = HwRecurrence("", "Identity(h_out)");
  ASSERT_NE(model, nullptr);
  std::unique_ptr<Model> copied = Rewritten(*model, {"remove-body-output-copies"});
  {
    const Graph& body = *OnlyNode(*copied->graph, "Scan")->subgraphs().at(0);
    EXPECT_TRUE(NodesOf(body, "Identity").empty()) << absl::StrJoin(OpTypes(body), ",");
    ASSERT_EQ(body.outputs().size(), 2u);
    EXPECT_EQ(body.outputs()[0], body.outputs()[1]);
    EXPECT_EQ(body.outputs()[0]->name(), "h_out");
  }
  ExpectEquivalent(*model, *copied, kSamples);
  EXPECT_FALSE(Changed(*copied, {"remove-body-output-copies"}));

  std::unique_ptr<Model> after = copied->Clone();
  PassContext ctx;
  absl::StatusOr<bool> changed = PassManager().RunPipeline(*after, "convert-to-hw", ctx);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(NodesOf(*after->graph, "Scan").empty());
  Node* layer = OnlyNode(*after->graph, "RecurrentLayer");
  ASSERT_NE(layer, nullptr);
  const Graph& body = *layer->subgraphs().at(0);
  for (const Node* n : body.nodes()) EXPECT_EQ(n->domain(), kHwDomainName) << n->op_type();
  // The thresholds' output forks into the two body outputs (the state and the scan output)...
  ASSERT_EQ(body.outputs().size(), 2u);
  const Node* fork = body.outputs()[0]->producer();
  ASSERT_NE(fork, nullptr);
  EXPECT_EQ(fork->op_type(), "DuplicateStreams");
  EXPECT_EQ(body.outputs()[1]->producer(), fork);
  EXPECT_NE(body.outputs()[0], body.outputs()[1]);
  EXPECT_EQ(fork->GetInt("NumOutputStreams", 0), 2);
  EXPECT_EQ(fork->input(0)->producer()->op_type(), "Thresholding");
  // ... and the layer still computes what the Scan computed.
  ExpectEquivalent(*model, *after, kSamples);
}

TEST(RemoveBodyOutputCopiesTest, CopiesOtherNodesReadAndMainGraphOutputsStay) {
  // The copy k is a body output and also read by an Add: it stays.
  auto read = ParseModel(absl::StrCat(kHeader, R"(
  g (float[1, 4] h0, float[6, 1, 4] gs) => (float[1, 4] h_final, float[6, 1, 4] ks,
                                            float[6, 1, 4] zs)
  {
    h_final, ks, zs = Scan <num_scan_inputs = 1,
        body = b (float[1, 4] h, float[1, 4] g_t) =>
                 (float[1, 4] h_out, float[1, 4] k, float[1, 4] z) {
          h_out = Add(h, g_t)
          k = Identity(h_out)
          z = Add(k, g_t)
        }> (h0, gs)
  })"));
  ASSERT_NE(read, nullptr);
  EXPECT_FALSE(Changed(*read, {"remove-body-output-copies"}));
  // A main graph's Identity output is its interface.
  auto main = ParseModel(absl::StrCat(kHeader, R"(
  g (float[1, 4] x) => (float[1, 4] y, float[1, 4] z) {
    y = Relu(x)
    z = Identity(y)
  })"));
  ASSERT_NE(main, nullptr);
  EXPECT_FALSE(Changed(*main, {"remove-body-output-copies"}));
}

// ================================================================================ RunFrames

// The same layer with a symbolic batch (reference) and with batch 1 (what hardware runs).
std::string DenseModel(const std::string& batch) {
  return absl::StrCat(kHeader, R"(
  g (float[)", batch, R"(, 3] x, float[)", batch, R"(, 2] b) => (float[)", batch,
                      R"(, 4] y, float[)", batch, R"(, 2] c)
  <float[3, 4] w = )", List(Ints(12, -3, 3, 41)), R"(> {
    y = MatMul(x, w)
    c = Mul(b, b)
  })");
}

TEST(RunFramesTest, SplitsABatchIntoFramesAndStacksTheResults) {
  auto batched = ParseModel(DenseModel("N"));
  auto single = ParseModel(DenseModel("1"));
  ASSERT_TRUE(batched != nullptr && single != nullptr);
  auto reference = Executor::Create(*batched);
  auto frames = Executor::Create(*single);
  ASSERT_TRUE(reference.ok() && frames.ok());
  std::vector<Tensor> inputs = {
      Tensor::FromVector<float>({5, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -2, -3, 0, 1, 0}),
      Tensor::FromVector<float>({5, 2}, {1, -2, 3, -4, 5, -6, 7, -8, 9, -10})};
  // The batch-1 executor alone refuses the batch.
  EXPECT_FALSE((*frames)->Run(inputs).ok());
  absl::StatusOr<std::vector<Tensor>> got = RunFrames(**frames, inputs);
  ASSERT_TRUE(got.ok()) << got.status();
  absl::StatusOr<std::vector<Tensor>> want = (*reference)->Run(inputs);
  ASSERT_TRUE(want.ok()) << want.status();
  ASSERT_EQ(got->size(), 2u);
  for (size_t i = 0; i < got->size(); ++i) {
    EXPECT_TRUE((*got)[i].SameContents((*want)[i]))
        << (*got)[i].DebugString() << " vs " << (*want)[i].DebugString();
  }
}

TEST(RunFramesTest, ModelsAcceptingTheBatchRunOnce) {
  auto batched = ParseModel(DenseModel("N"));
  ASSERT_NE(batched, nullptr);
  auto exe = Executor::Create(*batched);
  ASSERT_TRUE(exe.ok());
  std::vector<Tensor> inputs = {Tensor::FromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6}),
                                Tensor::FromVector<float>({2, 2}, {1, 2, 3, 4})};
  absl::StatusOr<std::vector<Tensor>> got = RunFrames(**exe, inputs);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_THAT((*got)[1].ToDoubles(), ElementsAre(1, 4, 9, 16));
  // A single frame given to a batch-1 model also runs as it is.
  auto single = ParseModel(DenseModel("1"));
  auto one = Executor::Create(*single);
  ASSERT_TRUE(one.ok());
  got = RunFrames(**one, {FrameOf(inputs[0], 1), FrameOf(inputs[1], 1)});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_THAT((*got)[1].ToDoubles(), ElementsAre(9, 16));
}

TEST(RunFramesTest, OutputWithoutABatchAxisIsAnErrorNamingIt) {
  auto model = ParseModel(absl::StrCat(kHeader, R"(
  g (float[1, 3] x) => (float[3] flat)
  <int64[1] shp = {3}> {
    flat = Reshape(x, shp)
  })"));
  ASSERT_NE(model, nullptr);
  auto exe = Executor::Create(*model);
  ASSERT_TRUE(exe.ok());
  absl::StatusOr<std::vector<Tensor>> got =
      RunFrames(**exe, {Tensor::FromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6})});
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("'flat'"));
}

// A time-major recurrence (ONNX LSTM / Brevitas QuantLSTM with batch_first=False): xs [4, N, 3],
// the final state h_final [N, 2], the output sequence ys [4, N, 2] and the final state as ONNX
// LSTM returns it, h_last [1, N, 2]. `with_h0`: the initial state is an input [N, 2] (else zeros).
std::string TimeMajorRnnModel(const std::string& n, bool with_h0) {
  const std::string h0 = with_h0 ? absl::StrCat("float[", n, ", 2] h0, ") : "";
  return absl::StrCat(kHeader, R"(
  g ()", h0, "float[4, ", n, R"(, 3] xs) => (float[)", n, R"(, 2] h_final, float[4, )", n,
                      R"(, 2] ys, float[1, )", n, R"(, 2] h_last)
  <float[3, 2] wx = )", List(Ints(6, -3, 3, 81)), R"(, float[2, 2] wh = {1, -1, 0, 1},
   int64[1] zero_axis = {0})", with_h0 ? "" : ", float[1, 2] h0 = {0, 0}", R"(> {
    h_final, ys = Scan <num_scan_inputs = 1,
        body = b (float[)", n, R"(, 2] h, float[)", n, R"(, 3] x_t) => (float[)", n,
                      R"(, 2] h_out, float[)", n, R"(, 2] y_out) {
          a = MatMul(x_t, wx)
          r = MatMul(h, wh)
          h_out = Add(a, r)
          y_out = Identity(h_out)
        }> (h0, xs)
    h_last = Unsqueeze(h_final, zero_axis)
  })");
}

TEST(RunFramesTest, TimeMajorSequencesSplitAlongAxis1) {
  // Only xs is given: its frames lie along axis 1, so the outputs stack there where they have a
  // 1 (ys [4, 1, 2] -> [4, B, 2], h_last [1, 1, 2] -> [1, B, 2]), else along their first 1
  // (h_final [1, 2] -> [B, 2]): exactly the batched model's outputs.
  auto batched = ParseModel(TimeMajorRnnModel("N", true));
  auto single = ParseModel(TimeMajorRnnModel("1", false));
  ASSERT_TRUE(batched != nullptr && single != nullptr);
  auto reference = Executor::Create(*batched);
  auto frames = Executor::Create(*single);
  ASSERT_TRUE(reference.ok() && frames.ok());
  constexpr int kB = 3;
  std::vector<int> x = Ints(4 * kB * 3, -4, 4, 82);
  const Tensor xs = Tensor::FromVector<float>({4, kB, 3}, std::vector<float>(x.begin(), x.end()));
  EXPECT_FALSE((*frames)->Run(std::vector<Tensor>{xs}).ok());
  absl::StatusOr<std::vector<Tensor>> got = RunFrames(**frames, {xs});
  ASSERT_TRUE(got.ok()) << got.status();
  absl::StatusOr<std::vector<Tensor>> want =
      (*reference)->Run(std::vector<Tensor>{
          Tensor::FromVector<float>({kB, 2}, std::vector<float>(kB * 2, 0)), xs});
  ASSERT_TRUE(want.ok()) << want.status();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_THAT((*got)[0].dims(), ElementsAre(kB, 2));
  EXPECT_THAT((*got)[1].dims(), ElementsAre(4, kB, 2));
  EXPECT_THAT((*got)[2].dims(), ElementsAre(1, kB, 2));
  for (size_t i = 0; i < got->size(); ++i) {
    EXPECT_TRUE((*got)[i].SameContents((*want)[i]))
        << i << ": " << (*got)[i].DebugString() << " vs " << (*want)[i].DebugString();
  }
}

TEST(RunFramesTest, InputsSplitAlongDifferentAxes) {
  // h0 [B, 2] holds its frames along axis 0, xs [4, B, 3] along axis 1: each input is split
  // along its own axis. With no common input axis every output stacks along its first 1, so
  // h_last's frames [1, 1, 2] become [B, 1, 2] (the batched model's [1, B, 2] has the same
  // elements in the same order).
  auto batched = ParseModel(TimeMajorRnnModel("N", true));
  auto single = ParseModel(TimeMajorRnnModel("1", true));
  ASSERT_TRUE(batched != nullptr && single != nullptr);
  auto reference = Executor::Create(*batched);
  auto frames = Executor::Create(*single);
  ASSERT_TRUE(reference.ok() && frames.ok());
  std::vector<int> x = Ints(4 * 2 * 3, -4, 4, 83);
  const std::vector<Tensor> inputs = {
      Tensor::FromVector<float>({2, 2}, {1, -2, 0, 3}),
      Tensor::FromVector<float>({4, 2, 3}, std::vector<float>(x.begin(), x.end()))};
  absl::StatusOr<std::vector<Tensor>> got = RunFrames(**frames, inputs);
  ASSERT_TRUE(got.ok()) << got.status();
  absl::StatusOr<std::vector<Tensor>> want = (*reference)->Run(inputs);
  ASSERT_TRUE(want.ok()) << want.status();
  EXPECT_TRUE((*got)[0].SameContents((*want)[0]));
  EXPECT_TRUE((*got)[1].SameContents((*want)[1]));
  EXPECT_THAT((*got)[2].dims(), ElementsAre(2, 1, 2));
  EXPECT_EQ((*got)[2].ToDoubles(), (*want)[2].ToDoubles());
}

TEST(RunFramesTest, FrameAxisIsTheOneDeclared1GivenAsB) {
  auto shape = [](std::vector<int64_t> dims) {
    Shape s;
    for (int64_t d : dims) s.push_back(Dim{d, ""});
    return std::optional<Shape>(s);
  };
  EXPECT_EQ(FrameAxis(shape({1, 3}), {5, 3}), 0);
  EXPECT_EQ(FrameAxis(shape({4, 1, 3}), {4, 5, 3}), 1);  // time-major sequence
  EXPECT_EQ(FrameAxis(shape({1, 4, 3}), {5, 4, 3}), 0);  // batch-first sequence
  EXPECT_EQ(FrameAxis(shape({1, -1, 1}), {5, 7, 1}), 0);  // symbolic dims take any size
  EXPECT_EQ(FrameAxis(shape({1, 3}), {1, 3}), std::nullopt);     // one frame
  EXPECT_EQ(FrameAxis(shape({-1, 3}), {5, 3}), std::nullopt);    // the model takes the batch
  EXPECT_EQ(FrameAxis(shape({1, 3}), {5, 4}), std::nullopt);     // another known dim differs
  EXPECT_EQ(FrameAxis(shape({4, 1, 3}), {5, 5, 3}), std::nullopt);
  EXPECT_EQ(FrameAxis(shape({1, 1, 3}), {5, 5, 3}), std::nullopt);  // two candidates: neither
  EXPECT_EQ(FrameAxis(shape({1, 3}), {5, 1, 3}), std::nullopt);  // rank differs
  EXPECT_EQ(FrameAxis(std::nullopt, {5, 3}), std::nullopt);

  EXPECT_EQ(OutputFrameAxis({4, 1, 2}, 1), 1);
  EXPECT_EQ(OutputFrameAxis({1, 2}, 1), 0);
  EXPECT_EQ(OutputFrameAxis({1, 1, 2}, 1), 1);
  EXPECT_EQ(OutputFrameAxis({1, 1, 2}, 0), 0);
  EXPECT_EQ(OutputFrameAxis({3, 1, 1}, std::nullopt), 1);
  EXPECT_EQ(OutputFrameAxis({3}, 0), std::nullopt);
}

TEST(RunFramesTest, InputsHoldingDifferentFramesAreAnErrorNamingThem) {
  auto single = ParseModel(DenseModel("1"));
  ASSERT_NE(single, nullptr);
  auto exe = Executor::Create(*single);
  ASSERT_TRUE(exe.ok());
  const Tensor x5 = Tensor::FromVector<float>({5, 3}, std::vector<float>(15, 1));
  // 5 frames of x, 4 of b.
  absl::StatusOr<std::vector<Tensor>> got =
      RunFrames(**exe, {x5, Tensor::FromVector<float>({4, 2}, std::vector<float>(8, 1))});
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(std::string(got.status().message()),
              AllOf(HasSubstr("'x' [5, 3] holds 5 frames along axis 0"), HasSubstr("'b' [4, 2]")));
  // Frames of x, a single b.
  got = RunFrames(**exe, {x5, Tensor::FromVector<float>({1, 2}, {1, 2})});
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(std::string(got.status().message()),
              AllOf(HasSubstr("'x'"), HasSubstr("'b' [1, 2] does not hold frames")));
}

TEST(RunFramesTest, FrameOfAndStackFramesAlongAnInnerAxis) {
  const Tensor t = Tensor::FromVector<int32_t>({2, 3, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  std::vector<Tensor> frames;
  for (int64_t b = 0; b < 3; ++b) frames.push_back(FrameOf(t, b, 1));
  EXPECT_THAT(frames[1].dims(), ElementsAre(2, 1, 2));
  EXPECT_THAT(frames[1].ToInt64s(), ElementsAre(2, 3, 8, 9));
  absl::StatusOr<Tensor> stacked = StackFrames(frames, "t", 1);
  ASSERT_TRUE(stacked.ok()) << stacked.status();
  EXPECT_TRUE(stacked->SameContents(t));
  // Frame after frame (what the build's C simulation streams) and back.
  const Tensor first = FramesFirst(t, 1);
  EXPECT_THAT(first.dims(), ElementsAre(3, 2, 1, 2));
  EXPECT_THAT(first.ToInt64s(), ElementsAre(0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11));
  absl::StatusOr<Tensor> back = FramesAlong(first, t.dims(), 1);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->SameContents(t));
  EXPECT_FALSE(FramesAlong(first, {2, 3, 3}, 1).ok());  // sizes differ
  // Along an axis that is not 1 in the frames: an error naming the output.
  absl::StatusOr<Tensor> bad = StackFrames(frames, "t", 2);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("'t' [2, 1, 2]"));
}

TEST(RunFramesTest, FrameOfAndStackFramesRoundTrip) {
  const Tensor t = Tensor::FromVector<int32_t>({3, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  std::vector<Tensor> frames;
  for (int64_t b = 0; b < 3; ++b) frames.push_back(FrameOf(t, b));
  EXPECT_THAT(frames[1].dims(), ElementsAre(1, 2, 2));
  EXPECT_THAT(frames[2].ToInt64s(), ElementsAre(8, 9, 10, 11));
  absl::StatusOr<Tensor> stacked = StackFrames(frames, "t");
  ASSERT_TRUE(stacked.ok()) << stacked.status();
  EXPECT_TRUE(stacked->SameContents(t));
}

}  // namespace
}  // namespace finngl
