// QONNX custom ops (domain qonnx.custom_op.general and its aliases): Quant / IntQuant,
// BipolarQuant, Trunc (v1 and v2) and MultiThreshold.
//
// The reference is qonnx's numpy code (see ../shared/reference/qonnx_brevitas.md, section 1), and
// outputs must equal it bit for bit, so every formula is evaluated step by step in the precision
// numpy would use: float32 when the inputs are float32 (the normal case), float64 when an input
// would make numpy promote (float64, int32/int64 zero points or bit widths). Outputs are float32.
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/broadcast.h"
#include "src/ops/registry.h"
#include "src/ops/rounding.h"
#include "src/ops/shape_util.h"
#include "src/ops/threshold_layout.h"

namespace finngl {
namespace {

using AT = Attribute::Type;
using KernelOr = absl::StatusOr<std::unique_ptr<Kernel>>;

// ============================================================================ numeric helpers

// Whether numpy turns float32 arithmetic with an array of this element type into float64.
bool PromotesToDouble(ElementType t) {
  return t == ElementType::kDouble || t == ElementType::kInt32 || t == ElementType::kUint32 ||
         t == ElementType::kInt64 || t == ElementType::kUint64;
}
bool AnyPromotes(std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts) {
    if (t != nullptr && PromotesToDouble(t->type())) return true;
  }
  return false;
}

// The tensor's values as T: the data itself when it already is T, else a converted copy in buf.
template <typename T>
const T* ValuesAs(const Tensor& t, std::vector<T>& buf) {
  if (t.type() == ElementTypeOf<T>()) return t.data<T>();
  buf.resize(t.size());
  for (int64_t i = 0; i < t.size(); ++i) buf[i] = static_cast<T>(t.GetDouble(i));
  return buf.data();
}

absl::Status CheckNumeric(const Tensor& t, const std::string& what) {
  if (ElementSize(t.type()) == 0 || t.type() == ElementType::kBool) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " has unsupported element type ", ElementTypeName(t.type())));
  }
  return absl::OkStatus();
}

// A bit-width input: exactly one value.
absl::StatusOr<double> ScalarValue(const Tensor& t, const std::string& what) {
  RETURN_IF_ERROR(CheckNumeric(t, what));
  if (t.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must hold a single value, got shape ", DimsToString(t.dims())));
  }
  return t.GetDouble(0);
}

// Integer range [lo, hi] for a bit-width tensor, evaluated in the bit width's own precision like
// qonnx's min_int/max_int, then converted to the working type T.
template <typename T>
std::pair<T, T> RangeFor(const Tensor& bits, bool is_signed, bool narrow) {
  if (bits.type() == ElementType::kFloat || bits.type() == ElementType::kFloat16) {
    auto [lo, hi] = QuantIntRange<float>(is_signed, narrow, static_cast<float>(bits.GetDouble(0)));
    return {static_cast<T>(lo), static_cast<T>(hi)};
  }
  auto [lo, hi] = QuantIntRange<double>(is_signed, narrow, bits.GetDouble(0));
  return {static_cast<T>(lo), static_cast<T>(hi)};
}

// Iterates the broadcast of the `in` shapes to `out`, calling fn(i, offsets) per output element.
template <size_t N, typename Fn>
void BroadcastLoop(const Dims& out, const std::array<const Dims*, N>& in, Fn&& fn) {
  const int64_t total = NumElementsOf(out);
  bool flat = true;
  std::array<int64_t, N> step{};
  for (size_t k = 0; k < N; ++k) {
    const int64_t n = NumElementsOf(*in[k]);
    if (n == 1) {
      step[k] = 0;
    } else if (n == total && *in[k] == out) {
      step[k] = 1;
    } else {
      flat = false;
    }
  }
  if (flat) {
    std::array<int64_t, N> off{};
    for (int64_t i = 0; i < total; ++i) {
      for (size_t k = 0; k < N; ++k) off[k] = i * step[k];
      fn(i, off);
    }
    return;
  }
  std::array<std::vector<int64_t>, N> strides;
  for (size_t k = 0; k < N; ++k) strides[k] = BroadcastStrides(*in[k], out);
  ForEachBroadcast<N>(out, strides, fn);
}

// Output dims of an elementwise quantizer: the broadcast of all (non-null) inputs.
absl::StatusOr<Dims> OutputDims(std::initializer_list<const Tensor*> ins) {
  std::vector<Dims> dims;
  for (const Tensor* t : ins) {
    if (t != nullptr) dims.push_back(t->dims());
  }
  return BroadcastDims(dims);
}

// Static output shape: broadcast of the given inputs' shapes (unknown rank if any is unknown).
absl::StatusOr<std::optional<Shape>> InferBroadcastShape(const InferContext& ctx,
                                                         std::initializer_list<int> inputs) {
  std::vector<Shape> shapes;
  for (int i : inputs) {
    if (!ctx.has_input(i)) continue;
    if (!ctx.input_type(i).shape) return std::optional<Shape>();
    shapes.push_back(*ctx.input_type(i).shape);
  }
  ASSIGN_OR_RETURN(Shape s, BroadcastShapes(shapes));
  return std::optional<Shape>(std::move(s));
}

absl::Status CheckRequiredInputs(const InferContext& ctx,
                                 std::initializer_list<const char*> names) {
  int i = 0;
  for (const char* name : names) {
    if (!ctx.has_input(i))
      return ctx.Error(absl::StrCat("input ", i, " ('", name, "') is missing"));
    const ElementType e = ctx.input_type(i).elem;
    if (e != ElementType::kUndefined && (ElementSize(e) == 0 || e == ElementType::kBool)) {
      return ctx.Error(absl::StrCat(InputLabel(ctx.node(), i), " ('", name,
                                    "') has unsupported element type ", ElementTypeName(e)));
    }
    ++i;
  }
  return absl::OkStatus();
}

// Whether every value of a constant input equals v.
bool ConstantAllEqual(const InferContext& ctx, int i, double v) {
  const Tensor* t = ctx.constant(i);
  if (t == nullptr) return false;
  for (int64_t k = 0; k < t->size(); ++k) {
    if (t->GetDouble(k) != v) return false;
  }
  return true;
}

AttrSpec RoundingAttr() {
  return AttrSpec{"rounding_mode", AT::kString, false,
                  [](const Attribute& a) { return ParseRoundingMode(a.s()).status(); }};
}

// ============================================================================ Quant / IntQuant

struct QuantParams {
  bool is_signed = true;
  bool narrow = false;
  RoundingMode mode = RoundingMode::kHalfEven;
};

absl::StatusOr<QuantParams> ParseQuantParams(const Node& node) {
  QuantParams p;
  p.is_signed = node.GetInt("signed", 1) != 0;
  p.narrow = node.GetInt("narrow", 0) != 0;
  ASSIGN_OR_RETURN(p.mode, ParseRoundingMode(node.GetString("rounding_mode", "ROUND")));
  return p;
}

// qonnx int_quant: y = x/scale + zeropt; bipolar special case for signed 1-bit; else clamp, then
// round; out = (y - zeropt) * scale. P: precision of x/scale; T: precision after adding zeropt.
template <typename P, typename T>
void IntQuantLoop(const Tensor& x, const Tensor& scale, const Tensor& zeropt, const Tensor& bits,
                  const QuantParams& p, const Dims& out_dims, float* out) {
  std::vector<P> xb, sb;
  std::vector<T> zb, stb;
  const P* xs = ValuesAs<P>(x, xb);
  const P* ss = ValuesAs<P>(scale, sb);
  const T* zs = ValuesAs<T>(zeropt, zb);
  const T* st = ValuesAs<T>(scale, stb);  // scale in T for the final product
  const bool bipolar = bits.GetDouble(0) == 1 && p.is_signed;
  const auto [lo, hi] = RangeFor<T>(bits, p.is_signed, p.narrow);
  const RoundingMode mode = p.mode;
  std::array<const Dims*, 3> in = {&x.dims(), &scale.dims(), &zeropt.dims()};
  BroadcastLoop<3>(out_dims, in, [&](int64_t i, const std::array<int64_t, 3>& o) {
    const T z = zs[o[2]];
    T y = static_cast<T>(xs[o[0]] / ss[o[1]]) + z;
    if (bipolar) {
      y = y >= T(0) ? T(1) : T(-1);
    } else {
      if (y > hi) y = hi;
      if (y < lo) y = lo;
      y = ApplyRounding(mode, y);
    }
    out[i] = static_cast<float>((y - z) * st[o[1]]);
  });
}

OpSpec QuantSpecNamed(const char* op_type) {
  OpSpec s;
  s.op_type = op_type;
  s.domain = kQonnxDomain;
  s.summary =
      "QONNX integer quantizer: clamp(x/scale + zeropt) rounded, minus zeropt, times scale.";
  s.min_inputs = 4;
  s.max_inputs = 4;
  s.foldable = false;
  s.attributes = {MakeAttr("signed", AT::kInt), MakeAttr("narrow", AT::kInt), RoundingAttr()};
  s.infer = [](InferContext& ctx) -> absl::Status {
    RETURN_IF_ERROR(CheckRequiredInputs(ctx, {"x", "scale", "zeropt", "bitwidth"}));
    auto params = ParseQuantParams(ctx.node());
    if (!params.ok()) return InferError(ctx, params.status());
    auto shape = InferBroadcastShape(ctx, {0, 1, 2, 3});
    if (!shape.ok()) return InferError(ctx, shape.status());
    // qonnx: INT<b>/UINT<b> (BIPOLAR/BINARY for 1 bit) when scale is all 1, zeropt all 0 and
    // the bit width a constant integer; FLOAT32 otherwise (SCALEDINT is not kept).
    DataType dtype = DataType::Float32();
    const Tensor* bits = ctx.constant(3);
    if (bits != nullptr && bits->size() == 1 && ConstantAllEqual(ctx, 1, 1.0) &&
        ConstantAllEqual(ctx, 2, 0.0)) {
      const double b = bits->GetDouble(0);
      if (b == std::floor(b) && b >= 1 && b <= 64) {
        const int n = static_cast<int>(b);
        if (n == 1) {
          dtype = params->is_signed ? DataType::Bipolar() : DataType::Binary();
        } else {
          dtype = params->is_signed ? DataType::Int(n) : DataType::UInt(n);
        }
      }
    }
    ctx.SetOutput(0, ElementType::kFloat, *shape, dtype);
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    ASSIGN_OR_RETURN(QuantParams p, ParseQuantParams(node));
    return MakeKernel([p](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      const Tensor& scale = *ctx.input(1);
      const Tensor& zeropt = *ctx.input(2);
      const Tensor& bits = *ctx.input(3);
      RETURN_IF_ERROR(CheckNumeric(x, "input 'x'"));
      RETURN_IF_ERROR(CheckNumeric(scale, "input 'scale'"));
      RETURN_IF_ERROR(CheckNumeric(zeropt, "input 'zeropt'"));
      RETURN_IF_ERROR(ScalarValue(bits, "input 'bitwidth'").status());
      ASSIGN_OR_RETURN(Dims out_dims, OutputDims({&x, &scale, &zeropt, &bits}));
      Tensor& y = *ctx.outputs[0];
      y.Resize(ElementType::kFloat, out_dims);
      const bool p_double = AnyPromotes({&x, &scale});
      const bool t_double = p_double || AnyPromotes({&zeropt});
      if (p_double) {
        IntQuantLoop<double, double>(x, scale, zeropt, bits, p, out_dims, y.data<float>());
      } else if (t_double) {
        IntQuantLoop<float, double>(x, scale, zeropt, bits, p, out_dims, y.data<float>());
      } else {
        IntQuantLoop<float, float>(x, scale, zeropt, bits, p, out_dims, y.data<float>());
      }
      return absl::OkStatus();
    });
  };
  return s;
}

// ============================================================================ BipolarQuant

OpSpec BipolarQuantSpec() {
  OpSpec s;
  s.op_type = "BipolarQuant";
  s.domain = kQonnxDomain;
  s.summary = "QONNX binary quantizer: where(x >= 0, +1, -1) * scale.";
  s.min_inputs = 2;
  s.max_inputs = 2;
  s.foldable = false;
  s.infer = [](InferContext& ctx) -> absl::Status {
    RETURN_IF_ERROR(CheckRequiredInputs(ctx, {"x", "scale"}));
    auto shape = InferBroadcastShape(ctx, {0, 1});
    if (!shape.ok()) return InferError(ctx, shape.status());
    DataType dtype = ConstantAllEqual(ctx, 1, 1.0) ? DataType::Bipolar() : DataType::Float32();
    ctx.SetOutput(0, ElementType::kFloat, *shape, dtype);
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    return MakeKernel([](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      const Tensor& scale = *ctx.input(1);
      RETURN_IF_ERROR(CheckNumeric(x, "input 'x'"));
      RETURN_IF_ERROR(CheckNumeric(scale, "input 'scale'"));
      ASSIGN_OR_RETURN(Dims out_dims, OutputDims({&x, &scale}));
      Tensor& y = *ctx.outputs[0];
      y.Resize(ElementType::kFloat, out_dims);
      std::vector<double> xb, sb;
      const double* xs = ValuesAs<double>(x, xb);
      const double* ss = ValuesAs<double>(scale, sb);
      float* out = y.data<float>();
      std::array<const Dims*, 2> in = {&x.dims(), &scale.dims()};
      // (+-1) * scale is exact in any precision, so computing in double changes nothing.
      BroadcastLoop<2>(out_dims, in, [&](int64_t i, const std::array<int64_t, 2>& o) {
        out[i] = static_cast<float>(xs[o[0]] >= 0 ? ss[o[1]] : -ss[o[1]]);
      });
      return absl::OkStatus();
    });
  };
  return s;
}

// ============================================================================ Trunc

struct TruncParams {
  RoundingMode mode = RoundingMode::kFloor;
  bool is_signed = true;
  bool narrow = false;
};

absl::StatusOr<TruncParams> ParseTruncParams(const Node& node) {
  TruncParams p;
  ASSIGN_OR_RETURN(p.mode, ParseRoundingMode(node.GetString("rounding_mode", "FLOOR")));
  p.is_signed = node.GetInt("signed", 1) != 0;
  p.narrow = node.GetInt("narrow", 0) != 0;
  return p;
}

// 2 ** v in the precision of v (numpy's power for float32 is powf).
template <typename T>
T Pow2(T v) {
  return std::pow(T(2), v);
}

// Trunc v1: y = round(x/scale + zeropt) / 2**(in_bw - out_bw), rounded by mode;
// out = (y - zeropt) * scale. No clamp.
template <typename P, typename T>
void TruncV1Loop(const Tensor& x, const Tensor& scale, const Tensor& zeropt, const Tensor& in_bits,
                 const Tensor& out_bits, RoundingMode mode, const Dims& out_dims, float* out) {
  std::vector<P> xb, sb;
  std::vector<T> zb, stb;
  const P* xs = ValuesAs<P>(x, xb);
  const P* ss = ValuesAs<P>(scale, sb);
  const T* zs = ValuesAs<T>(zeropt, zb);
  const T* st = ValuesAs<T>(scale, stb);
  const T trunc_scale = static_cast<T>(
      Pow2<T>(static_cast<T>(in_bits.GetDouble(0)) - static_cast<T>(out_bits.GetDouble(0))));
  std::array<const Dims*, 3> in = {&x.dims(), &scale.dims(), &zeropt.dims()};
  BroadcastLoop<3>(out_dims, in, [&](int64_t i, const std::array<int64_t, 3>& o) {
    const T z = zs[o[2]];
    T y = std::nearbyint(static_cast<T>(xs[o[0]] / ss[o[1]]) + z);
    y = ApplyRounding(mode, y / trunc_scale);
    out[i] = static_cast<float>((y - z) * st[o[1]]);
  });
}

// Trunc v2: y = round(x/scale + zeropt) / trunc_scale with trunc_scale =
// 2 ** round(log2(out_scale / scale)); clamp to the out_bw range; round by mode;
// out = (y - zeropt / trunc_scale) * out_scale.
template <typename P, typename T>
void TruncV2Loop(const Tensor& x, const Tensor& scale, const Tensor& zeropt,
                 const Tensor& out_scale, const Tensor& out_bits, const TruncParams& p,
                 const Dims& out_dims, float* out) {
  std::vector<P> xb, sb;
  std::vector<T> zb, osb, osr_b, sr_b;
  const P* xs = ValuesAs<P>(x, xb);
  const P* ss = ValuesAs<P>(scale, sb);
  const T* zs = ValuesAs<T>(zeropt, zb);
  const T* os = ValuesAs<T>(out_scale, osb);
  // The ratio out_scale/scale is computed in the precision of those two tensors.
  const bool ratio_double = AnyPromotes({&scale, &out_scale});
  std::vector<double> osd, sd;
  std::vector<float> osf, sf;
  const double* os_d = ratio_double ? ValuesAs<double>(out_scale, osd) : nullptr;
  const double* s_d = ratio_double ? ValuesAs<double>(scale, sd) : nullptr;
  const float* os_f = ratio_double ? nullptr : ValuesAs<float>(out_scale, osf);
  const float* s_f = ratio_double ? nullptr : ValuesAs<float>(scale, sf);
  const auto [lo, hi] = RangeFor<T>(out_bits, p.is_signed, p.narrow);
  std::array<const Dims*, 4> in = {&x.dims(), &scale.dims(), &zeropt.dims(), &out_scale.dims()};
  BroadcastLoop<4>(out_dims, in, [&](int64_t i, const std::array<int64_t, 4>& o) {
    T trunc_scale;
    if (ratio_double) {
      trunc_scale = static_cast<T>(Pow2(std::nearbyint(std::log2(os_d[o[3]] / s_d[o[1]]))));
    } else {
      trunc_scale = static_cast<T>(Pow2(std::nearbyint(std::log2(os_f[o[3]] / s_f[o[1]]))));
    }
    const T z = zs[o[2]];
    T y = std::nearbyint(static_cast<T>(xs[o[0]] / ss[o[1]]) + z);
    y = y / trunc_scale;
    if (y > hi) y = hi;
    if (y < lo) y = lo;
    y = ApplyRounding(p.mode, y);
    y = y - z / trunc_scale;
    out[i] = static_cast<float>(y * os[o[3]]);
  });
}

OpSpec TruncSpec(int version) {
  OpSpec s;
  s.op_type = "Trunc";
  s.domain = kQonnxDomain;
  s.since_version = version;
  s.foldable = false;
  const int n_in = version == 1 ? 5 : 6;
  s.min_inputs = n_in;
  s.max_inputs = n_in;
  if (version == 1) {
    s.summary = "QONNX truncation v1: drop in_bw - out_bw LSBs (rounding_mode), no clamp.";
    s.attributes = {RoundingAttr()};
  } else {
    s.summary = "QONNX truncation v2: rescale to out_scale by a power of two, clamp, round.";
    s.attributes = {RoundingAttr(), MakeAttr("signed", AT::kInt), MakeAttr("narrow", AT::kInt)};
  }
  s.infer = [version, n_in](InferContext& ctx) -> absl::Status {
    // The version comes from the model's qonnx opset import; a mismatch in the input count is
    // almost always a model whose opset import does not match its Trunc nodes.
    if (ctx.num_inputs() > n_in) {
      return ctx.Error(absl::StrCat("Trunc v", version, " (qonnx opset ", ctx.opset(), ") takes ",
                                    n_in, " inputs, got ", ctx.num_inputs()));
    }
    if (version == 1) {
      RETURN_IF_ERROR(
          CheckRequiredInputs(ctx, {"x", "scale", "zeropt", "in_bitwidth", "out_bitwidth"}));
    } else {
      if (ctx.num_inputs() == 5 && ctx.opset() < 0) {
        return ctx.Error(
            "Trunc with 5 inputs is Trunc v1, but the model does not import the qonnx domain, "
            "so the newest Trunc (v2, 6 inputs) was chosen; add an opset import for "
            "qonnx.custom_op.general version 1");
      }
      RETURN_IF_ERROR(CheckRequiredInputs(
          ctx, {"x", "scale", "zeropt", "in_bitwidth", "out_scale", "out_bitwidth"}));
    }
    auto params = ParseTruncParams(ctx.node());
    if (!params.ok()) return InferError(ctx, params.status());
    // The same operands the kernel broadcasts (in_bitwidth is unused by v2's math).
    auto shape =
        version == 1 ? InferBroadcastShape(ctx, {0, 1, 2}) : InferBroadcastShape(ctx, {0, 1, 2, 4});
    if (!shape.ok()) return InferError(ctx, shape.status());
    ctx.SetOutput(0, ElementType::kFloat, *shape, DataType::Float32());
    return absl::OkStatus();
  };
  s.compile = [version](const Node& node, const CompileContext&) -> KernelOr {
    ASSIGN_OR_RETURN(TruncParams p, ParseTruncParams(node));
    return MakeKernel([p, version](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      const Tensor& scale = *ctx.input(1);
      const Tensor& zeropt = *ctx.input(2);
      const Tensor& in_bits = *ctx.input(3);
      RETURN_IF_ERROR(CheckNumeric(x, "input 'x'"));
      RETURN_IF_ERROR(CheckNumeric(scale, "input 'scale'"));
      RETURN_IF_ERROR(CheckNumeric(zeropt, "input 'zeropt'"));
      RETURN_IF_ERROR(ScalarValue(in_bits, "input 'in_bitwidth'").status());
      Tensor& y = *ctx.outputs[0];
      if (version == 1) {
        const Tensor& out_bits = *ctx.input(4);
        RETURN_IF_ERROR(ScalarValue(out_bits, "input 'out_bitwidth'").status());
        ASSIGN_OR_RETURN(Dims out_dims, OutputDims({&x, &scale, &zeropt}));
        y.Resize(ElementType::kFloat, out_dims);
        const bool p_double = AnyPromotes({&x, &scale});
        const bool t_double = p_double || AnyPromotes({&zeropt, &in_bits, &out_bits});
        float* out = y.data<float>();
        if (p_double) {
          TruncV1Loop<double, double>(x, scale, zeropt, in_bits, out_bits, p.mode, out_dims, out);
        } else if (t_double) {
          TruncV1Loop<float, double>(x, scale, zeropt, in_bits, out_bits, p.mode, out_dims, out);
        } else {
          TruncV1Loop<float, float>(x, scale, zeropt, in_bits, out_bits, p.mode, out_dims, out);
        }
        return absl::OkStatus();
      }
      const Tensor& out_scale = *ctx.input(4);
      const Tensor& out_bits = *ctx.input(5);
      RETURN_IF_ERROR(CheckNumeric(out_scale, "input 'out_scale'"));
      RETURN_IF_ERROR(ScalarValue(out_bits, "input 'out_bitwidth'").status());
      ASSIGN_OR_RETURN(Dims out_dims, OutputDims({&x, &scale, &zeropt, &out_scale}));
      y.Resize(ElementType::kFloat, out_dims);
      const bool p_double = AnyPromotes({&x, &scale});
      const bool t_double = p_double || AnyPromotes({&zeropt, &out_scale, &out_bits});
      float* out = y.data<float>();
      if (p_double) {
        TruncV2Loop<double, double>(x, scale, zeropt, out_scale, out_bits, p, out_dims, out);
      } else if (t_double) {
        TruncV2Loop<float, double>(x, scale, zeropt, out_scale, out_bits, p, out_dims, out);
      } else {
        TruncV2Loop<float, float>(x, scale, zeropt, out_scale, out_bits, p, out_dims, out);
      }
      return absl::OkStatus();
    });
  };
  return s;
}

// ============================================================================ MultiThreshold

struct ThresholdParams {
  float out_scale = 1.0f;
  float out_bias = 0.0f;
  std::string layout;  // empty: chosen from the rank like qonnx
};

absl::StatusOr<ThresholdParams> ParseThresholdParams(const Node& node) {
  if (!node.has_attr("out_dtype")) {
    return absl::InvalidArgumentError("required attribute 'out_dtype' is missing");
  }
  const std::string odt = node.GetString("out_dtype", "");
  if (!DataType::Parse(odt).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'out_dtype' value '", odt, "' is not a valid DataType"));
  }
  ThresholdParams p;
  p.out_scale = node.GetFloat("out_scale", 1.0f);
  p.out_bias = node.GetFloat("out_bias", 0.0f);
  p.layout = node.GetString("data_layout", "");
  return p;
}

absl::Status CheckThresholdShapes(const Dims& v, const Dims& thresholds, int64_t axis,
                                  const std::string& layout) {
  if (v.size() < 2 || axis >= static_cast<int64_t>(v.size())) {
    return absl::InvalidArgumentError(absl::StrCat("input 'v' has shape ", DimsToString(v),
                                                   ", which has no channel axis ", axis,
                                                   " (data_layout '", layout, "')"));
  }
  if (thresholds.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat("input 'thresholds' has shape ",
                                                   DimsToString(thresholds), ", expected [C, N]"));
  }
  if (thresholds[0] != 1 && thresholds[0] != v[axis]) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input 'thresholds' has shape ", DimsToString(thresholds), " but input 'v' has shape ",
        DimsToString(v), " with ", v[axis], " channels on axis ", axis,
        "; thresholds.shape[0] must be the channel count or 1"));
  }
  return absl::OkStatus();
}

// Thresholds per channel, sorted ascending, NaNs dropped (v >= NaN is never true), so that
// count(v >= T[c, :]) is one binary search.
struct SortedThresholds {
  int64_t rows = 0, cols = 0;
  std::vector<double> values;   // rows x cols, each row sorted, NaN rows padded at the end
  std::vector<int64_t> counts;  // non-NaN thresholds per row
  void Build(const Tensor& t) {
    rows = t.dim(0);
    cols = t.dim(1);
    values.assign(rows * cols, 0.0);
    counts.assign(rows, 0);
    for (int64_t r = 0; r < rows; ++r) {
      double* row = values.data() + r * cols;
      int64_t n = 0;
      for (int64_t j = 0; j < cols; ++j) {
        const double v = t.GetDouble(r * cols + j);
        if (!std::isnan(v)) row[n++] = v;
      }
      std::sort(row, row + n);
      counts[r] = n;
    }
  }
  // Number of thresholds of row r that are <= v.
  int64_t Count(int64_t r, double v) const {
    if (std::isnan(v)) return 0;
    const double* row = values.data() + r * cols;
    return std::upper_bound(row, row + counts[r], v) - row;
  }
};

OpSpec MultiThresholdSpec() {
  OpSpec s;
  s.op_type = "MultiThreshold";
  s.domain = kQonnxDomain;
  s.summary = "out = out_scale * #{j : v >= thresholds[c, j]} + out_bias, per channel c.";
  s.min_inputs = 2;
  s.max_inputs = 2;
  s.attributes = {AttrSpec{"out_dtype", AT::kString, true,
                           [](const Attribute& a) -> absl::Status {
                             if (DataType::Parse(a.s()).ok()) return absl::OkStatus();
                             return absl::InvalidArgumentError(
                                 absl::StrCat("'", a.s(), "' is not a valid DataType"));
                           }},
                  MakeAttr("out_scale", AT::kFloat), MakeAttr("out_bias", AT::kFloat),
                  MakeAttr("data_layout", AT::kString)};
  s.infer = [](InferContext& ctx) -> absl::Status {
    RETURN_IF_ERROR(CheckRequiredInputs(ctx, {"v", "thresholds"}));
    auto p = ParseThresholdParams(ctx.node());
    if (!p.ok()) return InferError(ctx, p.status());
    const TensorType& v = ctx.input_type(0);
    const TensorType& t = ctx.input_type(1);
    if (v.shape) {
      const int64_t rank = v.shape->size();
      const int64_t axis = ThresholdChannelAxis(p->layout, rank);
      if (rank < 2 || axis >= rank) {
        return ctx.Error(absl::StrCat(InputLabel(ctx.node(), 0), " has shape ",
                                      ShapeToString(*v.shape), ", which has no channel axis ", axis,
                                      " (data_layout '", p->layout, "')"));
      }
      if (t.shape) {
        const Shape& ts = *t.shape;
        const Dim& c = (*v.shape)[axis];
        if (ts.size() != 2) {
          return ctx.Error(absl::StrCat(InputLabel(ctx.node(), 1), " has shape ", ShapeToString(ts),
                                        ", expected [C, N]"));
        }
        if (ts[0].known() && ts[0].value != 1 && c.known() && ts[0].value != c.value) {
          return ctx.Error(absl::StrCat(
              InputLabel(ctx.node(), 1), " has shape ", ShapeToString(ts), " but ",
              InputLabel(ctx.node(), 0), " has shape ", ShapeToString(*v.shape), " with ", c.value,
              " channels on axis ", axis, "; thresholds.shape[0] must be the channel count or 1"));
        }
      }
    }
    // qonnx: FLOAT32 when out_scale or out_bias is not an integer, else out_dtype.
    const bool is_float =
        p->out_scale != std::trunc(p->out_scale) || p->out_bias != std::trunc(p->out_bias);
    DataType dtype =
        is_float ? DataType::Float32() : *DataType::Parse(ctx.node().GetString("out_dtype", ""));
    ctx.SetOutput(0, ElementType::kFloat, v.shape, dtype);
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    ASSIGN_OR_RETURN(ThresholdParams p, ParseThresholdParams(node));
    // Thresholds that are initializers are sorted once here; others once per run.
    auto fixed = std::make_shared<SortedThresholds>();
    const Tensor* fixed_src = nullptr;
    if (node.input(1) != nullptr && node.input(1)->is_initializer() &&
        node.input(1)->initializer()->rank() == 2) {
      fixed_src = node.input(1)->initializer();
      fixed->Build(*fixed_src);
    }
    auto scratch = std::make_shared<SortedThresholds>();
    return MakeKernel([p, fixed, fixed_src, scratch](KernelContext& ctx) -> absl::Status {
      const Tensor& v = *ctx.input(0);
      const Tensor& t = *ctx.input(1);
      RETURN_IF_ERROR(CheckNumeric(v, "input 'v'"));
      RETURN_IF_ERROR(CheckNumeric(t, "input 'thresholds'"));
      const int64_t axis = ThresholdChannelAxis(p.layout, v.rank());
      RETURN_IF_ERROR(CheckThresholdShapes(v.dims(), t.dims(), axis, p.layout));
      const SortedThresholds* sorted = fixed.get();
      if (&t != fixed_src) {
        scratch->Build(t);
        sorted = scratch.get();
      }
      const int64_t outer = NumElementsOf(std::span(v.dims()).first(axis));
      const int64_t channels = v.dim(axis);
      const int64_t inner = NumElementsOf(std::span(v.dims()).subspan(axis + 1));
      const bool shared = sorted->rows == 1;
      Tensor& y = *ctx.outputs[0];
      y.Resize(ElementType::kFloat, v.dims());
      float* out = y.data<float>();
      auto run = [&](const auto* vs) {
        int64_t i = 0;
        for (int64_t o = 0; o < outer; ++o) {
          for (int64_t c = 0; c < channels; ++c) {
            const int64_t row = shared ? 0 : c;
            for (int64_t k = 0; k < inner; ++k, ++i) {
              // float32 arithmetic like numpy: out_scale * float32(count) + out_bias.
              const float count =
                  static_cast<float>(sorted->Count(row, static_cast<double>(vs[i])));
              const float scaled = p.out_scale * count;
              out[i] = scaled + p.out_bias;
            }
          }
        }
      };
      if (v.type() == ElementType::kFloat) {
        run(v.data<float>());
      } else {
        std::vector<double> vb;
        run(ValuesAs<double>(v, vb));
      }
      return absl::OkStatus();
    });
  };
  return s;
}

}  // namespace

OpSpec MakeQuantSpec() { return QuantSpecNamed("Quant"); }
OpSpec MakeIntQuantSpec() { return QuantSpecNamed("IntQuant"); }
OpSpec MakeBipolarQuantSpec() { return BipolarQuantSpec(); }
OpSpec MakeTruncV1Spec() { return TruncSpec(1); }
OpSpec MakeTruncV2Spec() { return TruncSpec(2); }
OpSpec MakeMultiThresholdSpec() { return MultiThresholdSpec(); }

}  // namespace finngl
