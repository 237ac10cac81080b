// Normalization-style ops over one axis: BatchNormalization (inference mode), Softmax, ArgMax.
//
// BatchNormalization folds its four per-channel inputs into y = x * a + b with
// a = scale / sqrt(var + eps) and b = B - mean * a, computed in the input's element type exactly
// as onnxruntime does, so both agree to a few ulps.
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/elementwise_util.h"
#include "src/ops/registry.h"

namespace finngl {
namespace {

using elementwise::BadElementType;
using elementwise::FloatTypes;
using elementwise::InputName;
using elementwise::IntAttr;
using elementwise::NumericTypes;

int64_t Product(const Dims& dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) p *= dims[i];
  return p;
}

// ---------------------------------------------------------------------------- BatchNormalization

constexpr const char* kBnParamNames[] = {"scale", "B", "input_mean", "input_var"};

// `spatial` (opsets < 9) defaults to 1; spatial=0 gives every (channel, position) its own
// parameters, shaped like X without the batch dim.
absl::StatusOr<bool> BnSpatial(const Node& node, int64_t opset) {
  if (opset >= 9) return true;
  ASSIGN_OR_RETURN(int64_t spatial, IntAttr(node, "spatial", 1));
  return spatial != 0;
}

absl::Status CheckBnMode(const Node& node) {
  ASSIGN_OR_RETURN(int64_t training, IntAttr(node, "training_mode", 0));
  if (training != 0) {
    return absl::InvalidArgumentError("training_mode=1 is not supported (inference only)");
  }
  if (node.num_outputs() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "only inference mode is supported: expected 1 output, got ", node.num_outputs()));
  }
  return absl::OkStatus();
}

absl::Status InferBatchNorm(InferContext& ctx) {
  const Node& node = ctx.node();
  if (absl::Status s = CheckBnMode(node); !s.ok()) return ctx.Error(std::string(s.message()));
  absl::StatusOr<bool> spatial = BnSpatial(node, ctx.opset());
  if (!spatial.ok()) return ctx.Error(std::string(spatial.status().message()));
  for (int i = 0; i < 5; ++i) RETURN_IF_ERROR(elementwise::CheckInputElem(ctx, i, FloatTypes{}));
  const TensorType& x = ctx.input_type(0);
  if (x.shape) {
    const Shape& xs = *x.shape;
    if (xs.size() < 2) {
      return ctx.Error(absl::StrCat("input '", InputName(node, 0), "' has rank ", xs.size(),
                                    ", expected at least 2 (N, C, ...)"));
    }
    // Expected parameter shape: [C], or X's shape without N when spatial=0.
    Shape want = *spatial ? Shape{xs[1]} : Shape(xs.begin() + 1, xs.end());
    for (int i = 1; i < 5; ++i) {
      const TensorType& p = ctx.input_type(i);
      if (!p.shape) continue;
      bool ok = p.shape->size() == want.size();
      for (size_t k = 0; ok && k < want.size(); ++k) {
        const Dim &a = (*p.shape)[k], &b = want[k];
        ok = !a.known() || !b.known() || a.value == b.value;
      }
      if (!ok) {
        const std::string what =
            *spatial ? absl::StrCat(" (the channel count of input '", InputName(node, 0), "')")
                     : absl::StrCat(" (the shape of input '", InputName(node, 0),
                                    "' without the batch dim)");
        return ctx.Error(absl::StrCat("input '", InputName(node, i), "' (", kBnParamNames[i - 1],
                                      ") has shape ", ShapeToString(*p.shape), ", expected ",
                                      ShapeToString(want), what));
      }
    }
  }
  ctx.SetOutput(0, x.elem, x.shape, DataType::Float32());
  return absl::OkStatus();
}

// Y = X * a + b with per-parameter a, b; `inner` positions share one parameter index when
// spatial, else each has its own.
template <typename T>
void BatchNormLoop(const T* x, T* y, const T* a, const T* b, int64_t n, int64_t c, int64_t inner,
                   bool spatial) {
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t ch = 0; ch < c; ++ch) {
      const int64_t base = (i * c + ch) * inner;
      if (spatial) {
        const T av = a[ch], bv = b[ch];
        elementwise::MapUnary(x + base, y + base, inner, [av, bv](T v) { return v * av + bv; });
      } else {
        const T* ap = a + ch * inner;
        const T* bp = b + ch * inner;
        for (int64_t k = 0; k < inner; ++k) y[base + k] = x[base + k] * ap[k] + bp[k];
      }
    }
  }
}

absl::StatusOr<std::unique_ptr<Kernel>> CompileBatchNorm(const Node& node,
                                                         const CompileContext& cctx) {
  RETURN_IF_ERROR(CheckBnMode(node));
  ASSIGN_OR_RETURN(bool spatial, BnSpatial(node, cctx.opset));
  ASSIGN_OR_RETURN(float epsilon, elementwise::FloatAttr(node, "epsilon", 1e-5f));
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) names.push_back(InputName(node, i));
  return MakeKernel([spatial, epsilon, names, a = Tensor(), b = Tensor(),
                     params = std::vector<double>()](KernelContext& ctx) mutable -> absl::Status {
    const Tensor* x = ctx.input(0);
    for (int i = 0; i < 5; ++i) {
      if (ctx.input(i) == nullptr) return absl::InvalidArgumentError("missing input");
    }
    if (x->rank() < 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", names[0], "' has rank ", x->rank(), ", expected at least 2 (N, C, ...)"));
    }
    const int64_t n = x->dim(0), c = x->dim(1);
    const int64_t inner = Product(x->dims(), 2, x->dims().size());
    const int64_t count = spatial ? c : c * inner;
    for (int i = 1; i < 5; ++i) {
      const Tensor* p = ctx.input(i);
      if (!IsFloatElementType(p->type()) || p->type() == ElementType::kFloat16) {
        return BadElementType(names[i], p->type(), "float, double");
      }
      if (p->size() != count) {
        return absl::InvalidArgumentError(absl::StrCat(
            "input '", names[i], "' (", kBnParamNames[i - 1], ") has shape ",
            DimsToString(p->dims()), " but input '", names[0], "' has shape ",
            DimsToString(x->dims()), spatial ? " (expected one value per channel)"
                                             : " (expected one value per channel and position)"));
      }
    }
    Tensor* y = ctx.outputs[0];
    y->Resize(x->type(), x->dims());
    const bool known = elementwise::Dispatch(FloatTypes{}, x->type(), [&](auto tag) {
      using T = decltype(tag);
      const int64_t dims[] = {count};
      a.Resize(x->type(), dims);
      b.Resize(x->type(), dims);
      T* pa = a.data<T>();
      T* pb = b.data<T>();
      auto param = [&](int i, int64_t k) -> T {
        const Tensor* p = ctx.input(i);
        return p->type() == ElementType::kFloat ? static_cast<T>(p->data<float>()[k])
                                                : static_cast<T>(p->data<double>()[k]);
      };
      const T eps = static_cast<T>(epsilon);
      for (int64_t k = 0; k < count; ++k) {
        const T inv_std = T(1) / std::sqrt(param(4, k) + eps);
        pa[k] = inv_std * param(1, k);
        pb[k] = param(2, k) - param(3, k) * pa[k];
      }
      BatchNormLoop(x->data<T>(), y->data<T>(), pa, pb, n, c, inner, spatial);
    });
    if (!known) return BadElementType(names[0], x->type(), "float, double");
    return absl::OkStatus();
  });
}

// ---------------------------------------------------------------------------- Softmax

int64_t SoftmaxDefaultAxis(int64_t opset) { return opset >= 0 && opset < 13 ? 1 : -1; }

absl::Status InferSoftmax(InferContext& ctx) {
  RETURN_IF_ERROR(elementwise::CheckInputElem(ctx, 0, FloatTypes{}));
  const TensorType& x = ctx.input_type(0);
  absl::StatusOr<int64_t> axis = IntAttr(ctx.node(), "axis", SoftmaxDefaultAxis(ctx.opset()));
  if (!axis.ok()) return ctx.Error(std::string(axis.status().message()));
  if (x.shape) {
    auto norm = elementwise::NormalizeAxis(*axis, x.shape->size(), InputName(ctx.node(), 0));
    if (!norm.ok()) return ctx.Error(std::string(norm.status().message()));
  }
  ctx.SetOutput(0, x.elem, x.shape, DataType::Float32());
  return absl::OkStatus();
}

// Softmax over `n` values spaced `inner` apart, for `outer` independent groups of n * inner.
// Max-subtracted for stability; the sum is accumulated in double and applied as a reciprocal
// multiply, as onnxruntime does.
template <typename T>
void SoftmaxLoop(const T* x, T* y, int64_t outer, int64_t n, int64_t inner,
                 std::vector<double>& sums, std::vector<T>& maxes) {
  if (n == 0) return;
  for (int64_t o = 0; o < outer; ++o) {
    const T* xo = x + o * n * inner;
    T* yo = y + o * n * inner;
    if (inner == 1) {
      T m = xo[0];
      for (int64_t k = 1; k < n; ++k) m = std::max(m, xo[k]);
      double sum = 0;
      for (int64_t k = 0; k < n; ++k) {
        yo[k] = std::exp(xo[k] - m);
        sum += yo[k];
      }
      const T scale = T(1) / static_cast<T>(sum);
      for (int64_t k = 0; k < n; ++k) yo[k] *= scale;
      continue;
    }
    maxes.assign(xo, xo + inner);
    for (int64_t k = 1; k < n; ++k) {
      const T* row = xo + k * inner;
      for (int64_t j = 0; j < inner; ++j) maxes[j] = std::max(maxes[j], row[j]);
    }
    sums.assign(inner, 0.0);
    for (int64_t k = 0; k < n; ++k) {
      const T* row = xo + k * inner;
      T* out = yo + k * inner;
      for (int64_t j = 0; j < inner; ++j) {
        out[j] = std::exp(row[j] - maxes[j]);
        sums[j] += out[j];
      }
    }
    for (int64_t j = 0; j < inner; ++j) maxes[j] = T(1) / static_cast<T>(sums[j]);  // reuse
    for (int64_t k = 0; k < n; ++k) {
      T* out = yo + k * inner;
      for (int64_t j = 0; j < inner; ++j) out[j] *= maxes[j];
    }
  }
}

absl::StatusOr<std::unique_ptr<Kernel>> CompileSoftmax(const Node& node,
                                                       const CompileContext& cctx) {
  const bool coerce_2d = cctx.opset >= 0 && cctx.opset < 13;
  ASSIGN_OR_RETURN(int64_t axis_attr, IntAttr(node, "axis", SoftmaxDefaultAxis(cctx.opset)));
  return MakeKernel([coerce_2d, axis_attr, name = InputName(node, 0), sums = std::vector<double>(),
                     maxes_f = std::vector<float>(),
                     maxes_d = std::vector<double>()](KernelContext& ctx) mutable -> absl::Status {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return absl::InvalidArgumentError("missing input");
    ASSIGN_OR_RETURN(int64_t axis, elementwise::NormalizeAxis(axis_attr, x->rank(), name));
    const Dims& d = x->dims();
    const int64_t outer = Product(d, 0, axis);
    // Before opset 13 the input is coerced to 2-D [outer, rest] and normalised over `rest`.
    const int64_t n = coerce_2d ? Product(d, axis, d.size()) : d[axis];
    const int64_t inner = coerce_2d ? 1 : Product(d, axis + 1, d.size());
    Tensor* y = ctx.outputs[0];
    y->Resize(x->type(), d);
    if (x->type() == ElementType::kFloat) {
      SoftmaxLoop(x->data<float>(), y->data<float>(), outer, n, inner, sums, maxes_f);
    } else if (x->type() == ElementType::kDouble) {
      SoftmaxLoop(x->data<double>(), y->data<double>(), outer, n, inner, sums, maxes_d);
    } else {
      return BadElementType(name, x->type(), "float, double");
    }
    return absl::OkStatus();
  });
}

// ---------------------------------------------------------------------------- ArgMax

struct ArgMaxAttrs {
  int64_t axis;
  bool keepdims;
  bool select_last;
};

absl::StatusOr<ArgMaxAttrs> ParseArgMax(const Node& node) {
  ArgMaxAttrs a;
  ASSIGN_OR_RETURN(a.axis, IntAttr(node, "axis", 0));
  ASSIGN_OR_RETURN(int64_t keepdims, IntAttr(node, "keepdims", 1));
  ASSIGN_OR_RETURN(int64_t last, IntAttr(node, "select_last_index", 0));
  a.keepdims = keepdims != 0;
  a.select_last = last != 0;
  return a;
}

absl::Status InferArgMax(InferContext& ctx) {
  RETURN_IF_ERROR(elementwise::CheckInputElem(ctx, 0, NumericTypes{}));
  absl::StatusOr<ArgMaxAttrs> attrs = ParseArgMax(ctx.node());
  if (!attrs.ok()) return ctx.Error(std::string(attrs.status().message()));
  const TensorType& x = ctx.input_type(0);
  std::optional<Shape> shape;
  DataType dtype = DataType::Int(64);
  if (x.shape) {
    auto axis = elementwise::NormalizeAxis(attrs->axis, x.shape->size(), InputName(ctx.node(), 0));
    if (!axis.ok()) return ctx.Error(std::string(axis.status().message()));
    const Dim& reduced = (*x.shape)[*axis];
    if (reduced.known() && reduced.value == 0) {
      return ctx.Error(absl::StrCat("input '", InputName(ctx.node(), 0), "' has an empty axis ",
                                    *axis, "; ArgMax needs at least one element"));
    }
    if (reduced.known()) dtype = DataType::SmallestHolding(0, reduced.value - 1);
    shape = *x.shape;
    if (attrs->keepdims) {
      (*shape)[*axis] = Dim{1, ""};
    } else {
      shape->erase(shape->begin() + *axis);
    }
  }
  ctx.SetOutput(0, ElementType::kInt64, std::move(shape), dtype);
  return absl::OkStatus();
}

template <typename T>
void ArgMaxLoop(const T* x, int64_t* out, int64_t outer, int64_t n, int64_t inner,
                bool select_last) {
  for (int64_t o = 0; o < outer; ++o) {
    const T* xo = x + o * n * inner;
    for (int64_t j = 0; j < inner; ++j) {
      T best = xo[j];
      int64_t best_k = 0;
      for (int64_t k = 1; k < n; ++k) {
        const T v = xo[k * inner + j];
        if (select_last ? v >= best : v > best) {
          best = v;
          best_k = k;
        }
      }
      out[o * inner + j] = best_k;
    }
  }
}

absl::StatusOr<std::unique_ptr<Kernel>> CompileArgMax(const Node& node, const CompileContext&) {
  ASSIGN_OR_RETURN(ArgMaxAttrs attrs, ParseArgMax(node));
  return MakeKernel([attrs, name = InputName(node, 0),
                     out_dims = Dims()](KernelContext& ctx) mutable -> absl::Status {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return absl::InvalidArgumentError("missing input");
    ASSIGN_OR_RETURN(int64_t axis, elementwise::NormalizeAxis(attrs.axis, x->rank(), name));
    const Dims& d = x->dims();
    const int64_t n = d[axis];
    if (n == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", name, "' has an empty axis ", axis, "; ArgMax needs at least one element"));
    }
    const int64_t outer = Product(d, 0, axis), inner = Product(d, axis + 1, d.size());
    out_dims.assign(d.begin(), d.end());
    if (attrs.keepdims) {
      out_dims[axis] = 1;
    } else {
      out_dims.erase(out_dims.begin() + axis);
    }
    Tensor* y = ctx.outputs[0];
    y->Resize(ElementType::kInt64, out_dims);
    const bool known = elementwise::Dispatch(NumericTypes{}, x->type(), [&](auto tag) {
      using T = decltype(tag);
      ArgMaxLoop(x->data<T>(), y->data<int64_t>(), outer, n, inner, attrs.select_last);
    });
    if (!known) return BadElementType(name, x->type(), elementwise::TypeNames(NumericTypes{}));
    return absl::OkStatus();
  });
}

}  // namespace

OpSpec MakeBatchNormalizationSpec() {
  OpSpec s;
  s.op_type = "BatchNormalization";
  s.domain = "";
  s.since_version = 1;
  s.summary = "inference-mode batch normalization over channel axis 1: (x - mean) / sqrt(var + "
              "eps) * scale + B";
  s.min_inputs = 5;
  s.max_inputs = 5;
  s.min_outputs = 1;
  s.max_outputs = 5;  // older opsets declare training outputs; only Y is supported
  s.attributes = {{"epsilon", Attribute::Type::kFloat, false, nullptr},
                  {"momentum", Attribute::Type::kFloat, false, nullptr},
                  {"spatial", Attribute::Type::kInt, false, elementwise::CheckBool},
                  {"training_mode", Attribute::Type::kInt, false, elementwise::CheckBool}};
  s.infer = InferBatchNorm;
  s.compile = CompileBatchNorm;
  return s;
}

OpSpec MakeSoftmaxSpec() {
  OpSpec s;
  s.op_type = "Softmax";
  s.domain = "";
  s.since_version = 1;
  s.summary = "exp(x) / sum(exp(x)) along `axis` (before opset 13: over the flattened tail from "
              "`axis`, default 1)";
  s.attributes = {{"axis", Attribute::Type::kInt, false, nullptr}};
  s.infer = InferSoftmax;
  s.compile = CompileSoftmax;
  return s;
}

OpSpec MakeArgMaxSpec() {
  OpSpec s;
  s.op_type = "ArgMax";
  s.domain = "";
  s.since_version = 1;
  s.summary = "int64 index of the maximum along `axis` (first, or last with select_last_index)";
  s.attributes = {{"axis", Attribute::Type::kInt, false, nullptr},
                  {"keepdims", Attribute::Type::kInt, false, elementwise::CheckBool},
                  {"select_last_index", Attribute::Type::kInt, false, elementwise::CheckBool}};
  s.infer = InferArgMax;
  s.compile = CompileArgMax;
  return s;
}

}  // namespace finngl
