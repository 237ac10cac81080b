#include "src/ir/tensor.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace finngl {

int64_t NumElementsOf(std::span<const int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

std::string DimsToString(std::span<const int64_t> dims) {
  return absl::StrCat("[", absl::StrJoin(dims, ", "), "]");
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0) {
    v = std::ldexp(static_cast<float>(mant), -24);
  } else if (exp == 31) {
    v = mant ? std::nanf("") : INFINITY;
  } else {
    v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  }
  return sign ? -v : v;
}

uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000;
  if (std::isnan(f)) return static_cast<uint16_t>(sign | 0x7e00);
  float a = std::fabs(f);
  if (a >= 65520.0f) return static_cast<uint16_t>(sign | 0x7c00);  // rounds to inf
  if (a < std::ldexp(1.0f, -14)) {
    // Subnormal: value = m * 2^-24, round half to even.
    float m = std::nearbyint(a * std::ldexp(1.0f, 24));
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(m));
  }
  int e;
  float frac = std::frexp(a, &e);  // a = frac * 2^e, frac in [0.5, 1)
  float m = std::nearbyint(frac * 2048.0f);  // 11 significant bits, half to even
  if (m == 2048.0f) {
    m = 1024.0f;
    ++e;
  }
  uint32_t exp = static_cast<uint32_t>(e - 1 + 15);
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7c00);
  return static_cast<uint16_t>(sign | (exp << 10) | (static_cast<uint32_t>(m) - 1024));
}

Tensor::Tensor(ElementType type, Dims dims) {
  Resize(type, dims);
  std::memset(raw(), 0, byte_size());
}

void Tensor::Resize(ElementType type, std::span<const int64_t> dims) {
  type_ = type;
  dims_.assign(dims.begin(), dims.end());
  num_elements_ = NumElementsOf(dims_);
  size_t words = (static_cast<size_t>(num_elements_) * ElementSize(type) + 7) / 8;
  if (storage_.size() < words) storage_.resize(words);
}

void Tensor::Reshape(std::span<const int64_t> dims) {
  dims_.assign(dims.begin(), dims.end());
  num_elements_ = NumElementsOf(dims_);
}

double Tensor::GetDouble(int64_t i) const {
  double out = 0;
  if (type_ == ElementType::kFloat16) return HalfToFloat(data<uint16_t>()[i]);
  DispatchElementType(type_, [&](auto tag) {
    using T = decltype(tag);
    out = static_cast<double>(data<T>()[i]);
  });
  return out;
}

void Tensor::SetDouble(int64_t i, double v) {
  if (type_ == ElementType::kFloat16) {
    data<uint16_t>()[i] = FloatToHalf(static_cast<float>(v));
    return;
  }
  DispatchElementType(type_, [&](auto tag) {
    using T = decltype(tag);
    data<T>()[i] = static_cast<T>(v);
  });
}

int64_t Tensor::GetInt64(int64_t i) const {
  if (type_ == ElementType::kInt64) return data<int64_t>()[i];
  if (type_ == ElementType::kUint64) return static_cast<int64_t>(data<uint64_t>()[i]);
  return static_cast<int64_t>(GetDouble(i));
}

std::vector<double> Tensor::ToDoubles() const {
  std::vector<double> out(num_elements_);
  for (int64_t i = 0; i < num_elements_; ++i) out[i] = GetDouble(i);
  return out;
}

std::vector<int64_t> Tensor::ToInt64s() const {
  std::vector<int64_t> out(num_elements_);
  for (int64_t i = 0; i < num_elements_; ++i) out[i] = GetInt64(i);
  return out;
}

Tensor Tensor::CastTo(ElementType type) const {
  Tensor out(type, dims_);
  if (type == type_) {
    std::memcpy(out.raw(), raw(), byte_size());
    return out;
  }
  for (int64_t i = 0; i < num_elements_; ++i) {
    if (IsIntegerElementType(type_) && IsIntegerElementType(type) && type_ != ElementType::kUint64) {
      out.SetDouble(i, 0);
      int64_t v = GetInt64(i);
      DispatchElementType(type, [&](auto tag) {
        using T = decltype(tag);
        out.data<T>()[i] = static_cast<T>(v);
      });
    } else if (type == ElementType::kBool) {
      out.data<bool>()[i] = GetDouble(i) != 0;
    } else {
      out.SetDouble(i, GetDouble(i));
    }
  }
  return out;
}

bool Tensor::SameContents(const Tensor& other) const {
  return type_ == other.type_ && dims_ == other.dims_ &&
         std::memcmp(raw(), other.raw(), byte_size()) == 0;
}

std::string Tensor::DebugString(int max_elements) const {
  std::string s = absl::StrCat(ElementTypeName(type_), DimsToString(dims_), " {");
  for (int64_t i = 0; i < num_elements_ && i < max_elements; ++i) {
    absl::StrAppend(&s, i ? ", " : "", GetDouble(i));
  }
  if (num_elements_ > max_elements) absl::StrAppend(&s, ", ...");
  return s + "}";
}

}  // namespace finngl
