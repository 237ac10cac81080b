// Pad (ONNX semantics, listed under shape_ops in op_list.h): constant, reflect, edge and wrap
// modes, negative pads crop; pads/value attributes before opset 11, pads/constant_value/axes
// inputs from opset 11 (axes from 18). Copies go by element size, so every element type works and
// the input's quantization DataType is kept.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"
#include "src/ops/registry.h"
#include "src/ops/shape_util.h"

namespace finngl {
namespace {

using AT = Attribute::Type;
using KernelOr = absl::StatusOr<std::unique_ptr<Kernel>>;
std::string DimsStr(const Dims& d) { return DimsToString(d); }

// ============================================================================ Pad

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

absl::StatusOr<PadMode> ParsePadMode(const std::string& mode) {
  if (mode == "constant") return PadMode::kConstant;
  if (mode == "reflect") return PadMode::kReflect;
  if (mode == "edge") return PadMode::kEdge;
  if (mode == "wrap") return PadMode::kWrap;
  return absl::InvalidArgumentError(absl::StrCat(
      "attribute 'mode' value '", mode, "' is not one of {constant, reflect, edge, wrap}"));
}

bool PadUsesAttrs(int64_t opset) { return opset >= 0 && opset < 11; }

// Full per-axis (begin, end) pads from the pads list and optional axes.
absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> FullPads(
    const std::vector<int64_t>& pads, const std::optional<std::vector<int64_t>>& axes,
    int64_t rank) {
  std::vector<int64_t> ax;
  if (axes) {
    ASSIGN_OR_RETURN(ax, NormalizeAxes(*axes, rank, "'axes'"));
  } else {
    ax.resize(rank);
    std::iota(ax.begin(), ax.end(), 0);
  }
  if (pads.size() != 2 * ax.size()) {
    return absl::InvalidArgumentError(absl::StrCat("'pads' has ", pads.size(), " values, expected ",
                                                   2 * ax.size(), " (begin and end for each of ",
                                                   ax.size(), " axes)"));
  }
  std::vector<std::pair<int64_t, int64_t>> full(rank, {0, 0});
  for (size_t i = 0; i < ax.size(); ++i) full[ax[i]] = {pads[i], pads[i + ax.size()]};
  return full;
}

// For every output coordinate along an axis, the input coordinate it reads (-1: the constant).
absl::StatusOr<std::vector<int64_t>> PadIndexMap(int64_t dim, int64_t begin, int64_t out_size,
                                                 PadMode mode, int64_t axis) {
  std::vector<int64_t> map(out_size);
  for (int64_t o = 0; o < out_size; ++o) {
    int64_t c = o - begin;
    if (c >= 0 && c < dim) {
      map[o] = c;
      continue;
    }
    if (mode == PadMode::kConstant) {
      map[o] = -1;
      continue;
    }
    if (dim == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot pad axis ", axis, " of size 0 in a non-constant mode"));
    }
    switch (mode) {
      case PadMode::kEdge:
        c = std::clamp<int64_t>(c, 0, dim - 1);
        break;
      case PadMode::kWrap:
        c = ((c % dim) + dim) % dim;
        break;
      case PadMode::kReflect:
        if (dim == 1) {
          c = 0;
          break;
        }
        {
          const int64_t period = 2 * (dim - 1);
          c = ((c % period) + period) % period;
          if (c >= dim) c = period - c;
        }
        break;
      default:
        break;
    }
    map[o] = c;
  }
  return map;
}

template <typename T>
void PadCopy(const T* in, const Dims& in_dims, const std::vector<std::vector<int64_t>>& maps,
             T cval, const Dims& out_dims, T* out) {
  const int rank = static_cast<int>(out_dims.size());
  if (rank == 0) {
    out[0] = in[0];
    return;
  }
  if (NumElementsOf(out_dims) == 0) return;
  const Dims in_strides = RowMajorStrides(in_dims);
  const int64_t inner = out_dims[rank - 1];
  const std::vector<int64_t>& last = maps[rank - 1];
  const int64_t outer = NumElementsOf(out_dims) / inner;
  std::vector<int64_t> idx(rank, 0);
  for (int64_t o = 0; o < outer; ++o) {
    int64_t base = 0;
    bool valid = true;
    for (int d = 0; d < rank - 1; ++d) {
      const int64_t m = maps[d][idx[d]];
      if (m < 0) {
        valid = false;
        break;
      }
      base += m * in_strides[d];
    }
    if (!valid) {
      std::fill(out, out + inner, cval);
    } else {
      for (int64_t k = 0; k < inner; ++k) out[k] = last[k] < 0 ? cval : in[base + last[k]];
    }
    out += inner;
    for (int d = rank - 2; d >= 0; --d) {
      if (++idx[d] < out_dims[d]) break;
      idx[d] = 0;
    }
  }
}

OpSpec PadSpec() {
  OpSpec s;
  s.op_type = "Pad";
  s.summary = "Pads (or crops, with negative pads) in constant, reflect, edge or wrap mode.";
  s.min_inputs = 1;
  s.max_inputs = 4;
  s.attributes = {
      {"mode", AT::kString, false,
       [](const Attribute& a) { return CheckAttrIn(a, {"constant", "reflect", "edge", "wrap"}); }},
      MakeAttr("pads", AT::kInts),
      MakeAttr("value", AT::kFloat)};
  s.infer = [](InferContext& ctx) -> absl::Status {
    const TensorType& in = ctx.input_type(0);
    auto mode = ParsePadMode(ctx.node().GetString("mode", "constant"));
    if (!mode.ok()) return InferError(ctx, mode.status());
    std::optional<std::vector<int64_t>> pads, axes;
    bool axes_unknown = false;
    if (PadUsesAttrs(ctx.opset())) {
      if (!ctx.node().has_attr("pads")) return ctx.Error("attribute 'pads' is missing");
      pads = ctx.node().GetInts("pads", {});
    } else {
      if (!ctx.has_input(1)) return ctx.Error("input 'pads' is missing");
      pads = ConstantInts(ctx, 1);
      if (ctx.has_input(3)) {
        axes = ConstantInts(ctx, 3);
        axes_unknown = !axes;
      }
      if (ctx.has_input(2) && ctx.input_type(2).elem != in.elem) {
        return ctx.Error(absl::StrCat(InputLabel(ctx.node(), 2), " has element type ",
                                      ElementTypeName(ctx.input_type(2).elem), ", expected ",
                                      ElementTypeName(in.elem), " like ",
                                      InputLabel(ctx.node(), 0)));
      }
    }
    if (!in.shape || !pads || axes_unknown) {
      std::optional<Shape> out;
      if (in.shape) out = Shape(in.shape->size(), Dim{});
      ctx.SetOutput(0, in.elem, out, in.dtype);
      return absl::OkStatus();
    }
    auto full = FullPads(*pads, axes, in.shape->size());
    if (!full.ok()) return InferError(ctx, full.status());
    Shape out = *in.shape;
    for (size_t d = 0; d < out.size(); ++d) {
      auto [b, e] = (*full)[d];
      if (b == 0 && e == 0) continue;
      if (!out[d].known()) {
        out[d] = Dim{};
        continue;
      }
      int64_t size = out[d].value + b + e;
      if (size < 0) {
        return ctx.Error(absl::StrCat("pads ", b, " and ", e, " make axis ", d, " of ",
                                      InputLabel(ctx.node(), 0), " (size ", out[d].value,
                                      ") negative"));
      }
      out[d] = Dim{size, ""};
    }
    ctx.SetOutput(0, in.elem, out, in.dtype);
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext& cctx) -> KernelOr {
    std::string label = InputLabel(node, 0);
    ASSIGN_OR_RETURN(PadMode mode, ParsePadMode(node.GetString("mode", "constant")));
    const bool use_attrs = PadUsesAttrs(cctx.opset);
    if (use_attrs && !node.has_attr("pads")) {
      return absl::InvalidArgumentError("attribute 'pads' is missing");
    }
    std::vector<int64_t> attr_pads = node.GetInts("pads", {});
    const double attr_value = node.GetFloat("value", 0.0f);
    return MakeKernel([=](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      RETURN_IF_ERROR(CheckCopyable(x, label));
      std::vector<int64_t> pads = attr_pads;
      std::optional<std::vector<int64_t>> axes;
      Tensor cval(x.type(), {});
      if (use_attrs) {
        cval.SetDouble(0, attr_value);
      } else {
        if (ctx.input(1) == nullptr) return absl::InvalidArgumentError("input 'pads' is missing");
        ASSIGN_OR_RETURN(pads, ReadInts(*ctx.input(1), "input 'pads'"));
        if (const Tensor* cv = ctx.input(2); cv != nullptr && cv->size() > 0) {
          if (cv->size() != 1) {
            return absl::InvalidArgumentError(absl::StrCat(
                "input 'constant_value' must be a scalar, got shape ", DimsStr(cv->dims())));
          }
          Tensor conv = cv->type() == x.type() ? *cv : cv->CastTo(x.type());
          std::memcpy(cval.raw(), conv.raw(), ElementSize(x.type()));
        }
        if (ctx.input(3) != nullptr) {
          ASSIGN_OR_RETURN(axes, ReadInts(*ctx.input(3), "input 'axes'"));
        }
      }
      ASSIGN_OR_RETURN(auto full, FullPads(pads, axes, x.rank()));
      Dims out_dims(x.rank());
      std::vector<std::vector<int64_t>> maps(x.rank());
      for (int64_t d = 0; d < x.rank(); ++d) {
        out_dims[d] = x.dim(d) + full[d].first + full[d].second;
        if (out_dims[d] < 0) {
          return absl::InvalidArgumentError(absl::StrCat("pads ", full[d].first, " and ",
                                                         full[d].second, " make axis ", d, " of ",
                                                         label, " (size ", x.dim(d), ") negative"));
        }
        ASSIGN_OR_RETURN(maps[d], PadIndexMap(x.dim(d), full[d].first, out_dims[d], mode, d));
      }
      Tensor& y = *ctx.outputs[0];
      y.Resize(x.type(), out_dims);
      switch (ElementSize(x.type())) {
        case 1:
          PadCopy(x.data<uint8_t>(), x.dims(), maps, cval.data<uint8_t>()[0], out_dims,
                  y.data<uint8_t>());
          break;
        case 2:
          PadCopy(x.data<uint16_t>(), x.dims(), maps, cval.data<uint16_t>()[0], out_dims,
                  y.data<uint16_t>());
          break;
        case 4:
          PadCopy(x.data<uint32_t>(), x.dims(), maps, cval.data<uint32_t>()[0], out_dims,
                  y.data<uint32_t>());
          break;
        default:
          PadCopy(x.data<uint64_t>(), x.dims(), maps, cval.data<uint64_t>()[0], out_dims,
                  y.data<uint64_t>());
          break;
      }
      return absl::OkStatus();
    });
  };
  return s;
}

}  // namespace

OpSpec MakePadSpec() { return PadSpec(); }

}  // namespace finngl
