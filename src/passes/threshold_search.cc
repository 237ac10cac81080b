#include "src/passes/threshold_search.h"

#include <bit>
#include <cmath>
#include <limits>

namespace finngl {

int64_t OrderedFloatKey(float x) {
  const int32_t bits = std::bit_cast<int32_t>(x);
  // Negative floats order backwards in their magnitude bits; fold them below the positives.
  return bits >= 0 ? static_cast<int64_t>(bits) : -static_cast<int64_t>(bits & 0x7fffffff) - 1;
}

float FloatFromOrderedKey(int64_t key) {
  if (key >= 0) return std::bit_cast<float>(static_cast<int32_t>(key));
  const int32_t magnitude = static_cast<int32_t>(-(key + 1));
  return std::bit_cast<float>(static_cast<int32_t>(magnitude | INT32_MIN));
}

std::optional<float> SmallestFloatWhere(const std::function<bool(float)>& holds, float lo,
                                        float hi) {
  int64_t lo_key = OrderedFloatKey(lo);
  int64_t hi_key = OrderedFloatKey(hi);
  if (lo_key > hi_key || !holds(hi)) return std::nullopt;
  if (holds(lo)) return lo;
  // Invariant: holds(key lo_key) is false, holds(key hi_key) is true.
  while (hi_key - lo_key > 1) {
    const int64_t mid = lo_key + (hi_key - lo_key) / 2;
    if (holds(FloatFromOrderedKey(mid))) {
      hi_key = mid;
    } else {
      lo_key = mid;
    }
  }
  return FloatFromOrderedKey(hi_key);
}

std::optional<int64_t> SmallestIntegerWhere(const std::function<bool(int64_t)>& holds, int64_t lo,
                                            int64_t hi) {
  if (lo > hi || !holds(hi)) return std::nullopt;
  if (holds(lo)) return lo;
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (holds(mid)) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return hi;
}

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// The threshold before a monotone non-decreasing float map f: the smallest x with f(x) >= t.
float ThresholdBefore(const std::function<float(float)>& f, float t) {
  if (std::isnan(t)) return t;
  const auto reaches = [&](float x) { return f(x) >= t; };
  std::optional<float> x = SmallestFloatWhere(reaches, -kInf, kInf);
  if (!x.has_value()) return kInf;  // nothing reaches t: the threshold is never counted
  return *x;
}

}  // namespace

float ThresholdBeforeMul(float t, float a) {
  // volatile keeps the product a single float32 operation, as the executor's Mul computes it.
  return ThresholdBefore(
      [a](float x) {
        volatile float product = x * a;
        return product;
      },
      t);
}

float ThresholdBeforeAdd(float t, float b) {
  return ThresholdBefore(
      [b](float x) {
        volatile float sum = x + b;
        return sum;
      },
      t);
}

}  // namespace finngl
