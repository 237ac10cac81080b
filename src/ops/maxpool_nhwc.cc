// MaxPoolNHWC (qonnx.custom_op.general): ONNX MaxPool over the two spatial axes of a channels-last
// tensor. x: [N, H, W, C] -> y: [N, OH, OW, C] with
//
//   MaxPoolNHWC(x) == Transpose<[0, 2, 3, 1]>(MaxPool(Transpose<[0, 3, 1, 2]>(x)))
//
// which is how qonnx executes it (through onnxruntime's MaxPool). Attributes as in qonnx:
// kernel_shape, pads ([H_begin, W_begin, H_end, W_end]) and strides (all required, 2-D), ceil_mode
// (default 0); the window geometry is MaxPool's (src/ops/window.h), so auto_pad and dilations work
// too if a node carries them, as they do in qonnx's executor.
//
// The maximum is chosen exactly as finngl's MaxPool chooses it (the first maximal tap in window
// order; a window lying entirely in the padding yields the lowest finite value), so rewriting a
// MaxPool between transposes into MaxPoolNHWC is bit-identical. The op selects values: the output
// keeps the input's element type and datatype.
#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/int_range.h"
#include "src/ops/registry.h"
#include "src/ops/shape_util.h"
#include "src/ops/window.h"

namespace finngl {
namespace {

using AT = Attribute::Type;
using KernelOr = absl::StatusOr<std::unique_ptr<Kernel>>;

absl::StatusOr<WindowAttrs> ParseNhwcPoolAttrs(const Node& node) {
  // qonnx declares pads and strides required (MaxPool defaults them).
  for (const char* name : {"pads", "strides"}) {
    if (!node.has_attr(name)) {
      return absl::InvalidArgumentError(absl::StrCat("required attribute '", name,
                                                     "' is missing"));
    }
  }
  ASSIGN_OR_RETURN(WindowAttrs w, ParseWindowAttrs(node, /*kernel_required=*/true));
  if (w.kernel_shape.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat("attribute 'kernel_shape' has ",
                                                   w.kernel_shape.size(),
                                                   " values; MaxPoolNHWC is 2-D only"));
  }
  RETURN_IF_ERROR(CheckWindowRank(w, 2));
  return w;
}

bool IsNhwcPoolElementType(ElementType e) {
  return e != ElementType::kBool && e != ElementType::kFloat16 &&
         (IsFloatElementType(e) || IsIntegerElementType(e));
}

absl::Status InferMaxPoolNhwc(InferContext& ctx) {
  const Node& node = ctx.node();
  auto attrs = ParseNhwcPoolAttrs(node);
  if (!attrs.ok()) return InferError(ctx, attrs.status());
  const TensorType& tx = ctx.input_type(0);
  if (!IsNhwcPoolElementType(tx.elem)) {
    return ctx.Error(absl::StrCat(InputLabel(node, 0), " has element type ",
                                  ElementTypeName(tx.elem),
                                  ", which MaxPoolNHWC does not support"));
  }
  std::optional<Shape> out;
  if (tx.shape) {
    const Shape& x = *tx.shape;
    if (x.size() != 4) {
      return ctx.Error(absl::StrCat(InputLabel(node, 0), " has shape ", ShapeToString(x),
                                    "; MaxPoolNHWC needs an NHWC tensor of rank 4"));
    }
    auto dims = InferWindowOutputDims(*attrs, std::span<const Dim>(x.data() + 1, 2),
                                      attrs->kernel_shape);
    if (!dims.ok()) {
      return ctx.Error(absl::StrCat(InputLabel(node, 0), " ", ShapeToString(x), ": ",
                                    dims.status().message()));
    }
    out = Shape{x[0], (*dims)[0], (*dims)[1], x[3]};
  }
  DataType dtype = tx.dtype;
  if (!dtype.IsInteger() && IsIntegerElementType(tx.elem)) dtype = DataTypeOfElementType(tx.elem);
  ctx.SetOutput(0, tx.elem, out, dtype);
  return absl::OkStatus();
}

// First tap and tap count of output position `o` along one axis (taps inside the input only).
struct AxisTaps {
  int64_t start, begin, end;
};
AxisTaps TapsAt(int64_t o, int64_t stride, int64_t pad_begin, int64_t dilation, int64_t in,
                int64_t kernel) {
  const int64_t start = o * stride - pad_begin;
  int64_t begin = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
  int64_t end = in - start <= 0 ? 0 : (in - start + dilation - 1) / dilation;
  end = std::min(end, kernel);
  begin = std::min(begin, end);
  return {start, begin, end};
}

template <typename T>
void MaxPoolNhwc(const T* x, int64_t n, int64_t c, const WindowGeometry& g, T* y,
                 std::vector<char>& taken) {
  // WindowGeometry keeps 2-D windows in the trailing slots 1 (H) and 2 (W).
  const int64_t h = g.in[1], w = g.in[2];
  taken.assign(c, 0);
  for (int64_t b = 0; b < n; ++b) {
    const T* image = x + b * h * w * c;
    for (int64_t i = 0; i < g.out[1]; ++i) {
      const AxisTaps th = TapsAt(i, g.stride[1], g.pad_begin[1], g.dilation[1], h, g.kernel[1]);
      for (int64_t j = 0; j < g.out[2]; ++j, y += c) {
        const AxisTaps tw = TapsAt(j, g.stride[2], g.pad_begin[2], g.dilation[2], w, g.kernel[2]);
        std::fill(y, y + c, std::numeric_limits<T>::lowest());
        std::fill(taken.begin(), taken.end(), 0);
        for (int64_t a = th.begin; a < th.end; ++a) {
          const int64_t row = th.start + a * g.dilation[1];
          for (int64_t e = tw.begin; e < tw.end; ++e) {
            const T* px = image + (row * w + tw.start + e * g.dilation[2]) * c;
            // As MaxPool: the first tap is taken as is, later ones only when strictly greater.
            for (int64_t ch = 0; ch < c; ++ch) {
              if (!taken[ch] || px[ch] > y[ch]) {
                y[ch] = px[ch];
                taken[ch] = 1;
              }
            }
          }
        }
      }
    }
  }
}

class MaxPoolNhwcKernel final : public Kernel {
 public:
  MaxPoolNhwcKernel(const Node& node, WindowAttrs attrs)
      : attrs_(std::move(attrs)), x_label_(InputLabel(node, 0)) {}

  absl::Status Run(KernelContext& ctx) override {
    const Tensor& x = *ctx.input(0);
    if (!IsNhwcPoolElementType(x.type())) {
      return absl::InvalidArgumentError(absl::StrCat(x_label_, " has element type ",
                                                     ElementTypeName(x.type()),
                                                     ", which MaxPoolNHWC does not support"));
    }
    if (x.rank() != 4) {
      return absl::InvalidArgumentError(
          absl::StrCat(x_label_, " has shape ", DimsToString(x.dims()),
                       "; MaxPoolNHWC needs an NHWC tensor of rank 4"));
    }
    const int64_t in[2] = {x.dim(1), x.dim(2)};
    auto geometry = ComputeWindowGeometry(attrs_, in, attrs_.kernel_shape);
    if (!geometry.ok()) {
      return absl::Status(geometry.status().code(),
                          absl::StrCat(x_label_, " ", DimsToString(x.dims()), ": ",
                                       geometry.status().message()));
    }
    const WindowGeometry& g = *geometry;
    Tensor& y = *ctx.outputs[0];
    const Dims out_dims{x.dim(0), g.out[1], g.out[2], x.dim(3)};
    y.Resize(x.type(), out_dims);
    DispatchElementType(x.type(), [&](auto zero) {
      using T = decltype(zero);
      if constexpr (!std::is_same_v<T, bool>) {
        MaxPoolNhwc<T>(x.data<T>(), x.dim(0), x.dim(3), g, y.data<T>(), taken_);
      }
    });
    return absl::OkStatus();
  }

 private:
  WindowAttrs attrs_;
  std::string x_label_;
  std::vector<char> taken_;
};

}  // namespace

OpSpec MakeMaxPoolNHWCSpec() {
  OpSpec s;
  s.op_type = "MaxPoolNHWC";
  s.domain = kQonnxDomain;
  s.summary = "MaxPool over H and W of an NHWC tensor";
  s.attributes = WindowAttrSpecs(/*kernel_required=*/true, /*pooling=*/true);
  for (AttrSpec& a : s.attributes) {
    if (a.name == "pads" || a.name == "strides") a.required = true;  // as qonnx declares them
  }
  s.infer = InferMaxPoolNhwc;
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    ASSIGN_OR_RETURN(WindowAttrs attrs, ParseNhwcPoolAttrs(node));
    return std::unique_ptr<Kernel>(std::make_unique<MaxPoolNhwcKernel>(node, std::move(attrs)));
  };
  return s;
}

}  // namespace finngl
