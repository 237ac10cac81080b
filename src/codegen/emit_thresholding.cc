// Thresholding emitter: fgl::Thresholding with thresholds[p][nf][i] = T[nf*PE + p][i].
#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/codegen/hls_types.h"
#include "src/codegen/layer_emitter.h"
#include "src/codegen/threshold_params.h"

namespace finngl::codegen {
namespace {

absl::StatusOr<LayerIo> Io(const Node& node) {
  ASSIGN_OR_RETURN(int64_t c, IntAttr(node, "NumChannels"));
  ASSIGN_OR_RETURN(int64_t pe, FoldAttr(node, "PE"));
  ASSIGN_OR_RETURN(DataType in, DtypeAttr(node, "inputDataType"));
  ASSIGN_OR_RETURN(DataType out, DtypeAttr(node, "outputDataType"));
  if (pe <= 0 || c % pe != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": illegal folding NumChannels=", c, " PE=", pe));
  }
  LayerIo io;
  io.inputs.push_back({0, pe * in.bit_width(), in});
  io.outputs.push_back({0, pe * out.bit_width(), out});
  return io;
}

absl::Status Emit(const LayerContext& ctx, LayerCode& code) {
  const Node& node = *ctx.node;
  ASSIGN_OR_RETURN(int64_t c, IntAttr(node, "NumChannels"));
  ASSIGN_OR_RETURN(int64_t pe, FoldAttr(node, "PE"));
  ASSIGN_OR_RETURN(DataType in, DtypeAttr(node, "inputDataType"));
  ASSIGN_OR_RETURN(DataType out, DtypeAttr(node, "outputDataType"));
  std::optional<DataType> declared;
  if (node.has_attr("weightDataType")) {
    ASSIGN_OR_RETURN(declared, DataType::Parse(node.GetString("weightDataType", "")));
  }
  if (node.input(1) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": missing thresholds"));
  }
  ASSIGN_OR_RETURN(ThresholdParams t, ThresholdArray(node, *node.input(1), c, pe, declared));
  if (ctx.in_frame_elems[0] % c != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": input frame of ", ctx.in_frame_elems[0],
                     " elements is not a whole number of NumChannels=", c, " vectors"));
  }
  code.params.L("// ", node.name(), ": NumChannels=", c, ", PE=", pe);
  WriteThresholdArray(code.params, t, ctx.fn + "_thresholds", c, pe);
  ASSIGN_OR_RETURN(std::string ti, HlsType(in, node));
  ASSIGN_OR_RETURN(std::string to, HlsType(out, node));
  ASSIGN_OR_RETURN(std::string tt, HlsType(t.dtype, node));
  code.body.L("fgl::Thresholding<", c, ", ", pe, ", ", t.steps, ", ", node.GetInt("ActVal", 0), ", ",
         ti, ", ", tt, ", ", to, ">(in0, out0, ", ctx.fn, "_thresholds, reps * ",
         ctx.in_frame_elems[0] / c, ");");
  return absl::OkStatus();
}

}  // namespace

LayerEmitter ThresholdingEmitter() { return {Io, Emit}; }

}  // namespace finngl::codegen
