#include "src/ir/datatype.h"

#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace finngl {
namespace {

absl::StatusOr<int> ParseBits(absl::string_view text, const std::string& full, int max_bits) {
  int bits = 0;
  if (!absl::SimpleAtoi(text, &bits) || bits < 1 || bits > max_bits) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid datatype '", full, "': bit width must be 1..", max_bits));
  }
  return bits;
}

// 2^e as a double (exact for e <= 1023).
double Pow2(int e) { return std::ldexp(1.0, e); }

}  // namespace

absl::StatusOr<DataType> DataType::Parse(const std::string& name) {
  std::string upper = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(name));
  absl::string_view s = upper;
  if (s == "FLOAT32") return Float32();
  if (s == "FLOAT16") return Float16();
  if (s == "BINARY") return Binary();
  if (s == "BIPOLAR") return Bipolar();
  if (s == "TERNARY") return Ternary();
  absl::string_view rest = s;
  // UINT must be tested before INT, as qonnx does.
  if (absl::ConsumePrefix(&rest, "UINT")) {
    auto bits = ParseBits(rest, name, 64);
    if (!bits.ok()) return bits.status();
    return UInt(*bits);
  }
  rest = s;
  if (absl::ConsumePrefix(&rest, "INT")) {
    auto bits = ParseBits(rest, name, 64);
    if (!bits.ok()) return bits.status();
    return Int(*bits);
  }
  rest = s;
  if (absl::ConsumePrefix(&rest, "FIXED<") && absl::ConsumeSuffix(&rest, ">")) {
    std::vector<absl::string_view> parts = absl::StrSplit(rest, ',');
    int w = 0, i = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &w) || !absl::SimpleAtoi(parts[1], &i) ||
        w < 1 || w > 64 || i >= w) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid datatype '", name, "': expected FIXED<width,int_bits>, int_bits < width"));
    }
    return Fixed(w, i);
  }
  rest = s;
  if (absl::ConsumePrefix(&rest, "SCALEDINT<") && absl::ConsumeSuffix(&rest, ">")) {
    auto bits = ParseBits(rest, name, 64);
    if (!bits.ok()) return bits.status();
    return ScaledInt(*bits);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown datatype '", name, "'"));
}

std::string DataType::Name() const {
  switch (kind_) {
    case Kind::kFloat32: return "FLOAT32";
    case Kind::kFloat16: return "FLOAT16";
    case Kind::kBinary: return "BINARY";
    case Kind::kBipolar: return "BIPOLAR";
    case Kind::kTernary: return "TERNARY";
    case Kind::kInt: return absl::StrCat("INT", bits_);
    case Kind::kUInt: return absl::StrCat("UINT", bits_);
    case Kind::kFixed: return absl::StrCat("FIXED<", bits_, ",", int_bits_, ">");
    case Kind::kScaledInt: return absl::StrCat("SCALEDINT<", bits_, ">");
  }
  return "?";
}

bool DataType::IsInteger() const {
  switch (kind_) {
    case Kind::kBinary:
    case Kind::kBipolar:
    case Kind::kTernary:
    case Kind::kInt:
    case Kind::kUInt: return true;
    default: return false;
  }
}

bool DataType::Signed() const { return Min() < 0; }

int64_t DataType::MinInt() const {
  switch (kind_) {
    case Kind::kBinary:
    case Kind::kUInt: return 0;
    case Kind::kBipolar:
    case Kind::kTernary: return -1;
    case Kind::kInt:
      return bits_ == 64 ? std::numeric_limits<int64_t>::min() : -(int64_t{1} << (bits_ - 1));
    default: return 0;
  }
}

uint64_t DataType::MaxIntMagnitude() const {
  switch (kind_) {
    case Kind::kBinary:
    case Kind::kBipolar:
    case Kind::kTernary: return 1;
    case Kind::kUInt:
      return bits_ == 64 ? std::numeric_limits<uint64_t>::max() : (uint64_t{1} << bits_) - 1;
    case Kind::kInt: return (uint64_t{1} << (bits_ - 1)) - 1;
    default: return 0;
  }
}

double DataType::Min() const {
  switch (kind_) {
    case Kind::kFloat32: return -std::numeric_limits<float>::max();
    case Kind::kFloat16: return -65504.0;
    case Kind::kFixed: return -Pow2(bits_ - 1) * Pow2(-(bits_ - int_bits_));
    case Kind::kScaledInt: return -Pow2(bits_ - 1);
    default: return static_cast<double>(MinInt());
  }
}

double DataType::Max() const {
  switch (kind_) {
    case Kind::kFloat32: return std::numeric_limits<float>::max();
    case Kind::kFloat16: return 65504.0;
    case Kind::kFixed: return (Pow2(bits_ - 1) - 1) * Pow2(-(bits_ - int_bits_));
    case Kind::kScaledInt: return Pow2(bits_ - 1) - 1;
    default: return static_cast<double>(MaxIntMagnitude());
  }
}

double DataType::NumPossibleValues() const {
  if (kind_ == Kind::kBipolar) return 2;
  if (IsInteger()) return std::fabs(Min()) + std::fabs(Max()) + 1;
  if (kind_ == Kind::kFixed) return Pow2(bits_);
  return std::numeric_limits<double>::infinity();
}

bool DataType::Allowed(double v) const {
  switch (kind_) {
    case Kind::kFloat32:
    case Kind::kFloat16:
    case Kind::kScaledInt: return true;
    case Kind::kBipolar: return v == -1.0 || v == 1.0;
    case Kind::kFixed: {
      double scaled = v / Pow2(-(bits_ - int_bits_));
      return std::nearbyint(scaled) == scaled && v >= Min() && v <= Max();
    }
    default: return std::nearbyint(v) == v && v >= Min() && v <= Max();
  }
}

std::string DataType::HlsTypeString() const {
  switch (kind_) {
    case Kind::kFloat32: return "float";
    case Kind::kFloat16: return "half";
    case Kind::kBinary: return "ap_uint<1>";
    case Kind::kBipolar: return "ap_int<1>";
    case Kind::kTernary: return "ap_int<2>";
    case Kind::kInt: return absl::StrCat("ap_int<", bits_, ">");
    case Kind::kUInt: return absl::StrCat("ap_uint<", bits_, ">");
    case Kind::kFixed: return absl::StrCat("ap_fixed<", bits_, ",", int_bits_, ">");
    case Kind::kScaledInt: return absl::StrCat("ap_int<", bits_, ">");
  }
  return "?";
}

DataType DataType::SmallestPossible(double v) {
  if (!std::isfinite(v) || std::nearbyint(v) != v) return Float32();
  if (v >= 0 && v <= 1) return Binary();
  for (int b = 2; b <= 64; ++b) {
    if (v >= 0 && v <= UInt(b).Max()) return UInt(b);
  }
  if (v >= -1 && v <= 1) return Bipolar();
  for (int b = 1; b <= 64; ++b) {
    if (v >= Int(b).Min() && v <= Int(b).Max()) return Int(b);
  }
  return Float32();
}

DataType DataType::SmallestHolding(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || std::nearbyint(lo) != lo ||
      std::nearbyint(hi) != hi || lo > hi) {
    return Float32();
  }
  if (lo >= 0) {
    if (hi <= 1) return Binary();
    for (int b = 2; b <= 64; ++b) {
      if (hi <= UInt(b).Max()) return UInt(b);
    }
    return Float32();
  }
  for (int b = 1; b <= 64; ++b) {
    if (lo >= Int(b).Min() && hi <= Int(b).Max()) return Int(b);
  }
  return Float32();
}

}  // namespace finngl
