#include "src/ops/window.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"

namespace finngl {
namespace {

absl::Status TypeError(const std::string& name, const Attribute& a, Attribute::Type want) {
  return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' has type ",
                                                 AttributeTypeName(a.type()), ", expected ",
                                                 AttributeTypeName(want)));
}

// Reads an INTS attribute whose values must all be >= `min_value`.
absl::StatusOr<std::vector<int64_t>> ReadInts(const Node& node, const std::string& name,
                                              int64_t min_value) {
  const Attribute* a = node.attr(name);
  if (a == nullptr) return std::vector<int64_t>{};
  if (a->type() != Attribute::Type::kInts) return TypeError(name, *a, Attribute::Type::kInts);
  for (int64_t v : a->ints()) {
    if (v < min_value) {
      return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' = [",
                                                     absl::StrJoin(a->ints(), ", "),
                                                     "] must have values >= ", min_value));
    }
  }
  return a->ints();
}

absl::Status CheckLength(const std::vector<int64_t>& v, const char* name, size_t expected,
                         int spatial_rank) {
  if (v.empty() || v.size() == expected) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' has ", v.size(),
                                                 " values, expected ", expected, " for ",
                                                 spatial_rank, " spatial axes"));
}

struct AxisResult {
  int64_t out, pad_begin, pad_end;
};

absl::StatusOr<AxisResult> ComputeAxis(const WindowAttrs& attrs, int axis, int64_t in, int64_t k,
                                       int64_t s, int64_t d, int64_t pb, int64_t pe) {
  const int64_t dk = (k - 1) * d + 1;
  if (attrs.auto_pad == AutoPad::kSameUpper || attrs.auto_pad == AutoPad::kSameLower) {
    const int64_t out = (in + s - 1) / s;
    const int64_t total = std::max<int64_t>(0, (out - 1) * s + dk - in);
    const int64_t begin = attrs.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
    return AxisResult{out, begin, total - begin};
  }
  if (attrs.auto_pad == AutoPad::kValid) pb = pe = 0;
  const int64_t span = in + pb + pe - dk;
  if (span < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "spatial axis ", axis, ": the window (kernel ", k, ", dilation ", d, ", extent ", dk,
        ") does not fit in the input of size ", in, " padded by ", pb, "+", pe));
  }
  int64_t out = span / s + 1;
  if (attrs.ceil_mode) {
    out = (span + s - 1) / s + 1;
    // The last window must start inside the input or the begin padding.
    if ((out - 1) * s >= in + pb) --out;
  }
  return AxisResult{out, pb, pe};
}

absl::Status CheckAllAtLeast(const Attribute& a, int64_t min_value) {
  for (int64_t v : a.ints()) {
    if (v < min_value) {
      return absl::InvalidArgumentError(absl::StrCat("values must be >= ", min_value));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<AttrSpec> WindowAttrSpecs(bool kernel_required, bool pooling) {
  auto positive = [](const Attribute& a) { return CheckAllAtLeast(a, 1); };
  std::vector<AttrSpec> specs = {
      {"auto_pad", Attribute::Type::kString, false,
       [](const Attribute& a) {
         return CheckAttrIn(a, {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"});
       }},
      {"dilations", Attribute::Type::kInts, false, positive},
      {"kernel_shape", Attribute::Type::kInts, kernel_required, positive},
      {"pads", Attribute::Type::kInts, false,
       [](const Attribute& a) { return CheckAllAtLeast(a, 0); }},
      {"strides", Attribute::Type::kInts, false, positive},
  };
  if (pooling) {
    specs.push_back({"ceil_mode", Attribute::Type::kInt, false,
                     [](const Attribute& a) { return CheckAttrIn(a, {"0", "1"}); }});
  }
  return specs;
}

absl::StatusOr<WindowAttrs> ParseWindowAttrs(const Node& node, bool kernel_required) {
  WindowAttrs w;
  if (const Attribute* a = node.attr("auto_pad")) {
    if (a->type() != Attribute::Type::kString) {
      return TypeError("auto_pad", *a, Attribute::Type::kString);
    }
    const std::string& s = a->s();
    if (s == "NOTSET" || s.empty()) {
      w.auto_pad = AutoPad::kNotSet;
    } else if (s == "SAME_UPPER") {
      w.auto_pad = AutoPad::kSameUpper;
    } else if (s == "SAME_LOWER") {
      w.auto_pad = AutoPad::kSameLower;
    } else if (s == "VALID") {
      w.auto_pad = AutoPad::kValid;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute 'auto_pad' = '", s, "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID"));
    }
  }
  ASSIGN_OR_RETURN(w.kernel_shape, ReadInts(node, "kernel_shape", 1));
  ASSIGN_OR_RETURN(w.strides, ReadInts(node, "strides", 1));
  ASSIGN_OR_RETURN(w.dilations, ReadInts(node, "dilations", 1));
  ASSIGN_OR_RETURN(w.pads, ReadInts(node, "pads", 0));
  if (kernel_required && w.kernel_shape.empty()) {
    return absl::InvalidArgumentError("required attribute 'kernel_shape' is missing");
  }
  if (w.pads.size() % 2 != 0) {
    return absl::InvalidArgumentError(absl::StrCat("attribute 'pads' has ", w.pads.size(),
                                                   " values, expected 2 per spatial axis"));
  }
  if (const Attribute* a = node.attr("ceil_mode")) {
    if (a->type() != Attribute::Type::kInt)
      return TypeError("ceil_mode", *a, Attribute::Type::kInt);
    if (a->i() != 0 && a->i() != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute 'ceil_mode' = ", a->i(), " must be 0 or 1"));
    }
    w.ceil_mode = a->i() == 1;
  }
  // Lengths must agree with each other even before the input rank is known.
  int rank = -1;
  for (const std::vector<int64_t>* v : {&w.kernel_shape, &w.strides, &w.dilations}) {
    if (!v->empty() && rank < 0) rank = static_cast<int>(v->size());
  }
  if (rank < 0 && !w.pads.empty()) rank = static_cast<int>(w.pads.size() / 2);
  if (rank >= 0) RETURN_IF_ERROR(CheckWindowRank(w, rank));
  return w;
}

absl::Status CheckWindowRank(const WindowAttrs& attrs, int spatial_rank) {
  const size_t r = static_cast<size_t>(spatial_rank);
  RETURN_IF_ERROR(CheckLength(attrs.kernel_shape, "kernel_shape", r, spatial_rank));
  RETURN_IF_ERROR(CheckLength(attrs.strides, "strides", r, spatial_rank));
  RETURN_IF_ERROR(CheckLength(attrs.dilations, "dilations", r, spatial_rank));
  RETURN_IF_ERROR(CheckLength(attrs.pads, "pads", 2 * r, spatial_rank));
  return absl::OkStatus();
}

absl::StatusOr<WindowGeometry> ComputeWindowGeometry(const WindowAttrs& attrs,
                                                     std::span<const int64_t> in,
                                                     std::span<const int64_t> kernel) {
  const int r = static_cast<int>(in.size());
  if (r < 1 || r > kMaxSpatialRank) {
    return absl::UnimplementedError(
        absl::StrCat(r, " spatial axes are not supported (1 to ", kMaxSpatialRank, ")"));
  }
  RET_CHECK(kernel.size() == in.size());
  RETURN_IF_ERROR(CheckWindowRank(attrs, r));
  WindowGeometry g;
  g.rank = r;
  for (int i = 0; i < r; ++i) {
    const int slot = kMaxSpatialRank - r + i;
    const int64_t s = attrs.strides.empty() ? 1 : attrs.strides[i];
    const int64_t d = attrs.dilations.empty() ? 1 : attrs.dilations[i];
    const int64_t pb = attrs.pads.empty() ? 0 : attrs.pads[i];
    const int64_t pe = attrs.pads.empty() ? 0 : attrs.pads[r + i];
    ASSIGN_OR_RETURN(AxisResult a, ComputeAxis(attrs, i, in[i], kernel[i], s, d, pb, pe));
    g.in[slot] = in[i];
    g.kernel[slot] = kernel[i];
    g.stride[slot] = s;
    g.dilation[slot] = d;
    g.pad_begin[slot] = a.pad_begin;
    g.pad_end[slot] = a.pad_end;
    g.out[slot] = a.out;
  }
  return g;
}

absl::StatusOr<std::vector<Dim>> InferWindowOutputDims(const WindowAttrs& attrs,
                                                       std::span<const Dim> in,
                                                       std::span<const int64_t> kernel) {
  const int r = static_cast<int>(in.size());
  RET_CHECK(kernel.size() == in.size());
  RETURN_IF_ERROR(CheckWindowRank(attrs, r));
  std::vector<Dim> out(r);
  for (int i = 0; i < r; ++i) {
    if (!in[i].known()) continue;
    const int64_t s = attrs.strides.empty() ? 1 : attrs.strides[i];
    const int64_t d = attrs.dilations.empty() ? 1 : attrs.dilations[i];
    const int64_t pb = attrs.pads.empty() ? 0 : attrs.pads[i];
    const int64_t pe = attrs.pads.empty() ? 0 : attrs.pads[r + i];
    ASSIGN_OR_RETURN(AxisResult a, ComputeAxis(attrs, i, in[i].value, kernel[i], s, d, pb, pe));
    out[i].value = a.out;
  }
  return out;
}

}  // namespace finngl
