// Pooling: MaxPool (with the optional Indices output), AveragePool and GlobalAveragePool over 1 to
// 3 spatial axes (GlobalAveragePool: any number).
//
// MaxPool selects input values, so it is exact for every element type and keeps the input's
// datatype. Averages are not integers in general: their output datatype is FLOAT32; sums run in
// double and are rounded once, which equals onnxruntime's float32 result whenever its float sum is
// exact (e.g. integer-valued inputs) and is within an ulp otherwise.
#include <algorithm>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/int_range.h"
#include "src/ops/linalg_common.h"
#include "src/ops/registry.h"
#include "src/ops/window.h"

namespace finngl {
namespace {

enum class PoolKind { kMax, kAverage };

struct PoolAttrs {
  WindowAttrs window;
  bool count_include_pad = false;  // AveragePool
};

absl::StatusOr<PoolAttrs> ParsePoolAttrs(const Node& node, PoolKind kind) {
  PoolAttrs p;
  ASSIGN_OR_RETURN(p.window, ParseWindowAttrs(node, /*kernel_required=*/true));
  if (kind == PoolKind::kMax) {
    if (const Attribute* a = node.attr("storage_order")) {
      if (a->type() != Attribute::Type::kInt || (a->i() != 0 && a->i() != 1)) {
        return absl::InvalidArgumentError("attribute 'storage_order' must be the int 0 or 1");
      }
      if (a->i() == 1) {
        return absl::UnimplementedError(
            "attribute 'storage_order' = 1 (column-major Indices) is not supported");
      }
    }
  } else if (const Attribute* a = node.attr("count_include_pad")) {
    if (a->type() != Attribute::Type::kInt || (a->i() != 0 && a->i() != 1)) {
      return absl::InvalidArgumentError("attribute 'count_include_pad' must be the int 0 or 1");
    }
    p.count_include_pad = a->i() == 1;
  }
  return p;
}

bool IsPoolElementType(PoolKind kind, ElementType e) {
  if (IsFloatElementType(e)) return true;
  return kind == PoolKind::kMax && IsIntegerElementType(e) && e != ElementType::kBool;
}

// Checks X's element type and rank; returns the spatial rank (or -1 when the rank is unknown).
absl::StatusOr<int> CheckPoolInput(const InferContext& ctx, PoolKind kind, int max_spatial) {
  const TensorType& tx = ctx.input_type(0);
  const std::string name = InputName(ctx.node(), 0);
  if (!IsPoolElementType(kind, tx.elem)) {
    return ctx.Error(absl::StrCat("input '", name, "' has element type ", ElementTypeName(tx.elem),
                                  ", which ", ctx.node().op_type(), " does not support"));
  }
  if (!tx.shape) return -1;
  const int rank = static_cast<int>(tx.shape->size());
  if (rank < 3 || rank - 2 > max_spatial) {
    return ctx.Error(absl::StrCat("input '", name, "' has rank ", rank, "; ", ctx.node().op_type(),
                                  " supports 1 to ", max_spatial, " spatial axes (rank 3 to ",
                                  max_spatial + 2, ")"));
  }
  return rank - 2;
}

absl::Status InferPool(InferContext& ctx, PoolKind kind) {
  const Node& node = ctx.node();
  auto attrs = ParsePoolAttrs(node, kind);
  if (!attrs.ok()) {
    return absl::Status(attrs.status().code(),
                        absl::StrCat(node.Describe(), ": ", attrs.status().message()));
  }
  ASSIGN_OR_RETURN(int spatial, CheckPoolInput(ctx, kind, kMaxSpatialRank));
  const TensorType& tx = ctx.input_type(0);
  std::optional<Shape> out;
  if (spatial > 0) {
    const Shape& x = *tx.shape;
    absl::Status s = CheckWindowRank(attrs->window, spatial);
    if (!s.ok()) return ctx.Error(std::string(s.message()));
    auto dims = InferWindowOutputDims(attrs->window, std::span<const Dim>(x.data() + 2, spatial),
                                      attrs->window.kernel_shape);
    if (!dims.ok()) {
      return ctx.Error(absl::StrCat("input '", InputName(node, 0), "' ", ShapeToString(x), ": ",
                                    dims.status().message()));
    }
    out = Shape{x[0], x[1]};
    out->insert(out->end(), dims->begin(), dims->end());
  }
  if (kind == PoolKind::kAverage) {
    ctx.SetOutput(0, tx.elem, out, DataType::Float32());
    return absl::OkStatus();
  }
  // Max selects input values: the input's datatype carries over.
  DataType dtype = tx.dtype;
  if (!dtype.IsInteger() && IsIntegerElementType(tx.elem)) dtype = DataTypeOfElementType(tx.elem);
  ctx.SetOutput(0, tx.elem, out, dtype);
  if (node.num_outputs() > 1 && node.output(1) != nullptr) {
    ctx.SetOutput(1, ElementType::kInt64, out, DataType::Int(64));
  }
  return absl::OkStatus();
}

// Per-axis window bounds of output position `o`: the first input index and the number of taps.
struct Taps {
  int64_t start;  // input index of tap 0 (may be negative: padding)
  int64_t begin;  // first tap inside the input
  int64_t end;    // one past the last tap inside the input
};

Taps AxisTaps(const WindowGeometry& g, int axis, int64_t o) {
  const int64_t start = o * g.stride[axis] - g.pad_begin[axis];
  const int64_t d = g.dilation[axis];
  // Taps t with 0 <= start + t * d < in.
  int64_t begin = start >= 0 ? 0 : (-start + d - 1) / d;
  int64_t end = g.in[axis] - start <= 0 ? 0 : (g.in[axis] - start + d - 1) / d;
  end = std::min(end, g.kernel[axis]);
  begin = std::min(begin, end);
  return {start, begin, end};
}

// Taps inside the padded input [-pad_begin, in + pad_end): the count_include_pad divisor.
int64_t PaddedTapCount(const WindowGeometry& g, int axis, int64_t start) {
  const int64_t d = g.dilation[axis];
  const int64_t limit = g.in[axis] + g.pad_end[axis] - start;  // taps t with t * d < limit
  if (limit <= 0) return 0;
  return std::min(g.kernel[axis], (limit + d - 1) / d);
}

// Calls fn(out_index, taps[3]) for every output position of one plane.
template <typename Fn>
void ForEachWindow(const WindowGeometry& g, Fn&& fn) {
  int64_t o = 0;
  for (int64_t od = 0; od < g.out[0]; ++od) {
    const Taps td = AxisTaps(g, 0, od);
    for (int64_t oh = 0; oh < g.out[1]; ++oh) {
      const Taps th = AxisTaps(g, 1, oh);
      for (int64_t ow = 0; ow < g.out[2]; ++ow) {
        const Taps tw = AxisTaps(g, 2, ow);
        fn(o++, td, th, tw);
      }
    }
  }
}

// Max over each window. T is the stored type; kHalf: T holds float16 bits (compared as float).
template <typename T, bool kHalf>
void MaxPoolPlanes(const T* x, int64_t planes, const WindowGeometry& g, T* y, int64_t* indices) {
  using Key = std::conditional_t<kHalf, float, T>;
  auto key = [](T v) -> Key {
    if constexpr (kHalf) {
      return HalfToFloat(v);
    } else {
      return v;
    }
  };
  const int64_t in_size = g.in_size(), out_size = g.out_size();
  for (int64_t p = 0; p < planes; ++p) {
    const T* xp = x + p * in_size;
    T* yp = y + p * out_size;
    ForEachWindow(g, [&](int64_t o, const Taps& td, const Taps& th, const Taps& tw) {
      // The first maximum wins (its index is reported); a window without taps (only possible
      // when it lies in the padding) yields the lowest finite value, as in onnxruntime.
      Key best = std::numeric_limits<Key>::lowest();
      T best_raw;
      if constexpr (kHalf) {
        best_raw = 0xFBFF;  // lowest finite float16
      } else {
        best_raw = best;
      }
      int64_t best_index = -1;
      for (int64_t a = td.begin; a < td.end; ++a) {
        const int64_t id = td.start + a * g.dilation[0];
        for (int64_t b = th.begin; b < th.end; ++b) {
          const int64_t ih = th.start + b * g.dilation[1];
          const int64_t row = (id * g.in[1] + ih) * g.in[2];
          for (int64_t c = tw.begin; c < tw.end; ++c) {
            const int64_t pos = row + tw.start + c * g.dilation[2];
            const Key v = key(xp[pos]);
            if (best_index < 0 || v > best) {
              best = v;
              best_raw = xp[pos];
              best_index = pos;
            }
          }
        }
      }
      yp[o] = best_raw;
      if (indices != nullptr) {
        indices[p * out_size + o] = best_index < 0 ? -1 : p * in_size + best_index;
      }
    });
  }
}

// Mean over each window, divided by the taps inside the input (or, with count_include_pad, inside
// the padded input).
template <typename T, bool kHalf>
void AveragePoolPlanes(const T* x, int64_t planes, const WindowGeometry& g, bool count_include_pad,
                       T* y) {
  auto load = [](T v) -> double {
    if constexpr (kHalf) {
      return HalfToFloat(v);
    } else {
      return static_cast<double>(v);
    }
  };
  auto store = [](double v) -> T {
    if constexpr (kHalf) {
      return FloatToHalf(static_cast<float>(v));
    } else {
      return static_cast<T>(v);
    }
  };
  const int64_t in_size = g.in_size(), out_size = g.out_size();
  for (int64_t p = 0; p < planes; ++p) {
    const T* xp = x + p * in_size;
    T* yp = y + p * out_size;
    ForEachWindow(g, [&](int64_t o, const Taps& td, const Taps& th, const Taps& tw) {
      double sum = 0;
      for (int64_t a = td.begin; a < td.end; ++a) {
        const int64_t id = td.start + a * g.dilation[0];
        for (int64_t b = th.begin; b < th.end; ++b) {
          const int64_t ih = th.start + b * g.dilation[1];
          const T* row = xp + (id * g.in[1] + ih) * g.in[2] + tw.start;
          for (int64_t c = tw.begin; c < tw.end; ++c) sum += load(row[c * g.dilation[2]]);
        }
      }
      int64_t count;
      if (count_include_pad) {
        count = PaddedTapCount(g, 0, td.start) * PaddedTapCount(g, 1, th.start) *
                PaddedTapCount(g, 2, tw.start);
      } else {
        count = (td.end - td.begin) * (th.end - th.begin) * (tw.end - tw.begin);
      }
      yp[o] = store(sum / static_cast<double>(count));
    });
  }
}

// Calls fn(T{}, bool_constant<is_half>) for the element type.
template <typename Fn>
bool DispatchPoolType(ElementType type, Fn&& fn) {
  if (type == ElementType::kFloat16) {
    fn(uint16_t{}, std::true_type{});
    return true;
  }
  return DispatchElementType(type, [&](auto zero) { fn(zero, std::false_type{}); });
}

class PoolKernel final : public Kernel {
 public:
  PoolKernel(const Node& node, PoolKind kind, PoolAttrs attrs)
      : kind_(kind),
        attrs_(std::move(attrs)),
        x_name_(InputName(node, 0)),
        want_indices_(node.output(1) != nullptr) {}

  absl::Status Run(KernelContext& ctx) override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return absl::InvalidArgumentError("pooling needs input X");
    if (!IsPoolElementType(kind_, x->type())) {
      return absl::InvalidArgumentError(absl::StrCat("input '", x_name_, "' has element type ",
                                                     ElementTypeName(x->type()),
                                                     ", which is not supported"));
    }
    if (x->rank() < 3 || x->rank() > 2 + kMaxSpatialRank) {
      return absl::InvalidArgumentError(absl::StrCat("input '", x_name_, "' has shape ",
                                                     DimsToString(x->dims()), "; expected 1 to ",
                                                     kMaxSpatialRank, " spatial axes"));
    }
    std::span<const int64_t> in(x->dims().data() + 2, x->rank() - 2);
    auto geometry = ComputeWindowGeometry(attrs_.window, in, attrs_.window.kernel_shape);
    if (!geometry.ok()) {
      return absl::Status(geometry.status().code(),
                          absl::StrCat("input '", x_name_, "' ", DimsToString(x->dims()), ": ",
                                       geometry.status().message()));
    }
    const WindowGeometry& g = *geometry;
    out_dims_.assign({x->dim(0), x->dim(1)});
    for (int i = 0; i < g.rank; ++i) out_dims_.push_back(g.out[kMaxSpatialRank - g.rank + i]);
    Tensor& y = *ctx.outputs[0];
    y.Resize(x->type(), out_dims_);
    int64_t* indices = nullptr;
    if (want_indices_ && ctx.outputs.size() > 1 && ctx.outputs[1] != nullptr) {
      ctx.outputs[1]->Resize(ElementType::kInt64, out_dims_);
      indices = ctx.outputs[1]->data<int64_t>();
    }
    const int64_t planes = x->dim(0) * x->dim(1);
    DispatchPoolType(x->type(), [&](auto zero, auto half) {
      using T = decltype(zero);
      constexpr bool kHalf = decltype(half)::value;
      if (kind_ == PoolKind::kMax) {
        if constexpr (!std::is_same_v<T, bool>) {
          MaxPoolPlanes<T, kHalf>(x->data<T>(), planes, g, y.data<T>(), indices);
        }
      } else if constexpr (std::is_floating_point_v<T> || kHalf) {
        AveragePoolPlanes<T, kHalf>(x->data<T>(), planes, g, attrs_.count_include_pad, y.data<T>());
      }
    });
    return absl::OkStatus();
  }

 private:
  PoolKind kind_;
  PoolAttrs attrs_;
  std::string x_name_;
  bool want_indices_;  // the optional Indices output is used
  Dims out_dims_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CompilePool(const Node& node, PoolKind kind) {
  ASSIGN_OR_RETURN(PoolAttrs attrs, ParsePoolAttrs(node, kind));
  return std::unique_ptr<Kernel>(std::make_unique<PoolKernel>(node, kind, std::move(attrs)));
}

// ---------------------------------------------------------------- GlobalAveragePool

absl::Status InferGlobalAveragePool(InferContext& ctx) {
  const TensorType& tx = ctx.input_type(0);
  ASSIGN_OR_RETURN(int spatial, CheckPoolInput(ctx, PoolKind::kAverage, 64));
  std::optional<Shape> out;
  if (spatial > 0) {
    out = Shape{(*tx.shape)[0], (*tx.shape)[1]};
    out->resize(spatial + 2, Dim{1, ""});
  }
  ctx.SetOutput(0, tx.elem, out, DataType::Float32());
  return absl::OkStatus();
}

class GlobalAveragePoolKernel final : public Kernel {
 public:
  explicit GlobalAveragePoolKernel(std::string x_name) : x_name_(std::move(x_name)) {}

  absl::Status Run(KernelContext& ctx) override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return absl::InvalidArgumentError("GlobalAveragePool needs input X");
    if (x->rank() < 3 || !IsFloatElementType(x->type())) {
      return absl::InvalidArgumentError(
          absl::StrCat("input '", x_name_, "' is ", ElementTypeName(x->type()),
                       DimsToString(x->dims()), "; expected a float tensor of rank >= 3"));
    }
    out_dims_.assign(x->rank(), 1);
    out_dims_[0] = x->dim(0);
    out_dims_[1] = x->dim(1);
    Tensor& y = *ctx.outputs[0];
    y.Resize(x->type(), out_dims_);
    const int64_t planes = x->dim(0) * x->dim(1);
    const int64_t size = planes == 0 ? 0 : x->size() / planes;
    DispatchPoolType(x->type(), [&](auto zero, auto half) {
      using T = decltype(zero);
      constexpr bool kHalf = decltype(half)::value;
      if constexpr (std::is_floating_point_v<T> || kHalf) {
        const T* in = x->data<T>();
        T* out = y.data<T>();
        for (int64_t p = 0; p < planes; ++p) {
          double sum = 0;
          for (int64_t i = 0; i < size; ++i) {
            if constexpr (kHalf) {
              sum += HalfToFloat(in[p * size + i]);
            } else {
              sum += static_cast<double>(in[p * size + i]);
            }
          }
          const double mean = sum / static_cast<double>(size);
          if constexpr (kHalf) {
            out[p] = FloatToHalf(static_cast<float>(mean));
          } else {
            out[p] = static_cast<T>(mean);
          }
        }
      }
    });
    return absl::OkStatus();
  }

 private:
  std::string x_name_;
  Dims out_dims_;
};

}  // namespace

OpSpec MakeMaxPoolSpec() {
  OpSpec s;
  s.op_type = "MaxPool";
  s.since_version = 12;
  s.summary = "Max over sliding windows (1 to 3 spatial axes), optional flat Indices output";
  s.min_outputs = 1;
  s.max_outputs = 2;
  s.attributes = WindowAttrSpecs(/*kernel_required=*/true, /*pooling=*/true);
  s.attributes.push_back({"storage_order", Attribute::Type::kInt, false,
                          [](const Attribute& a) { return CheckAttrIn(a, {"0", "1"}); }});
  s.infer = [](InferContext& ctx) { return InferPool(ctx, PoolKind::kMax); };
  s.compile = [](const Node& node, const CompileContext&) {
    return CompilePool(node, PoolKind::kMax);
  };
  return s;
}

OpSpec MakeAveragePoolSpec() {
  OpSpec s;
  s.op_type = "AveragePool";
  s.since_version = 19;
  s.summary = "Mean over sliding windows (1 to 3 spatial axes)";
  s.attributes = WindowAttrSpecs(/*kernel_required=*/true, /*pooling=*/true);
  s.attributes.push_back({"count_include_pad", Attribute::Type::kInt, false,
                          [](const Attribute& a) { return CheckAttrIn(a, {"0", "1"}); }});
  s.infer = [](InferContext& ctx) { return InferPool(ctx, PoolKind::kAverage); };
  s.compile = [](const Node& node, const CompileContext&) {
    return CompilePool(node, PoolKind::kAverage);
  };
  return s;
}

OpSpec MakeGlobalAveragePoolSpec() {
  OpSpec s;
  s.op_type = "GlobalAveragePool";
  s.since_version = 1;
  s.summary = "Mean over all spatial axes";
  s.infer = InferGlobalAveragePool;
  s.compile = [](const Node& node,
                 const CompileContext&) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    return std::unique_ptr<Kernel>(std::make_unique<GlobalAveragePoolKernel>(InputName(node, 0)));
  };
  return s;
}

}  // namespace finngl
