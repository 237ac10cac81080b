// Tests of the executor: plan once / run many, batch sizes, input checking, outer-scope values,
// and the promise that a Scan loop does not allocate per iteration.
#include <atomic>
#include <cstdlib>
#include <new>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "src/exec/executor.h"
#include "src/ir/graph.h"

// Counts every heap allocation made by this test binary. (GCC cannot see that these replacement
// operators pair malloc with free, and warns at every inlined delete.)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
static std::atomic<int64_t> g_allocations{0};
void* operator new(size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace finngl {
namespace {

using ::testing::HasSubstr;

TensorType FloatType(std::vector<Dim> dims) {
  TensorType t;
  t.elem = ElementType::kFloat;
  t.shape = Shape(dims.begin(), dims.end());
  return t;
}

// y = relu(x * w + b) with a symbolic batch dimension.
std::unique_ptr<Model> AffineReluModel() {
  auto m = std::make_unique<Model>();
  m->opset_imports.push_back({"", 17});
  Graph& g = *m->graph;
  Value* x = *g.AddValue("x", FloatType({Dim{-1, "N"}, Dim{3, ""}}));
  g.AddInput(x);
  Value* w = *g.AddInitializer("w", Tensor::FromVector<float>({3}, {1, -2, 0.5f}));
  Value* b = *g.AddInitializer("b", Tensor::FromVector<float>({3}, {0, 1, -1}));
  Node* mul = *g.AddNodeWithNewOutputs("Mul", "", "mul", {x, w}, {"xw"});
  Node* add = *g.AddNodeWithNewOutputs("Add", "", "add", {mul->output(0), b}, {"xwb"});
  Node* relu = *g.AddNodeWithNewOutputs("Relu", "", "relu", {add->output(0)}, {"y"});
  g.AddOutput(relu->output(0));
  return m;
}

TEST(ExecutorTest, RunsManyBatchSizesWithOnePlan) {
  auto exe = Executor::Create(*AffineReluModel());
  ASSERT_TRUE(exe.ok()) << exe.status();
  for (int batch : {1, 4, 2, 7}) {
    Tensor x(ElementType::kFloat, {batch, 3});
    for (int64_t i = 0; i < x.size(); ++i) x.data<float>()[i] = static_cast<float>(i % 5) - 2;
    auto out = (*exe)->Run(std::vector<Tensor>{x});
    ASSERT_TRUE(out.ok()) << out.status();
    const Tensor& y = (*out)[0];
    ASSERT_EQ(y.dims(), (Dims{batch, 3}));
    const float w[3] = {1, -2, 0.5f}, b[3] = {0, 1, -1};
    for (int64_t i = 0; i < y.size(); ++i) {
      float want = std::max(0.0f, x.data<float>()[i] * w[i % 3] + b[i % 3]);
      EXPECT_EQ(y.data<float>()[i], want);
    }
  }
}

TEST(ExecutorTest, RejectsWrongInputs) {
  auto exe = Executor::Create(*AffineReluModel());
  ASSERT_TRUE(exe.ok());
  auto bad_shape = (*exe)->Run(std::vector<Tensor>{Tensor(ElementType::kFloat, {2, 4})});
  ASSERT_FALSE(bad_shape.ok());
  EXPECT_THAT(std::string(bad_shape.status().message()),
              HasSubstr("input 'x': expected shape [N, 3], got [2, 4]"));
  auto bad_type = (*exe)->Run(std::vector<Tensor>{Tensor(ElementType::kInt8, {2, 3})});
  ASSERT_FALSE(bad_type.ok());
  EXPECT_THAT(std::string(bad_type.status().message()), HasSubstr("expected element type float"));
  std::map<std::string, Tensor> named;
  named["z"] = Tensor(ElementType::kFloat, {1, 3});
  auto bad_name = (*exe)->Run(named);
  ASSERT_FALSE(bad_name.ok());
  EXPECT_THAT(std::string(bad_name.status().message()), HasSubstr("missing input 'x'"));
}

// Scan computing a running state s_t = sigmoid(s_{t-1} * a + x_t) where `a` is an outer-scope
// value, emitting s_t per step. The sequence length is symbolic.
std::unique_ptr<Model> RecurrenceModel() {
  auto m = std::make_unique<Model>();
  m->opset_imports.push_back({"", 17});
  Graph& g = *m->graph;
  Value* s0 = *g.AddValue("s0", FloatType({Dim{4, ""}}));
  Value* xs = *g.AddValue("xs", FloatType({Dim{-1, "T"}, Dim{4, ""}}));
  g.AddInput(s0);
  g.AddInput(xs);
  *g.AddInitializer("a", Tensor::FromVector<float>({4}, {0.5f, -1, 2, 0.25f}));
  auto body = std::make_unique<Graph>("body", &g);
  Value* s = *body->AddValue("s", FloatType({Dim{4, ""}}));
  Value* x = *body->AddValue("x", FloatType({Dim{4, ""}}));
  body->AddInput(s);
  body->AddInput(x);
  Value* a = *body->AddOuterRef("a", FloatType({Dim{4, ""}}));
  Node* mul = *body->AddNodeWithNewOutputs("Mul", "", "b_mul", {s, a}, {"sa"});
  Node* add = *body->AddNodeWithNewOutputs("Add", "", "b_add", {mul->output(0), x}, {"pre"});
  Node* sig = *body->AddNodeWithNewOutputs("Sigmoid", "", "b_sig", {add->output(0)}, {"s_next"});
  Node* copy = *body->AddNodeWithNewOutputs("Identity", "", "b_copy", {sig->output(0)}, {"s_out"});
  body->AddOutput(sig->output(0));
  body->AddOutput(copy->output(0));
  Value* s_final = *g.AddValue("s_final");
  Value* s_all = *g.AddValue("s_all");
  Node* scan = *g.AddNode("Scan", "", "scan", {s0, xs}, {s_final, s_all});
  scan->SetAttr("num_scan_inputs", Attribute::Int(1));
  scan->SetAttr("body", Attribute::FromGraph(std::move(body)));
  g.AddOutput(s_final);
  g.AddOutput(s_all);
  return m;
}

std::vector<Tensor> RecurrenceInputs(int steps) {
  Tensor s0 = Tensor::FromVector<float>({4}, {0.1f, 0.2f, 0.3f, 0.4f});
  Tensor xs(ElementType::kFloat, {steps, 4});
  for (int64_t i = 0; i < xs.size(); ++i) xs.data<float>()[i] = 0.01f * static_cast<float>(i % 17) - 0.05f;
  return {s0, xs};
}

TEST(ExecutorTest, ScanMatchesHandLoopWithOuterScopeValue) {
  auto exe = Executor::Create(*RecurrenceModel());
  ASSERT_TRUE(exe.ok()) << exe.status();
  std::vector<Tensor> in = RecurrenceInputs(9);
  auto out = (*exe)->Run(in);
  ASSERT_TRUE(out.ok()) << out.status();
  const float a[4] = {0.5f, -1, 2, 0.25f};
  std::vector<float> s(in[0].data<float>(), in[0].data<float>() + 4);
  for (int t = 0; t < 9; ++t) {
    for (int k = 0; k < 4; ++k) {
      float pre = s[k] * a[k] + in[1].data<float>()[t * 4 + k];
      s[k] = 1.0f / (1.0f + std::exp(-pre));
      EXPECT_NEAR((*out)[1].data<float>()[t * 4 + k], s[k], 1e-6) << "t=" << t;
    }
  }
  for (int k = 0; k < 4; ++k) EXPECT_NEAR((*out)[0].data<float>()[k], s[k], 1e-6);
}

TEST(ExecutorTest, ScanDoesNotAllocatePerIteration) {
  auto exe = Executor::Create(*RecurrenceModel());
  ASSERT_TRUE(exe.ok()) << exe.status();
  std::vector<Tensor> short_in = RecurrenceInputs(10), long_in = RecurrenceInputs(200);
  // Warm up with the longest sequence so every buffer has reached its final size.
  ASSERT_TRUE((*exe)->Run(long_in).ok());
  ASSERT_TRUE((*exe)->Run(short_in).ok());
  int64_t before = g_allocations.load();
  ASSERT_TRUE((*exe)->Run(short_in).ok());
  int64_t short_allocs = g_allocations.load() - before;
  before = g_allocations.load();
  ASSERT_TRUE((*exe)->Run(long_in).ok());
  int64_t long_allocs = g_allocations.load() - before;
  // 190 more iterations must not cost a single extra allocation.
  EXPECT_EQ(long_allocs, short_allocs);
}

}  // namespace
}  // namespace finngl

namespace finngl {
namespace {

// x -> Identity -> Conv(w, b) -> Relu -> y, optionally without the Relu.
std::unique_ptr<Model> ConvModel(bool with_relu) {
  auto m = std::make_unique<Model>();
  m->opset_imports.push_back({"", 17});
  Graph& g = *m->graph;
  Value* x = *g.AddValue("x", FloatType({Dim{1, ""}, Dim{2, ""}, Dim{6, ""}, Dim{5, ""}}));
  g.AddInput(x);
  std::vector<float> w(3 * 2 * 3 * 1), b{0.25f, -0.5f, 0.0f};
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.1f * static_cast<float>((i * 7) % 11) - 0.5f;
  Value* wv = *g.AddInitializer("w", Tensor::FromVector<float>({3, 2, 3, 1}, w));
  Value* bv = *g.AddInitializer("b", Tensor::FromVector<float>({3}, b));
  Node* copy = *g.AddNodeWithNewOutputs("Identity", "", "copy", {x}, {"x_copy"});
  Node* conv = *g.AddNodeWithNewOutputs("Conv", "", "conv", {copy->output(0), wv, bv}, {"conv_out"});
  if (!with_relu) {
    g.AddOutput(conv->output(0));
    return m;
  }
  Node* relu = *g.AddNodeWithNewOutputs("Relu", "", "relu", {conv->output(0)}, {"y"});
  g.AddOutput(relu->output(0));
  return m;
}

// The executor may fuse Conv+Relu at plan time; the result and the pre-Relu value a user can
// still observe must equal the unfused computation.
TEST(ExecutorTest, FusedConvReluKeepsEveryValueObservable) {
  auto fused = Executor::Create(*ConvModel(true));
  auto plain = Executor::Create(*ConvModel(false));
  ASSERT_TRUE(fused.ok() && plain.ok());
  for (int run = 0; run < 2; ++run) {
    Tensor x(ElementType::kFloat, {1, 2, 6, 5});
    for (int64_t i = 0; i < x.size(); ++i) {
      x.data<float>()[i] = 0.37f * static_cast<float>((i * 13 + run * 5) % 17) - 3.0f;
    }
    auto y = (*fused)->Run(std::vector<Tensor>{x});
    auto conv = (*plain)->Run(std::vector<Tensor>{x});
    ASSERT_TRUE(y.ok() && conv.ok());
    const Tensor& c = (*conv)[0];
    ASSERT_EQ((*y)[0].dims(), c.dims());
    for (int64_t i = 0; i < c.size(); ++i) {
      EXPECT_EQ((*y)[0].data<float>()[i], std::max(0.0f, c.data<float>()[i])) << i;
    }
    const Tensor* pre = (*fused)->Intermediate("conv_out");
    ASSERT_NE(pre, nullptr);
    ASSERT_TRUE(pre->SameContents(c)) << "run " << run;
  }
}

}  // namespace
}  // namespace finngl
