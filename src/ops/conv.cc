// Conv: N-d convolution (1 to 3 spatial axes) with groups, dilations, strides, pads / auto_pad
// and an optional bias, lowered per (image, group) to im2col + one matrix product.
//
// Float tensors run in float32 through Eigen. When X, W (and B) are integer-typed the product is
// exact (ChooseAccumulator in gemm_kernel.h) and the output datatype is the smallest integer type
// holding every result (int_range.h; padding contributes zeros, so the input range includes 0).
#include <algorithm>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"
#include "src/ops/activation_fusion.h"
#include "src/ops/gemm_kernel.h"
#include "src/ops/int_range.h"
#include "src/ops/linalg_common.h"
#include "src/ops/packed_gemm.h"
#include "src/ops/registry.h"
#include "src/ops/window.h"

namespace finngl {
namespace {

absl::StatusOr<int64_t> ParseGroup(const Node& node) {
  const Attribute* a = node.attr("group");
  if (a == nullptr) return 1;
  if (a->type() != Attribute::Type::kInt || a->i() < 1) {
    return absl::InvalidArgumentError("attribute 'group' must be an int >= 1");
  }
  return a->i();
}

// ceil(a / b) for b > 0 and any sign of a.
int64_t CeilDiv(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// Copies the receptive fields of `channels` input planes into col[channels * kernel_size, P]
// (P = output positions), zeros where a window reads padding.
template <typename T>
void Im2Col(const T* x, int64_t channels, const WindowGeometry& g, T* col) {
  const int64_t in_size = g.in_size();
  const int64_t plane = g.out[1] * g.out[2];
  for (int64_t c = 0; c < channels; ++c) {
    const T* xc = x + c * in_size;
    for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
      for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
        for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
          // Output columns whose input column lies inside the image: [ow_lo, ow_hi).
          const int64_t offset_w = kw * g.dilation[2] - g.pad_begin[2];
          const int64_t ow_lo = std::clamp<int64_t>(CeilDiv(-offset_w, g.stride[2]), 0, g.out[2]);
          const int64_t ow_hi =
              std::clamp<int64_t>(CeilDiv(g.in[2] - offset_w, g.stride[2]), ow_lo, g.out[2]);
          for (int64_t od = 0; od < g.out[0]; ++od) {
            const int64_t id = od * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
            if (id < 0 || id >= g.in[0]) {
              std::fill(col, col + plane, T{0});
              col += plane;
              continue;
            }
            for (int64_t oh = 0; oh < g.out[1]; ++oh) {
              const int64_t ih = oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
              if (ih < 0 || ih >= g.in[1]) {
                std::fill(col, col + g.out[2], T{0});
                col += g.out[2];
                continue;
              }
              const T* xrow = xc + (id * g.in[1] + ih) * g.in[2];
              std::fill(col, col + ow_lo, T{0});
              if (g.stride[2] == 1) {
                std::copy(xrow + ow_lo + offset_w, xrow + ow_hi + offset_w, col + ow_lo);
              } else {
                for (int64_t ow = ow_lo; ow < ow_hi; ++ow) {
                  col[ow] = xrow[ow * g.stride[2] + offset_w];
                }
              }
              std::fill(col + ow_hi, col + g.out[2], T{0});
              col += g.out[2];
            }
          }
        }
      }
    }
  }
}

struct ConvAttrs {
  WindowAttrs window;
  int64_t group = 1;
};

absl::StatusOr<ConvAttrs> ParseConvAttrs(const Node& node) {
  ConvAttrs a;
  ASSIGN_OR_RETURN(a.window, ParseWindowAttrs(node, /*kernel_required=*/false));
  ASSIGN_OR_RETURN(a.group, ParseGroup(node));
  return a;
}

absl::Status InferConv(InferContext& ctx) {
  const Node& node = ctx.node();
  auto attrs = ParseConvAttrs(node);
  if (!attrs.ok()) return ctx.Error(std::string(attrs.status().message()));
  RETURN_IF_ERROR(CheckOperandTypes(ctx, {0, 1, 2}));
  const int64_t group = attrs->group;
  const TensorType& tx = ctx.input_type(0);
  const TensorType& tw = ctx.input_type(1);
  const std::string x_name = InputName(node, 0), w_name = InputName(node, 1);
  int rank = -1;
  if (tx.shape) rank = static_cast<int>(tx.shape->size());
  if (tw.shape) {
    const int wr = static_cast<int>(tw.shape->size());
    if (rank >= 0 && wr != rank) {
      return ctx.Error(absl::StrCat("input '", w_name, "' has rank ", wr, " but input '", x_name,
                                    "' has rank ", rank, "; they must be equal"));
    }
    rank = wr;
  }
  if (rank >= 0 && (rank < 3 || rank > 2 + kMaxSpatialRank)) {
    return ctx.Error(absl::StrCat("input '", tx.shape ? x_name : w_name, "' has rank ", rank,
                                  "; Conv supports 1 to ", kMaxSpatialRank,
                                  " spatial axes (rank 3 to ", 2 + kMaxSpatialRank, ")"));
  }
  if (rank >= 0) {
    absl::Status s = CheckWindowRank(attrs->window, rank - 2);
    if (!s.ok()) return ctx.Error(std::string(s.message()));
  }
  Dim channels, out_channels, per_group;
  if (tx.shape) channels = (*tx.shape)[1];
  if (tw.shape) {
    out_channels = (*tw.shape)[0];
    per_group = (*tw.shape)[1];
  }
  if (channels.known() && per_group.known() && channels.value != per_group.value * group) {
    return ctx.Error(absl::StrCat("input '", w_name, "' has ", per_group.value,
                                  " input channels per group, but input '", x_name, "' has ",
                                  channels.value, " channels and group = ", group, " (expected ",
                                  channels.value / group, " per group)"));
  }
  if (channels.known() && channels.value % group != 0) {
    return ctx.Error(absl::StrCat("input '", x_name, "' has ", channels.value,
                                  " channels, which group = ", group, " does not divide"));
  }
  if (out_channels.known() && out_channels.value % group != 0) {
    return ctx.Error(absl::StrCat("input '", w_name, "' has ", out_channels.value,
                                  " output channels, which group = ", group, " does not divide"));
  }
  // Kernel size: W's spatial dims, or kernel_shape; both must agree.
  std::vector<int64_t> kernel;
  if (tw.shape && rank >= 3) {
    bool known = true;
    for (int i = 2; i < rank; ++i) {
      const Dim& d = (*tw.shape)[i];
      known = known && d.known();
      kernel.push_back(d.value);
    }
    if (!known) kernel.clear();
  }
  const std::vector<int64_t>& ks = attrs->window.kernel_shape;
  if (!ks.empty() && !kernel.empty() && ks != kernel) {
    return ctx.Error(absl::StrCat("attribute 'kernel_shape' = [", absl::StrJoin(ks, ", "),
                                  "] does not match the spatial dims of input '", w_name, "' ",
                                  ShapeToString(*tw.shape)));
  }
  if (kernel.empty()) kernel = ks;
  const bool has_b = ctx.has_input(2);
  if (has_b && ctx.input_type(2).shape) {
    const Shape& b = *ctx.input_type(2).shape;
    if (b.size() != 1 ||
        (out_channels.known() && b[0].known() && b[0].value != out_channels.value)) {
      return ctx.Error(absl::StrCat("input '", InputName(node, 2), "' has shape ", ShapeToString(b),
                                    ", expected [",
                                    out_channels.known() ? absl::StrCat(out_channels.value) : "M",
                                    "] (one bias per output channel)"));
    }
  }
  std::optional<Shape> out;
  if (rank >= 3) {
    out = Shape{tx.shape ? (*tx.shape)[0] : Dim{}, out_channels};
    if (tx.shape && !kernel.empty()) {
      std::span<const Dim> spatial(tx.shape->data() + 2, rank - 2);
      auto dims = InferWindowOutputDims(attrs->window, spatial, kernel);
      if (!dims.ok()) {
        return ctx.Error(absl::StrCat("input '", x_name, "' ", ShapeToString(*tx.shape), ": ",
                                      dims.status().message()));
      }
      out->insert(out->end(), dims->begin(), dims->end());
    } else {
      out->resize(rank);
    }
  }
  // Datatype of exact results.
  DataType dtype = DataType::Float32();
  const bool exact =
      IsIntegerTyped(tx) && IsIntegerTyped(tw) && (!has_b || IsIntegerTyped(ctx.input_type(2)));
  if (exact) {
    std::optional<ValueRange> range;
    std::optional<ValueRange> rx = RangeOfType(tx);
    std::optional<ValueRange> rw = RangeOfType(tw);
    if (rx && rw) {
      const ValueRange x = RangeWithZero(*rx);
      auto w = ConstantValues(ctx, 1);
      if (w && tw.shape && ShapeFullyKnown(*tw.shape) && out_channels.value > 0) {
        const int64_t len = static_cast<int64_t>(w->size()) / out_channels.value;
        range = DotRangeWithConstant(*w, 1, 0, out_channels.value, len, len, 1, x);
      } else if (per_group.known() && !kernel.empty()) {
        int64_t k = per_group.value;
        for (int64_t v : kernel) k *= v;
        range = RangeScale(RangeProduct(x, *rw), static_cast<double>(k));
      }
    }
    if (range && has_b) {
      std::optional<ValueRange> rb = RangeOfType(ctx.input_type(2));
      if (auto b = ConstantValues(ctx, 2)) rb = RangeOfValues(*b);
      range = rb ? std::optional(RangeSum(*range, *rb)) : std::nullopt;
    }
    dtype = range ? DataTypeForRange(*range, tx.elem) : DataTypeOfElementType(tx.elem);
  }
  ctx.SetOutput(0, tx.elem, out, dtype);
  return absl::OkStatus();
}

class ConvKernel final : public Kernel, public ActivationFusion {
 public:
  ConvKernel(const Node& node, ConvAttrs attrs, bool exact)
      : attrs_(std::move(attrs)),
        exact_(exact),
        bounds_{MaxMagnitude(node.input(0)), MaxMagnitude(node.input(1)),
                node.input(2) != nullptr ? MaxMagnitude(node.input(2)) : 0},
        names_{InputName(node, 0), InputName(node, 1), InputName(node, 2)},
        x_(false),
        w_(node.input(1) != nullptr && node.input(1)->is_initializer()),
        b_(node.input(2) != nullptr && node.input(2)->is_initializer()),
        w_constant_(node.input(1) != nullptr && node.input(1)->is_initializer()),
        float_output_(node.output(0) != nullptr &&
                      node.output(0)->type().elem == ElementType::kFloat) {}

  // Relu of a float output: max(y, 0) of the very same float y, whichever accumulator made it.
  bool FuseActivation(FusedActivation act) override {
    if (act != FusedActivation::kRelu || !float_output_) return false;
    relu_ = true;
    return true;
  }

  absl::Status Run(KernelContext& ctx) override {
    const Tensor* x = ctx.input(0);
    const Tensor* w = ctx.input(1);
    const Tensor* b = ctx.input(2);
    if (x == nullptr || w == nullptr)
      return absl::InvalidArgumentError("Conv needs inputs X and W");
    RETURN_IF_ERROR(CheckShapes(*x, *w, b));
    std::span<const int64_t> in(x->dims().data() + 2, x->rank() - 2);
    std::span<const int64_t> kernel(w->dims().data() + 2, w->rank() - 2);
    auto geometry = ComputeWindowGeometry(attrs_.window, in, kernel);
    if (!geometry.ok()) {
      return absl::Status(geometry.status().code(),
                          absl::StrCat("input '", names_[0], "' ", DimsToString(x->dims()), ": ",
                                       geometry.status().message()));
    }
    geom_ = *geometry;
    out_dims_.assign({x->dim(0), w->dim(0)});
    for (int i = 0; i < geom_.rank; ++i)
      out_dims_.push_back(geom_.out[kMaxSpatialRank - geom_.rank + i]);
    Tensor& y = *ctx.outputs[0];
    y.Resize(x->type(), out_dims_);
    const Accumulator acc =
        ChooseAccumulator(x->type(), exact_, w->dim(1) * geom_.kernel_size(), bounds_);
    switch (acc) {
      case Accumulator::kFloat:
        Compute<float>(*x, *w, b, y);
        break;
      case Accumulator::kDouble:
        Compute<double>(*x, *w, b, y);
        break;
      case Accumulator::kInt64:
        Compute<int64_t>(*x, *w, b, y);
        break;
    }
    // A fused Relu: the float product applies it in its epilogue, other accumulators need a pass.
    if (relu_) {
      if (y.type() != ElementType::kFloat) {
        return absl::InternalError("a Relu fused into Conv needs a float output");
      }
      if (acc != Accumulator::kFloat) {
        for (float& v : y.span<float>()) v = v > 0.0f ? v : 0.0f;
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status CheckShapes(const Tensor& x, const Tensor& w, const Tensor* b) const {
    for (int i = 1; i < 3; ++i) {
      const Tensor* t = i == 1 ? &w : b;
      if (t != nullptr && t->type() != x.type()) {
        return absl::InvalidArgumentError(
            absl::StrCat("input '", names_[i], "' has element type ", ElementTypeName(t->type()),
                         " but input '", names_[0], "' has ", ElementTypeName(x.type())));
      }
    }
    if (x.rank() < 3 || x.rank() > 2 + kMaxSpatialRank) {
      return absl::InvalidArgumentError(
          absl::StrCat("input '", names_[0], "' has shape ", DimsToString(x.dims()),
                       "; Conv supports 1 to ", kMaxSpatialRank, " spatial axes"));
    }
    if (w.rank() != x.rank()) {
      return absl::InvalidArgumentError(
          absl::StrCat("input '", names_[1], "' has shape ", DimsToString(w.dims()), " but input '",
                       names_[0], "' has shape ", DimsToString(x.dims()), "; ranks differ"));
    }
    const int64_t group = attrs_.group;
    if (x.dim(1) != w.dim(1) * group || w.dim(0) % group != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("input '", names_[1], "' has shape ", DimsToString(w.dims()), " but input '",
                       names_[0], "' has ", x.dim(1), " channels with group = ", group,
                       " (W must be [M, C / group, ...]", " with M divisible by group)"));
    }
    const std::vector<int64_t>& ks = attrs_.window.kernel_shape;
    if (!ks.empty() && !std::equal(ks.begin(), ks.end(), w.dims().begin() + 2, w.dims().end())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute 'kernel_shape' = [", absl::StrJoin(ks, ", "),
          "] does not match the spatial dims of input '", names_[1], "' ", DimsToString(w.dims())));
    }
    if (b != nullptr && (b->rank() != 1 || b->dim(0) != w.dim(0))) {
      return absl::InvalidArgumentError(absl::StrCat("input '", names_[2], "' has shape ",
                                                     DimsToString(b->dims()), ", expected [",
                                                     w.dim(0), "]"));
    }
    return absl::OkStatus();
  }

  // Whether every kernel tap reads the input planes as one contiguous run of out_size() elements
  // (unit strides, no padding, and a window wider than 1 only on an axis with nothing but
  // singleton output axes before it): then the product reads the input in place, no im2col.
  bool ContiguousTaps() const {
    int64_t outer = 1;  // output positions along the axes before the current one
    for (int i = 0; i < kMaxSpatialRank; ++i) {
      if (geom_.stride[i] != 1 || geom_.pad_begin[i] != 0 || geom_.pad_end[i] != 0) return false;
      if (geom_.kernel[i] > 1 && outer != 1) return false;
      outer *= geom_.out[i];
    }
    return true;
  }

  // Offset of kernel tap (kd, kh, kw) of channel 0 in the input planes.
  int64_t TapOffset(int64_t kd, int64_t kh, int64_t kw) const {
    return (kd * geom_.dilation[0] * geom_.in[1] + kh * geom_.dilation[1]) * geom_.in[2] +
           kw * geom_.dilation[2];
  }

  template <typename Acc>
  void Compute(const Tensor& xt, const Tensor& wt, const Tensor* bt, Tensor& yt) {
    const Acc* x = x_.Get<Acc>(xt);
    const Acc* w = w_.Get<Acc>(wt);
    const Acc* bias = bt != nullptr ? b_.Get<Acc>(*bt) : nullptr;
    const bool direct = yt.type() == ElementTypeOf<Acc>();
    Acc* y = direct ? yt.data<Acc>() : out_.Get<Acc>(yt.size());
    const int64_t n_images = xt.dim(0), channels = xt.dim(1), out_channels = wt.dim(0);
    const int64_t group = attrs_.group;
    const int64_t cg = channels / group, mg = out_channels / group;
    const int64_t k = cg * geom_.kernel_size();
    const int64_t in_size = geom_.in_size(), p = geom_.out_size();
    constexpr bool kPacked = std::is_same_v<Acc, float>;
    const bool contiguous = ContiguousTaps();
    // The generic product reads a column matrix, which is the input itself only for 1x1 windows.
    const bool im2col = !contiguous || (!kPacked && geom_.kernel_size() != 1);
    Acc* col = im2col ? col_.Get<Acc>(k * p) : nullptr;
    if constexpr (kPacked) PackWeights(w, wt.dims(), mg, k);
    for (int64_t n = 0; n < n_images; ++n) {
      for (int64_t g = 0; g < group; ++g) {
        const Acc* xg = x + (n * channels + g * cg) * in_size;
        Acc* yg = y + (n * out_channels + g * mg) * p;
        if (im2col) Im2Col(xg, cg, geom_, col);
        if constexpr (kPacked) {
          // Row (c, kd, kh, kw) of the column matrix, read where it lies.
          rows_.resize(k);
          int64_t r = 0;
          for (int64_t c = 0; c < cg; ++c) {
            for (int64_t kd = 0; kd < geom_.kernel[0]; ++kd) {
              for (int64_t kh = 0; kh < geom_.kernel[1]; ++kh) {
                for (int64_t kw = 0; kw < geom_.kernel[2]; ++kw, ++r) {
                  rows_[r] = im2col ? col + r * p : xg + c * in_size + TapOffset(kd, kh, kw);
                }
              }
            }
          }
          PackedGemm(packed_[g], rows_, p, bias != nullptr ? bias + g * mg : nullptr,
                     relu_ && direct, yg, p);
        } else {
          Gemm(mg, p, k, GemmOperand<Acc>{w + g * mg * k, k},
               GemmOperand<Acc>{im2col ? col : xg, p}, yg, p);
          if (bias != nullptr) {
            for (int64_t m = 0; m < mg; ++m) {
              const Acc bv = bias[g * mg + m];
              Acc* row = yg + m * p;
              for (int64_t i = 0; i < p; ++i) row[i] += bv;
            }
          }
        }
      }
    }
    if (!direct) StoreElements<Acc>(y, yt.size(), yt.type(), yt.raw());
  }

  // Packs the float weights of every group for PackedGemm; constant weights are packed once.
  void PackWeights(const float* w, const Dims& dims, int64_t mg, int64_t k) {
    if (w_constant_ && w == packed_from_ && dims == packed_dims_) return;
    packed_.resize(attrs_.group);
    for (int64_t g = 0; g < attrs_.group; ++g) packed_[g].Pack(w + g * mg * k, mg, k, k);
    packed_from_ = w;
    packed_dims_ = dims;
  }

  ConvAttrs attrs_;
  bool exact_;
  MagnitudeBounds bounds_;
  std::string names_[3];
  OperandBuffer x_, w_, b_;
  Scratch col_, out_;
  // The float path: packed weights per group (and what they were packed from), B row pointers.
  bool w_constant_;
  std::vector<PackedLhs> packed_;
  const float* packed_from_ = nullptr;
  Dims packed_dims_;
  std::vector<const float*> rows_;
  bool float_output_;
  bool relu_ = false;  // FuseActivation
  WindowGeometry geom_;
  Dims out_dims_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CompileConv(const Node& node, const CompileContext&) {
  ASSIGN_OR_RETURN(ConvAttrs attrs, ParseConvAttrs(node));
  bool exact = node.input(0) != nullptr && node.input(1) != nullptr &&
               IsIntegerTyped(node.input(0)->type()) && IsIntegerTyped(node.input(1)->type());
  if (node.input(2) != nullptr) exact = exact && IsIntegerTyped(node.input(2)->type());
  return std::unique_ptr<Kernel>(std::make_unique<ConvKernel>(node, std::move(attrs), exact));
}

}  // namespace

OpSpec MakeConvSpec() {
  OpSpec s;
  s.op_type = "Conv";
  s.since_version = 11;
  s.summary = "N-d convolution with groups, dilations, strides, pads/auto_pad and optional bias";
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.attributes = WindowAttrSpecs(/*kernel_required=*/false, /*pooling=*/false);
  s.attributes.push_back({"group", Attribute::Type::kInt, false, [](const Attribute& a) {
                            return a.i() >= 1 ? absl::OkStatus()
                                              : absl::InvalidArgumentError("must be >= 1");
                          }});
  s.infer = InferConv;
  s.compile = CompileConv;
  return s;
}

}  // namespace finngl
