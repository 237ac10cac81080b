// ConvolutionInputGenerator emitter: fgl::SlidingWindow (padding included, see docs/hw_layers.md).
#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/codegen/hls_types.h"
#include "src/codegen/layer_emitter.h"

namespace finngl::codegen {
namespace {

absl::StatusOr<LayerIo> Io(const Node& node) {
  ASSIGN_OR_RETURN(int64_t c, IntAttr(node, "IFMChannels"));
  ASSIGN_OR_RETURN(int64_t simd, FoldAttr(node, "SIMD"));
  ASSIGN_OR_RETURN(DataType in, DtypeAttr(node, "inputDataType"));
  ASSIGN_OR_RETURN(DataType out, DtypeAttr(node, "outputDataType"));
  if (simd <= 0 || c % simd != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": illegal folding IFMChannels=", c, " SIMD=", simd));
  }
  if (in.bit_width() != out.bit_width()) {
    return absl::InvalidArgumentError(absl::StrCat(
        node.Describe(), ": inputDataType and outputDataType must have the same width"));
  }
  LayerIo io;
  io.inputs.push_back({0, simd * in.bit_width(), in});
  io.outputs.push_back({0, simd * out.bit_width(), out});
  return io;
}

absl::Status Emit(const LayerContext& ctx, LayerCode& code) {
  const Node& node = *ctx.node;
  ASSIGN_OR_RETURN(std::vector<int64_t> k, IntsAttr(node, "ConvKernelDim", 2));
  ASSIGN_OR_RETURN(int64_t c, IntAttr(node, "IFMChannels"));
  ASSIGN_OR_RETURN(std::vector<int64_t> ifm, IntsAttr(node, "IFMDim", 2));
  ASSIGN_OR_RETURN(std::vector<int64_t> ofm, IntsAttr(node, "OFMDim", 2));
  ASSIGN_OR_RETURN(int64_t simd, FoldAttr(node, "SIMD"));
  ASSIGN_OR_RETURN(DataType in, DtypeAttr(node, "inputDataType"));
  std::vector<int64_t> stride = node.GetInts("Stride", {1, 1});
  std::vector<int64_t> dil = node.GetInts("Dilation", {1, 1});
  std::vector<int64_t> pad = node.GetInts("Padding", {0, 0, 0, 0});
  if (stride.size() != 2 || dil.size() != 2 || pad.size() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": Stride/Dilation need 2 entries, Padding 4"));
  }
  if (node.GetInt("depthwise", 0) != 0) {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": depthwise=1 is not supported"));
  }
  if (ctx.in_frame_elems[0] != ifm[0] * ifm[1] * c ||
      ctx.out_frame_elems[0] != ofm[0] * ofm[1] * k[0] * k[1] * c) {
    return absl::InvalidArgumentError(absl::StrCat(
        node.Describe(), ": tensor shapes do not match IFMDim/OFMDim/ConvKernelDim/IFMChannels"));
  }
  ASSIGN_OR_RETURN(std::string t, HlsType(in, node));
  code.body.L("fgl::SlidingWindow<", k[0], ", ", k[1], ", ", c, ", ", ifm[0], ", ", ifm[1], ", ",
         ofm[0], ", ", ofm[1], ", ", stride[0], ", ", stride[1], ", ", dil[0], ", ", dil[1], ", ",
         pad[0], ", ", pad[1], ", ", simd, ", ", t, ">(in0, out0, reps);");
  return absl::OkStatus();
}

}  // namespace

LayerEmitter SlidingWindowEmitter() { return {Io, Emit}; }

}  // namespace finngl::codegen
