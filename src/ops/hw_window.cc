// The sliding-window HW ops (finn.custom_op.fpgadataflow), docs/hw_layers.md:
//
// ConvolutionInputGenerator: x [N, H, W, C] -> y [N, OH, OW, KH*KW*C], exactly Im2Col:
//   y[n, oh, ow, (kh*KW + kw)*C + c] = xpad[n, oh*SH + kh*DH, ow*SW + kw*DW, c], zero padding
//   Padding = [top, left, bottom, right] (finngl folds FINN's FMPadding into the generator).
// StreamingMaxPool: x [N, H, W, C] -> y [N, OH, OW, C], the maximum over each PoolDim window
//   moved by Stride, no padding: exactly MaxPoolNHWC with pads 0 and ceil_mode 0.
//
// Both read x as a stream of H*W pixels of C channels per frame (any shape with a multiple of
// H*W*C elements; N = elements / (H*W*C)) and run the replaced op's own kernel (src/ops/im2col.cc,
// src/ops/maxpool_nhwc.cc) on the NHWC view. Outputs keep x's element type; their datatypes are
// outputDataType / dataType.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/hw_common.h"
#include "src/ops/registry.h"
#include "src/ops/shape_util.h"

namespace finngl {
namespace {

using KernelOr = absl::StatusOr<std::unique_ptr<Kernel>>;

// The geometry both ops share (the generator with padding and dilation, the pool without).
struct WindowHwAttrs {
  int64_t kh = 1, kw = 1, h = 1, w = 1, c = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pad_t = 0, pad_l = 0, pad_b = 0, pad_r = 0;
  int64_t oh = 1, ow = 1;
  int64_t out_channels() const { return kh * kw * c; }
};

int64_t WindowOutDim(int64_t in, int64_t pad, int64_t k, int64_t s, int64_t d) {
  const int64_t span = in + pad - d * (k - 1) - 1;
  return span < 0 ? -1 : span / s + 1;
}

absl::StatusOr<WindowHwAttrs> ParseSwgAttrs(const Node& node) {
  WindowHwAttrs a;
  ASSIGN_OR_RETURN(std::vector<int64_t> k, hw::IntsOfSize(node, "ConvKernelDim", 2, 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> in, hw::IntsOfSize(node, "IFMDim", 2, 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> out, hw::IntsOfSize(node, "OFMDim", 2, 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> s, hw::IntsOfSize(node, "Stride", 2, 1, {1, 1}));
  ASSIGN_OR_RETURN(std::vector<int64_t> d, hw::IntsOfSize(node, "Dilation", 2, 1, {1, 1}));
  ASSIGN_OR_RETURN(std::vector<int64_t> p,
                   hw::IntsOfSize(node, "Padding", 4, 0, {0, 0, 0, 0}));
  ASSIGN_OR_RETURN(a.c, hw::RequiredInt(node, "IFMChannels"));
  if (node.GetInt("depthwise", 0) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": depthwise = 1 is not supported"));
  }
  a.kh = k[0], a.kw = k[1], a.h = in[0], a.w = in[1], a.sh = s[0], a.sw = s[1];
  a.dh = d[0], a.dw = d[1], a.pad_t = p[0], a.pad_l = p[1], a.pad_b = p[2], a.pad_r = p[3];
  a.oh = WindowOutDim(a.h, a.pad_t + a.pad_b, a.kh, a.sh, a.dh);
  a.ow = WindowOutDim(a.w, a.pad_l + a.pad_r, a.kw, a.sw, a.dw);
  if (a.oh != out[0] || a.ow != out[1]) {
    return absl::InvalidArgumentError(absl::StrCat(
        node.Describe(), ": OFMDim = [", out[0], ", ", out[1], "] but the window geometry gives [",
        a.oh, ", ", a.ow, "]"));
  }
  return a;
}

absl::StatusOr<WindowHwAttrs> ParsePoolAttrs(const Node& node) {
  WindowHwAttrs a;
  ASSIGN_OR_RETURN(std::vector<int64_t> in, hw::IntsOfSize(node, "ImgDim", 2, 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> k, hw::IntsOfSize(node, "PoolDim", 2, 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> s, hw::IntsOfSize(node, "Stride", 2, 1, k));
  ASSIGN_OR_RETURN(a.c, hw::RequiredInt(node, "NumChannels"));
  a.kh = k[0], a.kw = k[1], a.h = in[0], a.w = in[1], a.sh = s[0], a.sw = s[1];
  a.oh = WindowOutDim(a.h, 0, a.kh, a.sh, 1);
  a.ow = WindowOutDim(a.w, 0, a.kw, a.sw, 1);
  if (a.oh < 1 || a.ow < 1) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": PoolDim [", a.kh, ", ",
                                                   a.kw, "] does not fit in ImgDim [", a.h, ", ",
                                                   a.w, "]"));
  }
  return a;
}

// Output [N, OH, OW, out_channels] with N = x's dim 0 (statically).
absl::Status InferWindowOp(InferContext& ctx, const WindowHwAttrs& a, int64_t out_channels,
                           const std::string& dtype_attr) {
  const Node& node = ctx.node();
  ASSIGN_OR_RETURN(DataType dtype, hw::DataTypeOf(node, dtype_attr));
  const TensorType& tx = ctx.input_type(0);
  std::optional<Shape> out;
  if (tx.shape && !tx.shape->empty()) {
    const int64_t frame = a.h * a.w * a.c;
    if (ShapeFullyKnown(*tx.shape) && NumElementsOf(ShapeToDims(*tx.shape)) % frame != 0) {
      return ctx.Error(absl::StrCat(InputLabel(node, 0), " has shape ", ShapeToString(*tx.shape),
                                    ", not a whole number of ", a.h, "x", a.w, "x", a.c,
                                    " frames"));
    }
    out = Shape{(*tx.shape)[0], Dim{a.oh, ""}, Dim{a.ow, ""}, Dim{out_channels, ""}};
  }
  ctx.SetOutput(0, tx.elem, out, dtype);
  return absl::OkStatus();
}

// Runs the inner NHWC op on x viewed as [N, H, W, C].
class WindowKernel final : public Kernel {
 public:
  WindowKernel(const Node& node, WindowHwAttrs attrs, hw::InnerKernel inner)
      : a_(attrs), inner_(std::move(inner)), x_label_(InputLabel(node, 0)) {}

  absl::Status Run(KernelContext& ctx) override {
    const Tensor& x = *ctx.input(0);
    const int64_t frame = a_.h * a_.w * a_.c;
    RETURN_IF_ERROR(hw::CheckVectors(x, frame, x_label_));
    const Tensor& nhwc = hw::ReshapedCopy(x, Dims{x.size() / frame, a_.h, a_.w, a_.c}, view_);
    return inner_.Run({&nhwc}, ctx.outputs[0]);
  }

 private:
  WindowHwAttrs a_;
  hw::InnerKernel inner_;
  Tensor view_;
  std::string x_label_;
};

std::string InputShapeString(const WindowHwAttrs& a) {
  return absl::StrCat("(1, ", a.h, ", ", a.w, ", ", a.c, ")");
}

}  // namespace

OpSpec MakeConvolutionInputGeneratorSpec() {
  OpSpec s;
  s.op_type = "ConvolutionInputGenerator";
  s.domain = kHwDomain;
  s.summary = "sliding-window generator: NHWC patches [N, OH, OW, KH*KW*C] as Im2Col (HW)";
  s.attributes = {hw::IntsAttr("ConvKernelDim", true),
                  hw::PositiveIntAttr("IFMChannels", true),
                  hw::IntsAttr("IFMDim", true),
                  hw::IntsAttr("OFMDim", true),
                  hw::IntsAttr("Stride", false),
                  hw::IntsAttr("Dilation", false),
                  hw::IntsAttr("Padding", false),
                  hw::PositiveIntAttr("SIMD", false),
                  hw::DataTypeAttr("inputDataType", true),
                  hw::DataTypeAttr("outputDataType", true),
                  AttrSpec{"depthwise", Attribute::Type::kInt, false,
                           [](const Attribute& a) { return CheckAttrIn(a, {"0"}); }}};
  s.foldable = false;
  s.infer = [](InferContext& ctx) -> absl::Status {
    ASSIGN_OR_RETURN(WindowHwAttrs a, ParseSwgAttrs(ctx.node()));
    return InferWindowOp(ctx, a, a.out_channels(), "outputDataType");
  };
  s.compile = [](const Node& node, const CompileContext& ctx) -> KernelOr {
    ASSIGN_OR_RETURN(WindowHwAttrs a, ParseSwgAttrs(node));
    ASSIGN_OR_RETURN(
        hw::InnerKernel inner,
        hw::InnerKernel::Create(
            kQonnxDomain, "Im2Col",
            {{"kernel_size", Attribute::Ints({a.kh, a.kw})},
             {"stride", Attribute::Ints({a.sh, a.sw})},
             {"dilations", Attribute::Ints({a.dh, a.dw})},
             {"pad_amount", Attribute::Ints({a.pad_t, a.pad_l, a.pad_b, a.pad_r})},
             {"pad_value", Attribute::Int(0)},
             {"input_shape", Attribute::String(InputShapeString(a))}},
            {hw::InnerKernel::Input{}}, ctx));
    return std::unique_ptr<Kernel>(std::make_unique<WindowKernel>(node, a, std::move(inner)));
  };
  return s;
}

OpSpec MakeStreamingMaxPoolSpec() {
  OpSpec s;
  s.op_type = "StreamingMaxPool";
  s.domain = kHwDomain;
  s.summary = "max pooling over NHWC windows without padding, as MaxPoolNHWC (HW)";
  s.attributes = {hw::IntsAttr("ImgDim", true),        hw::IntsAttr("PoolDim", true),
                  hw::IntsAttr("Stride", false),       hw::PositiveIntAttr("NumChannels", true),
                  hw::PositiveIntAttr("PE", false),    hw::DataTypeAttr("dataType", true)};
  s.foldable = false;
  s.infer = [](InferContext& ctx) -> absl::Status {
    ASSIGN_OR_RETURN(WindowHwAttrs a, ParsePoolAttrs(ctx.node()));
    return InferWindowOp(ctx, a, a.c, "dataType");
  };
  s.compile = [](const Node& node, const CompileContext& ctx) -> KernelOr {
    ASSIGN_OR_RETURN(WindowHwAttrs a, ParsePoolAttrs(node));
    ASSIGN_OR_RETURN(hw::InnerKernel inner,
                     hw::InnerKernel::Create(kQonnxDomain, "MaxPoolNHWC",
                                             {{"kernel_shape", Attribute::Ints({a.kh, a.kw})},
                                              {"strides", Attribute::Ints({a.sh, a.sw})},
                                              {"pads", Attribute::Ints({0, 0, 0, 0})},
                                              {"ceil_mode", Attribute::Int(0)}},
                                             {hw::InnerKernel::Input{}}, ctx));
    return std::unique_ptr<Kernel>(std::make_unique<WindowKernel>(node, a, std::move(inner)));
  };
  return s;
}

}  // namespace finngl
