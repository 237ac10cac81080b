// Tests of the ONNX LSTM and GRU ops against a naive reference cell written here (double
// precision, one batch row and one time step at a time, straight from the ONNX equations), over
// directions, bias, initial states, sequence_lens, layouts, clip, input_forget, peepholes,
// linear_before_reset and activations; plus type inference and error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "src/ops/infer.h"
#include "tests/cpp/op_test_util.h"

namespace finngl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::InferOp;
using testing::OpCall;
using testing::OpInput;
using testing::RunOp;
using testing::In;

struct Case {
  std::string op = "LSTM";
  int64_t seq = 4, batch = 2, input = 3, hidden = 5;
  std::string direction = "forward";
  bool bias = true, init_h = false, init_c = false, peephole = false;
  std::vector<int32_t> lens;  // empty: no sequence_lens input
  int64_t layout = 0;
  float clip = 0;
  bool input_forget = false;
  bool linear_before_reset = false;
  std::vector<std::string> activations;  // empty: defaults
  bool use_double = false;
};

int Gates(const Case& c) { return c.op == "LSTM" ? 4 : 3; }
int Dirs(const Case& c) { return c.direction == "bidirectional" ? 2 : 1; }

double Act(const std::string& name, double x) {
  if (name == "Sigmoid") return 1 / (1 + std::exp(-x));
  if (name == "Tanh") return std::tanh(x);
  if (name == "Relu") return x > 0 ? x : 0;
  ADD_FAILURE() << "unknown activation " << name;
  return 0;
}

// Inputs in ONNX order, as doubles in their stored (layout-dependent) order.
struct Data {
  std::vector<double> x, w, r, b, h0, c0, p;
};

Data MakeData(const Case& c, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-0.6, 0.6);
  auto fill = [&](size_t n) {
    std::vector<double> v(n);
    // Round to float so the float kernel and the reference see identical inputs.
    for (double& e : v) e = static_cast<float>(u(rng));
    return v;
  };
  const int g = Gates(c), nd = Dirs(c);
  Data d;
  d.x = fill(c.seq * c.batch * c.input);
  d.w = fill(nd * g * c.hidden * c.input);
  d.r = fill(nd * g * c.hidden * c.hidden);
  d.b = fill(nd * 2 * g * c.hidden);
  d.h0 = fill(nd * c.batch * c.hidden);
  d.c0 = fill(nd * c.batch * c.hidden);
  d.p = fill(nd * 3 * c.hidden);
  return d;
}

struct Outputs {
  std::vector<double> y, y_h, y_c;
};

// The ONNX equations, evaluated directly.
Outputs Reference(const Case& c, const Data& d) {
  const int64_t S = c.seq, B = c.batch, I = c.input, H = c.hidden;
  const int g = Gates(c), nd = Dirs(c), per_dir = c.op == "LSTM" ? 3 : 2;
  std::vector<std::string> acts = c.activations;
  if (acts.empty()) {
    for (int k = 0; k < nd; ++k) {
      if (c.op == "LSTM") {
        acts.insert(acts.end(), {"Sigmoid", "Tanh", "Tanh"});
      } else {
        acts.insert(acts.end(), {"Sigmoid", "Tanh"});
      }
    }
  }
  auto X = [&](int64_t t, int64_t b, int64_t i) {
    return c.layout == 0 ? d.x[(t * B + b) * I + i] : d.x[(b * S + t) * I + i];
  };
  auto state_at = [&](int64_t dir, int64_t b) {
    return c.layout == 0 ? (dir * B + b) * H : (b * nd + dir) * H;
  };
  auto y_at = [&](int64_t t, int64_t dir, int64_t b) {
    return c.layout == 0 ? ((t * nd + dir) * B + b) * H : ((b * S + t) * nd + dir) * H;
  };
  auto clip = [&](double v) {
    return c.clip > 0 ? std::min<double>(std::max<double>(v, -c.clip), c.clip) : v;
  };
  Outputs o;
  o.y.assign(S * nd * B * H, 0);
  o.y_h.assign(nd * B * H, 0);
  o.y_c.assign(nd * B * H, 0);
  for (int dir = 0; dir < nd; ++dir) {
    const bool rev = c.direction == "reverse" || dir == 1;
    const double* W = d.w.data() + dir * g * H * I;
    const double* R = d.r.data() + dir * g * H * H;
    const double* Wb = d.b.data() + dir * 2 * g * H;
    const double* Rb = Wb + g * H;
    const double* P = d.p.data() + dir * 3 * H;
    const std::string& f = acts[dir * per_dir];
    const std::string& gact = acts[dir * per_dir + 1];
    const std::string& hact = c.op == "LSTM" ? acts[dir * per_dir + 2] : "";
    for (int64_t b = 0; b < B; ++b) {
      const int64_t len = c.lens.empty() ? S : c.lens[b];
      std::vector<double> h(H, 0), cs(H, 0);
      if (c.init_h)
        for (int64_t k = 0; k < H; ++k) h[k] = d.h0[state_at(dir, b) + k];
      if (c.init_c)
        for (int64_t k = 0; k < H; ++k) cs[k] = d.c0[state_at(dir, b) + k];
      for (int64_t s = 0; s < len; ++s) {
        const int64_t t = rev ? len - 1 - s : s;
        // pre[gate*H + k] = W x + Wb + Rb (+ R h for all but GRU's h gate)
        std::vector<double> xw(g * H, 0), hr(g * H, 0);
        for (int64_t j = 0; j < g * H; ++j) {
          for (int64_t i = 0; i < I; ++i) xw[j] += W[j * I + i] * X(t, b, i);
          for (int64_t i = 0; i < H; ++i) hr[j] += R[j * H + i] * h[i];
          if (c.bias) xw[j] += Wb[j];
        }
        std::vector<double> nh(H), nc(H);
        if (c.op == "LSTM") {
          for (int64_t k = 0; k < H; ++k) {
            auto rb = [&](int gate) { return c.bias ? Rb[gate * H + k] : 0.0; };
            double pi = c.peephole ? P[k] : 0, po = c.peephole ? P[H + k] : 0,
                   pf = c.peephole ? P[2 * H + k] : 0;
            double ig = Act(f, clip(xw[k] + hr[k] + rb(0) + pi * cs[k]));
            double fg = c.input_forget
                            ? 1 - ig
                            : Act(f, clip(xw[2 * H + k] + hr[2 * H + k] + rb(2) + pf * cs[k]));
            double cg = Act(gact, clip(xw[3 * H + k] + hr[3 * H + k] + rb(3)));
            nc[k] = fg * cs[k] + ig * cg;
            double og = Act(f, clip(xw[H + k] + hr[H + k] + rb(1) + po * nc[k]));
            nh[k] = og * Act(hact, nc[k]);
          }
        } else {
          std::vector<double> z(H), r(H);
          for (int64_t k = 0; k < H; ++k) {
            z[k] = Act(f, clip(xw[k] + hr[k] + (c.bias ? Rb[k] : 0)));
            r[k] = Act(f, clip(xw[H + k] + hr[H + k] + (c.bias ? Rb[H + k] : 0)));
          }
          for (int64_t k = 0; k < H; ++k) {
            const double rbh = c.bias ? Rb[2 * H + k] : 0;
            double pre;
            if (c.linear_before_reset) {
              pre = xw[2 * H + k] + r[k] * (hr[2 * H + k] + rbh);
            } else {
              double rh = 0;
              for (int64_t i = 0; i < H; ++i) rh += R[(2 * H + k) * H + i] * r[i] * h[i];
              pre = xw[2 * H + k] + rh + rbh;
            }
            double hh = Act(gact, clip(pre));
            nh[k] = (1 - z[k]) * hh + z[k] * h[k];
          }
        }
        h = nh;
        cs = nc;
        for (int64_t k = 0; k < H; ++k) o.y[y_at(t, dir, b) + k] = h[k];
      }
      if (len > 0) {
        for (int64_t k = 0; k < H; ++k) {
          o.y_h[state_at(dir, b) + k] = h[k];
          o.y_c[state_at(dir, b) + k] = cs[k];
        }
      }
    }
  }
  return o;
}

Tensor Make(const Case& c, Dims dims, const std::vector<double>& v) {
  Tensor t(c.use_double ? ElementType::kDouble : ElementType::kFloat, std::move(dims));
  for (size_t i = 0; i < v.size(); ++i) t.SetDouble(i, v[i]);
  return t;
}

OpCall BuildCall(const Case& c, const Data& d) {
  const int64_t S = c.seq, B = c.batch, I = c.input, H = c.hidden;
  const int g = Gates(c), nd = Dirs(c);
  OpCall call;
  call.op_type = c.op;
  call.opset = 14;
  call.num_outputs = c.op == "LSTM" ? 3 : 2;
  Dims x_dims = c.layout == 0 ? Dims{S, B, I} : Dims{B, S, I};
  Dims s_dims = c.layout == 0 ? Dims{nd, B, H} : Dims{B, nd, H};
  call.inputs.push_back(In(Make(c, x_dims, d.x)));
  call.inputs.push_back(In(Make(c, {nd, g * H, I}, d.w), true));
  call.inputs.push_back(In(Make(c, {nd, g * H, H}, d.r), true));
  OpInput omitted;
  omitted.omitted = true;
  auto optional = [&](bool present, Tensor t) {
    if (present) {
      call.inputs.push_back(In(std::move(t)));
    } else {
      call.inputs.push_back(omitted);
    }
  };
  optional(c.bias, Make(c, {nd, 2 * g * H}, d.b));
  optional(!c.lens.empty(), Tensor::FromVector<int32_t>({B}, c.lens));
  optional(c.init_h, Make(c, s_dims, d.h0));
  if (c.op == "LSTM") {
    optional(c.init_c, Make(c, s_dims, d.c0));
    optional(c.peephole, Make(c, {nd, 3 * H}, d.p));
  }
  // Trailing omitted inputs are dropped, as ONNX writers do.
  while (!call.inputs.empty() && call.inputs.back().omitted) call.inputs.pop_back();
  call.attrs.emplace_back("hidden_size", Attribute::Int(H));
  call.attrs.emplace_back("direction", Attribute::String(c.direction));
  if (c.layout != 0) call.attrs.emplace_back("layout", Attribute::Int(c.layout));
  if (c.clip > 0) call.attrs.emplace_back("clip", Attribute::Float(c.clip));
  if (c.input_forget) call.attrs.emplace_back("input_forget", Attribute::Int(1));
  if (c.linear_before_reset) call.attrs.emplace_back("linear_before_reset", Attribute::Int(1));
  if (!c.activations.empty()) {
    call.attrs.emplace_back("activations", Attribute::Strings(c.activations));
  }
  return call;
}

void ExpectClose(const Tensor& got, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(got.size(), static_cast<int64_t>(want.size())) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    const double tol = 1e-6 + 1e-5 * std::abs(want[i]);
    ASSERT_NEAR(got.GetDouble(i), want[i], tol) << what << " element " << i;
  }
}

void Check(const Case& c, uint32_t seed = 1) {
  SCOPED_TRACE(c.op + " " + c.direction + " layout " + std::to_string(c.layout));
  Data d = MakeData(c, seed);
  auto out = RunOp(BuildCall(c, d));
  ASSERT_TRUE(out.ok()) << out.status();
  Outputs want = Reference(c, d);
  const int64_t nd = Dirs(c);
  if (c.layout == 0) {
    EXPECT_THAT((*out)[0].dims(), ElementsAre(c.seq, nd, c.batch, c.hidden));
    EXPECT_THAT((*out)[1].dims(), ElementsAre(nd, c.batch, c.hidden));
  } else {
    EXPECT_THAT((*out)[0].dims(), ElementsAre(c.batch, c.seq, nd, c.hidden));
    EXPECT_THAT((*out)[1].dims(), ElementsAre(c.batch, nd, c.hidden));
  }
  ExpectClose((*out)[0], want.y, "Y");
  ExpectClose((*out)[1], want.y_h, "Y_h");
  if (c.op == "LSTM") ExpectClose((*out)[2], want.y_c, "Y_c");
}

// ---------------------------------------------------------------------------- LSTM

TEST(LstmTest, HandComputedSingleUnit) {
  // W = R = B = 0: every gate is sigmoid(0) = 0.5 and the candidate tanh(0) = 0, so
  // c_t = 0.5 c_{t-1} and h_t = 0.5 tanh(c_t).
  OpCall call;
  call.op_type = "LSTM";
  call.num_outputs = 3;
  call.inputs.push_back(In(Tensor::FromVector<float>({2, 1, 1}, {7, -3})));
  call.inputs.push_back(In(Tensor(ElementType::kFloat, {1, 4, 1}), true));
  call.inputs.push_back(In(Tensor(ElementType::kFloat, {1, 4, 1}), true));
  OpInput omitted;
  omitted.omitted = true;
  call.inputs.push_back(omitted);
  call.inputs.push_back(omitted);
  call.inputs.push_back(omitted);
  call.inputs.push_back(In(Tensor::FromVector<float>({1, 1, 1}, {1.0f})));
  call.attrs.emplace_back("hidden_size", Attribute::Int(1));
  auto out = RunOp(std::move(call));
  ASSERT_TRUE(out.ok()) << out.status();
  const float h1 = 0.5f * std::tanh(0.5f), h2 = 0.5f * std::tanh(0.25f);
  EXPECT_NEAR((*out)[0].GetDouble(0), h1, 1e-7);
  EXPECT_NEAR((*out)[0].GetDouble(1), h2, 1e-7);
  EXPECT_NEAR((*out)[1].GetDouble(0), h2, 1e-7);
  EXPECT_NEAR((*out)[2].GetDouble(0), 0.25, 1e-7);
}

TEST(LstmTest, Directions) {
  for (const char* dir : {"forward", "reverse", "bidirectional"}) {
    Case c;
    c.direction = dir;
    Check(c);
  }
}

TEST(LstmTest, WithoutBias) {
  Case c;
  c.bias = false;
  c.direction = "bidirectional";
  Check(c);
}

TEST(LstmTest, InitialStates) {
  for (const char* dir : {"forward", "bidirectional"}) {
    Case c;
    c.direction = dir;
    c.init_h = c.init_c = true;
    Check(c);
  }
  Case only_h;
  only_h.init_h = true;
  Check(only_h);
}

TEST(LstmTest, SequenceLens) {
  for (const char* dir : {"forward", "reverse", "bidirectional"}) {
    Case c;
    c.batch = 3;
    c.direction = dir;
    c.init_h = c.init_c = true;
    c.lens = {4, 2, 0};
    Check(c);
  }
}

TEST(LstmTest, BatchFirstLayout) {
  for (const char* dir : {"forward", "bidirectional"}) {
    Case c;
    c.layout = 1;
    c.direction = dir;
    c.init_h = c.init_c = true;
    c.lens = {3, 4};
    Check(c);
  }
}

TEST(LstmTest, ClipInputForgetPeepholes) {
  Case c;
  c.clip = 0.3f;
  Check(c);
  Case f;
  f.input_forget = true;
  f.init_c = true;
  Check(f);
  Case p;
  p.peephole = true;
  p.init_c = true;
  p.direction = "bidirectional";
  Check(p);
}

TEST(LstmTest, ReluActivationsAndDouble) {
  Case c;
  c.direction = "bidirectional";
  c.activations = {"Sigmoid", "Relu", "Tanh", "Sigmoid", "Tanh", "Relu"};
  Check(c);
  Case d;
  d.use_double = true;
  d.seq = 6;
  d.hidden = 7;
  Check(d);
}

TEST(LstmTest, LongerSequenceAndWiderLayer) {
  Case c;
  c.seq = 25;
  c.batch = 1;
  c.input = 10;
  c.hidden = 20;
  c.init_h = c.init_c = true;
  Check(c);
}

// ---------------------------------------------------------------------------- GRU

TEST(GruTest, HandComputedSingleUnit) {
  // W = R = B = 0: z = 0.5, candidate tanh(0) = 0, so h_t = 0.5 h_{t-1}.
  OpCall call;
  call.op_type = "GRU";
  call.num_outputs = 2;
  call.inputs.push_back(In(Tensor::FromVector<float>({3, 1, 1}, {1, 2, 3})));
  call.inputs.push_back(In(Tensor(ElementType::kFloat, {1, 3, 1}), true));
  call.inputs.push_back(In(Tensor(ElementType::kFloat, {1, 3, 1}), true));
  OpInput omitted;
  omitted.omitted = true;
  call.inputs.push_back(omitted);
  call.inputs.push_back(omitted);
  call.inputs.push_back(In(Tensor::FromVector<float>({1, 1, 1}, {8.0f})));
  call.attrs.emplace_back("hidden_size", Attribute::Int(1));
  auto out = RunOp(std::move(call));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT((*out)[0].ToDoubles(), ElementsAre(4, 2, 1));
  EXPECT_THAT((*out)[1].ToDoubles(), ElementsAre(1));
}

TEST(GruTest, DirectionsAndLinearBeforeReset) {
  for (bool lbr : {false, true}) {
    for (const char* dir : {"forward", "reverse", "bidirectional"}) {
      Case c;
      c.op = "GRU";
      c.direction = dir;
      c.linear_before_reset = lbr;
      c.init_h = true;
      Check(c);
    }
  }
}

TEST(GruTest, NoBiasClipSequenceLensLayout) {
  for (bool lbr : {false, true}) {
    Case c;
    c.op = "GRU";
    c.bias = false;
    c.linear_before_reset = lbr;
    c.direction = "bidirectional";
    Check(c);
    Case k;
    k.op = "GRU";
    k.clip = 0.25f;
    k.linear_before_reset = lbr;
    Check(k);
    Case s;
    s.op = "GRU";
    s.batch = 3;
    s.lens = {1, 4, 0};
    s.init_h = true;
    s.direction = "bidirectional";
    s.linear_before_reset = lbr;
    Check(s);
    Case l;
    l.op = "GRU";
    l.layout = 1;
    l.init_h = true;
    l.lens = {2, 4};
    l.direction = "reverse";
    l.linear_before_reset = lbr;
    Check(l);
  }
}

TEST(GruTest, ReluActivationAndDouble) {
  Case c;
  c.op = "GRU";
  c.activations = {"Sigmoid", "Relu"};
  Check(c);
  Case d;
  d.op = "GRU";
  d.use_double = true;
  d.direction = "bidirectional";
  Check(d);
}

// ---------------------------------------------------------------------------- inference, errors

TEST(RnnInferTest, OutputShapesPerLayout) {
  Case c;
  c.direction = "bidirectional";
  auto types = InferOp(BuildCall(c, MakeData(c, 1)));
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].ToString(), "float[4, 2, 2, 5] FLOAT32");
  EXPECT_EQ((*types)[1].ToString(), "float[2, 2, 5] FLOAT32");
  EXPECT_EQ((*types)[2].ToString(), "float[2, 2, 5] FLOAT32");
  Case g;
  g.op = "GRU";
  g.layout = 1;
  auto gt = InferOp(BuildCall(g, MakeData(g, 1)));
  ASSERT_TRUE(gt.ok()) << gt.status();
  EXPECT_EQ((*gt)[0].ToString(), "float[2, 4, 1, 5] FLOAT32");
  EXPECT_EQ((*gt)[1].ToString(), "float[2, 1, 5] FLOAT32");
}

TEST(RnnInferTest, SymbolicBatchPropagatesAndHiddenSizeComesFromR) {
  Case c;
  OpCall call = BuildCall(c, MakeData(c, 1));
  call.attrs.erase(call.attrs.begin());  // hidden_size
  auto model = testing::BuildSingleOpModel(std::move(call));
  (*model->graph->inputs()[0]->type().shape)[1] = Dim{-1, "N"};
  ASSERT_TRUE(InferModelTypes(*model).ok());
  EXPECT_EQ(ShapeToString(*model->graph->outputs()[0]->type().shape), "[4, 1, N, 5]");
  EXPECT_EQ(ShapeToString(*model->graph->outputs()[1]->type().shape), "[1, N, 5]");
}

TEST(RnnErrorTest, UnsupportedActivationIsUnimplemented) {
  Case c;
  c.activations = {"Sigmoid", "LeakyRelu", "Tanh"};
  auto out = RunOp(BuildCall(c, MakeData(c, 1)));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(out.status().message(), HasSubstr("node 'node0' (LSTM)"));
  EXPECT_THAT(out.status().message(), HasSubstr("activation 'LeakyRelu' is not supported"));
}

TEST(RnnErrorTest, WrongActivationCount) {
  Case c;
  c.op = "GRU";
  c.direction = "bidirectional";
  c.activations = {"Sigmoid", "Tanh"};
  auto out = RunOp(BuildCall(c, MakeData(c, 1)));
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(),
              HasSubstr("attribute 'activations' has 2 entries, expected 4"));
}

TEST(RnnErrorTest, WrongWeightShape) {
  Case c;
  OpCall call = BuildCall(c, MakeData(c, 1));
  call.inputs[1].value = Tensor(ElementType::kFloat, {1, 16, 3});
  auto out = RunOp(std::move(call));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(),
              HasSubstr("input W 'in1' has shape [1, 16, 3], expected [1, 20, 3]"));
}

TEST(RnnErrorTest, WrongInputRankAndType) {
  Case c;
  OpCall call = BuildCall(c, MakeData(c, 1));
  call.inputs[0].value = Tensor(ElementType::kFloat, {4, 6});
  auto out = RunOp(std::move(call));
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("input X 'in0' has shape [4, 6], expected rank 3"));
  OpCall call2 = BuildCall(c, MakeData(c, 1));
  call2.inputs[0].value = Tensor(ElementType::kInt8, {4, 2, 3});
  auto out2 = RunOp(std::move(call2));
  ASSERT_FALSE(out2.ok());
  EXPECT_THAT(out2.status().message(),
              HasSubstr("has element type int8, expected float or double"));
}

TEST(RnnErrorTest, SequenceLensOutOfRange) {
  Case c;
  c.lens = {4, 9};
  auto out = RunOp(BuildCall(c, MakeData(c, 1)));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("node 'node0' (LSTM)"));
  EXPECT_THAT(out.status().message(), HasSubstr("sequence_lens[1] = 9 is outside [0, 4]"));
}

TEST(RnnErrorTest, BadDirection) {
  Case c;
  OpCall call = BuildCall(c, MakeData(c, 1));
  call.attrs[1].second = Attribute::String("sideways");
  auto out = RunOp(std::move(call));
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("'sideways' is not one of"));
}

}  // namespace
}  // namespace finngl
