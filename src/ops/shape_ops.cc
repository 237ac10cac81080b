// Shape and data-movement ops: Flatten, Reshape, Transpose, Squeeze, Unsqueeze, Shape, Constant,
// Expand (ONNX semantics, opset differences via ctx.opset). The rest of the family listed under
// shape_ops in op_list.h lives next door: Concat, Slice, Gather, Split in slicing_ops.cc and Pad
// in pad_op.cc.
//
// Data movement never looks at element values, only at element sizes, so every op works for every
// element type and keeps the input's quantization DataType (a reshape of INT4 data is INT4).
#include <algorithm>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"
#include "src/ops/broadcast.h"
#include "src/ops/registry.h"
#include "src/ops/shape_util.h"

namespace finngl {
namespace {

using AT = Attribute::Type;
using KernelOr = absl::StatusOr<std::unique_ptr<Kernel>>;
std::string DimsStr(const Dims& d) { return DimsToString(d); }

// ============================================================================ Flatten

absl::StatusOr<int64_t> FlattenAxis(const Node& node, int64_t rank) {
  int64_t axis = node.GetInt("axis", 1);
  if (axis < -rank || axis > rank) {
    return absl::InvalidArgumentError(absl::StrCat("attribute 'axis' value ", axis,
                                                   " is out of range for rank ", rank,
                                                   " (expected [", -rank, ", ", rank, "])"));
  }
  return axis < 0 ? axis + rank : axis;
}

OpSpec FlattenSpec() {
  OpSpec s;
  s.op_type = "Flatten";
  s.summary = "Flattens the input to 2-D: [prod(dims[:axis]), prod(dims[axis:])].";
  s.attributes = {MakeAttr("axis", AT::kInt)};
  s.infer = [](InferContext& ctx) -> absl::Status {
    const TensorType& in = ctx.input_type(0);
    if (!in.shape) {
      ctx.SetOutput(0, in.elem, Shape{Dim{}, Dim{}}, in.dtype);
      return absl::OkStatus();
    }
    const Shape& shape = *in.shape;
    auto axis = FlattenAxis(ctx.node(), static_cast<int64_t>(shape.size()));
    if (!axis.ok()) return InferError(ctx, axis.status());
    Dim a = *axis == 0 ? Dim{1, ""} : DimProduct(shape, 0, *axis);
    Dim b = *axis == static_cast<int64_t>(shape.size()) ? Dim{1, ""}
                                                        : DimProduct(shape, *axis, shape.size());
    ctx.SetOutput(0, in.elem, Shape{a, b}, in.dtype);
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    std::string label = InputLabel(node, 0);
    int64_t axis_attr = node.GetInt("axis", 1);
    return MakeKernel([label, axis_attr](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      RETURN_IF_ERROR(CheckCopyable(x, label));
      int64_t rank = x.rank();
      if (axis_attr < -rank || axis_attr > rank) {
        return absl::InvalidArgumentError(absl::StrCat("attribute 'axis' value ", axis_attr,
                                                       " is out of range for ", label, " of rank ",
                                                       rank));
      }
      int64_t axis = axis_attr < 0 ? axis_attr + rank : axis_attr;
      int64_t a = NumElementsOf(std::span(x.dims()).first(axis));
      int64_t b = NumElementsOf(std::span(x.dims()).subspan(axis));
      Dims dims = {a, b};
      CopyWithDims(x, dims, *ctx.outputs[0]);
      return absl::OkStatus();
    });
  };
  return s;
}

// ============================================================================ Reshape

absl::StatusOr<Dims> ResolveReshape(const Dims& in, const std::vector<int64_t>& shape,
                                    bool allowzero, const std::string& label) {
  Dims out(shape.begin(), shape.end());
  int infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t v = shape[i];
    if (v == 0 && !allowzero) {
      if (i >= in.size()) {
        return absl::InvalidArgumentError(absl::StrCat("shape ", DimsStr(shape),
                                                       " copies dimension ", i, " (0) but ", label,
                                                       " has rank ", in.size()));
      }
      out[i] = in[i];
    } else if (v == -1) {
      if (infer_at >= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("shape ", DimsStr(shape), " has more than one -1"));
      }
      infer_at = static_cast<int>(i);
      continue;
    } else if (v < -1) {
      return absl::InvalidArgumentError(
          absl::StrCat("shape ", DimsStr(shape), " has invalid dimension ", v));
    }
    known *= out[i];
  }
  const int64_t total = NumElementsOf(in);
  if (infer_at >= 0) {
    if (known == 0 ? total != 0 : total % known != 0) {
      return absl::InvalidArgumentError(absl::StrCat("cannot reshape ", label, " of shape ",
                                                     DimsStr(in), " to ", DimsStr(shape)));
    }
    out[infer_at] = known == 0 ? 0 : total / known;
  } else if (known != total) {
    return absl::InvalidArgumentError(absl::StrCat("cannot reshape ", label, " of shape ",
                                                   DimsStr(in), " (", total, " elements) to ",
                                                   DimsStr(shape), " (", known, " elements)"));
  }
  return out;
}

// Reshape's target shape: the `shape` input (opset >= 5) or attribute (older).
bool ReshapeUsesAttr(int64_t opset) { return opset >= 0 && opset < 5; }

absl::Status InferReshape(InferContext& ctx) {
  const TensorType& in = ctx.input_type(0);
  const bool allowzero = ctx.node().GetInt("allowzero", 0) != 0;
  std::optional<std::vector<int64_t>> shape;
  if (ReshapeUsesAttr(ctx.opset())) {
    if (!ctx.node().has_attr("shape")) return ctx.Error("attribute 'shape' is missing");
    shape = ctx.node().GetInts("shape", {});
  } else {
    if (!ctx.has_input(1)) return ctx.Error("input 'shape' is missing");
    shape = ConstantInts(ctx, 1);
  }
  if (!shape) {
    const TensorType& st = ctx.input_type(1);
    std::optional<Shape> out;
    if (st.shape && st.shape->size() == 1 && (*st.shape)[0].known()) {
      out = Shape((*st.shape)[0].value, Dim{});
    }
    ctx.SetOutput(0, in.elem, out, in.dtype);
    return absl::OkStatus();
  }
  if (in.shape && ShapeFullyKnown(*in.shape)) {
    auto dims =
        ResolveReshape(ShapeToDims(*in.shape), *shape, allowzero, InputLabel(ctx.node(), 0));
    if (!dims.ok()) return InferError(ctx, dims.status());
    ctx.SetOutput(0, in.elem, ShapeFromDims(*dims), in.dtype);
    return absl::OkStatus();
  }
  // Partially known input: copied (0) dims keep their symbol; a -1 is resolved when the input
  // dims that are not copied are all known (copied dims cancel on both sides).
  Shape out(shape->size());
  std::vector<bool> copied(shape->size(), false);
  int infer_at = -1;
  for (size_t i = 0; i < shape->size(); ++i) {
    int64_t v = (*shape)[i];
    if (v == 0 && !allowzero) {
      if (in.shape) {
        if (i >= in.shape->size()) {
          return ctx.Error(absl::StrCat("shape ", DimsStr(*shape), " copies dimension ", i, " but ",
                                        InputLabel(ctx.node(), 0), " has rank ", in.shape->size()));
        }
        out[i] = (*in.shape)[i];
        copied[i] = true;
      }
    } else if (v == -1) {
      if (infer_at >= 0)
        return ctx.Error(absl::StrCat("shape ", DimsStr(*shape), " has more than one -1"));
      infer_at = static_cast<int>(i);
    } else if (v < -1) {
      return ctx.Error(absl::StrCat("shape ", DimsStr(*shape), " has invalid dimension ", v));
    } else {
      out[i] = Dim{v, ""};
    }
  }
  if (infer_at >= 0 && in.shape) {
    int64_t p_in = 1, p_out = 1;
    bool ok = true;
    for (size_t i = 0; i < in.shape->size(); ++i) {
      if (i < copied.size() && copied[i]) continue;
      if (!(*in.shape)[i].known())
        ok = false;
      else
        p_in *= (*in.shape)[i].value;
    }
    for (size_t i = 0; i < out.size(); ++i) {
      if (copied[i] || static_cast<int>(i) == infer_at) continue;
      p_out *= out[i].value;
    }
    if (ok && p_out > 0 && p_in % p_out == 0) out[infer_at] = Dim{p_in / p_out, ""};
  }
  ctx.SetOutput(0, in.elem, out, in.dtype);
  return absl::OkStatus();
}

OpSpec ReshapeSpec() {
  OpSpec s;
  s.op_type = "Reshape";
  s.summary = "Reshapes the input to `shape` (0 copies a dim unless allowzero, -1 is inferred).";
  s.min_inputs = 1;
  s.max_inputs = 2;
  s.attributes = {MakeAttr("allowzero", AT::kInt), MakeAttr("shape", AT::kInts)};
  s.infer = InferReshape;
  s.compile = [](const Node& node, const CompileContext& cctx) -> KernelOr {
    std::string label = InputLabel(node, 0);
    const bool allowzero = node.GetInt("allowzero", 0) != 0;
    const bool use_attr = ReshapeUsesAttr(cctx.opset);
    std::vector<int64_t> attr_shape = node.GetInts("shape", {});
    return MakeKernel([=](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      RETURN_IF_ERROR(CheckCopyable(x, label));
      std::vector<int64_t> shape = attr_shape;
      if (!use_attr) {
        if (ctx.input(1) == nullptr) return absl::InvalidArgumentError("input 'shape' is missing");
        ASSIGN_OR_RETURN(shape, ReadInts(*ctx.input(1), "input 'shape'"));
      }
      ASSIGN_OR_RETURN(Dims dims, ResolveReshape(x.dims(), shape, allowzero, label));
      CopyWithDims(x, dims, *ctx.outputs[0]);
      return absl::OkStatus();
    });
  };
  return s;
}

// ============================================================================ Transpose

absl::StatusOr<std::vector<int64_t>> ResolvePerm(bool has_perm, std::vector<int64_t> perm,
                                                 int64_t rank, const std::string& label) {
  const std::vector<int64_t> given = perm;
  if (!has_perm) {
    perm.resize(rank);
    for (int64_t i = 0; i < rank; ++i) perm[i] = rank - 1 - i;
    return perm;
  }
  std::vector<bool> seen(rank, false);
  bool ok = static_cast<int64_t>(perm.size()) == rank;
  for (size_t i = 0; ok && i < perm.size(); ++i) {
    int64_t p = perm[i] < 0 ? perm[i] + rank : perm[i];
    ok = p >= 0 && p < rank && !seen[p];
    if (ok) {
      seen[p] = true;
      perm[i] = p;
    }
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat("attribute 'perm' [", absl::StrJoin(given, ", "),
                                                   "] is not a permutation of the ", rank,
                                                   " axes of ", label));
  }
  return perm;
}

OpSpec TransposeSpec() {
  OpSpec s;
  s.op_type = "Transpose";
  s.summary = "Permutes the axes (perm; default reverses them).";
  s.attributes = {MakeAttr("perm", AT::kInts)};
  s.infer = [](InferContext& ctx) -> absl::Status {
    const TensorType& in = ctx.input_type(0);
    if (!in.shape) {
      std::optional<Shape> out;
      if (ctx.node().has_attr("perm")) out = Shape(ctx.node().GetInts("perm", {}).size(), Dim{});
      ctx.SetOutput(0, in.elem, out, in.dtype);
      return absl::OkStatus();
    }
    auto perm = ResolvePerm(ctx.node().has_attr("perm"), ctx.node().GetInts("perm", {}),
                            in.shape->size(), InputLabel(ctx.node(), 0));
    if (!perm.ok()) return InferError(ctx, perm.status());
    Shape out;
    for (int64_t p : *perm) out.push_back((*in.shape)[p]);
    ctx.SetOutput(0, in.elem, out, in.dtype);
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    std::string label = InputLabel(node, 0);
    const bool has_perm = node.has_attr("perm");
    std::vector<int64_t> perm_attr = node.GetInts("perm", {});
    // Re-resolve per run only when the rank changes (it never does in practice).
    int64_t cached_rank = -1;
    std::vector<int64_t> perm;
    Dims out_dims, strides;
    return MakeKernel([=](KernelContext& ctx) mutable -> absl::Status {
      const Tensor& x = *ctx.input(0);
      RETURN_IF_ERROR(CheckCopyable(x, label));
      if (x.rank() != cached_rank) {
        ASSIGN_OR_RETURN(perm, ResolvePerm(has_perm, perm_attr, x.rank(), label));
        cached_rank = x.rank();
      }
      Dims in_strides = RowMajorStrides(x.dims());
      out_dims.resize(perm.size());
      strides.resize(perm.size());
      for (size_t d = 0; d < perm.size(); ++d) {
        out_dims[d] = x.dim(perm[d]);
        strides[d] = in_strides[perm[d]];
      }
      Tensor& y = *ctx.outputs[0];
      y.Resize(x.type(), out_dims);
      StridedCopy(x.raw(), 0, strides, out_dims, ElementSize(x.type()), y.raw());
      return absl::OkStatus();
    });
  };
  return s;
}

// ============================================================================ Squeeze / Unsqueeze

// Squeeze/Unsqueeze axes: attribute before opset 13, optional/required input from 13 on.
bool AxesFromInput(int64_t opset) { return opset < 0 || opset >= 13; }

absl::StatusOr<Dims> SqueezeDims(const Dims& in, const std::optional<std::vector<int64_t>>& axes,
                                 const std::string& label) {
  Dims out;
  if (!axes) {
    for (int64_t d : in) {
      if (d != 1) out.push_back(d);
    }
    return out;
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> norm,
                   NormalizeAxes(*axes, static_cast<int64_t>(in.size()), "axes"));
  std::vector<bool> drop(in.size(), false);
  for (int64_t a : norm) {
    if (in[a] != 1) {
      return absl::InvalidArgumentError(absl::StrCat("cannot squeeze axis ", a, " of ", label,
                                                     " with shape ", DimsStr(in), ": size is ",
                                                     in[a], ", not 1"));
    }
    drop[a] = true;
  }
  for (size_t i = 0; i < in.size(); ++i) {
    if (!drop[i]) out.push_back(in[i]);
  }
  return out;
}

OpSpec SqueezeSpec() {
  OpSpec s;
  s.op_type = "Squeeze";
  s.summary = "Removes size-1 axes (axes attribute before opset 13, input from 13; default all).";
  s.min_inputs = 1;
  s.max_inputs = 2;
  s.attributes = {MakeAttr("axes", AT::kInts)};
  s.infer = [](InferContext& ctx) -> absl::Status {
    const TensorType& in = ctx.input_type(0);
    std::optional<std::vector<int64_t>> axes;
    if (AxesFromInput(ctx.opset())) {
      if (ctx.has_input(1)) {
        axes = ConstantInts(ctx, 1);
        if (!axes) {
          ctx.SetOutput(0, in.elem, std::nullopt, in.dtype);
          return absl::OkStatus();
        }
      }
    } else if (ctx.node().has_attr("axes")) {
      axes = ctx.node().GetInts("axes", {});
    }
    if (!in.shape) {
      ctx.SetOutput(0, in.elem, std::nullopt, in.dtype);
      return absl::OkStatus();
    }
    const Shape& shape = *in.shape;
    Shape out;
    if (!axes) {
      // Unknown dims are assumed not to be 1 (as ONNX shape inference does).
      for (const Dim& d : shape) {
        if (!(d.known() && d.value == 1)) out.push_back(d);
      }
    } else {
      auto norm = NormalizeAxes(*axes, shape.size(), "axes");
      if (!norm.ok()) return InferError(ctx, norm.status());
      std::vector<bool> drop(shape.size(), false);
      for (int64_t a : *norm) {
        if (shape[a].known() && shape[a].value != 1) {
          return ctx.Error(absl::StrCat(
              "cannot squeeze axis ", a, " of ", InputLabel(ctx.node(), 0), " with shape ",
              ShapeToString(shape), ": size is ", shape[a].value, ", not 1"));
        }
        drop[a] = true;
      }
      for (size_t i = 0; i < shape.size(); ++i) {
        if (!drop[i]) out.push_back(shape[i]);
      }
    }
    ctx.SetOutput(0, in.elem, out, in.dtype);
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext& cctx) -> KernelOr {
    std::string label = InputLabel(node, 0);
    const bool from_input = AxesFromInput(cctx.opset);
    std::optional<std::vector<int64_t>> attr_axes;
    if (!from_input && node.has_attr("axes")) attr_axes = node.GetInts("axes", {});
    return MakeKernel([=](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      RETURN_IF_ERROR(CheckCopyable(x, label));
      std::optional<std::vector<int64_t>> axes = attr_axes;
      if (from_input && ctx.input(1) != nullptr) {
        ASSIGN_OR_RETURN(axes, ReadInts(*ctx.input(1), "input 'axes'"));
      }
      ASSIGN_OR_RETURN(Dims dims, SqueezeDims(x.dims(), axes, label));
      CopyWithDims(x, dims, *ctx.outputs[0]);
      return absl::OkStatus();
    });
  };
  return s;
}

// Output positions of the inserted axes (sorted), for an input of rank `rank`.
absl::StatusOr<std::vector<bool>> UnsqueezeMask(const std::vector<int64_t>& axes, int64_t rank) {
  const int64_t out_rank = rank + static_cast<int64_t>(axes.size());
  ASSIGN_OR_RETURN(std::vector<int64_t> norm, NormalizeAxes(axes, out_rank, "axes"));
  std::vector<bool> inserted(out_rank, false);
  for (int64_t a : norm) inserted[a] = true;
  return inserted;
}

OpSpec UnsqueezeSpec() {
  OpSpec s;
  s.op_type = "Unsqueeze";
  s.summary = "Inserts size-1 axes (axes attribute before opset 13, input from 13).";
  s.min_inputs = 1;
  s.max_inputs = 2;
  s.attributes = {MakeAttr("axes", AT::kInts)};
  s.infer = [](InferContext& ctx) -> absl::Status {
    const TensorType& in = ctx.input_type(0);
    std::optional<std::vector<int64_t>> axes;
    if (AxesFromInput(ctx.opset())) {
      if (!ctx.has_input(1)) return ctx.Error("input 'axes' is missing");
      axes = ConstantInts(ctx, 1);
    } else {
      if (!ctx.node().has_attr("axes")) return ctx.Error("attribute 'axes' is missing");
      axes = ctx.node().GetInts("axes", {});
    }
    if (!axes || !in.shape) {
      std::optional<Shape> out;
      if (axes && in.shape) out = Shape(in.shape->size() + axes->size(), Dim{});
      ctx.SetOutput(0, in.elem, out, in.dtype);
      return absl::OkStatus();
    }
    auto mask = UnsqueezeMask(*axes, in.shape->size());
    if (!mask.ok()) return InferError(ctx, mask.status());
    Shape out;
    size_t k = 0;
    for (bool ins : *mask) out.push_back(ins ? Dim{1, ""} : (*in.shape)[k++]);
    ctx.SetOutput(0, in.elem, out, in.dtype);
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext& cctx) -> KernelOr {
    std::string label = InputLabel(node, 0);
    const bool from_input = AxesFromInput(cctx.opset);
    std::vector<int64_t> attr_axes = node.GetInts("axes", {});
    if (!from_input && !node.has_attr("axes")) {
      return absl::InvalidArgumentError("attribute 'axes' is missing");
    }
    return MakeKernel([=](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      RETURN_IF_ERROR(CheckCopyable(x, label));
      std::vector<int64_t> axes = attr_axes;
      if (from_input) {
        if (ctx.input(1) == nullptr) return absl::InvalidArgumentError("input 'axes' is missing");
        ASSIGN_OR_RETURN(axes, ReadInts(*ctx.input(1), "input 'axes'"));
      }
      ASSIGN_OR_RETURN(std::vector<bool> mask, UnsqueezeMask(axes, x.rank()));
      Dims dims;
      size_t k = 0;
      for (bool ins : mask) dims.push_back(ins ? 1 : x.dim(k++));
      CopyWithDims(x, dims, *ctx.outputs[0]);
      return absl::OkStatus();
    });
  };
  return s;
}

// ============================================================================ Shape

// [start, end) of the dims Shape returns (opset 15 attributes, clamped like Slice).
std::pair<int64_t, int64_t> ShapeRange(const Node& node, int64_t rank) {
  auto clamp = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  int64_t start = clamp(node.GetInt("start", 0));
  int64_t end = clamp(node.GetInt("end", rank));
  return {start, std::max(start, end)};
}

OpSpec ShapeSpec() {
  OpSpec s;
  s.op_type = "Shape";
  s.summary = "The input's dims [start:end] as int64 (a constant when they are statically known).";
  s.attributes = {MakeAttr("start", AT::kInt), MakeAttr("end", AT::kInt)};
  s.infer = [](InferContext& ctx) -> absl::Status {
    const TensorType& in = ctx.input_type(0);
    if (!in.shape) {
      ctx.SetOutput(0, ElementType::kInt64, Shape{Dim{}});
      return absl::OkStatus();
    }
    auto [start, end] = ShapeRange(ctx.node(), in.shape->size());
    ctx.SetOutput(0, ElementType::kInt64, Shape{Dim{end - start, ""}});
    Dims dims;
    for (int64_t i = start; i < end; ++i) {
      if (!(*in.shape)[i].known()) return absl::OkStatus();
      dims.push_back((*in.shape)[i].value);
    }
    ctx.SetConstantOutput(0, Tensor::FromVector<int64_t>({end - start}, dims));
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    const bool has_start = node.has_attr("start"), has_end = node.has_attr("end");
    const int64_t start_attr = node.GetInt("start", 0), end_attr = node.GetInt("end", 0);
    return MakeKernel([=](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      const int64_t rank = x.rank();
      auto clamp = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
      const int64_t start = has_start ? clamp(start_attr) : 0;
      const int64_t end = std::max(start, has_end ? clamp(end_attr) : rank);
      Tensor& y = *ctx.outputs[0];
      Dims dims = {end - start};
      y.Resize(ElementType::kInt64, dims);
      for (int64_t i = start; i < end; ++i) y.data<int64_t>()[i - start] = x.dim(i);
      return absl::OkStatus();
    });
  };
  return s;
}

// ============================================================================ Constant

absl::StatusOr<Tensor> ConstantValue(const Node& node) {
  int count = 0;
  Tensor value;
  if (const Attribute* a = node.attr("value")) {
    ++count;
    value = a->t();
  }
  if (const Attribute* a = node.attr("value_float")) {
    ++count;
    value = Tensor::Scalar<float>(a->f());
  }
  if (const Attribute* a = node.attr("value_floats")) {
    ++count;
    value = Tensor::FromVector<float>({static_cast<int64_t>(a->floats().size())}, a->floats());
  }
  if (const Attribute* a = node.attr("value_int")) {
    ++count;
    value = Tensor::Scalar<int64_t>(a->i());
  }
  if (const Attribute* a = node.attr("value_ints")) {
    ++count;
    value = Tensor::FromVector<int64_t>({static_cast<int64_t>(a->ints().size())}, a->ints());
  }
  for (const char* unsupported : {"value_string", "value_strings", "sparse_value"}) {
    if (node.has_attr(unsupported)) {
      return absl::UnimplementedError(
          absl::StrCat("attribute '", unsupported, "' is not supported"));
    }
  }
  if (count != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "exactly one of 'value', 'value_float', 'value_floats', 'value_int', 'value_ints' must be "
        "set, found ",
        count));
  }
  if (ElementSize(value.type()) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'value' has unsupported element type ", ElementTypeName(value.type())));
  }
  return value;
}

OpSpec ConstantSpec() {
  OpSpec s;
  s.op_type = "Constant";
  s.summary = "A constant tensor (value, value_float(s), value_int(s)).";
  s.min_inputs = 0;
  s.max_inputs = 0;
  s.attributes = {MakeAttr("value", AT::kTensor),          MakeAttr("value_float", AT::kFloat),
                  MakeAttr("value_floats", AT::kFloats),   MakeAttr("value_int", AT::kInt),
                  MakeAttr("value_ints", AT::kInts),       MakeAttr("value_string", AT::kString),
                  MakeAttr("value_strings", AT::kStrings), MakeAttr("sparse_value", AT::kTensor)};
  s.infer = [](InferContext& ctx) -> absl::Status {
    auto value = ConstantValue(ctx.node());
    if (!value.ok()) return InferError(ctx, value.status());
    ctx.SetOutput(0, value->type(), ShapeFromDims(value->dims()));
    ctx.SetConstantOutput(0, *std::move(value));
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    ASSIGN_OR_RETURN(Tensor value, ConstantValue(node));
    return MakeKernel([value = std::move(value)](KernelContext& ctx) -> absl::Status {
      CopyWithDims(value, value.dims(), *ctx.outputs[0]);
      return absl::OkStatus();
    });
  };
  return s;
}

// ============================================================================ Expand

OpSpec ExpandSpec() {
  OpSpec s;
  s.op_type = "Expand";
  s.summary = "Broadcasts the input to `shape` (bidirectional broadcasting).";
  s.min_inputs = 2;
  s.max_inputs = 2;
  s.infer = [](InferContext& ctx) -> absl::Status {
    const TensorType& in = ctx.input_type(0);
    auto shape = ConstantInts(ctx, 1);
    if (!shape || !in.shape) {
      std::optional<Shape> out;
      const TensorType& st = ctx.input_type(1);
      if (in.shape && st.shape && st.shape->size() == 1 && (*st.shape)[0].known()) {
        out = Shape(std::max<int64_t>(in.shape->size(), (*st.shape)[0].value), Dim{});
      }
      ctx.SetOutput(0, in.elem, out, in.dtype);
      return absl::OkStatus();
    }
    for (int64_t v : *shape) {
      if (v < 0)
        return ctx.Error(absl::StrCat("shape ", DimsStr(*shape), " has a negative dimension"));
    }
    std::vector<Shape> shapes = {*in.shape, ShapeFromDims(*shape)};
    auto out = BroadcastShapes(shapes);
    if (!out.ok()) return InferError(ctx, out.status());
    ctx.SetOutput(0, in.elem, *out, in.dtype);
    return absl::OkStatus();
  };
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    std::string label = InputLabel(node, 0);
    return MakeKernel([=](KernelContext& ctx) -> absl::Status {
      const Tensor& x = *ctx.input(0);
      RETURN_IF_ERROR(CheckCopyable(x, label));
      ASSIGN_OR_RETURN(std::vector<int64_t> shape, ReadInts(*ctx.input(1), "input 'shape'"));
      std::vector<Dims> shapes = {x.dims(), Dims(shape.begin(), shape.end())};
      ASSIGN_OR_RETURN(Dims out_dims, BroadcastDims(shapes));
      Dims strides = BroadcastStrides(x.dims(), out_dims);
      Tensor& y = *ctx.outputs[0];
      y.Resize(x.type(), out_dims);
      StridedCopy(x.raw(), 0, strides, out_dims, ElementSize(x.type()), y.raw());
      return absl::OkStatus();
    });
  };
  return s;
}

}  // namespace

OpSpec MakeFlattenSpec() { return FlattenSpec(); }
OpSpec MakeReshapeSpec() { return ReshapeSpec(); }
OpSpec MakeTransposeSpec() { return TransposeSpec(); }
OpSpec MakeSqueezeSpec() { return SqueezeSpec(); }
OpSpec MakeUnsqueezeSpec() { return UnsqueezeSpec(); }
OpSpec MakeShapeSpec() { return ShapeSpec(); }
OpSpec MakeConstantSpec() { return ConstantSpec(); }
OpSpec MakeExpandSpec() { return ExpandSpec(); }

}  // namespace finngl
