// ONNX QuantizeLinear / DequantizeLinear, per tensor or per axis, computed like onnxruntime:
//   QuantizeLinear:   y = saturate(round_half_even(x / scale) + zero_point)   (x / scale in
//   float32) DequantizeLinear: y = float(x - zero_point) * scale                         (float32
//   product)
// Both stay visible to the QCDQ -> QONNX passes, so they are never constant-folded.
#include <cmath>
#include <limits>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/int_range.h"
#include "src/ops/registry.h"
#include "src/ops/shape_util.h"

namespace finngl {
namespace {

using AT = Attribute::Type;
using KernelOr = absl::StatusOr<std::unique_ptr<Kernel>>;

// Quantized element types we read and write; int32 serves biases (DequantizeLinear) and 32-bit
// accumulators.
bool IsQuantType(ElementType t) {
  return t == ElementType::kInt8 || t == ElementType::kUint8 || t == ElementType::kInt16 ||
         t == ElementType::kUint16 || t == ElementType::kInt32;
}

bool IsScaleType(ElementType t) { return t == ElementType::kFloat || t == ElementType::kFloat16; }

// Where scale / zero point values come from for each element: one value, or one per index along
// `axis` (outer x channels x inner iteration).
struct QuantLayout {
  bool per_axis = false;
  int64_t outer = 1, channels = 1, inner = 1;
};

// Validates scale/zero point shapes against x and computes the iteration layout. `opset` < 13
// allows only per-tensor parameters.
absl::StatusOr<QuantLayout> ResolveLayout(const Dims& x, const Dims& scale, const Dims* zero_point,
                                          int64_t axis_attr, int64_t opset) {
  QuantLayout l;
  const int64_t scale_size = NumElementsOf(scale);
  if (scale.size() == 0 || (scale.size() == 1 && scale_size == 1)) {
    l.inner = NumElementsOf(x);
  } else {
    if (opset >= 0 && opset < 13) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input 'scale' must be a scalar before opset 13, got shape ", DimsToString(scale)));
    }
    if (scale.size() != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("input 'scale' must be a scalar or 1-D, got shape ", DimsToString(scale)));
    }
    ASSIGN_OR_RETURN(int64_t axis,
                     NormalizeAxis(axis_attr, static_cast<int64_t>(x.size()), "attribute 'axis'"));
    if (x[axis] != scale_size) {
      return absl::InvalidArgumentError(absl::StrCat("input 'scale' has ", scale_size,
                                                     " values but axis ", axis, " of shape ",
                                                     DimsToString(x), " has size ", x[axis]));
    }
    l.per_axis = true;
    l.outer = NumElementsOf(std::span(x).first(axis));
    l.channels = x[axis];
    l.inner = NumElementsOf(std::span(x).subspan(axis + 1));
  }
  if (zero_point != nullptr && NumElementsOf(*zero_point) != scale_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("input 'zero_point' has shape ", DimsToString(*zero_point),
                     " but input 'scale' has shape ", DimsToString(scale)));
  }
  return l;
}

// Calls fn(c, begin, end) for each contiguous run [begin, end) of elements sharing channel c.
template <typename Fn>
void ForEachChannelRun(const QuantLayout& l, Fn&& fn) {
  int64_t i = 0;
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t c = 0; c < l.channels; ++c) {
      fn(c, i, i + l.inner);
      i += l.inner;
    }
  }
}

std::vector<float> ReadFloats(const Tensor& t) {
  std::vector<float> v(t.size());
  for (int64_t i = 0; i < t.size(); ++i) v[i] = static_cast<float>(t.GetDouble(i));
  return v;
}

// Static checks shared by both ops: element types and, when shapes are known, the layout.
absl::Status CheckQdqInputs(const InferContext& ctx, bool quantize) {
  const Node& node = ctx.node();
  const TensorType& x = ctx.input_type(0);
  const TensorType& scale = ctx.input_type(1);
  if (!IsScaleType(scale.elem)) {
    return ctx.Error(absl::StrCat(InputLabel(node, 1), " has element type ",
                                  ElementTypeName(scale.elem), ", expected float or float16"));
  }
  if (quantize) {
    if (x.elem != ElementType::kFloat && x.elem != ElementType::kFloat16 &&
        x.elem != ElementType::kInt32) {
      return ctx.Error(absl::StrCat(InputLabel(node, 0), " has element type ",
                                    ElementTypeName(x.elem), ", expected float, float16 or int32"));
    }
  } else if (!IsQuantType(x.elem)) {
    return ctx.Error(absl::StrCat(InputLabel(node, 0), " has element type ",
                                  ElementTypeName(x.elem),
                                  ", expected int8, uint8, int16, uint16 or int32"));
  }
  if (ctx.has_input(2)) {
    const TensorType& zp = ctx.input_type(2);
    if (!IsQuantType(zp.elem)) {
      return ctx.Error(absl::StrCat(InputLabel(node, 2), " has element type ",
                                    ElementTypeName(zp.elem),
                                    ", expected int8, uint8, int16, uint16 or int32"));
    }
    if (!quantize && zp.elem != x.elem) {
      return ctx.Error(absl::StrCat(InputLabel(node, 2), " has element type ",
                                    ElementTypeName(zp.elem), " but ", InputLabel(node, 0), " has ",
                                    ElementTypeName(x.elem)));
    }
  }
  if (node.GetInt("block_size", 0) != 0) {
    return ctx.Error("blocked quantization (attribute 'block_size') is not supported");
  }
  if (x.shape && ShapeFullyKnown(*x.shape) && scale.shape && ShapeFullyKnown(*scale.shape)) {
    Dims zp_dims;
    const Dims* zp = nullptr;
    if (ctx.has_input(2) && ctx.input_type(2).shape && ShapeFullyKnown(*ctx.input_type(2).shape)) {
      zp_dims = ShapeToDims(*ctx.input_type(2).shape);
      zp = &zp_dims;
    }
    auto l = ResolveLayout(ShapeToDims(*x.shape), ShapeToDims(*scale.shape), zp,
                           node.GetInt("axis", 1), ctx.opset());
    if (!l.ok()) return InferError(ctx, l.status());
  }
  return absl::OkStatus();
}

// ============================================================================ QuantizeLinear

// The output element type: the zero point's, else attribute output_dtype (opset 21), else uint8.
absl::StatusOr<ElementType> QuantizeOutputType(const Node& node, std::optional<ElementType> zp) {
  if (zp) return *zp;
  int64_t dt = node.GetInt("output_dtype", 0);
  if (dt == 0) return ElementType::kUint8;
  auto t = static_cast<ElementType>(dt);
  if (!IsQuantType(t)) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'output_dtype' ", dt, " is not a supported quantized type"));
  }
  return t;
}

template <typename Q>
void QuantizeRuns(const Tensor& x, const std::vector<float>& scale, const Tensor* zp,
                  const QuantLayout& l, Q* out) {
  constexpr double kLo = static_cast<double>(std::numeric_limits<Q>::min());
  constexpr double kHi = static_cast<double>(std::numeric_limits<Q>::max());
  auto quantize = [&](float v, float s, double z) {
    // ONNX: saturate(round(x / scale) + zero_point); the division is a float32 division.
    double q = static_cast<double>(std::nearbyint(v / s)) + z;
    if (!(q >= kLo)) q = std::isnan(q) ? 0 : kLo;
    if (q > kHi) q = kHi;
    return static_cast<Q>(q);
  };
  ForEachChannelRun(l, [&](int64_t c, int64_t begin, int64_t end) {
    const float s = scale[c];
    const double z = zp != nullptr ? zp->GetDouble(c) : 0.0;
    if (x.type() == ElementType::kFloat) {
      const float* xs = x.data<float>();
      for (int64_t i = begin; i < end; ++i) out[i] = quantize(xs[i], s, z);
    } else if (x.type() == ElementType::kInt32) {
      const int32_t* xs = x.data<int32_t>();
      for (int64_t i = begin; i < end; ++i) out[i] = quantize(static_cast<float>(xs[i]), s, z);
    } else {
      const uint16_t* xs = x.data<uint16_t>();
      for (int64_t i = begin; i < end; ++i) out[i] = quantize(HalfToFloat(xs[i]), s, z);
    }
  });
}

OpSpec QuantizeLinearSpec() {
  OpSpec s;
  s.op_type = "QuantizeLinear";
  s.summary = "y = saturate(round_half_even(x / scale) + zero_point), per tensor or per axis.";
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.foldable = false;
  s.attributes = {MakeAttr("axis", AT::kInt), MakeAttr("saturate", AT::kInt),
                  MakeAttr("block_size", AT::kInt), MakeAttr("output_dtype", AT::kInt)};
  s.infer = [](InferContext& ctx) -> absl::Status {
    RETURN_IF_ERROR(CheckQdqInputs(ctx, /*quantize=*/true));
    std::optional<ElementType> zp;
    if (ctx.has_input(2)) zp = ctx.input_type(2).elem;
    auto out = QuantizeOutputType(ctx.node(), zp);
    if (!out.ok()) return InferError(ctx, out.status());
    ctx.SetOutput(0, *out, ctx.input_type(0).shape, DataTypeOfElementType(*out));
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext& cctx) -> KernelOr {
    if (node.GetInt("block_size", 0) != 0) {
      return absl::UnimplementedError(
          "blocked quantization (attribute 'block_size') is not supported");
    }
    const int64_t axis = node.GetInt("axis", 1);
    const int64_t opset = cctx.opset;
    std::optional<ElementType> zp_type;
    if (node.input(2) != nullptr) zp_type = node.input(2)->type().elem;
    // The output type is fixed at compile time when the zero point's type is known.
    ElementType fixed_out = ElementType::kUndefined;
    if (zp_type && *zp_type != ElementType::kUndefined) {
      fixed_out = *zp_type;
    } else if (!zp_type) {
      ASSIGN_OR_RETURN(fixed_out, QuantizeOutputType(node, std::nullopt));
    }
    return MakeKernel([=](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      const Tensor& scale = *ctx.input(1);
      const Tensor* zp = ctx.input(2);
      if (zp != nullptr && !IsQuantType(zp->type())) {
        return absl::InvalidArgumentError(
            absl::StrCat("input 'zero_point' has element type ", ElementTypeName(zp->type())));
      }
      if (x.type() != ElementType::kFloat && x.type() != ElementType::kFloat16 &&
          x.type() != ElementType::kInt32) {
        return absl::InvalidArgumentError(absl::StrCat("input 'x' has element type ",
                                                       ElementTypeName(x.type()),
                                                       ", expected float, float16 or int32"));
      }
      const Dims* zp_dims = zp != nullptr ? &zp->dims() : nullptr;
      ASSIGN_OR_RETURN(QuantLayout l, ResolveLayout(x.dims(), scale.dims(), zp_dims, axis, opset));
      const ElementType out_type = zp != nullptr ? zp->type() : fixed_out;
      std::vector<float> sc = ReadFloats(scale);
      Tensor& y = *ctx.outputs[0];
      y.Resize(out_type, x.dims());
      switch (out_type) {
        case ElementType::kInt8:
          QuantizeRuns(x, sc, zp, l, y.data<int8_t>());
          break;
        case ElementType::kUint8:
          QuantizeRuns(x, sc, zp, l, y.data<uint8_t>());
          break;
        case ElementType::kInt16:
          QuantizeRuns(x, sc, zp, l, y.data<int16_t>());
          break;
        case ElementType::kUint16:
          QuantizeRuns(x, sc, zp, l, y.data<uint16_t>());
          break;
        case ElementType::kInt32:
          QuantizeRuns(x, sc, zp, l, y.data<int32_t>());
          break;
        default:
          return absl::InvalidArgumentError(
              absl::StrCat("unsupported output element type ", ElementTypeName(out_type)));
      }
      return absl::OkStatus();
    });
  };
  return s;
}

// ============================================================================ DequantizeLinear

template <typename T, typename Out>
void DequantizeRuns(const Tensor& x, const std::vector<float>& scale, const Tensor* zp,
                    const QuantLayout& l, Out* out) {
  const T* xs = x.data<T>();
  ForEachChannelRun(l, [&](int64_t c, int64_t begin, int64_t end) {
    const float s = scale[c];
    const int64_t z = zp != nullptr ? zp->GetInt64(c) : 0;
    for (int64_t i = begin; i < end; ++i) {
      // onnxruntime: static_cast<float>(x - zero_point) * scale.
      const float v = static_cast<float>(static_cast<int64_t>(xs[i]) - z) * s;
      if constexpr (std::is_same_v<Out, float>) {
        out[i] = v;
      } else {
        out[i] = FloatToHalf(v);
      }
    }
  });
}

OpSpec DequantizeLinearSpec() {
  OpSpec s;
  s.op_type = "DequantizeLinear";
  s.summary = "y = (x - zero_point) * scale as float, per tensor or per axis.";
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.foldable = false;
  s.attributes = {MakeAttr("axis", AT::kInt), MakeAttr("block_size", AT::kInt)};
  s.infer = [](InferContext& ctx) -> absl::Status {
    RETURN_IF_ERROR(CheckQdqInputs(ctx, /*quantize=*/false));
    ctx.SetOutput(0, ctx.input_type(1).elem, ctx.input_type(0).shape, DataType::Float32());
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext& cctx) -> KernelOr {
    if (node.GetInt("block_size", 0) != 0) {
      return absl::UnimplementedError(
          "blocked quantization (attribute 'block_size') is not supported");
    }
    const int64_t axis = node.GetInt("axis", 1);
    const int64_t opset = cctx.opset;
    return MakeKernel([=](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      const Tensor& scale = *ctx.input(1);
      const Tensor* zp = ctx.input(2);
      if (!IsQuantType(x.type())) {
        return absl::InvalidArgumentError(
            absl::StrCat("input 'x' has element type ", ElementTypeName(x.type()),
                         ", expected int8, uint8, int16, uint16 or int32"));
      }
      if (!IsScaleType(scale.type())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "input 'scale' has element type ", ElementTypeName(scale.type()), ", expected float"));
      }
      const Dims* zp_dims = zp != nullptr ? &zp->dims() : nullptr;
      ASSIGN_OR_RETURN(QuantLayout l, ResolveLayout(x.dims(), scale.dims(), zp_dims, axis, opset));
      std::vector<float> sc = ReadFloats(scale);
      Tensor& y = *ctx.outputs[0];
      y.Resize(scale.type(), x.dims());
      auto run = [&](auto out) {
        using Out = std::remove_pointer_t<decltype(out)>;
        switch (x.type()) {
          case ElementType::kInt8:
            DequantizeRuns<int8_t, Out>(x, sc, zp, l, out);
            break;
          case ElementType::kUint8:
            DequantizeRuns<uint8_t, Out>(x, sc, zp, l, out);
            break;
          case ElementType::kInt16:
            DequantizeRuns<int16_t, Out>(x, sc, zp, l, out);
            break;
          case ElementType::kUint16:
            DequantizeRuns<uint16_t, Out>(x, sc, zp, l, out);
            break;
          default:
            DequantizeRuns<int32_t, Out>(x, sc, zp, l, out);
            break;
        }
      };
      if (scale.type() == ElementType::kFloat) {
        run(y.data<float>());
      } else {
        run(y.data<uint16_t>());
      }
      return absl::OkStatus();
    });
  };
  return s;
}

}  // namespace

OpSpec MakeQuantizeLinearSpec() { return QuantizeLinearSpec(); }
OpSpec MakeDequantizeLinearSpec() { return DequantizeLinearSpec(); }

}  // namespace finngl
