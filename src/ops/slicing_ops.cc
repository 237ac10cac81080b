// Data-movement ops that select or combine along one axis: Concat, Slice, Gather, Split (ONNX
// semantics; their factories are listed under shape_ops in op_list.h). Element values are never
// interpreted: copies go by element size, and the input's quantization DataType is kept.
#include <algorithm>
#include <cstring>
#include <limits>
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

// ============================================================================ Concat

OpSpec ConcatSpec() {
  OpSpec s;
  s.op_type = "Concat";
  s.summary = "Concatenates the inputs along `axis`.";
  s.min_inputs = 1;
  s.max_inputs = -1;
  s.attributes = {MakeAttr("axis", AT::kInt, /*required=*/true)};
  s.infer = [](InferContext& ctx) -> absl::Status {
    const Node& node = ctx.node();
    if (!node.has_attr("axis")) return ctx.Error("required attribute 'axis' is missing");
    const TensorType& first = ctx.input_type(0);
    std::optional<Shape> out;
    bool all_integer = true, all_same = true;
    double lo = 0, hi = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) return ctx.Error(absl::StrCat("input ", i, " is missing"));
      const TensorType& t = ctx.input_type(i);
      if (t.elem != first.elem) {
        return ctx.Error(absl::StrCat(InputLabel(node, i), " has element type ",
                                      ElementTypeName(t.elem), " but ", InputLabel(node, 0),
                                      " has ", ElementTypeName(first.elem)));
      }
      all_same = all_same && t.dtype == first.dtype;
      if (t.dtype.IsInteger()) {
        lo = i == 0 ? t.dtype.Min() : std::min(lo, t.dtype.Min());
        hi = i == 0 ? t.dtype.Max() : std::max(hi, t.dtype.Max());
      } else {
        all_integer = false;
      }
      if (t.shape) {
        if (!out) {
          out = *t.shape;
          continue;
        }
        if (t.shape->size() != out->size()) {
          return ctx.Error(absl::StrCat(InputLabel(node, i), " has rank ", t.shape->size(),
                                        ", expected ", out->size(), " like ", InputLabel(node, 0)));
        }
      }
    }
    DataType dtype = all_same      ? first.dtype
                     : all_integer ? DataType::SmallestHolding(lo, hi)
                                   : DataType::Float32();
    if (!out) {
      ctx.SetOutput(0, first.elem, std::nullopt, dtype);
      return absl::OkStatus();
    }
    const int64_t rank = out->size();
    auto axis = NormalizeAxis(node.GetInt("axis", 0), rank, "attribute 'axis'");
    if (!axis.ok()) return InferError(ctx, axis.status());
    bool rank_unknown = false;
    Dim total{0, ""};
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const TensorType& t = ctx.input_type(i);
      if (!t.shape) {
        rank_unknown = true;
        total = Dim{};
        continue;
      }
      for (int64_t d = 0; d < rank; ++d) {
        const Dim& x = (*t.shape)[d];
        if (d == *axis) continue;
        Dim& o = (*out)[d];
        if (x.known() && o.known() && x.value != o.value) {
          return ctx.Error(absl::StrCat(InputLabel(node, i), " has shape ", ShapeToString(*t.shape),
                                        ", incompatible with ", ShapeToString(*out),
                                        " for concatenation along axis ", *axis));
        }
        if (!o.known() && x.known()) o = x;
      }
      const Dim& a = (*t.shape)[*axis];
      if (total.known() && a.known()) {
        total.value += a.value;
      } else {
        total = Dim{};
      }
    }
    if (ctx.num_inputs() > 1 || rank_unknown) (*out)[*axis] = total;
    ctx.SetOutput(0, first.elem, out, dtype);
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    if (!node.has_attr("axis"))
      return absl::InvalidArgumentError("required attribute 'axis' is missing");
    const int64_t axis_attr = node.GetInt("axis", 0);
    std::vector<std::string> labels;
    for (int i = 0; i < node.num_inputs(); ++i) labels.push_back(InputLabel(node, i));
    return MakeKernel([=](KernelContext& ctx) -> absl::Status {
      const int n = static_cast<int>(ctx.inputs.size());
      const Tensor& x0 = *ctx.input(0);
      RETURN_IF_ERROR(CheckCopyable(x0, labels[0]));
      ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attr, x0.rank(), "attribute 'axis'"));
      Dims out_dims = x0.dims();
      out_dims[axis] = 0;
      for (int i = 0; i < n; ++i) {
        const Tensor* t = ctx.input(i);
        if (t == nullptr)
          return absl::InvalidArgumentError(absl::StrCat("input ", i, " is missing"));
        bool ok = t->type() == x0.type() && t->rank() == x0.rank();
        for (int64_t d = 0; ok && d < x0.rank(); ++d) ok = d == axis || t->dim(d) == x0.dim(d);
        if (!ok) {
          return absl::InvalidArgumentError(
              absl::StrCat(labels[i], " (", ElementTypeName(t->type()), DimsStr(t->dims()),
                           ") cannot be concatenated with ", labels[0], " (",
                           ElementTypeName(x0.type()), DimsStr(x0.dims()), ") along axis ", axis));
        }
        out_dims[axis] += t->dim(axis);
      }
      Tensor& y = *ctx.outputs[0];
      y.Resize(x0.type(), out_dims);
      const size_t es = ElementSize(x0.type());
      const int64_t outer = NumElementsOf(std::span(out_dims).first(axis));
      const int64_t inner = NumElementsOf(std::span(out_dims).subspan(axis + 1));
      const size_t out_row = static_cast<size_t>(out_dims[axis] * inner) * es;
      size_t col = 0;
      for (int i = 0; i < n; ++i) {
        const Tensor& t = *ctx.input(i);
        const size_t row = static_cast<size_t>(t.dim(axis) * inner) * es;
        const auto* src = static_cast<const uint8_t*>(t.raw());
        auto* dst = static_cast<uint8_t*>(y.raw()) + col;
        for (int64_t o = 0; o < outer; ++o) std::memcpy(dst + o * out_row, src + o * row, row);
        col += row;
      }
      return absl::OkStatus();
    });
  };
  return s;
}

// ============================================================================ Slice

struct SliceArgs {
  std::vector<int64_t> starts, ends, axes, steps;  // axes may be empty: 0..n-1
};

// Per input axis: first index, output size and step (ONNX clamping rules).
struct SliceWindow {
  Dims start, size, step;
};

absl::StatusOr<std::vector<int64_t>> SliceAxes(const SliceArgs& a, int64_t rank) {
  if (a.starts.size() != a.ends.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'starts' has ", a.starts.size(), " values but 'ends' has ", a.ends.size()));
  }
  std::vector<int64_t> axes = a.axes;
  if (axes.empty()) {
    axes.resize(a.starts.size());
    std::iota(axes.begin(), axes.end(), 0);
  }
  if (axes.size() != a.starts.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'axes' has ", axes.size(), " values but 'starts' has ", a.starts.size()));
  }
  if (!a.steps.empty() && a.steps.size() != a.starts.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'steps' has ", a.steps.size(), " values but 'starts' has ", a.starts.size()));
  }
  return NormalizeAxes(axes, rank, "'axes'");
}

// Clamped start and output size along one axis of size `dim`.
absl::Status SliceOneAxis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t* first,
                          int64_t* size) {
  if (step == 0) return absl::InvalidArgumentError("'steps' must not contain 0");
  *first = 0;
  *size = 0;
  if (dim == 0) return absl::OkStatus();
  if (start < 0) start += dim;
  // onnxruntime reads an end of INT64_MAX or INT32_MAX as "to the end in the step's direction"
  // (numpy's None), also for negative steps where the spec's clamping would give an empty slice.
  if (end == std::numeric_limits<int64_t>::max() || end == std::numeric_limits<int32_t>::max()) {
    end = step < 0 ? -1 : dim;
  } else if (end < 0) {
    end += dim;
  }
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    if (end > start) *size = (end - start - 1) / step + 1;
  } else {
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    if (start > end) {
      *size = step == std::numeric_limits<int64_t>::min() ? 1 : (start - end - 1) / (-step) + 1;
    }
  }
  *first = start;
  return absl::OkStatus();
}

absl::StatusOr<SliceWindow> ComputeSlice(const Dims& in, const SliceArgs& a) {
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, SliceAxes(a, static_cast<int64_t>(in.size())));
  SliceWindow w{Dims(in.size(), 0), in, Dims(in.size(), 1)};
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t ax = axes[i];
    const int64_t step = a.steps.empty() ? 1 : a.steps[i];
    RETURN_IF_ERROR(SliceOneAxis(in[ax], a.starts[i], a.ends[i], step, &w.start[ax], &w.size[ax]));
    w.step[ax] = step;
  }
  return w;
}

bool SliceUsesAttrs(int64_t opset) { return opset >= 0 && opset < 10; }

// Reads the slice arguments: attributes before opset 10, inputs 1..4 from opset 10 on.
absl::StatusOr<SliceArgs> SliceArgsFromAttrs(const Node& node) {
  if (!node.has_attr("starts") || !node.has_attr("ends")) {
    return absl::InvalidArgumentError(
        "attributes 'starts' and 'ends' are required before opset 10");
  }
  return SliceArgs{
      node.GetInts("starts", {}), node.GetInts("ends", {}), node.GetInts("axes", {}), {}};
}

OpSpec SliceSpec() {
  OpSpec s;
  s.op_type = "Slice";
  s.summary = "Takes a strided window (starts, ends, axes, steps; negative steps and clamping).";
  s.min_inputs = 1;
  s.max_inputs = 5;
  s.attributes = {MakeAttr("starts", AT::kInts), MakeAttr("ends", AT::kInts),
                  MakeAttr("axes", AT::kInts)};
  s.infer = [](InferContext& ctx) -> absl::Status {
    const TensorType& in = ctx.input_type(0);
    std::optional<SliceArgs> args;
    if (SliceUsesAttrs(ctx.opset())) {
      auto a = SliceArgsFromAttrs(ctx.node());
      if (!a.ok()) return InferError(ctx, a.status());
      args = *a;
    } else {
      if (!ctx.has_input(1) || !ctx.has_input(2))
        return ctx.Error("inputs 'starts' and 'ends' are required");
      auto st = ConstantInts(ctx, 1), en = ConstantInts(ctx, 2);
      std::optional<std::vector<int64_t>> ax, sp;
      if (ctx.has_input(3)) ax = ConstantInts(ctx, 3);
      if (ctx.has_input(4)) sp = ConstantInts(ctx, 4);
      if (st && en && (!ctx.has_input(3) || ax) && (!ctx.has_input(4) || sp)) {
        args = SliceArgs{*st, *en, ax.value_or(std::vector<int64_t>{}),
                         sp.value_or(std::vector<int64_t>{})};
      }
    }
    if (!in.shape || !args) {
      std::optional<Shape> out;
      if (in.shape) out = Shape(in.shape->size(), Dim{});
      ctx.SetOutput(0, in.elem, out, in.dtype);
      return absl::OkStatus();
    }
    const Shape& shape = *in.shape;
    auto axes = SliceAxes(*args, shape.size());
    if (!axes.ok()) return InferError(ctx, axes.status());
    Shape out = shape;
    for (size_t i = 0; i < axes->size(); ++i) {
      const int64_t ax = (*axes)[i];
      const int64_t step = args->steps.empty() ? 1 : args->steps[i];
      if (step == 0) return ctx.Error("'steps' must not contain 0");
      if (!shape[ax].known()) {
        out[ax] = Dim{};
        continue;
      }
      int64_t first, size;
      RETURN_IF_ERROR(InferError(
          ctx, SliceOneAxis(shape[ax].value, args->starts[i], args->ends[i], step, &first, &size)));
      out[ax] = Dim{size, ""};
    }
    ctx.SetOutput(0, in.elem, out, in.dtype);
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext& cctx) -> KernelOr {
    std::string label = InputLabel(node, 0);
    std::optional<SliceArgs> attr_args;
    if (SliceUsesAttrs(cctx.opset)) {
      ASSIGN_OR_RETURN(attr_args, SliceArgsFromAttrs(node));
    }
    return MakeKernel([=](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      RETURN_IF_ERROR(CheckCopyable(x, label));
      SliceArgs args;
      if (attr_args) {
        args = *attr_args;
      } else {
        static const char* kNames[] = {"", "input 'starts'", "input 'ends'", "input 'axes'",
                                       "input 'steps'"};
        std::vector<int64_t>* fields[] = {nullptr, &args.starts, &args.ends, &args.axes,
                                          &args.steps};
        for (int i = 1; i <= 4; ++i) {
          if (ctx.input(i) == nullptr) {
            if (i <= 2) return absl::InvalidArgumentError(absl::StrCat(kNames[i], " is missing"));
            continue;
          }
          ASSIGN_OR_RETURN(*fields[i], ReadInts(*ctx.input(i), kNames[i]));
        }
      }
      ASSIGN_OR_RETURN(SliceWindow w, ComputeSlice(x.dims(), args));
      Dims in_strides = RowMajorStrides(x.dims());
      int64_t base = 0;
      Dims strides(x.rank());
      for (int64_t d = 0; d < x.rank(); ++d) {
        base += w.start[d] * in_strides[d];
        strides[d] = w.step[d] * in_strides[d];
      }
      Tensor& y = *ctx.outputs[0];
      y.Resize(x.type(), w.size);
      StridedCopy(x.raw(), base, strides, w.size, ElementSize(x.type()), y.raw());
      return absl::OkStatus();
    });
  };
  return s;
}

// ============================================================================ Gather

OpSpec GatherSpec() {
  OpSpec s;
  s.op_type = "Gather";
  s.summary = "Gathers slices along `axis` at the given (int32/int64, possibly negative) indices.";
  s.min_inputs = 2;
  s.max_inputs = 2;
  s.attributes = {MakeAttr("axis", AT::kInt)};
  s.infer = [](InferContext& ctx) -> absl::Status {
    const TensorType& data = ctx.input_type(0);
    const TensorType& idx = ctx.input_type(1);
    if (idx.elem != ElementType::kInt32 && idx.elem != ElementType::kInt64) {
      return ctx.Error(absl::StrCat(InputLabel(ctx.node(), 1), " has element type ",
                                    ElementTypeName(idx.elem), ", expected int32 or int64"));
    }
    if (!data.shape || !idx.shape) {
      ctx.SetOutput(0, data.elem, std::nullopt, data.dtype);
      return absl::OkStatus();
    }
    auto axis = NormalizeAxis(ctx.node().GetInt("axis", 0), data.shape->size(), "attribute 'axis'");
    if (!axis.ok()) return InferError(ctx, axis.status());
    Shape out(data.shape->begin(), data.shape->begin() + *axis);
    out.insert(out.end(), idx.shape->begin(), idx.shape->end());
    out.insert(out.end(), data.shape->begin() + *axis + 1, data.shape->end());
    ctx.SetOutput(0, data.elem, out, data.dtype);
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    std::string label = InputLabel(node, 0), idx_label = InputLabel(node, 1);
    const int64_t axis_attr = node.GetInt("axis", 0);
    return MakeKernel([=](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      const Tensor& idx = *ctx.input(1);
      RETURN_IF_ERROR(CheckCopyable(x, label));
      if (idx.type() != ElementType::kInt32 && idx.type() != ElementType::kInt64) {
        return absl::InvalidArgumentError(absl::StrCat(idx_label, " has element type ",
                                                       ElementTypeName(idx.type()),
                                                       ", expected int32 or int64"));
      }
      ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attr, x.rank(), "attribute 'axis'"));
      Dims out_dims(x.dims().begin(), x.dims().begin() + axis);
      out_dims.insert(out_dims.end(), idx.dims().begin(), idx.dims().end());
      out_dims.insert(out_dims.end(), x.dims().begin() + axis + 1, x.dims().end());
      Tensor& y = *ctx.outputs[0];
      y.Resize(x.type(), out_dims);
      const int64_t dim = x.dim(axis);
      const int64_t outer = NumElementsOf(std::span(x.dims()).first(axis));
      const int64_t inner = NumElementsOf(std::span(x.dims()).subspan(axis + 1));
      const size_t es = ElementSize(x.type());
      const size_t block = static_cast<size_t>(inner) * es;
      const int64_t n = idx.size();
      const auto* src = static_cast<const uint8_t*>(x.raw());
      auto* dst = static_cast<uint8_t*>(y.raw());
      for (int64_t k = 0; k < n; ++k) {
        int64_t i =
            idx.type() == ElementType::kInt32 ? idx.data<int32_t>()[k] : idx.data<int64_t>()[k];
        if (i < -dim || i >= dim) {
          return absl::InvalidArgumentError(absl::StrCat(idx_label, " value ", i,
                                                         " is out of range for axis ", axis,
                                                         " of size ", dim, " of ", label));
        }
      }
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t k = 0; k < n; ++k) {
          int64_t i =
              idx.type() == ElementType::kInt32 ? idx.data<int32_t>()[k] : idx.data<int64_t>()[k];
          if (i < 0) i += dim;
          std::memcpy(dst, src + (o * dim + i) * block, block);
          dst += block;
        }
      }
      return absl::OkStatus();
    });
  };
  return s;
}

// ============================================================================ Split

struct SplitConfig {
  int64_t axis = 0;
  bool split_from_input = false;                   // opset >= 13
  std::optional<std::vector<int64_t>> split_attr;  // opset < 13
  int64_t num_outputs_attr = 0;                    // opset >= 18, 0 when absent
  int num_outputs = 1;
};

// Sizes of the pieces along an axis of size `dim`.
absl::StatusOr<std::vector<int64_t>> SplitSizes(const SplitConfig& c, int64_t dim,
                                                const std::optional<std::vector<int64_t>>& split) {
  const int n = c.num_outputs;
  if (split) {
    if (static_cast<int>(split->size()) != n) {
      return absl::InvalidArgumentError(
          absl::StrCat("'split' has ", split->size(), " values but the node has ", n, " outputs"));
    }
    int64_t sum = 0;
    for (int64_t v : *split) {
      if (v < 0) return absl::InvalidArgumentError(absl::StrCat("'split' has negative size ", v));
      sum += v;
    }
    if (sum != dim) {
      return absl::InvalidArgumentError(absl::StrCat("'split' sizes [", absl::StrJoin(*split, ", "),
                                                     "] sum to ", sum, ", but axis ", c.axis,
                                                     " has size ", dim));
    }
    return *split;
  }
  if (c.num_outputs_attr > 0) {
    // Opset 18: the last piece may be smaller.
    const int64_t chunk = (dim + n - 1) / n;
    std::vector<int64_t> sizes(n, chunk);
    sizes.back() = dim - chunk * (n - 1);
    if (sizes.back() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot split axis ", c.axis, " of size ", dim, " into ", n, " pieces"));
    }
    return sizes;
  }
  if (dim % n != 0) {
    return absl::InvalidArgumentError(absl::StrCat("axis ", c.axis, " of size ", dim,
                                                   " cannot be split evenly into ", n, " outputs"));
  }
  return std::vector<int64_t>(n, dim / n);
}

absl::StatusOr<SplitConfig> ParseSplit(const Node& node, int64_t opset) {
  SplitConfig c;
  c.axis = node.GetInt("axis", 0);
  c.num_outputs = node.num_outputs();
  c.split_from_input = opset < 0 || opset >= 13;
  if (!c.split_from_input && node.has_attr("split")) c.split_attr = node.GetInts("split", {});
  if (node.has_attr("num_outputs")) {
    c.num_outputs_attr = node.GetInt("num_outputs", 0);
    if (c.num_outputs_attr != c.num_outputs) {
      return absl::InvalidArgumentError(absl::StrCat("attribute 'num_outputs' is ",
                                                     c.num_outputs_attr, " but the node has ",
                                                     c.num_outputs, " outputs"));
    }
  }
  return c;
}

OpSpec SplitSpec() {
  OpSpec s;
  s.op_type = "Split";
  s.summary = "Splits along `axis` by `split` sizes (attribute < 13, input >= 13) or equally.";
  s.min_inputs = 1;
  s.max_inputs = 2;
  s.min_outputs = 1;
  s.max_outputs = -1;
  s.attributes = {MakeAttr("axis", AT::kInt), MakeAttr("split", AT::kInts),
                  MakeAttr("num_outputs", AT::kInt)};
  s.infer = [](InferContext& ctx) -> absl::Status {
    const TensorType& in = ctx.input_type(0);
    auto c = ParseSplit(ctx.node(), ctx.opset());
    if (!c.ok()) return InferError(ctx, c.status());
    std::optional<std::vector<int64_t>> split = c->split_attr;
    bool split_unknown = false;
    if (c->split_from_input && ctx.has_input(1)) {
      split = ConstantInts(ctx, 1);
      split_unknown = !split;
    }
    for (int k = 0; k < ctx.node().num_outputs(); ++k) {
      std::optional<Shape> out;
      if (in.shape) out = *in.shape;
      ctx.SetOutput(k, in.elem, out, in.dtype);
    }
    if (!in.shape) return absl::OkStatus();
    auto axis = NormalizeAxis(c->axis, in.shape->size(), "attribute 'axis'");
    if (!axis.ok()) return InferError(ctx, axis.status());
    c->axis = *axis;
    const Dim& d = (*in.shape)[*axis];
    std::vector<Dim> sizes(c->num_outputs, Dim{});
    if (!split_unknown && d.known()) {
      auto sz = SplitSizes(*c, d.value, split);
      if (!sz.ok()) return InferError(ctx, sz.status());
      for (int k = 0; k < c->num_outputs; ++k) sizes[k] = Dim{(*sz)[k], ""};
    } else if (split) {
      for (int k = 0; k < c->num_outputs && k < static_cast<int>(split->size()); ++k) {
        sizes[k] = Dim{(*split)[k], ""};
      }
    }
    for (int k = 0; k < c->num_outputs; ++k) {
      Shape out = *in.shape;
      out[*axis] = sizes[k];
      ctx.SetOutput(k, in.elem, out, in.dtype);
    }
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext& cctx) -> KernelOr {
    std::string label = InputLabel(node, 0);
    ASSIGN_OR_RETURN(SplitConfig config, ParseSplit(node, cctx.opset));
    return MakeKernel([=](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      RETURN_IF_ERROR(CheckCopyable(x, label));
      SplitConfig c = config;
      ASSIGN_OR_RETURN(c.axis, NormalizeAxis(c.axis, x.rank(), "attribute 'axis'"));
      std::optional<std::vector<int64_t>> split = c.split_attr;
      if (c.split_from_input && ctx.input(1) != nullptr) {
        ASSIGN_OR_RETURN(split, ReadInts(*ctx.input(1), "input 'split'"));
      }
      ASSIGN_OR_RETURN(std::vector<int64_t> sizes, SplitSizes(c, x.dim(c.axis), split));
      const size_t es = ElementSize(x.type());
      const int64_t dim = x.dim(c.axis);
      const int64_t outer = NumElementsOf(std::span(x.dims()).first(c.axis));
      const int64_t inner = NumElementsOf(std::span(x.dims()).subspan(c.axis + 1));
      const auto* src = static_cast<const uint8_t*>(x.raw());
      int64_t offset = 0;
      for (size_t k = 0; k < sizes.size(); ++k) {
        Dims dims = x.dims();
        dims[c.axis] = sizes[k];
        Tensor& y = *ctx.outputs[k];
        y.Resize(x.type(), dims);
        const size_t row = static_cast<size_t>(sizes[k] * inner) * es;
        auto* dst = static_cast<uint8_t*>(y.raw());
        for (int64_t o = 0; o < outer; ++o) {
          std::memcpy(dst + o * row, src + ((o * dim + offset) * inner) * es, row);
        }
        offset += sizes[k];
      }
      return absl::OkStatus();
    });
  };
  return s;
}

}  // namespace

OpSpec MakeConcatSpec() { return ConcatSpec(); }
OpSpec MakeSliceSpec() { return SliceSpec(); }
OpSpec MakeGatherSpec() { return GatherSpec(); }
OpSpec MakeSplitSpec() { return SplitSpec(); }

}  // namespace finngl
