// Tests of the QuantLSTMCell op (src/ops/quant_lstm_cell.cc) and of lower-quant-lstm-cell
// (src/passes/lower_quant_lstm_cell.cc): schema and type-inference errors, layout properties of
// the kernel (reverse_input and batch_first against re-ordered forward runs), the structure of the
// lowered Scan, and the equivalence guard (the executor runs the cell's kernel and the lowered
// Scan on the same random inputs; outputs must be bit-identical) over quantizer settings, CIFG,
// layouts and the three weight forms. Bit-exactness against Brevitas itself is checked in
// tests/python/test_quant_lstm_cell.py.
#include "src/ops/quant_lstm_cell.h"

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/base/status.h"
#include "src/exec/executor.h"
#include "src/ops/infer.h"
#include "src/ops/registry.h"
#include "src/ops/verify.h"
#include "src/passes/pass_manager.h"
#include "src/passes/rewrite_util.h"
#include "tests/cpp/equivalence.h"

namespace finngl {
namespace {

namespace ql = quant_lstm;
using testing::ExpectEquivalent;
using ::testing::HasSubstr;

// How the weights reach the cell.
enum class WeightForm {
  kQuantOfInitializer,  // Quant(float initializer), as Brevitas exports them
  kConstant,            // an initializer holding quantized values
  kRuntime,             // a graph input (lowered through a Transpose node)
};

struct QuantizerConfig {
  float scale;
  int bits;
  bool is_signed;
  bool narrow = false;
  std::string rounding = "ROUND";
};

struct CellConfig {
  int64_t seq = 5, batch = 3, input = 4, hidden = 6;
  bool batch_first = false;
  bool reverse = false;
  bool cifg = false;
  bool bias = true;  // false: a scalar 0 per gate, as Brevitas exports bias=False
  WeightForm weights = WeightForm::kQuantOfInitializer;
  bool per_channel_weights = false;  // weight scales [H, 1] (one per output unit)
  int weight_bits = 8;
  // In ql::Quantizer order.
  std::vector<QuantizerConfig> quantizers = {
      {0.0213f, 8, true},    // output
      {0.0371f, 8, true},    // cell_state
      {0.0517f, 8, true},    // input_acc
      {0.0433f, 8, true},    // forget_acc
      {0.0612f, 8, true},    // cell_acc
      {0.0477f, 8, true},    // output_acc
      {0.0038f, 8, false},   // input_sigmoid
      {0.00391f, 8, false},  // forget_sigmoid
      {0.00787f, 8, true},   // cell_tanh
      {0.00389f, 8, false},  // output_sigmoid
      {0.0078f, 8, true},    // hidden_state_tanh
  };
  uint32_t seed = 7;
};

// Non-default bit widths (Brevitas kwargs weight_bit_width=4, gate_acc_bit_width=6,
// sigmoid_bit_width=4, cell_state_bit_width=6, io_bit_width=6), plus narrow ranges and other
// rounding modes the op must honour.
CellConfig LowBitConfig() {
  CellConfig c;
  c.weight_bits = 4;
  c.quantizers = {
      {0.071f, 6, true},       {0.13f, 6, true, true},
      {0.21f, 6, true},        {0.19f, 6, true, false, "FLOOR"},
      {0.23f, 6, true, true},  {0.17f, 6, true},
      {0.0633f, 4, false},     {0.0651f, 4, false, true},
      {0.031f, 8, true, true}, {0.0667f, 4, false, false, "HALF_UP"},
      {0.0312f, 8, true},
  };
  return c;
}

TensorType FloatType(const std::vector<int64_t>& dims) {
  TensorType t;
  t.elem = ElementType::kFloat;
  t.shape = ShapeFromDims(dims);
  return t;
}

Tensor RandomTensor(std::vector<int64_t> dims, float lo, float hi, std::mt19937& rng) {
  Tensor t(ElementType::kFloat, Dims(dims.begin(), dims.end()));
  std::uniform_real_distribution<float> u(lo, hi);
  for (int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = u(rng);
  return t;
}

Node* AddQuant(Graph& g, Value* x, float scale, int bits, bool is_signed, bool narrow,
               const std::string& name, std::vector<int64_t> scale_dims = {}) {
  Value* s = *g.AddInitializer(
      name + "_scale",
      Tensor::FromVector<float>(Dims(scale_dims.begin(), scale_dims.end()), {scale}));
  Value* z = *g.AddInitializer(name + "_zp", Tensor::Scalar<float>(0.0f));
  Value* b = *g.AddInitializer(name + "_bits", Tensor::Scalar<float>(static_cast<float>(bits)));
  Node* q = *g.AddNodeWithNewOutputs("Quant", kQonnxDomain, name, {x, s, z, b}, {name + "_out"});
  q->SetAttr("signed", Attribute::Int(is_signed));
  q->SetAttr("narrow", Attribute::Int(narrow));
  q->SetAttr("rounding_mode", Attribute::String("ROUND"));
  return q;
}

// Sets every QuantLSTMCell attribute of `cfg` on `cell`.
void SetCellAttrs(Node* cell, const CellConfig& cfg) {
  cell->SetAttr("batch_first", Attribute::Int(cfg.batch_first));
  cell->SetAttr("reverse_input", Attribute::Int(cfg.reverse));
  cell->SetAttr("cifg", Attribute::Int(cfg.cifg));
  for (int q = 0; q < ql::kNumQuantizers; ++q) {
    const QuantizerConfig& qc = cfg.quantizers[q];
    cell->SetAttr(ql::SignedAttr(q), Attribute::Int(qc.is_signed));
    cell->SetAttr(ql::NarrowAttr(q), Attribute::Int(qc.narrow));
    cell->SetAttr(ql::RoundingModeAttr(q), Attribute::String(qc.rounding));
  }
}

// Adds a QuantLSTMCell reading `x` to `g` (weights, biases and parameters as initializers named
// after `name`); returns it. Runtime weights become graph inputs.
Node* AddCell(Graph& g, const CellConfig& cfg, Value* x, Value* h0, Value* c0,
              const std::string& name, std::mt19937& rng) {
  std::vector<Value*> in(ql::kNumInputs, nullptr);
  in[ql::kX] = x;
  in[ql::kH0] = h0;
  in[ql::kC0] = c0;
  const float w_scale[2] = {0.0041f, 0.0037f};
  for (int g_i = 0; g_i < ql::kNumGates; ++g_i) {
    for (int hidden = 0; hidden < 2; ++hidden) {
      const int index = hidden ? ql::HiddenWeightIndex(g_i) : ql::InputWeightIndex(g_i);
      const std::vector<int64_t> dims = {cfg.hidden, hidden ? cfg.hidden : cfg.input};
      const std::string wname = name + "_" + ql::InputRole(index);
      const float s = w_scale[hidden] * (cfg.weight_bits == 8 ? 1.0f : 16.0f);
      Tensor w = RandomTensor(dims, -0.5f, 0.5f, rng);
      switch (cfg.weights) {
        case WeightForm::kQuantOfInitializer: {
          Value* wv = *g.AddInitializer(wname, std::move(w));
          Node* q = AddQuant(g, wv, s, cfg.weight_bits, true, true, wname + "_quant");
          if (cfg.per_channel_weights) {
            Tensor scales = RandomTensor({cfg.hidden, 1}, 0.5f * s, 1.5f * s, rng);
            q->SetInput(1, *g.AddInitializer(wname + "_channel_scales", std::move(scales)));
          }
          in[index] = q->output(0);
          break;
        }
        case WeightForm::kConstant: {
          const float max_int = std::pow(2.0f, cfg.weight_bits - 1) - 1;
          for (int64_t k = 0; k < w.size(); ++k) {
            float& v = w.data<float>()[k];
            v = std::fmin(std::fmax(std::nearbyint(v / s), -max_int), max_int) * s;
          }
          in[index] = *g.AddInitializer(wname, std::move(w));
          break;
        }
        case WeightForm::kRuntime: {
          Value* wv = *g.AddValue(wname, FloatType(dims));
          g.AddInput(wv);
          in[index] = wv;
          break;
        }
      }
    }
    const std::string bname = name + "_" + ql::InputRole(ql::BiasIndex(g_i));
    if (cfg.bias) {
      Value* bv = *g.AddInitializer(bname, RandomTensor({cfg.hidden}, -0.8f, 0.8f, rng));
      in[ql::BiasIndex(g_i)] =
          AddQuant(g, bv, 0.000091f, 32, true, false, bname + "_quant", {1})->output(0);
    } else {
      in[ql::BiasIndex(g_i)] = *g.AddInitializer(bname, Tensor::Scalar<float>(0.0f));
    }
  }
  for (int q = 0; q < ql::kNumQuantizers; ++q) {
    const std::string qname = name + "_" + ql::QuantizerName(q);
    in[ql::ScaleIndex(q)] =
        *g.AddInitializer(qname + "_scale", Tensor::Scalar<float>(cfg.quantizers[q].scale));
    in[ql::ZeroPointIndex(q)] = *g.AddInitializer(qname + "_zp", Tensor::Scalar<float>(0.0f));
    in[ql::BitWidthIndex(q)] = *g.AddInitializer(
        qname + "_bits", Tensor::Scalar<float>(static_cast<float>(cfg.quantizers[q].bits)));
  }
  Node* cell = *g.AddNodeWithNewOutputs(ql::kOpType, kQonnxDomain, name, in,
                                        {name + "_Y", name + "_h", name + "_c"});
  SetCellAttrs(cell, cfg);
  return cell;
}

std::unique_ptr<Model> EmptyModel() {
  auto m = std::make_unique<Model>();
  m->opset_imports = {{"", 17}, {kQonnxDomain, 2}};
  return m;
}

// x [T, B, I] (or [B, T, I]) -> Quant (io quantizer) -> QuantLSTMCell -> Y, h_T, c_T; h0 and c0
// are runtime inputs (arbitrary floats: the cell does not assume quantized states).
std::unique_ptr<Model> CellModel(const CellConfig& cfg, bool infer = true) {
  auto m = EmptyModel();
  Graph& g = *m->graph;
  std::mt19937 rng(cfg.seed);
  const std::vector<int64_t> x_dims = cfg.batch_first
                                          ? std::vector<int64_t>{cfg.batch, cfg.seq, cfg.input}
                                          : std::vector<int64_t>{cfg.seq, cfg.batch, cfg.input};
  Value* x = *g.AddValue("x", FloatType(x_dims));
  Value* h0 = *g.AddValue("h0", FloatType({cfg.batch, cfg.hidden}));
  Value* c0 = *g.AddValue("c0", FloatType({cfg.batch, cfg.hidden}));
  g.AddInput(x);
  g.AddInput(h0);
  g.AddInput(c0);
  const QuantizerConfig& io = cfg.quantizers[ql::kOutput];
  Node* xq = AddQuant(g, x, io.scale, io.bits, io.is_signed, io.narrow, "x_quant");
  Node* cell = AddCell(g, cfg, xq->output(0), h0, c0, "cell", rng);
  for (Value* out : cell->outputs()) g.AddOutput(out);
  if (infer) {
    absl::Status s = InferModelTypes(*m);
    EXPECT_TRUE(s.ok()) << s;
  }
  return m;
}

absl::StatusOr<bool> Lower(Model& model) {
  PassContext ctx;
  return PassManager().RunPasses(model, {"lower-quant-lstm-cell"}, ctx);
}

int Count(const Graph& g, const std::string& op) {
  int n = 0;
  for (Node* node : g.nodes()) n += node->op_type() == op;
  return n;
}

Node* Find(const Graph& g, const std::string& op) {
  for (Node* node : g.nodes()) {
    if (node->op_type() == op) return node;
  }
  return nullptr;
}

// ============================================================================ schema

TEST(QuantLstmCellOpTest, RegisteredInTheQonnxDomainAndItsAliases) {
  const OpSpec* spec = OpRegistry::Get().Find(kQonnxDomain, "QuantLSTMCell", 2);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->min_inputs, 48);
  EXPECT_EQ(spec->max_inputs, 48);
  EXPECT_EQ(spec->max_outputs, 3);
  EXPECT_EQ(OpRegistry::Get().Find("onnx.brevitas", "QuantLSTMCell", 1), spec);
  // Brevitas' spelling of one narrow attribute differs from the others.
  EXPECT_EQ(ql::NarrowAttr(ql::kOutputSigmoid), "output_sigmoid_narrow_range");
  EXPECT_EQ(ql::NarrowAttr(ql::kForgetSigmoid), "forget_sigmoid_narrow");
  EXPECT_EQ(ql::InputRole(ql::BitWidthIndex(ql::kHiddenStateTanh)), "hidden_state_tanh bit width");
}

TEST(QuantLstmCellOpTest, InfersShapesAndDatatypes) {
  auto m = CellModel(CellConfig{});
  const Node* cell = m->graph->FindNode("cell");
  EXPECT_EQ(cell->output(0)->type().ToString(), "float[5, 3, 6] FLOAT32");
  EXPECT_EQ(cell->output(1)->type().ToString(), "float[3, 6] FLOAT32");
  EXPECT_EQ(cell->output(2)->type().ToString(), "float[3, 6] FLOAT32");

  CellConfig bf;
  bf.batch_first = true;
  // Unit scales make the outputs integers, typed like the Quant op types them.
  bf.quantizers[ql::kOutput] = {1.0f, 6, true};
  bf.quantizers[ql::kCellState] = {1.0f, 7, false};
  auto m2 = CellModel(bf);
  const Node* cell2 = m2->graph->FindNode("cell");
  EXPECT_EQ(cell2->output(0)->type().ToString(), "float[3, 5, 6] INT6");
  EXPECT_EQ(cell2->output(1)->type().ToString(), "float[3, 6] INT6");
  EXPECT_EQ(cell2->output(2)->type().ToString(), "float[3, 6] UINT7");
}

TEST(QuantLstmCellOpTest, WrongNumberOfInputsIsASchemaError) {
  auto m = CellModel(CellConfig{});
  Node* cell = m->graph->FindNode("cell");
  cell->RemoveLastInput();
  absl::Status s = VerifyNodeSchema(*cell, m.get());
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("node 'cell' (QuantLSTMCell): has 47 inputs, expected 48..48"));
  EXPECT_THAT(std::string(InferModelTypes(*m).message()),
              HasSubstr("node 'cell' (QuantLSTMCell): has 47 inputs, expected 48 (x, h0, c0"));
  // The pass names the node too, and says what the 48 inputs are.
  PassContext ctx;
  ctx.verify = false;
  auto lowered = PassManager().RunPasses(*m, {"lower-quant-lstm-cell"}, ctx);
  ASSERT_FALSE(lowered.ok());
  EXPECT_THAT(std::string(lowered.status().message()),
              HasSubstr("node 'cell' (QuantLSTMCell): has 47 inputs, expected 48 (x, h0, c0"));
}

TEST(QuantLstmCellOpTest, MissingAttributeIsNamed) {
  auto m = CellModel(CellConfig{}, /*infer=*/false);
  Node* cell = m->graph->FindNode("cell");
  cell->RemoveAttr("output_sigmoid_narrow_range");
  absl::Status v = VerifyNodeSchema(*cell, m.get());
  EXPECT_THAT(std::string(v.message()), HasSubstr("node 'cell' (QuantLSTMCell): required attribute "
                                                  "'output_sigmoid_narrow_range' is missing"));
  absl::Status s = InferModelTypes(*m);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("node 'cell' (QuantLSTMCell): required attribute "
                        "'output_sigmoid_narrow_range' (output_sigmoid quantizer's narrow range) "
                        "is missing"));
}

TEST(QuantLstmCellOpTest, BadAttributeValuesAreNamed) {
  auto m = CellModel(CellConfig{}, /*infer=*/false);
  Node* cell = m->graph->FindNode("cell");
  cell->SetAttr("cell_tanh_rounding_mode", Attribute::String("STOCHASTIC_ROUND"));
  EXPECT_THAT(std::string(InferModelTypes(*m).message()),
              HasSubstr("node 'cell' (QuantLSTMCell): attribute 'cell_tanh_rounding_mode'"));
  cell->SetAttr("cell_tanh_rounding_mode", Attribute::String("ROUND"));
  cell->SetAttr("cifg", Attribute::Int(2));
  EXPECT_THAT(std::string(VerifyNodeSchema(*cell, m.get()).message()),
              HasSubstr("attribute 'cifg': value 2 is not 0 or 1"));
}

TEST(QuantLstmCellOpTest, NonConstantQuantizerParameterIsNamed) {
  auto m = CellModel(CellConfig{}, /*infer=*/false);
  Graph& g = *m->graph;
  Node* cell = g.FindNode("cell");
  Value* runtime = *g.AddValue("cell_state_scale_input", FloatType({}));
  g.AddInput(runtime);
  cell->SetInput(ql::ScaleIndex(ql::kCellState), runtime);
  absl::Status s = InferModelTypes(*m);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("node 'cell' (QuantLSTMCell): input 'cell_state_scale_input' "
                        "(cell_state scale) is not a constant"));
  PassContext ctx;
  ctx.verify = false;
  auto lowered = PassManager().RunPasses(*m, {"lower-quant-lstm-cell"}, ctx);
  ASSERT_FALSE(lowered.ok());
  EXPECT_THAT(std::string(lowered.status().message()),
              HasSubstr("node 'cell' (QuantLSTMCell): input 'cell_state_scale_input' "
                        "(cell_state scale) is not a constant"));
}

TEST(QuantLstmCellOpTest, PerChannelQuantizerParameterIsRejected) {
  auto m = CellModel(CellConfig{}, /*infer=*/false);
  Graph& g = *m->graph;
  Value* scale =
      *g.AddInitializer("per_channel", Tensor::FromVector<float>({6}, {1, 1, 1, 1, 1, 1}));
  g.FindNode("cell")->SetInput(ql::ScaleIndex(ql::kInputAcc), scale);
  EXPECT_THAT(std::string(InferModelTypes(*m).message()),
              HasSubstr("input 'per_channel' (input_acc scale) must hold a single value"));
}

TEST(QuantLstmCellOpTest, ShapeMismatchNamesTheTensor) {
  auto m = CellModel(CellConfig{}, /*infer=*/false);
  Graph& g = *m->graph;
  Value* w = *g.AddInitializer("short_W_c", Tensor(ElementType::kFloat, {6, 3}));
  g.FindNode("cell")->SetInput(ql::InputWeightIndex(ql::kCellGate), w);
  EXPECT_THAT(std::string(InferModelTypes(*m).message()),
              HasSubstr("node 'cell' (QuantLSTMCell): input 'short_W_c' (W_c) has 3 on axis 1 "
                        "but the input size is 4 elsewhere"));
}

// ============================================================================ kernel layouts

std::vector<Tensor> RunModel(const Model& m, const std::vector<Tensor>& inputs) {
  auto exe = Executor::Create(m);
  EXPECT_TRUE(exe.ok()) << exe.status();
  if (!exe.ok()) return {};
  auto out = (*exe)->Run(inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::vector<Tensor>{};
}

// x [T, B, I] with the time axis reversed (or, for batch-first data [B, T, I], transposed).
Tensor ReverseTime(const Tensor& x) {
  Tensor r(ElementType::kFloat, x.dims());
  const int64_t t_n = x.dim(0), row = x.size() / t_n;
  for (int64_t t = 0; t < t_n; ++t) {
    std::copy_n(x.data<float>() + t * row, row, r.data<float>() + (t_n - 1 - t) * row);
  }
  return r;
}
Tensor SwapFirstAxes(const Tensor& x) {
  Tensor r(ElementType::kFloat, {x.dim(1), x.dim(0), x.dim(2)});
  for (int64_t a = 0; a < x.dim(0); ++a) {
    for (int64_t b = 0; b < x.dim(1); ++b) {
      std::copy_n(x.data<float>() + (a * x.dim(1) + b) * x.dim(2), x.dim(2),
                  r.data<float>() + (b * x.dim(0) + a) * x.dim(2));
    }
  }
  return r;
}

std::vector<Tensor> LayoutInputs(const CellConfig& cfg) {
  std::mt19937 rng(99);
  return {RandomTensor({cfg.seq, cfg.batch, cfg.input}, -2, 2, rng),
          RandomTensor({cfg.batch, cfg.hidden}, -1, 1, rng),
          RandomTensor({cfg.batch, cfg.hidden}, -1, 1, rng)};
}

TEST(QuantLstmCellOpTest, ReverseInputEqualsForwardOverTheReversedSequence) {
  CellConfig fwd;
  CellConfig rev = fwd;
  rev.reverse = true;
  std::vector<Tensor> in = LayoutInputs(fwd);
  std::vector<Tensor> a = RunModel(*CellModel(fwd), {ReverseTime(in[0]), in[1], in[2]});
  std::vector<Tensor> b = RunModel(*CellModel(rev), in);
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  // Y[t] is the step that consumed x[t]: the forward run's outputs reversed in time.
  EXPECT_TRUE(ReverseTime(a[0]).SameContents(b[0]));
  EXPECT_TRUE(a[1].SameContents(b[1]));
  EXPECT_TRUE(a[2].SameContents(b[2]));
}

TEST(QuantLstmCellOpTest, BatchFirstEqualsTimeMajorWithSwappedAxes) {
  CellConfig tm;
  CellConfig bf = tm;
  bf.batch_first = true;
  std::vector<Tensor> in = LayoutInputs(tm);
  std::vector<Tensor> a = RunModel(*CellModel(tm), in);
  std::vector<Tensor> b = RunModel(*CellModel(bf), {SwapFirstAxes(in[0]), in[1], in[2]});
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_TRUE(SwapFirstAxes(a[0]).SameContents(b[0]));
  EXPECT_TRUE(a[1].SameContents(b[1]));
  EXPECT_TRUE(a[2].SameContents(b[2]));
}

TEST(QuantLstmCellOpTest, OutputsLieOnTheQuantizerGrids) {
  CellConfig cfg = LowBitConfig();
  std::vector<Tensor> out = RunModel(*CellModel(cfg), LayoutInputs(cfg));
  ASSERT_EQ(out.size(), 3u);
  for (int o = 0; o < 3; ++o) {
    const QuantizerConfig& q = cfg.quantizers[o == 2 ? ql::kCellState : ql::kOutput];
    const double lo = q.is_signed ? -std::pow(2.0, q.bits - 1) + (q.narrow ? 1 : 0) : 0;
    const double hi = q.is_signed ? std::pow(2.0, q.bits - 1) - 1 : std::pow(2.0, q.bits) - 1;
    for (int64_t k = 0; k < out[o].size(); ++k) {
      const double v = out[o].data<float>()[k] / q.scale;
      EXPECT_NEAR(v, std::nearbyint(v), 1e-3) << "output " << o << " element " << k;
      EXPECT_GE(std::nearbyint(v), lo);
      EXPECT_LE(std::nearbyint(v), hi);
    }
  }
}

TEST(QuantLstmCellOpTest, EmptySequenceReturnsTheInitialStates) {
  CellConfig cfg;
  cfg.seq = 0;
  std::vector<Tensor> in = LayoutInputs(cfg);
  std::vector<Tensor> out = RunModel(*CellModel(cfg), in);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].size(), 0);
  EXPECT_TRUE(out[1].SameContents(in[1]));
  EXPECT_TRUE(out[2].SameContents(in[2]));
}

// ============================================================================ lowering

TEST(LowerQuantLstmCellTest, BuildsAScanOfStandardOpsAndQuantNodes) {
  auto m = CellModel(CellConfig{});
  std::unique_ptr<Model> before = m->Clone();
  auto changed = Lower(*m);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  const Graph& g = *m->graph;
  EXPECT_EQ(Count(g, "QuantLSTMCell"), 0);
  // Outer graph: the input quantizer, 8 transposed weight quantizers, 4 bias quantizers, the Scan
  // (the original weight Quant nodes and their float initializers are gone).
  EXPECT_EQ(Count(g, "Quant"), 13);
  EXPECT_EQ(Count(g, "Transpose"), 0);
  EXPECT_EQ(Count(g, "Scan"), 1);
  EXPECT_EQ(g.FindValue("cell_W_i"), nullptr);
  EXPECT_NE(g.FindValue("cell_W_i_T"), nullptr);
  const Node* scan = Find(g, "Scan");
  EXPECT_EQ(scan->GetInt("num_scan_inputs", 0), 1);
  EXPECT_FALSE(scan->has_attr("scan_input_axes"));
  EXPECT_FALSE(scan->has_attr("scan_input_directions"));
  EXPECT_EQ(scan->input(0)->name(), "h0");
  EXPECT_EQ(scan->input(1)->name(), "c0");
  // The cell's outputs keep their names: Y is the scan output, h_T and c_T the final states.
  EXPECT_EQ(scan->output(0)->name(), "cell_h");
  EXPECT_EQ(scan->output(1)->name(), "cell_c");
  EXPECT_EQ(scan->output(2)->name(), "cell_Y");
  const Graph& body = *scan->subgraphs()[0];
  EXPECT_EQ(body.inputs().size(), 3u);
  EXPECT_EQ(body.outputs().size(), 3u);
  EXPECT_EQ(Count(body, "MatMul"), 8);
  EXPECT_EQ(Count(body, "Add"), 9);  // 4 gates x 2, c' = fc + ig
  EXPECT_EQ(Count(body, "Mul"), 3);
  EXPECT_EQ(Count(body, "Sigmoid"), 3);
  EXPECT_EQ(Count(body, "Tanh"), 2);
  // One Quant per Brevitas quantizer application: 4 accumulators, 4 activations, 3 cell-state,
  // tanh(c'), h'.
  EXPECT_EQ(Count(body, "Quant"), 13);
  EXPECT_EQ(Count(body, "Identity"), 1);
  EXPECT_EQ(body.num_nodes(), 8 + 9 + 3 + 3 + 2 + 13 + 1);
  // Every Sigmoid / Tanh feeds a Quant, every Quant reads constants of the body.
  for (Node* n : body.nodes()) {
    if (n->op_type() == "Sigmoid" || n->op_type() == "Tanh") {
      ASSERT_EQ(n->output(0)->uses().size(), 1u);
      EXPECT_EQ(n->output(0)->uses()[0].node->op_type(), "Quant");
    }
    if (n->op_type() == "Quant") {
      for (int i = 1; i < 4; ++i) EXPECT_TRUE(n->input(i)->is_initializer()) << n->name();
    }
  }
  ExpectEquivalent(*before, *m, 10);
}

TEST(LowerQuantLstmCellTest, QuantizerAttributesAreCarriedOver) {
  CellConfig cfg = LowBitConfig();
  auto m = CellModel(cfg);
  ASSERT_TRUE(Lower(*m).ok());
  const Graph& body = *Find(*m->graph, "Scan")->subgraphs()[0];
  const Node* f_acc = body.FindNode("cell_f_acc_quant");
  ASSERT_NE(f_acc, nullptr);
  EXPECT_EQ(f_acc->GetString("rounding_mode", ""), "FLOOR");
  EXPECT_EQ(ConstantData(f_acc->input(1))->GetDouble(0), 0.19f);
  EXPECT_EQ(ConstantData(f_acc->input(3))->GetDouble(0), 6);
  const Node* o_sig = body.FindNode("cell_o_sigmoid_quant");
  ASSERT_NE(o_sig, nullptr);
  EXPECT_EQ(o_sig->GetString("rounding_mode", ""), "HALF_UP");
  EXPECT_EQ(o_sig->GetInt("signed", 1), 0);
  const Node* cell_q = body.FindNode("cell_c_next");
  ASSERT_NE(cell_q, nullptr);
  EXPECT_EQ(cell_q->GetInt("narrow", 0), 1);
  EXPECT_EQ(ConstantData(cell_q->input(1))->GetDouble(0), 0.13f);
}

struct EquivalenceCase {
  std::string name;
  CellConfig cfg;
};

std::vector<EquivalenceCase> EquivalenceCases() {
  std::vector<EquivalenceCase> cases;
  cases.push_back({"Default", CellConfig{}});
  cases.push_back({"LowBits", LowBitConfig()});
  CellConfig c;
  c.batch_first = true;
  cases.push_back({"BatchFirst", c});
  c = CellConfig{};
  c.reverse = true;
  cases.push_back({"Reverse", c});
  c.batch_first = true;
  cases.push_back({"ReverseBatchFirst", c});
  c = LowBitConfig();
  c.cifg = true;
  cases.push_back({"Cifg", c});
  c = CellConfig{};
  c.bias = false;
  cases.push_back({"NoBias", c});
  c = CellConfig{};
  c.per_channel_weights = true;
  cases.push_back({"PerChannelWeights", c});
  c = CellConfig{};
  c.weights = WeightForm::kConstant;
  cases.push_back({"ConstantWeights", c});
  c = CellConfig{};
  c.weights = WeightForm::kRuntime;
  cases.push_back({"RuntimeWeights", c});
  c = CellConfig{};
  c.batch = 1;
  c.seq = 9;
  c.hidden = 20;
  c.input = 10;
  cases.push_back({"BatchOneWide", c});
  return cases;
}

class LowerQuantLstmCellEquivalenceTest : public ::testing::TestWithParam<EquivalenceCase> {};

TEST_P(LowerQuantLstmCellEquivalenceTest, ScanEqualsTheCellBitForBit) {
  const CellConfig& cfg = GetParam().cfg;
  auto m = CellModel(cfg);
  std::unique_ptr<Model> before = m->Clone();
  auto changed = Lower(*m);
  ASSERT_TRUE(changed.ok()) << changed.status();
  ASSERT_TRUE(*changed);
  const Node* scan = Find(*m->graph, "Scan");
  ASSERT_NE(scan, nullptr);
  EXPECT_EQ(scan->has_attr("scan_input_axes"), cfg.batch_first);
  EXPECT_EQ(scan->GetInts("scan_output_directions", {0}),
            std::vector<int64_t>{cfg.reverse ? 1 : 0});
  const Graph& body = *scan->subgraphs()[0];
  EXPECT_EQ(Count(body, "MatMul"), cfg.cifg ? 6 : 8);
  EXPECT_EQ(Count(body, "Quant"), cfg.cifg ? 11 : 13);
  EXPECT_EQ(Count(body, "Sub"), cfg.cifg ? 1 : 0);
  if (cfg.per_channel_weights) {
    const Value* scale_t = m->graph->FindValue("cell_W_i_channel_scales_T");
    ASSERT_NE(scale_t, nullptr);
    EXPECT_EQ(scale_t->type().ToString(), "float[1, 6] FLOAT32");
  }
  EXPECT_EQ(Count(*m->graph, "Transpose"),
            cfg.weights == WeightForm::kRuntime ? (cfg.cifg ? 6 : 8) : 0);
  ExpectEquivalent(*before, *m, 25);
}

INSTANTIATE_TEST_SUITE_P(Settings, LowerQuantLstmCellEquivalenceTest,
                         ::testing::ValuesIn(EquivalenceCases()),
                         [](const auto& info) { return info.param.name; });

TEST(LowerQuantLstmCellTest, StackedCellsAreAllLowered) {
  // Two layers: the second reads the first's Y (as Brevitas exports num_layers=2).
  CellConfig cfg;
  auto m = EmptyModel();
  Graph& g = *m->graph;
  std::mt19937 rng(3);
  Value* x = *g.AddValue("x", FloatType({cfg.seq, cfg.batch, cfg.input}));
  g.AddInput(x);
  Value* zeros = *g.AddInitializer("zeros", Tensor(ElementType::kFloat, {cfg.batch, cfg.hidden}));
  const QuantizerConfig& io = cfg.quantizers[ql::kOutput];
  Node* xq = AddQuant(g, x, io.scale, io.bits, true, false, "x_quant");
  Node* l0 = AddCell(g, cfg, xq->output(0), zeros, zeros, "l0", rng);
  CellConfig cfg1 = cfg;
  cfg1.input = cfg.hidden;
  cfg1.reverse = true;
  Node* l1 = AddCell(g, cfg1, l0->output(0), zeros, zeros, "l1", rng);
  g.AddOutput(l1->output(0));
  g.AddOutput(l0->output(1));
  g.AddOutput(l1->output(2));
  ASSERT_TRUE(InferModelTypes(*m).ok());
  std::unique_ptr<Model> before = m->Clone();
  ASSERT_TRUE(Lower(*m).ok());
  EXPECT_EQ(Count(g, "Scan"), 2);
  EXPECT_EQ(Count(g, "QuantLSTMCell"), 0);
  ExpectEquivalent(*before, *m, 10);
}

TEST(LowerQuantLstmCellTest, NothingToLowerLeavesTheModelUnchanged) {
  auto m = EmptyModel();
  Graph& g = *m->graph;
  Value* x = *g.AddValue("x", FloatType({2, 3}));
  g.AddInput(x);
  g.AddOutput(AddQuant(g, x, 0.5f, 4, true, false, "q")->output(0));
  auto changed = Lower(*m);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
}

}  // namespace
}  // namespace finngl
