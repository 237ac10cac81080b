// Tests of the passes mapping the streamlined integer graph to HW ops (infer-mvau,
// infer-thresholding, infer-convolution-input-generator, infer-streaming-maxpool,
// infer-elementwise, infer-label-select, remove-stream-reshapes, infer-duplicate-streams and the
// convert-to-hw pipeline). Each test asserts the structure and attributes a pass produces, what it
// must leave alone, and runs the equivalence guard (tests/cpp/equivalence.h): outputs before and
// after the rewrite are bit-identical on random inputs drawn from the inputs' datatypes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "src/ops/infer.h"
#include "src/passes/pass.h"
#include "src/passes/pass_manager.h"
#include "tests/cpp/equivalence.h"
#include "tests/cpp/model_builder.h"
#include "tests/cpp/parse_model.h"

namespace finngl {
namespace {

using ::testing::ElementsAre;
using testing::ExpectEquivalent;
using testing::OpTypes;

constexpr int kSamples = 8;

using Builder = testing::ModelBuilder;

std::mt19937& Rng() {
  static std::mt19937 rng(4321);
  return rng;
}

// Random integers in [lo, hi] as float32.
Tensor RandomInts(Dims dims, int lo, int hi) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  std::vector<float> v(n);
  std::uniform_int_distribution<int> d(lo, hi);
  for (float& e : v) e = static_cast<float>(d(Rng()));
  return Tensor::FromVector<float>(dims, v);
}

// Ascending thresholds [rows, steps] spread over [lo, hi] (plus `offset`, e.g. 0.5).
Tensor Thresholds(int64_t rows, int64_t steps, int lo, int hi, float offset = 0) {
  std::vector<float> v;
  std::uniform_int_distribution<int> d(lo, hi);
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<float> row(steps);
    for (float& e : row) e = static_cast<float>(d(Rng())) + offset;
    std::sort(row.begin(), row.end());
    v.insert(v.end(), row.begin(), row.end());
  }
  return Tensor::FromVector<float>({rows, steps}, v);
}

absl::StatusOr<bool> RunPasses(Model& model, const std::vector<std::string>& passes) {
  PassContext ctx;
  return PassManager().RunPasses(model, passes, ctx);
}

absl::Status RunPipeline(Model& model, const std::string& name) {
  PassContext ctx;
  return PassManager().RunPipeline(model, name, ctx).status();
}

// Rewrites a copy with `passes`, expects `changed`, and checks equivalence with the original.
std::unique_ptr<Model> Rewrite(const Model& before, const std::vector<std::string>& passes,
                               bool changed = true) {
  std::unique_ptr<Model> after = before.Clone();
  absl::StatusOr<bool> c = RunPasses(*after, passes);
  EXPECT_TRUE(c.ok()) << c.status();
  if (c.ok()) EXPECT_EQ(*c, changed);
  ExpectEquivalent(before, *after, kSamples);
  return after;
}

const Node* Producer(const Model& m, int output = 0) {
  return m.graph->outputs()[output]->producer();
}

// ============================================================================ infer-mvau

TEST(InferMvauTest, MatMulThresholdChainBecomesMvausWithActivations) {
  Builder b;
  Value* x = b.Input("x", {3, 32}, DataType::Int(8));
  Value* a = b.Op("MatMul", {x, b.Const(RandomInts({32, 16}, -2, 1), DataType::Int(2))})->output(0);
  Value* h = b.Threshold(a, Thresholds(16, 3, -60, 60), DataType::UInt(2));
  Value* a2 = b.Op("MatMul", {h, b.Const(RandomInts({16, 10}, -8, 7), DataType::Int(4))})->output(0);
  Value* h2 = b.Threshold(a2, Thresholds(10, 15, -40, 40), DataType::Int(4), -8);
  Value* y = b.Op("MatMul", {h2, b.Const(RandomInts({10, 4}, -1, 1))})->output(0);
  b.Output(y);
  auto before = b.Finish();
  auto after = Rewrite(*before, {"infer-mvau"});
  EXPECT_THAT(OpTypes(*after->graph), ElementsAre("MVAU", "MVAU", "MVAU"));
  const std::vector<Node*> nodes = after->graph->nodes();
  const Node& m0 = *nodes[0];
  EXPECT_EQ(m0.domain(), kHwDomain);
  EXPECT_EQ(m0.GetInt("MW", 0), 32);
  EXPECT_EQ(m0.GetInt("MH", 0), 16);
  EXPECT_EQ(m0.GetInt("noActivation", -1), 0);
  EXPECT_EQ(m0.GetInt("ActVal", -1), 0);
  EXPECT_EQ(m0.GetString("inputDataType", ""), "INT8");
  EXPECT_EQ(m0.GetString("weightDataType", ""), "INT2");
  EXPECT_EQ(m0.GetString("outputDataType", ""), "UINT2");
  EXPECT_EQ(m0.GetString("accDataType", "").substr(0, 3), "INT");
  EXPECT_EQ(m0.num_inputs(), 3);
  EXPECT_EQ(nodes[1]->GetInt("ActVal", 0), -8);
  EXPECT_EQ(nodes[1]->GetString("inputDataType", ""), "UINT2");
  EXPECT_EQ(nodes[1]->GetString("outputDataType", ""), "INT4");
  // The last MatMul has no activation; its weights' type comes from their values.
  EXPECT_EQ(nodes[2]->GetInt("noActivation", 0), 1);
  EXPECT_EQ(nodes[2]->num_inputs(), 2);
  EXPECT_EQ(nodes[2]->GetString("weightDataType", ""), "INT2");
  EXPECT_GE(after->OpsetVersion(kHwDomain), 1);
  // Nothing is left for a second run.
  Rewrite(*after, {"infer-mvau"}, /*changed=*/false);
}

TEST(InferMvauTest, FractionalThresholdsAreRoundedUpExactly) {
  Builder b;
  Value* x = b.Input("x", {4, 8}, DataType::Int(4));
  Value* a = b.Op("MatMul", {x, b.Const(RandomInts({8, 6}, -3, 3), DataType::Int(3))})->output(0);
  b.Output(b.Threshold(a, Thresholds(6, 7, -30, 30, 0.5f), DataType::UInt(3)));
  auto before = b.Finish();
  auto after = Rewrite(*before, {"infer-mvau"});
  ASSERT_THAT(OpTypes(*after->graph), ElementsAre("MVAU"));
  const Tensor* t = after->graph->nodes()[0]->input(2)->initializer();
  ASSERT_NE(t, nullptr);
  for (double v : t->ToDoubles()) EXPECT_EQ(v, std::trunc(v));
  const TensorType& tt = after->graph->nodes()[0]->input(2)->type();
  EXPECT_TRUE(tt.dtype_annotated && tt.dtype.IsInteger()) << tt.ToString();
}

TEST(InferMvauTest, SequenceInputGetsItsStepsAsInputVectors) {
  // A hoisted input projection: x [T = 5, N, 12] with a symbolic batch N.
  Builder b;
  Value* x = b.Input("x", Shape{Dim{5, ""}, Dim{-1, "N"}, Dim{12, ""}}, DataType::UInt(4));
  Value* a = b.Op("MatMul", {x, b.Const(RandomInts({12, 8}, -8, 7), DataType::Int(4))})->output(0);
  b.Output(a);
  auto before = b.Finish();
  auto after = Rewrite(*before, {"infer-mvau"});
  const Node& m = *after->graph->nodes()[0];
  EXPECT_EQ(m.op_type(), "MVAU");
  EXPECT_EQ(m.GetInts("numInputVectors", {}), (std::vector<int64_t>{5}));
  EXPECT_EQ(ShapeToString(*after->graph->outputs()[0]->type().shape), "[5, N, 8]");
}

TEST(InferMvauTest, LeavesFloatInputsScaledThresholdsAndSharedAccumulatorsAlone) {
  Builder b;
  Value* f = b.Input("f", {2, 8});  // float: not an integer stream
  b.Output(b.Op("MatMul", {f, b.Const(RandomInts({8, 4}, -2, 1))})->output(0));
  Value* x = b.Input("x", {2, 8}, DataType::Int(4));
  Value* a = b.Op("MatMul", {x, b.Const(RandomInts({8, 4}, -2, 1))})->output(0);
  Node* mt = b.g().nodes().back();
  (void)mt;
  Value* q = b.Threshold(a, Thresholds(4, 3, -10, 10), DataType::UInt(2));
  b.g().nodes().back()->SetAttr("out_scale", Attribute::Float(2.0f));  // not an integer level
  b.Output(q);
  Value* a2 = b.Op("MatMul", {x, b.Const(RandomInts({8, 4}, -2, 1))})->output(0);
  b.Output(b.Threshold(a2, Thresholds(4, 3, -10, 10), DataType::UInt(2)));
  b.Output(a2);  // the accumulator is also read elsewhere: no fusion
  auto before = b.Finish();
  auto after = Rewrite(*before, {"infer-mvau"});
  EXPECT_THAT(OpTypes(*after->graph),
              ElementsAre("MatMul", "MVAU", "MultiThreshold", "MVAU", "MultiThreshold"));
  for (const Node* n : after->graph->nodes()) {
    if (n->op_type() == "MVAU") EXPECT_EQ(n->GetInt("noActivation", 0), 1);
  }
}

// ============================================================================ infer-thresholding

TEST(InferThresholdingTest, IntegerChannelLastThresholdsBecomeThresholding) {
  Builder b;
  Value* x = b.Input("x", {2, 5, 5, 6}, DataType::Int(10));
  b.Output(b.Threshold(x, Thresholds(6, 15, -500, 500), DataType::Int(4), -8, "NHWC"));
  Value* f = b.Input("f", {2, 6});  // float input: the input quantizer stays
  b.Output(b.Threshold(f, Thresholds(1, 3, -1, 1), DataType::UInt(2)));
  Value* c = b.Input("cx", {2, 6, 3, 3}, DataType::Int(5));  // channel not last, per channel: stays
  b.Output(b.Threshold(c, Thresholds(6, 3, -10, 10), DataType::UInt(2), 0, "NCHW"));
  Value* s = b.Input("s", {2, 6, 3, 3}, DataType::Int(5));  // shared thresholds: any layout
  b.Output(b.Threshold(s, Thresholds(1, 3, -10, 10), DataType::UInt(2), 0, "NCHW"));
  auto before = b.Finish();
  auto after = Rewrite(*before, {"infer-thresholding"});
  EXPECT_THAT(OpTypes(*after->graph),
              ElementsAre("Thresholding", "MultiThreshold", "MultiThreshold", "Thresholding"));
  const Node& t = *Producer(*after, 0);
  EXPECT_EQ(t.GetInt("NumChannels", 0), 6);
  EXPECT_EQ(t.GetInt("numSteps", 0), 15);
  EXPECT_EQ(t.GetInt("ActVal", 0), -8);
  EXPECT_EQ(t.GetString("inputDataType", ""), "INT10");
  EXPECT_EQ(t.GetString("outputDataType", ""), "INT4");
  EXPECT_EQ(t.GetInts("numInputVectors", {}), (std::vector<int64_t>{5, 5}));
  EXPECT_EQ(Producer(*after, 3)->GetInt("NumChannels", 0), 3);
}

// ============================================================================ conv layers

// The lowered CNN: Im2Col -> MatMul -> MultiThreshold -> MaxPoolNHWC -> Im2Col (padded) -> MatMul
// -> MultiThreshold -> Flatten -> MatMul.
std::unique_ptr<Model> LoweredCnn() {
  Builder b;
  Value* x = b.Input("x", {2, 8, 8, 3}, DataType::Int(8));
  Node* i0 = b.Op("Im2Col", {x}, kQonnxDomain);
  i0->SetAttr("kernel_size", Attribute::Ints({3, 3}));
  i0->SetAttr("stride", Attribute::Ints({1, 1}));
  i0->SetAttr("input_shape", Attribute::String("(1, 8, 8, 3)"));
  Value* a0 =
      b.Op("MatMul", {i0->output(0), b.Const(RandomInts({27, 8}, -8, 7), DataType::Int(4))})
          ->output(0);
  Value* h0 = b.Threshold(a0, Thresholds(8, 15, -300, 300), DataType::UInt(4), 0, "NHWC");
  Node* pool = b.Op("MaxPoolNHWC", {h0}, kQonnxDomain);
  pool->SetAttr("kernel_shape", Attribute::Ints({2, 2}));
  pool->SetAttr("strides", Attribute::Ints({2, 2}));
  pool->SetAttr("pads", Attribute::Ints({0, 0, 0, 0}));
  Node* i1 = b.Op("Im2Col", {pool->output(0)}, kQonnxDomain);
  i1->SetAttr("kernel_size", Attribute::Ints({2, 2}));
  i1->SetAttr("stride", Attribute::Ints({1, 1}));
  i1->SetAttr("pad_amount", Attribute::Ints({1, 0, 0, 1}));
  i1->SetAttr("input_shape", Attribute::String("(1, 3, 3, 8)"));
  Value* a1 =
      b.Op("MatMul", {i1->output(0), b.Const(RandomInts({32, 4}, -8, 7), DataType::Int(4))})
          ->output(0);
  Value* h1 = b.Threshold(a1, Thresholds(4, 3, -100, 100), DataType::UInt(2), 0, "NHWC");
  Node* flat = b.Op("Flatten", {h1});
  flat->SetAttr("axis", Attribute::Int(1));
  b.Output(b.Op("MatMul", {flat->output(0), b.Const(RandomInts({36, 5}, -2, 1),
                                                    DataType::Int(2))})
               ->output(0));
  return b.Finish();
}

TEST(InferConvLayersTest, Im2ColAndMaxPoolBecomeSlidingWindowAndStreamingMaxPool) {
  auto before = LoweredCnn();
  auto after =
      Rewrite(*before, {"infer-convolution-input-generator", "infer-streaming-maxpool"});
  EXPECT_THAT(OpTypes(*after->graph),
              ElementsAre("ConvolutionInputGenerator", "MatMul", "MultiThreshold",
                          "StreamingMaxPool", "ConvolutionInputGenerator", "MatMul",
                          "MultiThreshold", "Flatten", "MatMul"));
  const std::vector<Node*> nodes = after->graph->nodes();
  const Node& swg = *nodes[4];
  EXPECT_EQ(swg.GetInts("ConvKernelDim", {}), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(swg.GetInts("IFMDim", {}), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(swg.GetInts("OFMDim", {}), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(swg.GetInts("Padding", {}), (std::vector<int64_t>{1, 0, 0, 1}));
  EXPECT_EQ(swg.GetInt("IFMChannels", 0), 8);
  EXPECT_EQ(swg.GetString("inputDataType", ""), "UINT4");
  const Node& pool = *nodes[3];
  EXPECT_EQ(pool.GetInts("ImgDim", {}), (std::vector<int64_t>{6, 6}));
  EXPECT_EQ(pool.GetInts("PoolDim", {}), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(pool.GetString("dataType", ""), "UINT4");
}

TEST(ConvertToHwPipelineTest, LoweredCnnBecomesHwOpsOnly) {
  auto before = LoweredCnn();
  std::unique_ptr<Model> after = before->Clone();
  ASSERT_TRUE(RunPipeline(*after, "convert-to-hw").ok());
  // The Flatten between the last Thresholding MVAU and the classifier MVAU is gone.
  EXPECT_THAT(OpTypes(*after->graph),
              ElementsAre("ConvolutionInputGenerator", "MVAU", "StreamingMaxPool",
                          "ConvolutionInputGenerator", "MVAU", "MVAU"));
  for (const Node* n : after->graph->nodes()) EXPECT_EQ(n->domain(), kHwDomain);
  EXPECT_EQ(ShapeToString(*after->graph->outputs()[0]->type().shape), "[2, 5]");
  ExpectEquivalent(*before, *after, kSamples);
}

TEST(InferStreamingMaxPoolTest, PaddedPoolStays) {
  Builder b;
  Value* x = b.Input("x", {1, 4, 4, 2}, DataType::Int(4));
  Node* pool = b.Op("MaxPoolNHWC", {x}, kQonnxDomain);
  pool->SetAttr("kernel_shape", Attribute::Ints({2, 2}));
  pool->SetAttr("strides", Attribute::Ints({2, 2}));
  pool->SetAttr("pads", Attribute::Ints({1, 1, 1, 1}));
  b.Output(pool->output(0));
  auto before = b.Finish();
  Rewrite(*before, {"infer-streaming-maxpool"}, /*changed=*/false);
}

// ============================================================================ infer-elementwise

TEST(InferElementwiseTest, StreamsAndPerChannelConstants) {
  Builder b;
  Value* p = b.Input("p", {3, 2, 8}, DataType::Int(6));
  Value* q = b.Input("q", {3, 2, 8}, DataType::UInt(4));
  Value* sum = b.Op("Add", {p, q})->output(0);
  Value* prod = b.Op("Mul", {b.Const(RandomInts({1, 1, 8}, -3, 3)), sum})->output(0);  // swapped
  Value* diff = b.Op("Sub", {prod, b.Const(RandomInts({}, -5, 5))})->output(0);
  b.Output(diff);
  b.Output(b.Op("Sub", {b.Const(RandomInts({8}, -5, 5)), p})->output(0));  // constant first: stays
  b.Output(b.Op("Add", {p, b.Const(RandomInts({2, 8}, -5, 5))})->output(0));  // not per channel
  Value* f = b.Input("f", {3, 8});  // float operand
  b.Output(b.Op("Mul", {f, b.Const(RandomInts({8}, -5, 5))})->output(0));
  auto before = b.Finish();
  auto after = Rewrite(*before, {"infer-elementwise"});
  EXPECT_THAT(OpTypes(*after->graph), ElementsAre("ElementwiseAdd", "ElementwiseMul",
                                                  "ElementwiseSub", "Sub", "Add", "Mul"));
  const std::vector<Node*> nodes = after->graph->nodes();
  EXPECT_EQ(nodes[0]->GetString("lhsDataType", ""), "INT6");
  EXPECT_EQ(nodes[0]->GetString("rhsDataType", ""), "UINT4");
  EXPECT_EQ(nodes[0]->GetInt("NumChannels", 0), 8);
  EXPECT_EQ(nodes[0]->GetInts("numInputVectors", {}), (std::vector<int64_t>{2}));
  // The swapped Mul reads the stream first and the constant as [C].
  EXPECT_EQ(nodes[1]->input(0), nodes[0]->output(0));
  EXPECT_EQ(nodes[1]->input(1)->initializer()->dims(), (Dims{8}));
  EXPECT_EQ(nodes[2]->input(1)->initializer()->dims(), (Dims{1}));
}

// ============================================================================ infer-label-select

TEST(InferLabelSelectTest, ArgMaxOverLabelsWithAndWithoutKeepdims) {
  Builder b;
  Value* x = b.Input("x", {6, 10}, DataType::UInt(2));  // small range: many ties
  Node* keep = b.Op("ArgMax", {x});
  keep->SetAttr("axis", Attribute::Int(1));
  b.Output(keep->output(0));
  Node* drop = b.Op("ArgMax", {x});
  drop->SetAttr("axis", Attribute::Int(-1));
  drop->SetAttr("keepdims", Attribute::Int(0));
  b.Output(drop->output(0));
  Node* first = b.Op("ArgMax", {x});  // over the batch axis: stays
  first->SetAttr("axis", Attribute::Int(0));
  b.Output(first->output(0));
  auto before = b.Finish();
  auto after = Rewrite(*before, {"infer-label-select"});
  EXPECT_THAT(OpTypes(*after->graph), ElementsAre("LabelSelect", "LabelSelect", "Reshape", "ArgMax"));
  EXPECT_EQ(Producer(*after, 0)->GetString("outputDataType", ""), "UINT4");
  EXPECT_EQ(ShapeToString(*after->graph->outputs()[1]->type().shape), "[6]");
}

// ============================================================================ streams

TEST(RemoveStreamReshapesTest, ReshapesBetweenHwOpsGoOthersStay) {
  Builder b;
  Value* x = b.Input("x", {2, 4, 4}, DataType::Int(8));
  Value* t = b.Threshold(x, Thresholds(4, 3, -50, 50), DataType::UInt(2));
  Value* shape = b.Const(Tensor::FromVector<int64_t>({2}, {2, 16}));
  Value* r = b.Op("Reshape", {t, shape})->output(0);
  Value* m = b.Op("MatMul", {r, b.Const(RandomInts({16, 6}, -2, 1))})->output(0);
  b.Output(m);
  // A reshape feeding a float op stays.
  Value* r2 = b.Op("Reshape", {t, shape})->output(0);
  b.Output(b.Op("Relu", {r2})->output(0));
  auto before = b.Finish();
  auto after =
      Rewrite(*before, {"infer-mvau", "infer-thresholding", "remove-stream-reshapes"});
  EXPECT_THAT(OpTypes(*after->graph), ElementsAre("Thresholding", "MVAU", "Reshape", "Relu"));
  const std::vector<Node*> nodes = after->graph->nodes();
  EXPECT_EQ(nodes[1]->input(0), nodes[0]->output(0));
  EXPECT_EQ(ShapeToString(*after->graph->outputs()[0]->type().shape), "[2, 6]");
}

TEST(InferDuplicateStreamsTest, ForksAStreamReadByTwoHwNodes) {
  Builder b;
  Value* x = b.Input("x", {2, 8}, DataType::Int(4));
  Value* t = b.Threshold(x, Thresholds(8, 3, -6, 6), DataType::UInt(2));
  b.Output(b.Op("MatMul", {t, b.Const(RandomInts({8, 4}, -2, 1))})->output(0));
  b.Output(b.Op("MatMul", {t, b.Const(RandomInts({8, 3}, -2, 1))})->output(0));
  b.Output(b.Op("MatMul", {x, b.Const(RandomInts({8, 3}, -2, 1))})->output(0));
  b.Output(b.Op("Add", {x, x})->output(0));
  auto before = b.Finish();
  auto after = Rewrite(*before, {"infer-mvau", "infer-thresholding", "infer-elementwise",
                                 "infer-duplicate-streams"});
  // t feeds two MVAUs; the graph input x feeds the Thresholding, an MVAU and both Add inputs.
  int forks = 0;
  for (const Node* n : after->graph->nodes()) {
    if (n->op_type() != "DuplicateStreams") continue;
    ++forks;
    EXPECT_EQ(n->GetInt("NumOutputStreams", 0), n->num_outputs());
    for (const Value* out : n->outputs()) EXPECT_EQ(out->uses().size(), 1u);
    if (n->input(0)->name() == "x") EXPECT_EQ(n->num_outputs(), 4);
    if (n->input(0)->name() != "x") EXPECT_EQ(n->num_outputs(), 2);
  }
  EXPECT_EQ(forks, 2);
  // Idempotent.
  Rewrite(*after, {"infer-duplicate-streams"}, /*changed=*/false);
}

// ============================================================================ Scan bodies

TEST(ConvertToHwPipelineTest, AppliesInsideScanBodies) {
  auto model = testing::ParseModel(R"ONNX(
  <ir_version: 8, opset_import: ["" : 17, "qonnx.custom_op.general" : 1]>
  g (float[1, 4] init, float[5, 1, 4] xs) => (float[1, 4] final, float[5, 1, 4] ys)
  {
    final, ys = Scan <num_scan_inputs = 1,
        body = b (float[1, 4] h_in, float[1, 4] x_in) => (float[1, 4] h_out, float[1, 4] y_out)
        <float[4, 4] w = {1, -1, 0, 2, 0, 1, -2, 1, 1, 1, 1, -1, -2, 0, 1, 1},
         float[4, 3] thr = {-3, 0, 3, -2, 0, 2, -1, 0, 1, -4, 0, 4}> {
          m = MatMul(h_in, w)
          s = Add(m, x_in)
          h_out = qonnx.custom_op.general.MultiThreshold <out_dtype = "INT2", out_bias = -2.0,
                  data_layout = "NC"> (s, thr)
          y_out = Identity(h_out)
        }> (init, xs)
  })ONNX");
  ASSERT_NE(model, nullptr);
  for (const char* name : {"init", "xs"}) {
    model->graph->FindValue(name)->type().dtype = DataType::Int(2);
    model->graph->FindValue(name)->type().dtype_annotated = true;
  }
  Graph& body0 = *model->graph->nodes()[0]->subgraphs().at(0);
  for (Value* v : body0.inputs()) {
    v->type().dtype = DataType::Int(2);
    v->type().dtype_annotated = true;
  }
  ASSERT_TRUE(InferModelTypes(*model).ok());
  std::unique_ptr<Model> before = model->Clone();
  ASSERT_TRUE(RunPipeline(*model, "convert-to-hw").ok());
  const Graph& body = *model->graph->nodes()[0]->subgraphs().at(0);
  EXPECT_THAT(OpTypes(body), ElementsAre("MVAU", "ElementwiseAdd", "Thresholding", "Identity"));
  ExpectEquivalent(*before, *model, kSamples);
}

}  // namespace
}  // namespace finngl
