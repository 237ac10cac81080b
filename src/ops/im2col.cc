// Im2Col (qonnx.custom_op.general): the sliding-window patch extraction that conv lowering puts in
// front of a MatMul. Input x is NHWC [N, H, W, C]; output [N, OH, OW, KH * KW * C] with
//
//   y[n, oh, ow, (kh * KW + kw) * C + c] = xpad[n, oh * SH + kh * DH, ow * SW + kw * DW, c]
//
// i.e. the patch is ordered (kh, kw, c) with the channel innermost, as qonnx and finn-hlslib's
// sliding window generator order it, and xpad is x padded by pad_amount = [H_begin, W_begin,
// H_end, W_end] with the integer pad_value. OH = (H + H_begin + H_end - DH * (KH - 1) - 1) / SH + 1
// (likewise OW), qonnx's compute_conv_output_dim.
//
// Attributes, as qonnx declares them: stride (ints [SH, SW], required), kernel_size (ints [KH, KW],
// required), input_shape (string "(N, H, W, C)", required; only used when the input's shape is
// not known statically), pad_amount (ints, default [0, 0, 0, 0]), pad_value (int, default 0),
// dilations (ints, default [1, 1]), depthwise (int 0/1, default 0: a hint for hardware mapping
// that does not change the result).
//
// Differences from qonnx 1.0's executor, which are deliberate: a batch N > 1 is processed image by
// image (qonnx's reshape interleaves the images of a batch; for N = 1 the two agree exactly), and
// the checks qonnx asserts (a spatial axis of size 1 is a dummy axis, so its kernel must be 1 and
// its padding 0; pad_value must be allowed by the input's datatype when there is padding) are
// errors naming the node. The op copies elements and never changes a value, so the output keeps
// the input's element type and datatype.
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "src/base/status.h"
#include "src/ops/int_range.h"
#include "src/ops/registry.h"
#include "src/ops/shape_util.h"

namespace finngl {
namespace {

using AT = Attribute::Type;
using KernelOr = absl::StatusOr<std::unique_ptr<Kernel>>;

struct Im2ColAttrs {
  int64_t kh = 1, kw = 1;
  int64_t sh = 1, sw = 1;
  int64_t dh = 1, dw = 1;
  // pad_amount order: [H_begin, W_begin, H_end, W_end].
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t pad_value = 0;
  bool has_padding() const { return pad_top + pad_left + pad_bottom + pad_right != 0; }
};

// Reads an INTS attribute of exactly `size` values >= `min_value` (default when absent).
absl::StatusOr<std::vector<int64_t>> ReadIntsAttr(const Node& node, const std::string& name,
                                                  size_t size, int64_t min_value,
                                                  std::vector<int64_t> default_value) {
  const Attribute* a = node.attr(name);
  if (a == nullptr) {
    if (default_value.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("required attribute '", name,
                                                     "' is missing"));
    }
    return default_value;
  }
  if (a->type() != AT::kInts) {
    return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' has type ",
                                                   AttributeTypeName(a->type()),
                                                   ", expected INTS"));
  }
  const std::vector<int64_t>& v = a->ints();
  bool ok = v.size() == size;
  for (int64_t x : v) ok = ok && x >= min_value;
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' = [",
                                                   absl::StrJoin(v, ", "), "] must have ", size,
                                                   " values >= ", min_value));
  }
  return v;
}

absl::StatusOr<Im2ColAttrs> ParseIm2ColAttrs(const Node& node) {
  Im2ColAttrs a;
  ASSIGN_OR_RETURN(std::vector<int64_t> k, ReadIntsAttr(node, "kernel_size", 2, 1, {}));
  ASSIGN_OR_RETURN(std::vector<int64_t> s, ReadIntsAttr(node, "stride", 2, 1, {}));
  ASSIGN_OR_RETURN(std::vector<int64_t> d, ReadIntsAttr(node, "dilations", 2, 1, {1, 1}));
  ASSIGN_OR_RETURN(std::vector<int64_t> p,
                   ReadIntsAttr(node, "pad_amount", 4, 0, {0, 0, 0, 0}));
  a.kh = k[0];
  a.kw = k[1];
  a.sh = s[0];
  a.sw = s[1];
  a.dh = d[0];
  a.dw = d[1];
  a.pad_top = p[0];
  a.pad_left = p[1];
  a.pad_bottom = p[2];
  a.pad_right = p[3];
  a.pad_value = node.GetInt("pad_value", 0);
  return a;
}

// qonnx's compute_conv_output_dim, for windows that fit in the padded input.
absl::StatusOr<int64_t> OutputDim(const char* axis, int64_t in, int64_t k, int64_t s, int64_t d,
                                  int64_t pad) {
  const int64_t span = in + pad - d * (k - 1) - 1;
  if (span < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", axis, " window (kernel ", k, ", dilation ", d, ") does not fit in the input of ",
        axis, " ", in, " padded by ", pad));
  }
  return span / s + 1;
}

// qonnx treats a spatial axis of size 1 as a dummy axis (1-D convolutions as 2-D ones).
absl::Status CheckDummyAxes(const Im2ColAttrs& a, int64_t h, int64_t w) {
  if (h == 1 && (a.kh != 1 || a.pad_top + a.pad_bottom != 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the input has height 1 (a dummy axis), which needs kernel_size[0] = 1 and no height "
        "padding; got kernel_size[0] = ", a.kh, ", padding ", a.pad_top, "+", a.pad_bottom));
  }
  if (w == 1 && (a.kw != 1 || a.pad_left + a.pad_right != 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the input has width 1 (a dummy axis), which needs kernel_size[1] = 1 and no width "
        "padding; got kernel_size[1] = ", a.kw, ", padding ", a.pad_left, "+", a.pad_right));
  }
  return absl::OkStatus();
}

// Parses input_shape, e.g. "(1, 4, 4, 3)" or "[1,4,4,3]".
absl::StatusOr<std::vector<int64_t>> ParseInputShape(const std::string& text) {
  absl::string_view s(text);
  s = absl::StripAsciiWhitespace(s);
  if (!s.empty() && (s.front() == '(' || s.front() == '[')) s.remove_prefix(1);
  if (!s.empty() && (s.back() == ')' || s.back() == ']')) s.remove_suffix(1);
  std::vector<int64_t> dims;
  for (absl::string_view part : absl::StrSplit(s, ',', absl::SkipWhitespace())) {
    int64_t v;
    if (!absl::SimpleAtoi(part, &v) || v < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute 'input_shape' = '", text, "' is not a list of sizes"));
    }
    dims.push_back(v);
  }
  if (dims.size() != 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'input_shape' = '", text, "' has ", dims.size(), " sizes, expected 4 (NHWC)"));
  }
  return dims;
}

absl::Status InferIm2Col(InferContext& ctx) {
  const Node& node = ctx.node();
  auto attrs = ParseIm2ColAttrs(node);
  if (!attrs.ok()) return InferError(ctx, attrs.status());
  if (!node.has_attr("input_shape")) {
    return ctx.Error("required attribute 'input_shape' is missing");
  }
  auto declared = ParseInputShape(node.GetString("input_shape", ""));
  if (!declared.ok()) return InferError(ctx, declared.status());
  const TensorType& tx = ctx.input_type(0);
  Shape x = tx.shape ? *tx.shape : ShapeFromDims(*declared);
  if (x.size() != 4) {
    return ctx.Error(absl::StrCat(InputLabel(node, 0), " has shape ", ShapeToString(x),
                                  "; Im2Col needs an NHWC tensor of rank 4"));
  }
  for (int i = 1; i < 4; ++i) {
    if (x[i].known() && x[i].value != (*declared)[i]) {
      return ctx.Error(absl::StrCat(InputLabel(node, 0), " has shape ", ShapeToString(x),
                                    ", which disagrees with attribute 'input_shape' = '",
                                    node.GetString("input_shape", ""), "'"));
    }
  }
  if (x[1].known() && x[2].known()) {
    absl::Status s = CheckDummyAxes(*attrs, x[1].value, x[2].value);
    if (!s.ok()) return InferError(ctx, s);
  }
  Shape out{x[0], Dim{}, Dim{}, Dim{}};
  if (x[1].known()) {
    auto oh = OutputDim("height", x[1].value, attrs->kh, attrs->sh, attrs->dh,
                        attrs->pad_top + attrs->pad_bottom);
    if (!oh.ok()) return InferError(ctx, oh.status());
    out[1] = Dim{*oh, ""};
  }
  if (x[2].known()) {
    auto ow = OutputDim("width", x[2].value, attrs->kw, attrs->sw, attrs->dw,
                        attrs->pad_left + attrs->pad_right);
    if (!ow.ok()) return InferError(ctx, ow.status());
    out[2] = Dim{*ow, ""};
  }
  if (x[3].known()) out[3] = Dim{attrs->kh * attrs->kw * x[3].value, ""};
  // Padding writes pad_value into the output: the datatype must allow it (qonnx asserts this).
  if (attrs->has_padding() && !tx.dtype.Allowed(static_cast<double>(attrs->pad_value))) {
    return ctx.Error(absl::StrCat("pad_value ", attrs->pad_value,
                                  " is not allowed by the datatype ", tx.dtype.Name(), " of ",
                                  InputLabel(node, 0)));
  }
  DataType dtype = tx.dtype;
  if (!dtype.IsInteger() && IsIntegerElementType(tx.elem)) dtype = DataTypeOfElementType(tx.elem);
  ctx.SetOutput(0, tx.elem, out, dtype);
  return absl::OkStatus();
}

class Im2ColKernel final : public Kernel {
 public:
  Im2ColKernel(const Node& node, Im2ColAttrs attrs)
      : attrs_(attrs), x_label_(InputLabel(node, 0)) {}

  absl::Status Run(KernelContext& ctx) override {
    const Tensor& x = *ctx.input(0);
    RETURN_IF_ERROR(CheckCopyable(x, x_label_));
    if (x.rank() != 4) {
      return absl::InvalidArgumentError(absl::StrCat(x_label_, " has shape ",
                                                     DimsToString(x.dims()),
                                                     "; Im2Col needs an NHWC tensor of rank 4"));
    }
    const Im2ColAttrs& a = attrs_;
    const int64_t n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
    RETURN_IF_ERROR(CheckDummyAxes(a, h, w));
    ASSIGN_OR_RETURN(int64_t oh, OutputDim("height", h, a.kh, a.sh, a.dh,
                                            a.pad_top + a.pad_bottom));
    ASSIGN_OR_RETURN(int64_t ow, OutputDim("width", w, a.kw, a.sw, a.dw,
                                            a.pad_left + a.pad_right));
    const int64_t patch = a.kh * a.kw * c;
    Tensor& y = *ctx.outputs[0];
    const Dims out_dims{n, oh, ow, patch};
    y.Resize(x.type(), out_dims);
    const size_t esize = ElementSize(x.type());
    // One pixel of pad_value in the element type, replicated over the channels.
    Tensor pad_elem(x.type(), {});
    pad_elem.SetDouble(0, static_cast<double>(a.pad_value));
    pad_pixel_.resize(c * esize);
    for (int64_t i = 0; i < c; ++i) {
      std::memcpy(pad_pixel_.data() + i * esize, pad_elem.raw(), esize);
    }
    const auto* in = static_cast<const unsigned char*>(x.raw());
    auto* out = static_cast<unsigned char*>(y.raw());
    const size_t pixel_bytes = c * esize;
    for (int64_t b = 0; b < n; ++b) {
      const unsigned char* image = in + b * h * w * pixel_bytes;
      for (int64_t i = 0; i < oh; ++i) {
        for (int64_t j = 0; j < ow; ++j) {
          for (int64_t ki = 0; ki < a.kh; ++ki) {
            const int64_t row = i * a.sh - a.pad_top + ki * a.dh;
            for (int64_t kj = 0; kj < a.kw; ++kj) {
              const int64_t col = j * a.sw - a.pad_left + kj * a.dw;
              const bool inside = row >= 0 && row < h && col >= 0 && col < w;
              const unsigned char* src =
                  inside ? image + (row * w + col) * pixel_bytes : pad_pixel_.data();
              if (pixel_bytes != 0) std::memcpy(out, src, pixel_bytes);
              out += pixel_bytes;
            }
          }
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  Im2ColAttrs attrs_;
  std::string x_label_;
  std::vector<unsigned char> pad_pixel_;
};

}  // namespace

OpSpec MakeIm2ColSpec() {
  OpSpec s;
  s.op_type = "Im2Col";
  s.domain = kQonnxDomain;
  s.summary = "NHWC sliding-window patches [N, OH, OW, KH*KW*C], patch order (kh, kw, c)";
  auto check_01 = [](const Attribute& a) { return CheckAttrIn(a, {"0", "1"}); };
  s.attributes = {MakeAttr("stride", AT::kInts, true),
                  MakeAttr("kernel_size", AT::kInts, true),
                  MakeAttr("input_shape", AT::kString, true),
                  MakeAttr("pad_amount", AT::kInts),
                  MakeAttr("pad_value", AT::kInt),
                  AttrSpec{"depthwise", AT::kInt, false, check_01},
                  MakeAttr("dilations", AT::kInts)};
  s.infer = InferIm2Col;
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    ASSIGN_OR_RETURN(Im2ColAttrs attrs, ParseIm2ColAttrs(node));
    return std::unique_ptr<Kernel>(std::make_unique<Im2ColKernel>(node, attrs));
  };
  return s;
}

}  // namespace finngl
