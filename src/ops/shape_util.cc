#include "src/ops/shape_util.h"

#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"

namespace finngl {
namespace {

template <typename T>
void StridedCopyT(const T* in, int64_t base, const Dims& strides, const Dims& dims, T* out) {
  const int rank = static_cast<int>(dims.size());
  if (rank == 0) {
    out[0] = in[base];
    return;
  }
  const int64_t inner = dims[rank - 1];
  const int64_t step = strides[rank - 1];
  const int64_t outer = NumElementsOf(dims) / inner;
  std::vector<int64_t> idx(rank, 0);
  int64_t off = base;
  for (int64_t o = 0; o < outer; ++o) {
    const T* src = in + off;
    if (step == 1) {
      std::memcpy(out, src, static_cast<size_t>(inner) * sizeof(T));
    } else {
      for (int64_t k = 0; k < inner; ++k) out[k] = src[k * step];
    }
    out += inner;
    for (int d = rank - 2; d >= 0; --d) {
      if (++idx[d] < dims[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (dims[d] - 1);
      idx[d] = 0;
    }
  }
}

}  // namespace

absl::StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank, const std::string& what) {
  if (axis < -rank || axis >= rank) {
    return absl::InvalidArgumentError(absl::StrCat(what, " value ", axis,
                                                   " is out of range for rank ", rank,
                                                   " (expected [", -rank, ", ", rank - 1, "])"));
  }
  return axis < 0 ? axis + rank : axis;
}

absl::StatusOr<std::vector<int64_t>> NormalizeAxes(std::span<const int64_t> axes, int64_t rank,
                                                   const std::string& what) {
  std::vector<int64_t> out;
  std::set<int64_t> seen;
  for (int64_t a : axes) {
    ASSIGN_OR_RETURN(int64_t n, NormalizeAxis(a, rank, what));
    if (!seen.insert(n).second) {
      return absl::InvalidArgumentError(absl::StrCat(what, " repeats axis ", a));
    }
    out.push_back(n);
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> ReadInts(const Tensor& t, const std::string& what) {
  if (!IsIntegerElementType(t.type()) || t.type() == ElementType::kBool) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " has element type ", ElementTypeName(t.type()), ", expected int64 (or int32)"));
  }
  return t.ToInt64s();
}

std::optional<std::vector<int64_t>> ConstantInts(const InferContext& ctx, int i) {
  const Tensor* t = ctx.constant(i);
  if (t == nullptr || !IsIntegerElementType(t->type()) || t->type() == ElementType::kBool) {
    return std::nullopt;
  }
  return t->ToInt64s();
}

Dims RowMajorStrides(std::span<const int64_t> dims) {
  Dims strides(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) {
    strides[i] = strides[i + 1] * dims[i + 1];
  }
  return strides;
}

void StridedCopy(const void* in, int64_t in_base, std::span<const int64_t> in_strides,
                 std::span<const int64_t> out_dims, int elem_size, void* out) {
  if (NumElementsOf(out_dims) == 0) return;
  // Drop size-1 axes and merge axes that are contiguous in the input, so the common cases
  // (plain copies, slices of the outer axes) become a few large memcpy calls.
  Dims dims, strides;
  for (size_t d = 0; d < out_dims.size(); ++d) {
    if (out_dims[d] == 1) continue;
    if (!dims.empty() && strides.back() == in_strides[d] * out_dims[d]) {
      dims.back() *= out_dims[d];
      strides.back() = in_strides[d];
      continue;
    }
    dims.push_back(out_dims[d]);
    strides.push_back(in_strides[d]);
  }
  switch (elem_size) {
    case 1:
      StridedCopyT(static_cast<const uint8_t*>(in), in_base, strides, dims,
                   static_cast<uint8_t*>(out));
      break;
    case 2:
      StridedCopyT(static_cast<const uint16_t*>(in), in_base, strides, dims,
                   static_cast<uint16_t*>(out));
      break;
    case 4:
      StridedCopyT(static_cast<const uint32_t*>(in), in_base, strides, dims,
                   static_cast<uint32_t*>(out));
      break;
    default:
      StridedCopyT(static_cast<const uint64_t*>(in), in_base, strides, dims,
                   static_cast<uint64_t*>(out));
      break;
  }
}

absl::Status CheckCopyable(const Tensor& t, const std::string& label) {
  if (ElementSize(t.type()) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, " has unsupported element type ", ElementTypeName(t.type())));
  }
  return absl::OkStatus();
}

void CopyWithDims(const Tensor& in, std::span<const int64_t> dims, Tensor& out) {
  out.Resize(in.type(), dims);
  std::memcpy(out.raw(), in.raw(), in.byte_size());
}

Dim DimProduct(const Shape& s, size_t begin, size_t end) {
  if (end - begin == 1) return s[begin];
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) {
    if (!s[i].known()) return Dim{};
    p *= s[i].value;
  }
  return Dim{p, ""};
}

std::string InputLabel(const Node& node, int i) {
  const Value* v = node.input(i);
  return v != nullptr ? absl::StrCat("input '", v->name(), "'") : absl::StrCat("input ", i);
}

}  // namespace finngl
