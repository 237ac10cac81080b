// C simulation of generated HLS projects against the reference executor: single-layer and small
// multi-layer hardware graphs over several folds and datatypes, random inputs, 0 mismatches.
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/codegen/csim.h"
#include "src/codegen/project.h"
#include "src/exec/executor.h"
#include "tests/cpp/codegen_test_util.h"

namespace finngl::codegen::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Generates the project, runs executor and C simulation on the same random inputs and returns the
// number of mismatching output elements (after checking both produced every output).
int64_t CompareWithExecutor(const Model& model, const std::string& dir, uint64_t seed) {
  auto st = GenerateProject(model, CodegenOptions{}, dir);
  EXPECT_TRUE(st.ok()) << st;
  if (!st.ok()) return -1;
  std::mt19937_64 rng(seed);
  std::map<std::string, Tensor> inputs;
  for (const Value* v : model.graph->inputs()) {
    if (v->is_initializer()) continue;
    inputs[v->name()] = RandomTensor(rng, ShapeToDims(*v->type().shape), v->type().dtype);
  }
  auto exec = Executor::Create(model);
  EXPECT_TRUE(exec.ok()) << exec.status();
  if (!exec.ok()) return -1;
  auto want = (*exec)->Run(inputs);
  EXPECT_TRUE(want.ok()) << want.status();
  auto got = CSimulate(dir, inputs);
  EXPECT_TRUE(got.ok()) << got.status();
  if (!want.ok() || !got.ok()) return -1;
  int64_t mismatches = 0;
  for (const auto& [name, w] : *want) {
    auto it = got->find(name);
    EXPECT_TRUE(it != got->end()) << "no C simulation output " << name;
    if (it == got->end()) return -1;
    const Tensor& g = it->second;
    EXPECT_EQ(g.size(), w.size()) << name;
    if (g.size() != w.size()) return -1;
    for (int64_t i = 0; i < w.size(); ++i) {
      if (g.GetDouble(i) != w.GetDouble(i)) {
        if (mismatches < 5) {
          ADD_FAILURE() << name << "[" << i << "]: csim " << g.GetDouble(i) << " vs executor "
                        << w.GetDouble(i);
        }
        ++mismatches;
      }
    }
  }
  return mismatches;
}

struct MvauCase {
  int64_t mw, mh, pe, simd;
  DataType in, w;
  int64_t steps;   // 0: no activation
  int64_t act_val;
  bool shared_thresholds;
  Dims vectors;    // numInputVectors
};

std::unique_ptr<Model> MvauModel(const MvauCase& c, int64_t frames, uint64_t seed) {
  std::mt19937_64 rng(seed);
  HwGraph h;
  Dims in_dims = {frames};
  for (int64_t d : c.vectors) in_dims.push_back(d);
  in_dims.push_back(c.mw);
  Value* x = h.Input("x", in_dims, c.in);
  Value* w = h.Const("W", {c.mw, c.mh}, RandomValues(rng, c.mw * c.mh, c.w), c.w);
  std::vector<Value*> inputs = {x, w};
  // Accumulator bound: sum of |x|max * |w|max.
  const int64_t xmax = std::max<int64_t>(-c.in.MinInt(), static_cast<int64_t>(c.in.Max()));
  const int64_t wmax = std::max<int64_t>(-c.w.MinInt(), static_cast<int64_t>(c.w.Max()));
  const int64_t bound = c.mw * xmax * wmax;
  DataType acc = DataType::SmallestHolding(-bound, bound);
  DataType out = acc;
  if (c.steps > 0) {
    const int64_t rows = c.shared_thresholds ? 1 : c.mh;
    // Thresholds inside a fraction of the range so outputs spread over all levels.
    inputs.push_back(h.Const("T", {rows, c.steps},
                             RandomThresholds(rng, rows, c.steps, -bound / 4 - 1, bound / 4 + 1),
                             acc));
    out = DataType::SmallestHolding(c.act_val, c.act_val + c.steps);
  }
  Node* n = h.Add("MVAU", "MVAU_0", inputs);
  SetMvau(n, c.mw, c.mh, c.pe, c.simd, c.in.Name(), c.w.Name(), acc.Name(), out.Name(),
          /*no_activation=*/c.steps > 0 ? 0 : 1);
  SetI(n, "ActVal", c.act_val);
  SetInts(n, "numInputVectors", c.vectors);
  Dims out_dims = in_dims;
  out_dims.back() = c.mh;
  n->output(0)->type() = HwGraph::Type(out_dims, out);
  h.Output(n->output(0));
  return h.Take();
}

class MvauCsimTest : public ::testing::TestWithParam<MvauCase> {};

TEST_P(MvauCsimTest, MatchesExecutor) {
  const MvauCase& c = GetParam();
  auto model = MvauModel(c, /*frames=*/3, /*seed=*/c.mw * 131 + c.mh * 7 + c.pe);
  const std::string dir =
      TestDir(absl::StrCat("mvau_", c.mw, "_", c.mh, "_", c.pe, "_", c.simd, "_", c.steps));
  EXPECT_EQ(CompareWithExecutor(*model, dir, 42), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Folds, MvauCsimTest,
    ::testing::Values(
        MvauCase{8, 6, 2, 4, DataType::Int(4), DataType::Int(4), 0, 0, false, {}},
        MvauCase{12, 8, 8, 3, DataType::UInt(3), DataType::Int(2), 0, 0, false, {2}},
        MvauCase{16, 4, 1, 16, DataType::Int(8), DataType::Int(8), 0, 0, false, {}},
        MvauCase{5, 7, 7, 1, DataType::Binary(), DataType::Int(3), 0, 0, false, {}},
        MvauCase{8, 6, 3, 2, DataType::Int(4), DataType::Int(4), 3, 0, false, {}},
        MvauCase{10, 4, 2, 5, DataType::UInt(4), DataType::Int(3), 7, -4, false, {2, 2}},
        MvauCase{6, 6, 6, 6, DataType::Int(2), DataType::UInt(2), 15, 0, true, {}}));

std::unique_ptr<Model> ThresholdingModel(int64_t c, int64_t pe, DataType in, int64_t steps,
                                         int64_t act_val, uint64_t seed) {
  std::mt19937_64 rng(seed);
  HwGraph h;
  Value* x = h.Input("x", {4, 3, c}, in);
  Value* t = h.Const("T", {c, steps},
                     RandomThresholds(rng, c, steps, in.MinInt(), static_cast<int64_t>(in.Max())),
                     in);
  Node* n = h.Add("Thresholding", "Thres_0", {x, t});
  DataType out = DataType::SmallestHolding(act_val, act_val + steps);
  SetI(n, "NumChannels", c);
  SetI(n, "PE", pe);
  SetI(n, "numSteps", steps);
  SetS(n, "inputDataType", in.Name());
  SetS(n, "weightDataType", in.Name());
  SetS(n, "outputDataType", out.Name());
  SetI(n, "ActVal", act_val);
  SetInts(n, "numInputVectors", {3});
  n->output(0)->type() = HwGraph::Type({4, 3, c}, out);
  h.Output(n->output(0));
  return h.Take();
}

TEST(CodegenCsim, Thresholding) {
  EXPECT_EQ(CompareWithExecutor(*ThresholdingModel(6, 3, DataType::Int(6), 3, 0, 1),
                                TestDir("thres_a"), 7),
            0);
  EXPECT_EQ(CompareWithExecutor(*ThresholdingModel(4, 4, DataType::UInt(5), 7, -3, 2),
                                TestDir("thres_b"), 8),
            0);
  EXPECT_EQ(CompareWithExecutor(*ThresholdingModel(5, 1, DataType::Int(3), 1, 0, 3),
                                TestDir("thres_c"), 9),
            0);
}

// SWG (3x3, padding 1, stride 1 and a strided/dilated one) feeding an MVAU: a conv layer.
std::unique_ptr<Model> ConvModel(int64_t simd, int64_t stride, int64_t dil, int64_t pad,
                                 uint64_t seed) {
  std::mt19937_64 rng(seed);
  const int64_t h = 6, w = 5, c = 4, k = 3, mh = 6;
  const int64_t oh = (h + 2 * pad - dil * (k - 1) - 1) / stride + 1;
  const int64_t ow = (w + 2 * pad - dil * (k - 1) - 1) / stride + 1;
  const DataType in = DataType::Int(3), wt = DataType::Int(4), acc = DataType::Int(16);
  HwGraph g;
  Value* x = g.Input("image", {2, h, w, c}, in);
  Node* swg = g.Add("ConvolutionInputGenerator", "SWG_0", {x});
  SetInts(swg, "ConvKernelDim", {k, k});
  SetI(swg, "IFMChannels", c);
  SetInts(swg, "IFMDim", {h, w});
  SetInts(swg, "OFMDim", {oh, ow});
  SetInts(swg, "Stride", {stride, stride});
  SetInts(swg, "Dilation", {dil, dil});
  SetInts(swg, "Padding", {pad, pad, pad, pad});
  SetI(swg, "SIMD", simd);
  SetS(swg, "inputDataType", in.Name());
  SetS(swg, "outputDataType", in.Name());
  SetI(swg, "depthwise", 0);
  Value* wv = g.Const("W", {k * k * c, mh}, RandomValues(rng, k * k * c * mh, wt), wt);
  Node* mvau = g.Add("MVAU", "MVAU_0", {swg->output(0), wv});
  SetMvau(mvau, k * k * c, mh, 3, simd, in.Name(), wt.Name(), acc.Name(), acc.Name(),
          /*no_activation=*/1);
  SetInts(mvau, "numInputVectors", {oh, ow});
  g.Output(mvau->output(0));
  return g.Take();
}

TEST(CodegenCsim, SlidingWindowThenMvau) {
  EXPECT_EQ(CompareWithExecutor(*ConvModel(2, 1, 1, 1, 5), TestDir("conv_a"), 1), 0);
  EXPECT_EQ(CompareWithExecutor(*ConvModel(4, 2, 1, 0, 6), TestDir("conv_b"), 2), 0);
  EXPECT_EQ(CompareWithExecutor(*ConvModel(1, 1, 2, 2, 7), TestDir("conv_c"), 3), 0);
}

void SetElt(Node* n, int64_t c, int64_t pe, DataType a, DataType b, DataType o) {
  SetI(n, "NumChannels", c);
  SetI(n, "PE", pe);
  SetS(n, "lhsDataType", a.Name());
  SetS(n, "rhsDataType", b.Name());
  SetS(n, "outDataType", o.Name());
}

TEST(CodegenCsim, ElementwiseStreamsAndConstants) {
  std::mt19937_64 rng(11);
  HwGraph g;
  const DataType a = DataType::Int(4), b = DataType::UInt(3);
  Value* x0 = g.Input("x0", {3, 2, 6}, a);
  Value* x1 = g.Input("x1", {3, 2, 6}, b);
  Node* add = g.Add("ElementwiseAdd", "Add_0", {x0, x1});
  SetElt(add, 6, 3, a, b, DataType::Int(6));
  Node* mul = g.Add("ElementwiseMul", "Mul_0",
                    {add->output(0), g.Const("scale", {6}, RandomValues(rng, 6, DataType::Int(3)),
                                             DataType::Int(3))});
  SetElt(mul, 6, 3, DataType::Int(6), DataType::Int(3), DataType::Int(9));
  Node* sub = g.Add("ElementwiseSub", "Sub_0", {mul->output(0), g.Const("k", {}, {5}, DataType::UInt(3))});
  SetElt(sub, 6, 3, DataType::Int(9), DataType::UInt(3), DataType::Int(10));
  g.Output(sub->output(0));
  EXPECT_EQ(CompareWithExecutor(*g.Take(), TestDir("eltwise"), 3), 0);
}

// x -> DuplicateStreams -> (Thresholding, Mul by constant) -> Add: fan-out and re-join.
TEST(CodegenCsim, DuplicateStreamsRejoin) {
  std::mt19937_64 rng(12);
  HwGraph g;
  const DataType in = DataType::Int(5);
  Value* x = g.Input("x", {4, 8}, in);
  Node* dup = g.Add("DuplicateStreams", "Dup_0", {x}, 2);
  SetI(dup, "NumChannels", 8);
  SetI(dup, "PE", 2);
  SetI(dup, "NumOutputStreams", 2);
  SetS(dup, "inputDataType", in.Name());
  Node* thr = g.Add("Thresholding", "Thr_0",
                    {dup->output(0), g.Const("T", {8, 3}, RandomThresholds(rng, 8, 3, -16, 15), in)});
  SetI(thr, "NumChannels", 8);
  SetI(thr, "PE", 2);
  SetI(thr, "numSteps", 3);
  SetS(thr, "inputDataType", in.Name());
  SetS(thr, "weightDataType", in.Name());
  SetS(thr, "outputDataType", "UINT2");
  SetI(thr, "ActVal", 0);
  Node* mul = g.Add("ElementwiseMul", "Mul_0", {dup->output(1), g.Const("m", {1}, {-3}, DataType::Int(3))});
  SetElt(mul, 8, 2, in, DataType::Int(3), DataType::Int(8));
  Node* add = g.Add("ElementwiseAdd", "Add_0", {thr->output(0), mul->output(0)});
  SetElt(add, 8, 2, DataType::UInt(2), DataType::Int(8), DataType::Int(9));
  g.Output(add->output(0));
  EXPECT_EQ(CompareWithExecutor(*g.Take(), TestDir("dup"), 4), 0);
}

// MVAU (PE 2) -> DWC -> FIFO -> Thresholding (PE 3) -> MaxPool-free path; and a second output.
std::unique_ptr<Model> DwcFifoModel(bool with_dwc) {
  std::mt19937_64 rng(13);
  HwGraph g;
  const DataType in = DataType::UInt(2), wt = DataType::Int(2), acc = DataType::Int(8);
  Value* x = g.Input("x", {5, 4}, in);
  Node* mvau = g.Add("MVAU", "MVAU_0", {x, g.Const("W", {4, 6}, RandomValues(rng, 24, wt), wt)});
  SetMvau(mvau, 4, 6, 2, 4, in.Name(), wt.Name(), acc.Name(), acc.Name(),
          /*no_activation=*/1);
  Value* v = mvau->output(0);
  if (with_dwc) {
    Node* dwc = g.Add("StreamingDataWidthConverter", "DWC_0", {v});
    SetI(dwc, "inWidth", 16);
    SetI(dwc, "outWidth", 24);
    SetS(dwc, "dataType", acc.Name());
    SetInts(dwc, "shape", {5, 6});
    Node* fifo = g.Add("StreamingFIFO", "FIFO_0", {dwc->output(0)});
    SetI(fifo, "depth", 16);
    SetS(fifo, "dataType", acc.Name());
    v = fifo->output(0);
  }
  Node* thr = g.Add("Thresholding", "Thr_0",
                    {v, g.Const("T", {1, 7}, RandomThresholds(rng, 1, 7, -12, 12), acc)});
  SetI(thr, "NumChannels", 6);
  SetI(thr, "PE", 3);
  SetI(thr, "numSteps", 7);
  SetS(thr, "inputDataType", acc.Name());
  SetS(thr, "weightDataType", acc.Name());
  SetS(thr, "outputDataType", "INT4");
  SetI(thr, "ActVal", -4);
  Node* label = g.Add("LabelSelect", "Label_0", {thr->output(0)});
  SetI(label, "Labels", 6);
  SetI(label, "PE", 3);
  SetI(label, "K", 2);
  SetS(label, "inputDataType", "INT4");
  SetS(label, "outputDataType", "UINT3");
  g.Output(label->output(0));
  return g.Take();
}

TEST(CodegenCsim, DataWidthConverterFifoLabelSelect) {
  const std::string dir = TestDir("dwc");
  EXPECT_EQ(CompareWithExecutor(*DwcFifoModel(true), dir, 5), 0);
  const std::string top = ReadText(dir + "/top.cpp");
  EXPECT_THAT(top, HasSubstr("depth=16"));        // the FIFO became the stream's depth
  EXPECT_THAT(top, HasSubstr("AdaptWidth<3, 8>"));  // 3-bit label beats padded to a byte port
}

TEST(CodegenCsim, MaxPool) {
  HwGraph g;
  const DataType dt = DataType::Int(5);
  Value* x = g.Input("x", {2, 6, 4, 4}, dt);
  Node* mp = g.Add("StreamingMaxPool", "Pool_0", {x});
  SetInts(mp, "ImgDim", {6, 4});
  SetInts(mp, "PoolDim", {2, 2});
  SetInts(mp, "Stride", {2, 2});
  SetI(mp, "NumChannels", 4);
  SetI(mp, "PE", 2);
  SetS(mp, "dataType", dt.Name());
  g.Output(mp->output(0));
  EXPECT_EQ(CompareWithExecutor(*g.Take(), TestDir("maxpool"), 6), 0);
}

TEST(CodegenErrors, FoldMismatchNamesTheEdge) {
  auto status = GenerateFiles(*DwcFifoModel(false), CodegenOptions{});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(status.status().message(), HasSubstr("MVAU_0_out0"));
  EXPECT_THAT(status.status().message(), HasSubstr("Thr_0"));
  EXPECT_THAT(status.status().message(), HasSubstr("StreamingDataWidthConverter"));
}

TEST(CodegenErrors, NonHardwareNode) {
  HwGraph g;
  Value* x = g.Input("x", {1, 4}, DataType::Int(4));
  Node* relu = *g.g().AddNodeWithNewOutputs("Relu", "", "Relu_0", {x}, {"y"});
  g.Output(relu->output(0));
  auto status = GenerateFiles(*g.Take(), CodegenOptions{});
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.status().message(), HasSubstr("Relu_0"));
  EXPECT_THAT(status.status().message(), HasSubstr("not a hardware layer"));
}

TEST(CodegenCsim, RejectsOutOfRangeInputs) {
  MvauCase c{8, 6, 2, 4, DataType::Int(4), DataType::Int(4), 0, 0, false, {}};
  const std::string dir = TestDir("range");
  ASSERT_TRUE(GenerateProject(*MvauModel(c, 1, 1), CodegenOptions{}, dir).ok());
  std::map<std::string, Tensor> in;
  in["x"] = Tensor::FromVector<float>({1, 8}, {0, 1, 2, 3, 4, 5, 6, 8});  // 8 is not INT4
  auto out = CSimulate(dir, in);
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("not a INT4 value"));
}

TEST(CodegenDeterminism, SameModelSameFiles) {
  auto a = GenerateFiles(*ConvModel(2, 1, 1, 1, 5), CodegenOptions{});
  auto b = GenerateFiles(*ConvModel(2, 1, 1, 1, 5), CodegenOptions{});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_GE(a->size(), 8u);
}

// RecurrentLayer: h_t = Thr(MVAU(h_{t-1}) + x_t), over T = 5 steps; outputs the final state and the
// sequence of states (the same body tensor twice, so the step copies it to both). `batch_first`:
// x is [1, T, H] scanned along axis 1 and the states are stacked along axis 1. `left_out`: the
// index of an output the node leaves out (ONNX's empty name), -1 for none.
std::unique_ptr<Model> RecurrentModel(bool stream_initial_state, uint64_t seed,
                                      bool batch_first = false, int left_out = -1) {
  std::mt19937_64 rng(seed);
  const int64_t t_steps = 5, h = 4;
  const DataType hs = DataType::UInt(2), xs = DataType::Int(4), wt = DataType::Int(3);
  HwGraph g;
  Value* h0 = stream_initial_state ? g.Input("h0", {1, h}, hs) : g.Const("h0", {1, h}, {0, 0, 0, 0}, hs);
  Value* x = g.Input("x", batch_first ? Dims{1, t_steps, h} : Dims{t_steps, 1, h}, xs);

  auto body = std::make_unique<Graph>("body", &g.g());
  Value* b_h = *body->AddValue("b_h", HwGraph::Type({1, h}, hs));
  Value* b_x = *body->AddValue("b_x", HwGraph::Type({1, h}, xs));
  body->AddInput(b_h);
  body->AddInput(b_x);
  std::vector<int64_t> w = RandomValues(rng, h * h, wt);
  Value* b_w = *body->AddInitializer("b_W", Tensor::FromVector<float>({h, h}, std::vector<float>(w.begin(), w.end())));
  b_w->type().dtype = wt;
  b_w->type().dtype_annotated = true;
  Node* mvau = *body->AddNodeWithNewOutputs("MVAU", kHwDomain, "B_MVAU", {b_h, b_w}, {"b_acc"});
  SetMvau(mvau, h, h, 2, 2, hs.Name(), wt.Name(), "INT8", "INT8",
          /*no_activation=*/1);
  Node* add = *body->AddNodeWithNewOutputs("ElementwiseAdd", kHwDomain, "B_Add",
                                           {mvau->output(0), b_x}, {"b_sum"});
  SetElt(add, h, 2, DataType::Int(8), xs, DataType::Int(9));
  std::vector<int64_t> th = RandomThresholds(rng, h, 3, -10, 10);
  Value* b_t = *body->AddInitializer("b_T", Tensor::FromVector<float>({h, 3}, std::vector<float>(th.begin(), th.end())));
  Node* thr = *body->AddNodeWithNewOutputs("Thresholding", kHwDomain, "B_Thr", {add->output(0), b_t},
                                           {"b_hnew"});
  SetI(thr, "NumChannels", h);
  SetI(thr, "PE", 2);
  SetI(thr, "numSteps", 3);
  SetS(thr, "inputDataType", "INT9");
  SetS(thr, "weightDataType", "INT9");
  SetS(thr, "outputDataType", hs.Name());
  SetI(thr, "ActVal", 0);
  body->AddOutput(thr->output(0));
  body->AddOutput(thr->output(0));

  std::vector<Value*> outs;
  for (const char* name : {"h_final", "h_seq"}) {
    outs.push_back(static_cast<int>(outs.size()) == left_out ? nullptr : *g.g().AddValue(name));
  }
  Node* rl = *g.g().AddNode("RecurrentLayer", kHwDomain, "RNN_0", {h0, x}, outs);
  SetI(rl, "num_scan_inputs", 1);
  if (batch_first) {
    SetInts(rl, "scan_input_axes", {1});
    SetInts(rl, "scan_output_axes", {1});
  }
  rl->SetAttr("body", Attribute::FromGraph(std::move(body)));
  for (Value* out : outs) {
    if (out != nullptr) g.Output(out);
  }
  auto model = g.Take();
  // RecurrentLayer reuses Scan's checks, which read the node domain's opset as Scan's (>= 9).
  model->opset_imports = {{"", 17}, {kHwDomain, 9}};
  return model;
}

TEST(CodegenCsim, RecurrentLayerConstantInitialState) {
  const std::string dir = TestDir("rnn_const");
  EXPECT_EQ(CompareWithExecutor(*RecurrentModel(false, 21), dir, 1), 0);
  EXPECT_THAT(ReadText(dir + "/layers/RNN_0.cpp"), HasSubstr("fgl::ArrayToStream"));
}

TEST(CodegenCsim, RecurrentLayerStreamedInitialState) {
  EXPECT_EQ(CompareWithExecutor(*RecurrentModel(true, 22), TestDir("rnn_stream"), 2), 0);
}

// Regression (Brevitas QuantLSTM exported batch first): a RecurrentLayer over [1, T, H] scanned
// along axis 1 streams like one over [T, 1, H] along axis 0; it used to be rejected.
TEST(CodegenCsim, RecurrentLayerBatchFirst) {
  EXPECT_EQ(CompareWithExecutor(*RecurrentModel(false, 23, /*batch_first=*/true),
                                TestDir("rnn_batch_first"), 3),
            0);
}

// Outputs nothing reads are left out of the RecurrentLayer (scan-to-recurrent-layer): a final
// state is then not written at all, a per-step sequence is drained inside the step.
TEST(CodegenCsim, RecurrentLayerWithoutFinalState) {
  const std::string dir = TestDir("rnn_no_final_state");
  EXPECT_EQ(CompareWithExecutor(*RecurrentModel(false, 24, false, /*left_out=*/0), dir, 4), 0);
  const std::string layer = ReadText(dir + "/layers/RNN_0.cpp");
  EXPECT_THAT(layer, Not(HasSubstr(".write(state0")));
  EXPECT_THAT(layer, Not(HasSubstr("DiscardStream")));
}

TEST(CodegenCsim, RecurrentLayerWithoutSequenceOutput) {
  const std::string dir = TestDir("rnn_no_sequence");
  EXPECT_EQ(CompareWithExecutor(*RecurrentModel(true, 25, false, /*left_out=*/1), dir, 5), 0);
  EXPECT_THAT(ReadText(dir + "/layers/RNN_0.cpp"), HasSubstr("fgl::DiscardStream<"));
}

}  // namespace
}  // namespace finngl::codegen::testing
