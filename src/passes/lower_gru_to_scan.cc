#include "src/passes/lower_gru_to_scan.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/passes/rnn_lowering.h"

namespace finngl {
namespace {

// ONNX GRU gate order in W, R and B.
enum Gate { kZ = 0, kR = 1, kH = 2 };

const RnnKind& GruKind() {
  static const RnnKind* kind = new RnnKind{"GRU", 3, false, {"Sigmoid", "Tanh"}};
  return *kind;
}

// Outer-graph values one direction's step reads.
struct GruOuter {
  Value* wt = nullptr;     // [I, 3H]
  Value* rt_zr = nullptr;  // [H, 2H]
  Value* rt_h = nullptr;   // [H, H]
  Value* bias_z = nullptr;  // Wbz + Rbz
  Value* bias_r = nullptr;  // Wbr + Rbr
  Value* bias_h = nullptr;  // Wbh + Rbh, or Wbh with linear_before_reset
  Value* rb_h = nullptr;    // Rbh with linear_before_reset
};

absl::StatusOr<GruOuter> PrepareOuter(const RnnNodeInfo& info, RnnBuilder& outer,
                                      const RnnDirectionOuter& dir, int d) {
  GruOuter o;
  const std::string s = absl::StrCat(d);
  const int64_t h = info.hidden;
  const bool lbr = info.attrs.linear_before_reset;
  o.wt = dir.wt;
  // R_d [3H, H] -> [3, H, H]: rows of the z and r gates, and of the h gate.
  ASSIGN_OR_RETURN(Value * r3, outer.Reshape(dir.r, {3, h, h}, "R" + s + "_gates"));
  ASSIGN_OR_RETURN(Value * zr_index, outer.Int64s("R" + s + "_zr_index", {kZ, kR}));
  AttrList gather;
  gather.emplace_back("axis", Attribute::Int(0));
  ASSIGN_OR_RETURN(Value * r_zr3, outer.Op("Gather", {r3, zr_index}, "R" + s + "_zr3",
                                           std::move(gather)));
  ASSIGN_OR_RETURN(Value * r_zr, outer.Reshape(r_zr3, {2 * h, h}, "R" + s + "_zr"));
  ASSIGN_OR_RETURN(o.rt_zr, outer.Transpose(r_zr, "R" + s + "_zr_T"));
  ASSIGN_OR_RETURN(Value * r_h, outer.Take(r3, kH, 0, "R" + s + "_h"));
  ASSIGN_OR_RETURN(o.rt_h, outer.Transpose(r_h, "R" + s + "_h_T"));
  if (dir.b != nullptr) {
    ASSIGN_OR_RETURN(Value * wb, outer.Take(dir.b, 0, 0, "Wb" + s));  // [3, H]
    ASSIGN_OR_RETURN(Value * rb, outer.Take(dir.b, 1, 0, "Rb" + s));
    ASSIGN_OR_RETURN(Value * sum, outer.Op("Add", {wb, rb}, "bias" + s + "_gates"));
    ASSIGN_OR_RETURN(o.bias_z, outer.Take(sum, kZ, 0, "bias" + s + "_z"));
    ASSIGN_OR_RETURN(o.bias_r, outer.Take(sum, kR, 0, "bias" + s + "_r"));
    if (lbr) {
      ASSIGN_OR_RETURN(o.bias_h, outer.Take(wb, kH, 0, "Wb" + s + "_h"));
      ASSIGN_OR_RETURN(o.rb_h, outer.Take(rb, kH, 0, "Rb" + s + "_h"));
    } else {
      ASSIGN_OR_RETURN(o.bias_h, outer.Take(sum, kH, 0, "bias" + s + "_h"));
    }
  }
  return o;
}

// The GRU cell of direction d in the body (see the header for the formulas).
absl::StatusOr<std::vector<Value*>> BuildStep(const RnnNodeInfo& info, const GruOuter& o, int d,
                                              RnnBuilder& b, const RnnStepInputs& in) {
  const RnnAttrs& a = info.attrs;
  const RnnActivation& f_act = a.activations[d * 2];
  const RnnActivation& g_act = a.activations[d * 2 + 1];
  Graph& body = b.graph();
  auto ref = [&](Value* v) { return OuterRef(body, v); };
  ASSIGN_OR_RETURN(Value * wt, ref(o.wt));
  ASSIGN_OR_RETURN(Value * rt_zr, ref(o.rt_zr));
  ASSIGN_OR_RETURN(Value * rt_h, ref(o.rt_h));
  ASSIGN_OR_RETURN(Value * xw, b.Op("MatMul", {in.x, wt}, "xW"));
  ASSIGN_OR_RETURN(std::vector<Value*> x3, b.SplitEqual(xw, 1, 3, "xW_gate"));
  ASSIGN_OR_RETURN(Value * hr, b.Op("MatMul", {in.h, rt_zr}, "hR_zr"));
  ASSIGN_OR_RETURN(std::vector<Value*> h2, b.SplitEqual(hr, 1, 2, "hR_gate"));
  // (+ bias) -> clip -> activation, in the kernel's order.
  auto finish = [&](Value* v, Value* bias, const RnnActivation& act,
                    const std::string& name) -> absl::StatusOr<Value*> {
    if (bias != nullptr) {
      ASSIGN_OR_RETURN(Value * bref, ref(bias));
      ASSIGN_OR_RETURN(v, b.Op("Add", {v, bref}, name + "_bias"));
    }
    if (a.clip > 0) {
      ASSIGN_OR_RETURN(v, b.ClipSymmetric(v, a.clip, name + "_clip"));
    }
    return b.Activation(act, v, name + "_act");
  };
  ASSIGN_OR_RETURN(Value * r_pre, b.Op("Add", {x3[kR], h2[1]}, "r"));
  ASSIGN_OR_RETURN(Value * r, finish(r_pre, o.bias_r, f_act, "r"));
  ASSIGN_OR_RETURN(Value * z_pre, b.Op("Add", {x3[kZ], h2[0]}, "z"));
  ASSIGN_OR_RETURN(Value * z, finish(z_pre, o.bias_z, f_act, "z"));
  Value* h_pre = nullptr;
  if (a.linear_before_reset) {
    ASSIGN_OR_RETURN(Value * hh, b.Op("MatMul", {in.h, rt_h}, "hR_h"));
    if (o.rb_h != nullptr) {
      ASSIGN_OR_RETURN(Value * rbh, ref(o.rb_h));
      ASSIGN_OR_RETURN(hh, b.Op("Add", {hh, rbh}, "hR_h_bias"));
    }
    ASSIGN_OR_RETURN(Value * rhh, b.Op("Mul", {r, hh}, "r_hR_h"));
    ASSIGN_OR_RETURN(h_pre, b.Op("Add", {x3[kH], rhh}, "h"));
  } else {
    ASSIGN_OR_RETURN(Value * rh, b.Op("Mul", {r, in.h}, "r_h"));
    ASSIGN_OR_RETURN(Value * hh, b.Op("MatMul", {rh, rt_h}, "rh_R_h"));
    ASSIGN_OR_RETURN(h_pre, b.Op("Add", {x3[kH], hh}, "h"));
  }
  ASSIGN_OR_RETURN(Value * h_cand, finish(h_pre, o.bias_h, g_act, "h"));
  ASSIGN_OR_RETURN(Value * one, b.Const("one", Tensor::Scalar<float>(1.0f)));
  ASSIGN_OR_RETURN(Value * one_minus_z, b.Op("Sub", {one, z}, "one_minus_z"));
  ASSIGN_OR_RETURN(Value * keep_new, b.Op("Mul", {one_minus_z, h_cand}, "new_part"));
  ASSIGN_OR_RETURN(Value * keep_old, b.Op("Mul", {z, in.h}, "old_part"));
  ASSIGN_OR_RETURN(Value * h_new, b.Op("Add", {keep_new, keep_old}, "h_next"));
  return std::vector<Value*>{h_new};
}

}  // namespace

absl::StatusOr<bool> LowerGruToScanPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return LowerRnnNodes(
      graph, ctx, GruKind(), kName,
      [](const RnnNodeInfo& info, RnnBuilder& outer, const RnnDirectionOuter& dir,
         int d) -> absl::StatusOr<RnnStepBuilder> {
        ASSIGN_OR_RETURN(GruOuter o, PrepareOuter(info, outer, dir, d));
        return RnnStepBuilder([&info, o, d](RnnBuilder& b, const RnnStepInputs& in) {
          return BuildStep(info, o, d, b, in);
        });
      });
}

}  // namespace finngl
