// MVAU emitter: fgl::Mvau / fgl::MvauThreshold with the weight (and threshold) arrays in the
// kernel's layout, weights[p][nf * (MW/SIMD) + sf][s] = W[sf*SIMD + s][nf*PE + p] and
// thresholds[p][nf][i] = T[nf*PE + p][i] (a single threshold row applies to every channel).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/codegen/hls_types.h"
#include "src/codegen/layer_emitter.h"
#include "src/codegen/threshold_params.h"

namespace finngl::codegen {
namespace {

struct MvauAttrs {
  int64_t mw, mh, pe, simd;
  DataType in, w, out, acc;
  bool thresholds;
};

absl::StatusOr<MvauAttrs> ReadAttrs(const Node& node) {
  MvauAttrs a;
  ASSIGN_OR_RETURN(a.mw, IntAttr(node, "MW"));
  ASSIGN_OR_RETURN(a.mh, IntAttr(node, "MH"));
  ASSIGN_OR_RETURN(a.pe, FoldAttr(node, "PE"));
  ASSIGN_OR_RETURN(a.simd, FoldAttr(node, "SIMD"));
  ASSIGN_OR_RETURN(a.in, DtypeAttr(node, "inputDataType"));
  ASSIGN_OR_RETURN(a.w, DtypeAttr(node, "weightDataType"));
  ASSIGN_OR_RETURN(a.out, DtypeAttr(node, "outputDataType"));
  if (node.has_attr("accDataType")) {
    ASSIGN_OR_RETURN(a.acc, DtypeAttr(node, "accDataType"));
  } else {
    // Wide enough for any dot product of MW input and weight values: |x*w| needs at most
    // in+w bits, a sum of MW of them log2(MW) more, plus a sign bit.
    int bits = a.in.bit_width() + a.w.bit_width() + 1;
    for (int64_t n = 1; n < a.mw; n *= 2) ++bits;
    a.acc = DataType::Int(std::min(bits, 64));
  }
  a.thresholds = node.GetInt("noActivation", 0) == 0 && node.input(2) != nullptr;
  if (a.pe <= 0 || a.simd <= 0 || a.mw % a.simd != 0 || a.mh % a.pe != 0) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": illegal folding MW=", a.mw,
                                                   " SIMD=", a.simd, " MH=", a.mh, " PE=", a.pe));
  }
  return a;
}

absl::StatusOr<LayerIo> Io(const Node& node) {
  ASSIGN_OR_RETURN(MvauAttrs a, ReadAttrs(node));
  LayerIo io;
  io.inputs.push_back({0, a.simd * a.in.bit_width(), a.in});
  io.outputs.push_back({0, a.pe * a.out.bit_width(), a.out});
  return io;
}

absl::Status Emit(const LayerContext& ctx, LayerCode& code) {
  const Node& node = *ctx.node;
  ASSIGN_OR_RETURN(MvauAttrs a, ReadAttrs(node));
  ASSIGN_OR_RETURN(std::string ti, HlsType(a.in, node));
  ASSIGN_OR_RETURN(std::string tw, HlsType(a.w, node));
  ASSIGN_OR_RETURN(std::string to, HlsType(a.out, node));
  ASSIGN_OR_RETURN(std::string ta, HlsType(a.acc, node));
  if (node.input(1) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": missing weights"));
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> w, IntegerContents(*node.input(1), a.w, node));
  if (static_cast<int64_t>(w.size()) != a.mw * a.mh) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": weights '",
                                                   node.input(1)->name(), "' have ", w.size(),
                                                   " elements, expected MW*MH = ", a.mw * a.mh));
  }
  if (ctx.in_frame_elems[0] % a.mw != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": input frame of ", ctx.in_frame_elems[0],
                     " elements is not a whole number of MW=", a.mw, " vectors"));
  }
  const int64_t sf_count = a.mw / a.simd;
  const int64_t nf_count = a.mh / a.pe;
  code.params.L("// ", node.name(), ": W [MW=", a.mw, "][MH=", a.mh, "] as weights[PE][tile][SIMD]");
  WriteConstArray(code.params, tw, ctx.fn + "_weights", {a.pe, nf_count * sf_count, a.simd},
                  [&](const std::vector<int64_t>& i) {
                    const int64_t p = i[0], nf = i[1] / sf_count, sf = i[1] % sf_count, s = i[2];
                    return w[(sf * a.simd + s) * a.mh + nf * a.pe + p];
                  });
  const std::string reps = absl::StrCat("reps * ", ctx.in_frame_elems[0] / a.mw);
  if (!a.thresholds) {
    code.body.L("fgl::Mvau<", a.mw, ", ", a.mh, ", ", a.simd, ", ", a.pe, ", ", ti, ", ", tw, ", ", ta,
           ", ", to, ">(in0, out0, ", ctx.fn, "_weights, ", reps, ");");
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(ThresholdParams t,
                   ThresholdArray(node, *node.input(2), a.mh, a.pe, std::nullopt));
  code.params.Line();
  WriteThresholdArray(code.params, t, ctx.fn + "_thresholds", a.mh, a.pe);
  ASSIGN_OR_RETURN(std::string tt, HlsType(t.dtype, node));
  const int64_t act_val = node.GetInt("ActVal", 0);
  code.body.L("fgl::MvauThreshold<", a.mw, ", ", a.mh, ", ", a.simd, ", ", a.pe, ", ", t.steps, ", ",
         act_val, ", ", ti, ", ", tw, ", ", ta, ", ", tt, ", ", to, ">(in0, out0, ", ctx.fn,
         "_weights, ", ctx.fn, "_thresholds, ", reps, ");");
  return absl::OkStatus();
}

}  // namespace

LayerEmitter MvauEmitter() { return {Io, Emit}; }

}  // namespace finngl::codegen
