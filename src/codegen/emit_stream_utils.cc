// Emitters for the data-movement layers: DuplicateStreams, StreamingDataWidthConverter and
// LabelSelect.
#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/codegen/hls_types.h"
#include "src/codegen/layer_emitter.h"

namespace finngl::codegen {
namespace {

absl::StatusOr<LayerIo> DupIo(const Node& node) {
  ASSIGN_OR_RETURN(int64_t c, IntAttr(node, "NumChannels"));
  ASSIGN_OR_RETURN(int64_t pe, FoldAttr(node, "PE"));
  ASSIGN_OR_RETURN(DataType dt, DtypeAttr(node, "inputDataType"));
  if (pe <= 0 || c % pe != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": illegal folding NumChannels=", c, " PE=", pe));
  }
  LayerIo io;
  io.inputs.push_back({0, pe * dt.bit_width(), dt});
  for (int i = 0; i < node.num_outputs(); ++i) {
    io.outputs.push_back({i, pe * dt.bit_width(), dt});
  }
  io.outputs_as_array = true;
  return io;
}

absl::Status DupEmit(const LayerContext& ctx, LayerCode& code) {
  const StreamPort& in = ctx.io.inputs[0];
  code.body.L("fgl::DuplicateStreams<", ctx.io.outputs.size(), ", ", in.width, ">(in0, out, reps * ",
         ctx.in_frame_elems[0] / in.fold(), ");");
  return absl::OkStatus();
}

absl::StatusOr<LayerIo> DwcIo(const Node& node) {
  ASSIGN_OR_RETURN(int64_t in_w, IntAttr(node, "inWidth"));
  ASSIGN_OR_RETURN(int64_t out_w, IntAttr(node, "outWidth"));
  ASSIGN_OR_RETURN(DataType dt, DtypeAttr(node, "dataType"));
  LayerIo io;
  io.inputs.push_back({0, in_w, dt});
  io.outputs.push_back({0, out_w, dt});
  return io;
}

absl::Status DwcEmit(const LayerContext& ctx, LayerCode& code) {
  const Node& node = *ctx.node;
  ASSIGN_OR_RETURN(DataType dt, DtypeAttr(node, "dataType"));
  // One vector is one innermost row (channels): both folds divide it, so no beat is padded.
  std::vector<int64_t> shape = node.GetInts("shape", {});
  if (shape.empty() || shape.back() <= 0) {
    ASSIGN_OR_RETURN(shape, FrameShape(*node.input(0)));
  }
  const int64_t row = shape.empty() ? ctx.in_frame_elems[0] : shape.back();
  if (row <= 0 || ctx.in_frame_elems[0] % row != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": attribute shape does not match the input tensor"));
  }
  code.body.L("fgl::DataWidthConverter<", ctx.io.inputs[0].width, ", ", ctx.io.outputs[0].width, ", ",
         row * dt.bit_width(), ">(in0, out0, reps * ", ctx.in_frame_elems[0] / row, ");");
  return absl::OkStatus();
}

absl::StatusOr<LayerIo> LabelIo(const Node& node) {
  ASSIGN_OR_RETURN(int64_t labels, IntAttr(node, "Labels"));
  ASSIGN_OR_RETURN(int64_t pe, FoldAttr(node, "PE"));
  ASSIGN_OR_RETURN(DataType in, DtypeAttr(node, "inputDataType"));
  ASSIGN_OR_RETURN(DataType out, DtypeAttr(node, "outputDataType"));
  if (pe <= 0 || labels % pe != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": illegal folding Labels=", labels, " PE=", pe));
  }
  LayerIo io;
  io.inputs.push_back({0, pe * in.bit_width(), in});
  io.outputs.push_back({0, out.bit_width(), out});
  return io;
}

absl::Status LabelEmit(const LayerContext& ctx, LayerCode& code) {
  const Node& node = *ctx.node;
  ASSIGN_OR_RETURN(int64_t labels, IntAttr(node, "Labels"));
  ASSIGN_OR_RETURN(int64_t pe, FoldAttr(node, "PE"));
  ASSIGN_OR_RETURN(int64_t k, IntAttr(node, "K"));
  ASSIGN_OR_RETURN(DataType in, DtypeAttr(node, "inputDataType"));
  ASSIGN_OR_RETURN(DataType out, DtypeAttr(node, "outputDataType"));
  ASSIGN_OR_RETURN(std::string ti, HlsType(in, node));
  ASSIGN_OR_RETURN(std::string to, HlsType(out, node));
  if (ctx.in_frame_elems[0] % labels != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": input frame is not a whole number of Labels vectors"));
  }
  code.body.L("fgl::LabelSelect<", labels, ", ", pe, ", ", k, ", ", ti, ", ", to, ">(in0, out0, reps * ",
         ctx.in_frame_elems[0] / labels, ");");
  return absl::OkStatus();
}

}  // namespace

LayerEmitter DuplicateStreamsEmitter() { return {DupIo, DupEmit}; }
LayerEmitter DataWidthConverterEmitter() { return {DwcIo, DwcEmit}; }
LayerEmitter LabelSelectEmitter() { return {LabelIo, LabelEmit}; }

}  // namespace finngl::codegen
