// StreamingMaxPool emitter: fgl::MaxPool (no padding; OH/OW from the output shape's frame).
#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/codegen/hls_types.h"
#include "src/codegen/layer_emitter.h"

namespace finngl::codegen {
namespace {

absl::StatusOr<LayerIo> Io(const Node& node) {
  ASSIGN_OR_RETURN(int64_t c, IntAttr(node, "NumChannels"));
  ASSIGN_OR_RETURN(int64_t pe, FoldAttr(node, "PE"));
  ASSIGN_OR_RETURN(DataType dt, DtypeAttr(node, "dataType"));
  if (pe <= 0 || c % pe != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": illegal folding NumChannels=", c, " PE=", pe));
  }
  LayerIo io;
  io.inputs.push_back({0, pe * dt.bit_width(), dt});
  io.outputs.push_back({0, pe * dt.bit_width(), dt});
  return io;
}

absl::Status Emit(const LayerContext& ctx, LayerCode& code) {
  const Node& node = *ctx.node;
  ASSIGN_OR_RETURN(std::vector<int64_t> img, IntsAttr(node, "ImgDim", 2));
  ASSIGN_OR_RETURN(std::vector<int64_t> pool, IntsAttr(node, "PoolDim", 2));
  ASSIGN_OR_RETURN(int64_t c, IntAttr(node, "NumChannels"));
  ASSIGN_OR_RETURN(int64_t pe, FoldAttr(node, "PE"));
  ASSIGN_OR_RETURN(DataType dt, DtypeAttr(node, "dataType"));
  std::vector<int64_t> stride = node.GetInts("Stride", pool);
  if (stride.size() != 2 || stride[0] <= 0 || stride[1] <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": Stride needs 2 entries"));
  }
  const int64_t oh = (img[0] - pool[0]) / stride[0] + 1;
  const int64_t ow = (img[1] - pool[1]) / stride[1] + 1;
  if (ctx.in_frame_elems[0] != img[0] * img[1] * c || ctx.out_frame_elems[0] != oh * ow * c) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": tensor shapes do not match ImgDim/PoolDim/Stride"));
  }
  ASSIGN_OR_RETURN(std::string t, HlsType(dt, node));
  code.body.L("fgl::MaxPool<", pool[0], ", ", pool[1], ", ", stride[0], ", ", stride[1], ", ", img[0],
         ", ", img[1], ", ", oh, ", ", ow, ", ", c, ", ", pe, ", ", t, ">(in0, out0, reps);");
  return absl::OkStatus();
}

}  // namespace

LayerEmitter MaxPoolEmitter() { return {Io, Emit}; }

}  // namespace finngl::codegen
