#include "src/codegen/hls_types.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"

namespace finngl::codegen {

absl::StatusOr<std::string> HlsType(const DataType& dtype, const Node& node) {
  switch (dtype.kind()) {
    case DataType::Kind::kBinary:
      return std::string("ap_uint<1>");
    case DataType::Kind::kUInt:
      return absl::StrCat("ap_uint<", dtype.bit_width(), ">");
    case DataType::Kind::kInt:
      return absl::StrCat("ap_int<", dtype.bit_width(), ">");
    default:
      return absl::UnimplementedError(
          absl::StrCat(node.Describe(), ": datatype ", dtype.Name(),
                       " is not supported by the hardware kernels (INTn, UINTn, BINARY only)"));
  }
}

absl::StatusOr<DataType> DtypeAttr(const Node& node, const std::string& name) {
  const Attribute* a = node.attr(name);
  if (a == nullptr || a->type() != Attribute::Type::kString) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": missing datatype attribute '", name, "'"));
  }
  auto dt = DataType::Parse(a->s());
  if (!dt.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": attribute ", name, ": ", dt.status().message()));
  }
  RETURN_IF_ERROR(HlsType(*dt, node).status());
  return *dt;
}

absl::StatusOr<int64_t> IntAttr(const Node& node, const std::string& name) {
  const Attribute* a = node.attr(name);
  if (a == nullptr || a->type() != Attribute::Type::kInt) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": missing INT attribute '", name, "'"));
  }
  return a->i();
}

absl::StatusOr<int64_t> FoldAttr(const Node& node, const std::string& name) {
  const int64_t v = node.GetInt(name, 1);
  if (v <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": ", name, " = ", v, " must be positive"));
  }
  return v;
}

absl::StatusOr<std::vector<int64_t>> IntsAttr(const Node& node, const std::string& name,
                                              int size) {
  const Attribute* a = node.attr(name);
  if (a == nullptr || a->type() != Attribute::Type::kInts) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": missing INTS attribute '", name, "'"));
  }
  if (size >= 0 && static_cast<int>(a->ints().size()) != size) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": attribute ", name,
                                                   " must have ", size, " entries, has [",
                                                   absl::StrJoin(a->ints(), ", "), "]"));
  }
  return a->ints();
}

std::string CIdentifier(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_';
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out = "n_" + out;
  return out;
}

std::string FileSafeName(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    out += ok ? c : '_';
  }
  if (out.empty() || out[0] == '.') out = "t" + out;
  return out;
}

std::string IntLiteral(int64_t v) {
  constexpr int64_t kInt32Max = 2147483647;
  if (v > kInt32Max || v < -kInt32Max) {
    // -2^63 has no literal: spell it as an expression.
    if (v == INT64_MIN) return "(-9223372036854775807LL - 1)";
    return absl::StrCat(v, "LL");
  }
  return absl::StrCat(v);
}

int64_t RoundUpTo8(int64_t bits) { return (bits + 7) / 8 * 8; }

absl::StatusOr<std::vector<int64_t>> FrameShape(const Value& value) {
  const TensorType& t = value.type();
  if (!t.shape || t.shape->empty() || !ShapeFullyKnown(*t.shape)) {
    // A batch dim may be symbolic; everything after it must be known.
    if (t.shape && !t.shape->empty()) {
      std::vector<int64_t> dims;
      bool known = true;
      for (size_t i = 1; i < t.shape->size(); ++i) {
        known = known && (*t.shape)[i].known();
        dims.push_back((*t.shape)[i].value);
      }
      if (known) return dims;
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor '", value.name(), "' needs a known shape [N, ...] for hardware, has ",
        t.shape ? ShapeToString(*t.shape) : std::string("unknown rank")));
  }
  std::vector<int64_t> dims;
  for (size_t i = 1; i < t.shape->size(); ++i) dims.push_back((*t.shape)[i].value);
  return dims;
}

absl::StatusOr<int64_t> FrameElements(const Value& value) {
  ASSIGN_OR_RETURN(std::vector<int64_t> dims, FrameShape(value));
  return NumElementsOf(dims);
}

absl::StatusOr<std::vector<int64_t>> IntegerContents(const Value& value, const DataType& dtype,
                                                     const Node& node) {
  const Tensor* t = value.initializer();
  if (t == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": input '", value.name(),
                                                   "' must be a constant initializer"));
  }
  std::vector<int64_t> out(t->size());
  for (int64_t i = 0; i < t->size(); ++i) {
    double v = t->GetDouble(i);
    if (!dtype.Allowed(v) || std::nearbyint(v) != v) {
      return absl::InvalidArgumentError(
          absl::StrCat(node.Describe(), ": tensor '", value.name(), "' element ", i, " = ", v,
                       " is not a ", dtype.Name(), " value"));
    }
    out[i] = t->type() == ElementType::kInt64 ? t->GetInt64(i) : static_cast<int64_t>(v);
  }
  return out;
}

}  // namespace finngl::codegen
