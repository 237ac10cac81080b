#include "src/passes/lower_lstm_to_scan.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/passes/rnn_lowering.h"

namespace finngl {
namespace {

// ONNX LSTM gate order in W, R and B.
enum Gate { kI = 0, kO = 1, kF = 2, kC = 3 };
// Peephole order in P.
enum Peephole { kPi = 0, kPo = 1, kPf = 2 };

const RnnKind& LstmKind() {
  static const RnnKind* kind = new RnnKind{"LSTM", 4, true, {"Sigmoid", "Tanh", "Tanh"}};
  return *kind;
}

// Outer-graph values one direction's step reads.
struct LstmOuter {
  Value* wt = nullptr;                 // [I, 4H]
  Value* rt = nullptr;                 // [H, 4H]
  Value* bias = nullptr;               // [4H] (no peepholes) or nullptr
  std::vector<Value*> gate_bias;       // 4 x [H] (with peepholes and B)
  std::vector<Value*> peephole;        // 3 x [H]
};

absl::StatusOr<LstmOuter> PrepareOuter(const RnnNodeInfo& info, RnnBuilder& outer,
                                       const RnnDirectionOuter& dir, int d) {
  LstmOuter o;
  const std::string s = absl::StrCat(d);
  o.wt = dir.wt;
  ASSIGN_OR_RETURN(o.rt, outer.Transpose(dir.r, "R" + s + "_T"));
  if (dir.b != nullptr) {
    // Wb + Rb, summed once as the LSTM kernel does.
    ASSIGN_OR_RETURN(Value * wb, outer.Take(dir.b, 0, 0, "Wb" + s));
    ASSIGN_OR_RETURN(Value * rb, outer.Take(dir.b, 1, 0, "Rb" + s));
    ASSIGN_OR_RETURN(Value * sum, outer.Op("Add", {wb, rb}, "bias" + s + "_gates"));
    if (dir.p == nullptr) {
      ASSIGN_OR_RETURN(o.bias, outer.Reshape(sum, {4 * info.hidden}, "bias" + s));
    } else {
      for (int g = 0; g < 4; ++g) {
        ASSIGN_OR_RETURN(Value * b, outer.Take(sum, g, 0, absl::StrCat("bias", s, "_", g)));
        o.gate_bias.push_back(b);
      }
    }
  }
  if (dir.p != nullptr) {
    for (int k = 0; k < 3; ++k) {
      ASSIGN_OR_RETURN(Value * p, outer.Take(dir.p, k, 0, absl::StrCat("P", s, "_", k)));
      o.peephole.push_back(p);
    }
  }
  return o;
}

// The LSTM cell of direction d in the body (see the header for the formulas).
absl::StatusOr<std::vector<Value*>> BuildStep(const RnnNodeInfo& info, const LstmOuter& o, int d,
                                              RnnBuilder& b, const RnnStepInputs& in) {
  const RnnAttrs& a = info.attrs;
  const RnnActivation& f_act = a.activations[d * 3];
  const RnnActivation& g_act = a.activations[d * 3 + 1];
  const RnnActivation& h_act = a.activations[d * 3 + 2];
  Graph& body = b.graph();
  auto ref = [&](Value* v) { return OuterRef(body, v); };
  ASSIGN_OR_RETURN(Value * wt, ref(o.wt));
  ASSIGN_OR_RETURN(Value * rt, ref(o.rt));
  ASSIGN_OR_RETURN(Value * xw, b.Op("MatMul", {in.x, wt}, "xW"));
  ASSIGN_OR_RETURN(Value * hr, b.Op("MatMul", {in.h, rt}, "hR"));
  ASSIGN_OR_RETURN(Value * gates, b.Op("Add", {xw, hr}, "gates"));
  if (o.bias != nullptr) {
    ASSIGN_OR_RETURN(Value * bias, ref(o.bias));
    ASSIGN_OR_RETURN(gates, b.Op("Add", {gates, bias}, "gates_bias"));
  }
  ASSIGN_OR_RETURN(std::vector<Value*> g, b.SplitEqual(gates, 1, 4, "gate"));
  const bool peep = !o.peephole.empty();
  // pre-activation (+ peephole * cell) (+ bias) -> clip -> activation, in the kernel's order.
  auto finish = [&](Value* v, int gate, int peephole, Value* cell, const RnnActivation& act,
                    const std::string& name) -> absl::StatusOr<Value*> {
    if (peep && peephole >= 0) {
      ASSIGN_OR_RETURN(Value * p, ref(o.peephole[peephole]));
      ASSIGN_OR_RETURN(Value * pc, b.Op("Mul", {p, cell}, name + "_peep"));
      ASSIGN_OR_RETURN(v, b.Op("Add", {v, pc}, name + "_peep_add"));
    }
    if (!o.gate_bias.empty()) {
      ASSIGN_OR_RETURN(Value * bias, ref(o.gate_bias[gate]));
      ASSIGN_OR_RETURN(v, b.Op("Add", {v, bias}, name + "_bias"));
    }
    if (a.clip > 0) {
      ASSIGN_OR_RETURN(v, b.ClipSymmetric(v, a.clip, name + "_clip"));
    }
    return b.Activation(act, v, name + "_act");
  };
  ASSIGN_OR_RETURN(Value * i, finish(g[kI], kI, kPi, in.c, f_act, "i"));
  Value* f = nullptr;
  if (a.input_forget) {
    ASSIGN_OR_RETURN(Value * one, b.Const("one", Tensor::Scalar<float>(1.0f)));
    ASSIGN_OR_RETURN(f, b.Op("Sub", {one, i}, "f"));
  } else {
    ASSIGN_OR_RETURN(f, finish(g[kF], kF, kPf, in.c, f_act, "f"));
  }
  ASSIGN_OR_RETURN(Value * c_cand, finish(g[kC], kC, -1, nullptr, g_act, "c"));
  ASSIGN_OR_RETURN(Value * cf, b.Op("Mul", {in.c, f}, "c_f"));
  ASSIGN_OR_RETURN(Value * ic, b.Op("Mul", {i, c_cand}, "i_c"));
  ASSIGN_OR_RETURN(Value * c_new, b.Op("Add", {cf, ic}, "c_next"));
  ASSIGN_OR_RETURN(Value * out_gate, finish(g[kO], kO, kPo, c_new, f_act, "o"));
  ASSIGN_OR_RETURN(Value * c_act, b.Activation(h_act, c_new, "c_next_act"));
  ASSIGN_OR_RETURN(Value * h_new, b.Op("Mul", {out_gate, c_act}, "h_next"));
  return std::vector<Value*>{h_new, c_new};
}

}  // namespace

absl::StatusOr<bool> LowerLstmToScanPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return LowerRnnNodes(
      graph, ctx, LstmKind(), kName,
      [](const RnnNodeInfo& info, RnnBuilder& outer, const RnnDirectionOuter& dir,
         int d) -> absl::StatusOr<RnnStepBuilder> {
        ASSIGN_OR_RETURN(LstmOuter o, PrepareOuter(info, outer, dir, d));
        return RnnStepBuilder([&info, o, d](RnnBuilder& b, const RnnStepInputs& in) {
          return BuildStep(info, o, d, b, in);
        });
      });
}

}  // namespace finngl
