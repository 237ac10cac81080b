// Tests of conv lowering and the layout passes around it: lower-conv-to-matmul,
// make-maxpool-nhwc, move-transpose-past-elementwise, absorb-transpose-into-flatten (with
// cancel-transposes). Each test checks the structure a pass produces and runs the equivalence
// guard (tests/cpp/equivalence.h): integer-typed models (integer inputs and weights with INT
// annotations) must give bit-identical outputs; float models are compared with
// kFloatTolerance, because lowering sums the products of a convolution in another order
// (patch order (kh, kw, c) in a MatMul instead of the Conv kernel's order).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/ops/infer.h"
#include "src/passes/pass.h"
#include "src/passes/pass_manager.h"
#include "tests/cpp/equivalence.h"
#include "tests/cpp/model_builder.h"

namespace finngl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::ExpectEquivalent;
using testing::FloatTolerance;

constexpr int kSamples = 6;
// float32 sums of at most a few hundred products of values in [-2, 2]: reordering them changes
// the result by a few ulps of the partial sums, far below this bound.
constexpr FloatTolerance kFloatTolerance{1e-5, 1e-5};

using Builder = testing::ModelBuilder;

std::mt19937& Rng() {
  static std::mt19937 rng(12345);
  return rng;
}

int64_t NumElements(const Dims& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// Uniform floats in [-1, 1], or integers in [lo, hi] when lo < hi.
Tensor RandomTensor(Dims dims, int lo = 0, int hi = 0) {
  std::vector<float> v(NumElements(dims));
  if (lo < hi) {
    std::uniform_int_distribution<int> d(lo, hi);
    for (float& e : v) e = static_cast<float>(d(Rng()));
  } else {
    std::uniform_real_distribution<float> d(-1, 1);
    for (float& e : v) e = d(Rng());
  }
  return Tensor::FromVector<float>(dims, v);
}

absl::StatusOr<bool> RunPasses(Model& model, const std::vector<std::string>& passes,
                               PassContext* ctx = nullptr) {
  PassContext local;
  return PassManager().RunPasses(model, passes, ctx != nullptr ? *ctx : local);
}

// Runs passes that must succeed and change the model, then the equivalence guard.
void RunAndCheck(Model& model, const std::vector<std::string>& passes,
                 FloatTolerance tolerance = {}, PassContext* ctx = nullptr) {
  std::unique_ptr<Model> before = model.Clone();
  absl::StatusOr<bool> changed = RunPasses(model, passes, ctx);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed) << "nothing changed";
  ExpectEquivalent(*before, model, kSamples, tolerance);
}

int Count(const Graph& g, const std::string& op) {
  int n = 0;
  for (Node* node : g.nodes()) n += node->op_type() == op;
  return n;
}

std::vector<std::string> OpTypes(const Model& model) {
  std::vector<std::string> ops;
  auto order = model.graph->TopologicalOrder();
  EXPECT_TRUE(order.ok());
  for (Node* n : *order) ops.push_back(n->op_type());
  return ops;
}

Node* Find(const Graph& g, const std::string& op) {
  for (Node* n : g.nodes()) {
    if (n->op_type() == op) return n;
  }
  return nullptr;
}

// ============================================================================ lower-conv-to-matmul

struct ConvCase {
  Dims x;                 // NCHW
  int64_t oc;
  int64_t kh, kw;
  std::vector<int64_t> strides, pads, dilations;
  int64_t group = 1;
  bool bias = true;
  std::string auto_pad;   // "" = NOTSET
};

std::string Describe(const ConvCase& c) {
  return absl::StrCat(DimsToString(c.x), " oc ", c.oc, " k ", c.kh, "x", c.kw, " s [",
                      absl::StrJoin(c.strides, ","), "] p [", absl::StrJoin(c.pads, ","), "] d [",
                      absl::StrJoin(c.dilations, ","), "] g ", c.group, " ", c.auto_pad);
}

// y = Conv(x, W[, B]); integer: x INT4 / UINT3 alternately, W INT3, B INT8, all integer-valued.
std::unique_ptr<Model> ConvModel(const ConvCase& c, bool integer, int variant = 0) {
  Builder b;
  const DataType xt = variant % 2 == 0 ? DataType::Int(4) : DataType::UInt(3);
  Value* x = b.Input("x", c.x, integer ? std::optional<DataType>(xt) : std::nullopt);
  const Dims wd{c.oc, c.x[1] / c.group, c.kh, c.kw};
  Value* w = b.Const("w", integer ? RandomTensor(wd, -4, 3) : RandomTensor(wd),
                     integer ? std::optional<DataType>(DataType::Int(3)) : std::nullopt);
  std::vector<Value*> inputs{x, w};
  if (c.bias) {
    inputs.push_back(b.Const("bias", integer ? RandomTensor({c.oc}, -100, 100)
                                             : RandomTensor({c.oc}),
                             integer ? std::optional<DataType>(DataType::Int(8)) : std::nullopt));
  }
  Node* conv = b.Op("Conv", inputs);
  if (!c.strides.empty()) conv->SetAttr("strides", Attribute::Ints(c.strides));
  if (!c.pads.empty()) conv->SetAttr("pads", Attribute::Ints(c.pads));
  if (!c.dilations.empty()) conv->SetAttr("dilations", Attribute::Ints(c.dilations));
  if (!c.auto_pad.empty()) conv->SetAttr("auto_pad", Attribute::String(c.auto_pad));
  if (c.group != 1) conv->SetAttr("group", Attribute::Int(c.group));
  conv->SetAttr("kernel_shape", Attribute::Ints({c.kh, c.kw}));
  b.Output(conv->output(0));
  return b.Finish();
}

const std::vector<ConvCase>& ConvCases() {
  static const auto* cases = new std::vector<ConvCase>{
      {{1, 2, 5, 6}, 4, 3, 3, {1, 1}, {1, 1, 1, 1}, {}},
      {{2, 3, 7, 5}, 2, 3, 3, {2, 2}, {0, 0, 0, 0}, {}},
      {{1, 3, 6, 6}, 5, 2, 3, {1, 2}, {0, 1, 2, 0}, {}},
      {{1, 2, 9, 8}, 3, 3, 2, {2, 1}, {1, 0, 1, 1}, {2, 3}},
      {{1, 4, 4, 4}, 3, 1, 1, {}, {}, {}},                        // pointwise: no Im2Col
      {{1, 4, 6, 5}, 3, 1, 1, {2, 2}, {}, {}},                    // 1x1 with stride: Im2Col
      {{1, 3, 1, 9}, 2, 1, 3, {1, 1}, {0, 1, 0, 1}, {}},          // 1xK on a height-1 image
      {{1, 2, 8, 1}, 3, 5, 1, {1, 1}, {2, 0, 2, 0}, {}},          // Kx1 on a width-1 image
      {{1, 2, 6, 7}, 2, 3, 3, {2, 2}, {}, {}, 1, true, "SAME_UPPER"},
      {{1, 2, 6, 7}, 2, 3, 2, {2, 3}, {}, {}, 1, false, "SAME_LOWER"},
      {{1, 2, 6, 7}, 2, 3, 3, {1, 1}, {}, {}, 1, true, "VALID"},
      {{1, 3, 7, 7}, 3, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, 3},       // depthwise
      {{2, 4, 6, 5}, 4, 3, 2, {2, 1}, {1, 0, 0, 1}, {1, 2}, 4, false},  // depthwise
  };
  return *cases;
}

TEST(LowerConvTest, FloatConvolutionsWithinTolerance) {
  for (const ConvCase& c : ConvCases()) {
    SCOPED_TRACE(Describe(c));
    std::unique_ptr<Model> model = ConvModel(c, /*integer=*/false);
    RunAndCheck(*model, {"lower-conv-to-matmul"}, kFloatTolerance);
    EXPECT_EQ(Count(*model->graph, "Conv"), 0);
    EXPECT_EQ(Count(*model->graph, "Transpose"), 2);
    EXPECT_EQ(Count(*model->graph, "MatMul"), 1);
    EXPECT_EQ(Count(*model->graph, "Add"), c.bias ? 1 : 0);
  }
}

TEST(LowerConvTest, IntegerConvolutionsAreBitExact) {
  for (int variant = 0; variant < 2; ++variant) {
    for (const ConvCase& c : ConvCases()) {
      SCOPED_TRACE(Describe(c));
      std::unique_ptr<Model> model = ConvModel(c, /*integer=*/true, variant);
      RunAndCheck(*model, {"lower-conv-to-matmul"});  // no tolerance: bit-identical
      // The weight matrix keeps W's datatype (depthwise: zeros are INT3 values too).
      Node* mm = Find(*model->graph, "MatMul");
      ASSERT_NE(mm, nullptr);
      EXPECT_EQ(mm->input(1)->type().dtype, DataType::Int(3));
      EXPECT_TRUE(mm->input(1)->type().dtype_annotated);
      EXPECT_TRUE(mm->output(0)->type().dtype.IsInteger());
    }
  }
}

TEST(LowerConvTest, StructureAndWeightOrder) {
  const ConvCase c{{1, 2, 5, 6}, 4, 3, 2, {2, 1}, {1, 0, 1, 1}, {1, 2}};
  std::unique_ptr<Model> model = ConvModel(c, /*integer=*/false);
  const std::string conv_name = model->graph->nodes()[0]->name();
  const Tensor w = *model->graph->FindValue("w")->initializer();
  ASSERT_TRUE(RunPasses(*model, {"lower-conv-to-matmul"}).ok());
  EXPECT_THAT(OpTypes(*model), ElementsAre("Transpose", "Im2Col", "MatMul", "Add", "Transpose"));
  const Graph& g = *model->graph;
  Node* in_t = Find(g, "Transpose");
  EXPECT_EQ(in_t->input(0)->name(), "x");
  Node* im2col = Find(g, "Im2Col");
  EXPECT_EQ(im2col->domain(), kQonnxDomain);
  EXPECT_EQ(im2col->GetInts("kernel_size", {}), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(im2col->GetInts("stride", {}), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(im2col->GetInts("pad_amount", {}), (std::vector<int64_t>{1, 0, 1, 1}));
  EXPECT_EQ(im2col->GetInts("dilations", {}), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(im2col->GetString("input_shape", ""), "(1, 5, 6, 2)");
  EXPECT_EQ(im2col->GetInt("depthwise", -1), 0);
  EXPECT_EQ(ShapeToDims(*im2col->input(0)->type().shape), (Dims{1, 5, 6, 2}));
  Node* mm = Find(g, "MatMul");
  EXPECT_EQ(mm->name(), conv_name);  // the compute node keeps the Conv's name
  const Tensor& wm = *mm->input(1)->initializer();
  ASSERT_EQ(wm.dims(), (Dims{3 * 2 * 2, 4}));
  // qonnx's order: Wm[(kh * KW + kw) * C + c, oc] = W[oc, c, kh, kw].
  for (int64_t oc = 0; oc < 4; ++oc)
    for (int64_t ch = 0; ch < 2; ++ch)
      for (int64_t i = 0; i < 3; ++i)
        for (int64_t j = 0; j < 2; ++j) {
          EXPECT_EQ(wm.data<float>()[((i * 2 + j) * 2 + ch) * 4 + oc],
                    w.data<float>()[((oc * 2 + ch) * 3 + i) * 2 + j]);
        }
  EXPECT_EQ(g.outputs()[0]->producer()->op_type(), "Transpose");
  EXPECT_EQ(ShapeToDims(*g.outputs()[0]->type().shape), (Dims{1, 4, 3, 5}));
}

TEST(LowerConvTest, PointwiseConvolutionNeedsNoIm2Col) {
  std::unique_ptr<Model> model = ConvModel({{1, 4, 4, 4}, 3, 1, 1, {}, {}, {}}, true);
  ASSERT_TRUE(RunPasses(*model, {"lower-conv-to-matmul"}).ok());
  EXPECT_THAT(OpTypes(*model), ElementsAre("Transpose", "MatMul", "Add", "Transpose"));
}

TEST(LowerConvTest, DepthwiseWeightIsDenseWithSparsityAnnotation) {
  std::unique_ptr<Model> model = ConvModel({{1, 3, 5, 5}, 3, 3, 2, {1, 1}, {}, {}, 3, false}, true);
  const Tensor w = *model->graph->FindValue("w")->initializer();
  ASSERT_TRUE(RunPasses(*model, {"lower-conv-to-matmul"}).ok());
  Node* im2col = Find(*model->graph, "Im2Col");
  ASSERT_NE(im2col, nullptr);
  EXPECT_EQ(im2col->GetInt("depthwise", 0), 1);
  Value* wm = Find(*model->graph, "MatMul")->input(1);
  ASSERT_EQ(wm->initializer()->dims(), (Dims{3 * 2 * 3, 3}));
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t ch = 0; ch < 3; ++ch)
        for (int64_t oc = 0; oc < 3; ++oc) {
          const float want = ch == oc ? w.data<float>()[(oc * 3 + i) * 2 + j] : 0.0f;
          EXPECT_EQ(wm->initializer()->data<float>()[((i * 2 + j) * 3 + ch) * 3 + oc], want);
        }
  EXPECT_THAT(wm->extra_annotations,
              ElementsAre(std::make_pair(std::string("tensor_sparsity"),
                                         std::string("{'dw': {'kernel_shape': [3, 2]}}"))));
}

TEST(LowerConvTest, BipolarDepthwiseWeightWidensToHoldZeros) {
  Builder b;
  Value* x = b.Input("x", {1, 2, 4, 4}, DataType::Int(4));
  Tensor wt = RandomTensor({2, 1, 2, 2}, 0, 1);
  for (int64_t i = 0; i < wt.size(); ++i) wt.data<float>()[i] = wt.data<float>()[i] * 2 - 1;
  Node* conv = b.Op("Conv", {x, b.Const("w", wt, DataType::Bipolar())});
  conv->SetAttr("group", Attribute::Int(2));
  b.Output(conv->output(0));
  std::unique_ptr<Model> model = b.Finish();
  RunAndCheck(*model, {"lower-conv-to-matmul"});
  EXPECT_EQ(Find(*model->graph, "MatMul")->input(1)->type().dtype, DataType::Int(2));
}

// Convs the pass leaves alone, with the warning that names each one.
TEST(LowerConvTest, WarnsAboutConvolutionsItCannotLower) {
  struct Case {
    std::string what;
    std::unique_ptr<Model> model;
    std::string warning;
  };
  std::vector<Case> cases;
  {
    Builder b;
    Node* conv =
        b.Op("Conv", {b.Input("x", {1, 4, 5, 5}), b.Const("w", RandomTensor({6, 2, 3, 3}))});
    conv->SetAttr("group", Attribute::Int(2));
    b.Output(conv->output(0));
    cases.push_back({"grouped", b.Finish(),
                     "node 'Conv_0' (Conv) not lowered: grouped convolution (group = 2, 4 input "
                     "and 6 output channels) is not lowered"});
  }
  {
    Builder b;
    Node* conv = b.Op("Conv", {b.Input("x", {1, 2, 5, 5}), b.Input("w", {3, 2, 3, 3})});
    b.Output(conv->output(0));
    cases.push_back({"dynamic weight", b.Finish(), "weight 'w' is not a constant"});
  }
  {
    Builder b;
    Node* conv = b.Op("Conv", {b.Input("x", {1, 2, 9}), b.Const("w", RandomTensor({3, 2, 3}))});
    b.Output(conv->output(0));
    cases.push_back({"1-D", b.Finish(), "only 2-D convolutions (rank 4, NCHW) are lowered"});
  }
  {
    Builder b;
    Node* conv = b.Op("Conv", {b.Input("x", {1, 2, 5, 5}, DataType::Bipolar()),
                               b.Const("w", RandomTensor({3, 2, 3, 3}, -1, 1))});
    conv->SetAttr("pads", Attribute::Ints({1, 1, 1, 1}));
    b.Output(conv->output(0));
    cases.push_back({"bipolar padded", b.Finish(),
                     "pads with 0, which input 'x' with datatype BIPOLAR cannot hold"});
  }
  {
    Builder b;
    Node* conv =
        b.Op("Conv", {b.Input("x", {1, 2, 1, 5}), b.Const("w", RandomTensor({3, 2, 3, 3}))});
    conv->SetAttr("pads", Attribute::Ints({1, 1, 1, 1}));
    b.Output(conv->output(0));
    cases.push_back({"dummy height", b.Finish(), "the input height is 1"});
  }
  for (Case& c : cases) {
    SCOPED_TRACE(c.what);
    PassContext ctx;
    auto changed = RunPasses(*c.model, {"lower-conv-to-matmul"}, &ctx);
    ASSERT_TRUE(changed.ok()) << changed.status();
    EXPECT_FALSE(*changed);
    EXPECT_EQ(Count(*c.model->graph, "Conv"), 1);
    ASSERT_EQ(ctx.warnings.size(), 1u);
    EXPECT_THAT(ctx.warnings[0], HasSubstr("lower-conv-to-matmul: "));
    EXPECT_THAT(ctx.warnings[0], HasSubstr(c.warning));
  }
}

TEST(LowerConvTest, ConsecutiveConvolutionsAreLoweredInOneRun) {
  Builder b;
  Value* x = b.Input("x", {1, 2, 6, 6}, DataType::Int(4));
  Node* c1 = b.Op("Conv", {x, b.Const("w1", RandomTensor({3, 2, 3, 3}, -4, 3), DataType::Int(3))});
  c1->SetAttr("pads", Attribute::Ints({1, 1, 1, 1}));
  Node* c2 = b.Op("Conv", {c1->output(0),
                           b.Const("w2", RandomTensor({2, 3, 2, 2}, -4, 3), DataType::Int(3))});
  b.Output(c2->output(0));
  std::unique_ptr<Model> model = b.Finish();
  PassContext ctx;
  RunAndCheck(*model, {"lower-conv-to-matmul", "cancel-transposes"}, {}, &ctx);
  EXPECT_THAT(ctx.warnings, IsEmpty());
  EXPECT_THAT(OpTypes(*model),
              ElementsAre("Transpose", "Im2Col", "MatMul", "Im2Col", "MatMul", "Transpose"));
}

TEST(LowerConvTest, NoWarningWithoutConvolutions) {
  Builder b;
  Node* relu = b.Op("Relu", {b.Input("x", {1, 2, 3, 3})});
  b.Output(relu->output(0));
  std::unique_ptr<Model> model = b.Finish();
  PassContext ctx;
  auto changed = RunPasses(*model, {"lower-conv-to-matmul"}, &ctx);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
  EXPECT_THAT(ctx.warnings, IsEmpty());
}

// ============================================================================ make-maxpool-nhwc

Node* MaxPool(Builder& b, Value* x) {
  Node* pool = b.Op("MaxPool", {x});
  pool->SetAttr("kernel_shape", Attribute::Ints({3, 2}));
  pool->SetAttr("strides", Attribute::Ints({2, 2}));
  pool->SetAttr("pads", Attribute::Ints({1, 0, 1, 1}));
  pool->SetAttr("ceil_mode", Attribute::Int(1));
  return pool;
}

Node* Transpose(Builder& b, Value* x, std::vector<int64_t> perm) {
  Node* t = b.Op("Transpose", {x});
  t->SetAttr("perm", Attribute::Ints(perm));
  return t;
}

TEST(MakeMaxPoolNhwcTest, MaxPoolAfterNhwcToNchwTranspose) {
  Builder b;
  Value* x = b.Input("x", {2, 7, 6, 3}, DataType::Int(5));
  Node* pool = MaxPool(b, Transpose(b, x, {0, 3, 1, 2})->output(0));
  const std::string name = pool->name();
  b.Output(pool->output(0));
  std::unique_ptr<Model> model = b.Finish();
  RunAndCheck(*model, {"make-maxpool-nhwc"});
  EXPECT_THAT(OpTypes(*model), ElementsAre("MaxPoolNHWC", "Transpose"));
  Node* nhwc = Find(*model->graph, "MaxPoolNHWC");
  EXPECT_EQ(nhwc->name(), name);
  EXPECT_EQ(nhwc->domain(), kQonnxDomain);
  EXPECT_EQ(nhwc->GetInts("pads", {}), (std::vector<int64_t>{1, 0, 1, 1}));
  EXPECT_EQ(nhwc->GetInt("ceil_mode", 0), 1);
  EXPECT_EQ(nhwc->output(0)->type().dtype, DataType::Int(5));
}

TEST(MakeMaxPoolNhwcTest, MaxPoolBeforeNchwToNhwcTranspose) {
  Builder b;
  Value* x = b.Input("x", {1, 3, 7, 6});
  Node* pool = MaxPool(b, x);
  pool->SetAttr("auto_pad", Attribute::String("SAME_UPPER"));
  pool->RemoveAttr("pads");
  b.Output(Transpose(b, pool->output(0), {0, 2, 3, 1})->output(0));
  std::unique_ptr<Model> model = b.Finish();
  RunAndCheck(*model, {"make-maxpool-nhwc"});
  EXPECT_THAT(OpTypes(*model), ElementsAre("Transpose", "MaxPoolNHWC"));
  // SAME_UPPER, ceil(7 / 2) = 4 rows: total padding (4 - 1) * 2 + 3 - 7 = 2 -> 1 + 1.
  EXPECT_EQ(Find(*model->graph, "MaxPoolNHWC")->GetInts("pads", {}),
            (std::vector<int64_t>{1, 0, 1, 0}));
}

TEST(MakeMaxPoolNhwcTest, LeavesOtherMaxPools) {
  Builder b;
  Value* x = b.Input("x", {1, 3, 7, 6});
  Node* plain = MaxPool(b, x);  // no Transpose around it
  Node* dilated = MaxPool(b, Transpose(b, b.Input("y", {1, 7, 6, 3}), {0, 3, 1, 2})->output(0));
  dilated->SetAttr("dilations", Attribute::Ints({2, 1}));
  Node* forked = MaxPool(b, x);  // read by the Transpose and by the graph output
  b.Output(plain->output(0));
  b.Output(dilated->output(0));
  b.Output(forked->output(0));
  b.Output(Transpose(b, forked->output(0), {0, 2, 3, 1})->output(0));
  std::unique_ptr<Model> model = b.Finish();
  auto changed = RunPasses(*model, {"make-maxpool-nhwc"});
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
}

// ============================================================ move-transpose-past-elementwise

TEST(MoveTransposeTest, PastUnaryPerChannelConstantsAndMultiThreshold) {
  Builder b;
  Value* x = b.Input("x", {2, 4, 5, 3});
  Value* t = Transpose(b, x, {0, 3, 1, 2})->output(0);  // NCHW [2, 3, 4, 5]
  Value* r = b.Op("Relu", {t})->output(0);
  Value* m = b.Op("Mul", {r, b.Const("scale", RandomTensor({3, 1, 1}))})->output(0);
  Value* a = b.Op("Add", {b.Const("shift", RandomTensor({1})), m})->output(0);
  Tensor thresholds = Tensor::FromVector<float>({3, 2}, {-0.5f, 0.25f, 0, 0.5f, -1, 1});
  Node* mt = b.Op("MultiThreshold", {a, b.Const("thr", thresholds)}, kQonnxDomain);
  mt->SetAttr("out_dtype", Attribute::String("UINT2"));
  b.Output(mt->output(0));
  const std::string mt_name = mt->name();
  std::unique_ptr<Model> model = b.Finish();
  RunAndCheck(*model, {"move-transpose-past-elementwise"});
  EXPECT_THAT(OpTypes(*model), ElementsAre("Relu", "Mul", "Add", "MultiThreshold", "Transpose"));
  const Graph& g = *model->graph;
  EXPECT_EQ(ShapeToDims(*Find(g, "Mul")->input(1)->type().shape), (Dims{1, 1, 1, 3}));
  EXPECT_EQ(Find(g, "Add")->input(0)->name(), "shift");  // one element: unchanged
  Node* moved = Find(g, "MultiThreshold");
  EXPECT_EQ(moved->name(), mt_name);
  EXPECT_EQ(moved->GetString("data_layout", ""), "NHWC");
  EXPECT_EQ(moved->input(1)->name(), "thr");
  EXPECT_EQ(g.outputs()[0]->producer()->GetInts("perm", {}), (std::vector<int64_t>{0, 3, 1, 2}));
}

TEST(MoveTransposeTest, IntegerQuantizersAndJoinsAreExact) {
  Builder b;
  Value* x = b.Input("x", {1, 3, 4, 2}, DataType::Int(6));
  Value* y = b.Input("y", {1, 3, 4, 2}, DataType::Int(6));
  Value* tx = Transpose(b, x, {0, 3, 1, 2})->output(0);
  Value* ty = Transpose(b, y, {0, 3, 1, 2})->output(0);
  Value* sum = b.Op("Add", {tx, ty})->output(0);
  Node* q = b.Op("Quant", {sum, b.Const("s", RandomTensor({1, 2, 1, 1}, 1, 3)),
                           b.Const("z", Tensor::Scalar<float>(0)),
                           b.Const("bw", Tensor::Scalar<float>(4))},
                 kQonnxDomain);
  q->SetAttr("signed", Attribute::Int(1));
  q->SetAttr("narrow", Attribute::Int(0));
  q->SetAttr("rounding_mode", Attribute::String("ROUND"));
  b.Output(q->output(0));
  std::unique_ptr<Model> model = b.Finish();
  RunAndCheck(*model, {"move-transpose-past-elementwise"});
  EXPECT_THAT(OpTypes(*model), ElementsAre("Add", "Quant", "Transpose"));
  EXPECT_EQ(ShapeToDims(*Find(*model->graph, "Quant")->input(1)->type().shape),
            (Dims{1, 1, 1, 2}));
}

TEST(MoveTransposeTest, ForkedTransposeMovesBelowEachReaderItCanPass) {
  Builder b;
  Value* x = b.Input("x", {1, 3, 3, 2});
  Value* t = Transpose(b, x, {0, 3, 1, 2})->output(0);
  b.Output(b.Op("Relu", {t})->output(0));
  b.Output(b.Op("Sigmoid", {t})->output(0));
  Node* pool = b.Op("GlobalAveragePool", {t});  // cannot be passed
  b.Output(pool->output(0));
  std::unique_ptr<Model> model = b.Finish();
  RunAndCheck(*model, {"move-transpose-past-elementwise"});
  EXPECT_EQ(Count(*model->graph, "Transpose"), 3);
  EXPECT_EQ(Find(*model->graph, "GlobalAveragePool")->input(0)->producer()->op_type(),
            "Transpose");
  EXPECT_EQ(Find(*model->graph, "Relu")->input(0)->name(), "x");
}

TEST(MoveTransposeTest, LeavesOpsItCannotPass) {
  Builder b;
  Value* t = Transpose(b, b.Input("x", {1, 3, 3, 2}), {0, 3, 1, 2})->output(0);
  b.Output(b.Op("Mul", {t, b.Input("s", {1, 2, 3, 1})})->output(0));  // dynamic, not all ones
  b.Output(b.Op("Add", {t, b.Const("c", RandomTensor({1, 1, 1, 2, 3, 3}))})->output(0));  // rank
  Node* mt = b.Op("MultiThreshold", {t, b.Const("thr", RandomTensor({2, 1}))}, kQonnxDomain);
  mt->SetAttr("out_dtype", Attribute::String("UINT1"));
  mt->SetAttr("data_layout", Attribute::String("NC"));  // does not describe rank-4 data
  b.Output(mt->output(0));
  std::unique_ptr<Model> model = b.Finish();
  auto changed = RunPasses(*model, {"move-transpose-past-elementwise"});
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
  EXPECT_EQ(model->graph->initializers().size(), 2u);  // no permuted constants left behind
}

// ============================================================== absorb-transpose-into-flatten

std::unique_ptr<Model> FlattenModel(bool reshape, bool integer) {
  Builder b;
  Value* x = b.Input("x", {2, 3, 4, 5}, integer ? std::optional(DataType::Int(4)) : std::nullopt);
  Value* t = Transpose(b, x, {0, 3, 1, 2})->output(0);  // [2, 5, 3, 4]
  Value* f;
  if (reshape) {
    f = b.Op("Reshape", {t, b.Const("shape", Tensor::FromVector<int64_t>({2}, {-1, 60}))})
            ->output(0);
  } else {
    f = b.Op("Flatten", {t})->output(0);
  }
  const Tensor w = integer ? RandomTensor({60, 7}, -8, 7) : RandomTensor({60, 7});
  Value* wv = b.Const("w", w, integer ? std::optional(DataType::Int(4)) : std::nullopt);
  b.Output(b.Op("MatMul", {f, wv})->output(0));
  b.Output(b.Op("MatMul", {f, wv})->output(0));  // two readers share the weight
  return b.Finish();
}

TEST(AbsorbTransposeIntoFlattenTest, IntegerIsBitExact) {
  for (bool reshape : {false, true}) {
    SCOPED_TRACE(reshape ? "Reshape" : "Flatten");
    std::unique_ptr<Model> model = FlattenModel(reshape, /*integer=*/true);
    RunAndCheck(*model, {"absorb-transpose-into-flatten"});
    EXPECT_THAT(OpTypes(*model), ElementsAre("Flatten", "MatMul", "MatMul"));
    Node* mm = Find(*model->graph, "MatMul");
    EXPECT_EQ(mm->input(1)->type().dtype, DataType::Int(4));
    EXPECT_EQ(model->graph->FindValue("w"), nullptr);  // replaced, no longer read
  }
}

TEST(AbsorbTransposeIntoFlattenTest, FloatWithinTolerance) {
  std::unique_ptr<Model> model = FlattenModel(false, /*integer=*/false);
  RunAndCheck(*model, {"absorb-transpose-into-flatten"}, kFloatTolerance);
}

TEST(AbsorbTransposeIntoFlattenTest, LeavesFlattenWithOtherReaders) {
  Builder b;
  Value* t = Transpose(b, b.Input("x", {1, 2, 2, 3}), {0, 3, 1, 2})->output(0);
  Value* f = b.Op("Flatten", {t})->output(0);
  b.Output(b.Op("MatMul", {f, b.Const("w", RandomTensor({12, 2}))})->output(0));
  b.Output(b.Op("Relu", {f})->output(0));
  std::unique_ptr<Model> model = b.Finish();
  auto changed = RunPasses(*model, {"absorb-transpose-into-flatten"});
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
}

// ============================================================================ whole networks

const std::vector<std::string> kLowering = {
    "lower-conv-to-matmul",  "move-transpose-past-elementwise", "make-maxpool-nhwc",
    "move-transpose-past-elementwise", "cancel-transposes", "absorb-transpose-into-flatten",
    "remove-dead-code"};

// x -> Conv 3x3 pad 1 -> Relu -> MaxPool 2x2 -> Conv 3x3 stride 2 -> [MultiThreshold | Relu]
//   -> Flatten -> MatMul.
std::unique_ptr<Model> ConvNet(bool integer, bool thresholds) {
  Builder b;
  auto dt = [&](DataType t) { return integer ? std::optional<DataType>(t) : std::nullopt; };
  auto weights = [&](Dims d) { return integer ? RandomTensor(d, -3, 3) : RandomTensor(d); };
  Value* x = b.Input("x", {1, 3, 10, 10}, dt(DataType::UInt(4)));
  Node* c1 = b.Op("Conv", {x, b.Const("w1", weights({4, 3, 3, 3}), dt(DataType::Int(3))),
                           b.Const("b1", weights({4}), dt(DataType::Int(3)))});
  c1->SetAttr("pads", Attribute::Ints({1, 1, 1, 1}));
  Value* r1 = b.Op("Relu", {c1->output(0)})->output(0);
  Node* pool = b.Op("MaxPool", {r1});
  pool->SetAttr("kernel_shape", Attribute::Ints({2, 2}));
  pool->SetAttr("strides", Attribute::Ints({2, 2}));
  Node* c2 = b.Op("Conv", {pool->output(0), b.Const("w2", weights({5, 4, 3, 3}),
                                                    dt(DataType::Int(3)))});
  c2->SetAttr("strides", Attribute::Ints({2, 2}));
  Value* act;
  if (thresholds) {
    std::vector<float> t;
    for (int c = 0; c < 5; ++c) {
      for (int k = 0; k < 3; ++k) t.push_back(static_cast<float>(-20 + 15 * k + c));
    }
    Node* mt = b.Op("MultiThreshold",
                    {c2->output(0), b.Const("thr", Tensor::FromVector<float>({5, 3}, t))},
                    kQonnxDomain);
    mt->SetAttr("out_dtype", Attribute::String("UINT2"));
    mt->SetAttr("data_layout", Attribute::String("NCHW"));
    act = mt->output(0);
  } else {
    act = b.Op("Relu", {c2->output(0)})->output(0);
  }
  Value* flat = b.Op("Flatten", {act})->output(0);
  b.Output(b.Op("MatMul", {flat, b.Const("w3", weights({20, 6}), dt(DataType::Int(3)))})
               ->output(0));
  return b.Finish();
}

TEST(LowerConvNetTest, OnlyTheInputTransposeRemains) {
  for (bool thresholds : {false, true}) {
    for (bool integer : {true, false}) {
      SCOPED_TRACE(absl::StrCat(thresholds ? "MultiThreshold" : "Relu",
                                integer ? " integer" : " float"));
      std::unique_ptr<Model> model = ConvNet(integer, thresholds);
      RunAndCheck(*model, kLowering, integer ? FloatTolerance{} : kFloatTolerance);
      const Graph& g = *model->graph;
      EXPECT_EQ(Count(g, "Conv"), 0);
      EXPECT_EQ(Count(g, "MaxPool"), 0);
      EXPECT_EQ(Count(g, "MaxPoolNHWC"), 1);
      EXPECT_EQ(Count(g, "Im2Col"), 2);
      ASSERT_EQ(Count(g, "Transpose"), 1);
      EXPECT_EQ(Find(g, "Transpose")->input(0)->name(), "x");
      if (thresholds) {
        EXPECT_EQ(Find(g, "MultiThreshold")->GetString("data_layout", ""), "NHWC");
      }
    }
  }
}

}  // namespace
}  // namespace finngl
