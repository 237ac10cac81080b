// Tests of src/passes/threshold_search: the ordered float keys, the monotone searches, and the
// exact threshold placement before a float32 Mul or Add, checked against brute force over
// windows of consecutive floats and random floats of every magnitude.
#include "src/passes/threshold_search.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace finngl {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kMax = std::numeric_limits<float>::max();
constexpr float kMin = std::numeric_limits<float>::min();
constexpr float kDenorm = std::numeric_limits<float>::denorm_min();

uint32_t Bits(float x) { return std::bit_cast<uint32_t>(x); }

// A random non-NaN float, uniform over bit patterns (every magnitude equally likely).
float RandomFloat(std::mt19937& rng) {
  while (true) {
    const float x = std::bit_cast<float>(static_cast<uint32_t>(rng()));
    if (!std::isnan(x)) return x;
  }
}

float Next(float x, int steps) {
  for (int i = 0; i < std::abs(steps); ++i) x = std::nextafter(x, steps > 0 ? kInf : -kInf);
  return x;
}

float Mul(float x, float a) {
  volatile float p = x * a;
  return p;
}
float Add(float x, float b) {
  volatile float s = x + b;
  return s;
}

TEST(OrderedFloatKeyTest, RoundTripsSpecialValuesBitForBit) {
  const float specials[] = {-kInf,   -kMax,       -1.0f, -kMin, -kDenorm, -0.0f, 0.0f,
                            kDenorm, 2 * kDenorm, kMin,  1.0f,  kMax,     kInf};
  for (float x : specials) {
    EXPECT_EQ(Bits(FloatFromOrderedKey(OrderedFloatKey(x))), Bits(x)) << x;
  }
  // -0 sits just below +0, and the denormals next to them.
  EXPECT_EQ(OrderedFloatKey(-0.0f) + 1, OrderedFloatKey(0.0f));
  EXPECT_EQ(OrderedFloatKey(0.0f) + 1, OrderedFloatKey(kDenorm));
  EXPECT_EQ(OrderedFloatKey(-kDenorm) + 1, OrderedFloatKey(-0.0f));
  EXPECT_EQ(OrderedFloatKey(kMax) + 1, OrderedFloatKey(kInf));
  EXPECT_EQ(OrderedFloatKey(-kInf) + 1, OrderedFloatKey(-kMax));
  // Strictly increasing along the list above.
  for (size_t i = 1; i < std::size(specials); ++i) {
    EXPECT_LT(OrderedFloatKey(specials[i - 1]), OrderedFloatKey(specials[i])) << specials[i];
  }
}

TEST(OrderedFloatKeyTest, RandomFloatsRoundTripAndOrderLikeTheirValues) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const float x = RandomFloat(rng), y = RandomFloat(rng);
    ASSERT_EQ(Bits(FloatFromOrderedKey(OrderedFloatKey(x))), Bits(x));
    if (x < y) ASSERT_LT(OrderedFloatKey(x), OrderedFloatKey(y)) << x << " " << y;
    if (x > y) ASSERT_GT(OrderedFloatKey(x), OrderedFloatKey(y)) << x << " " << y;
    // Consecutive floats have consecutive keys (nextafter steps over the other zero: the zeros
    // are covered above).
    if (x != kInf && x != 0.0f) {
      ASSERT_EQ(OrderedFloatKey(std::nextafter(x, kInf)), OrderedFloatKey(x) + 1) << x;
    }
  }
}

TEST(SmallestFloatWhereTest, FindsTheFirstFloatOfAMonotonePredicate) {
  std::mt19937 rng(11);
  for (int i = 0; i < 20000; ++i) {
    const float c = RandomFloat(rng);
    std::optional<float> x = SmallestFloatWhere([c](float v) { return v >= c; }, -kInf, kInf);
    ASSERT_TRUE(x.has_value());
    // v >= 0 holds for -0 too, and -0 is the smaller key.
    const float want = c == 0.0f ? -0.0f : c;
    ASSERT_EQ(Bits(*x), Bits(want)) << c;
  }
}

TEST(SmallestFloatWhereTest, EdgesOfTheRange) {
  auto positive = [](float v) { return v > 0; };
  EXPECT_EQ(Bits(*SmallestFloatWhere(positive, -kInf, kInf)), Bits(kDenorm));
  // Holds at lo already: lo. Never holds: nullopt. Empty range: nullopt.
  EXPECT_EQ(*SmallestFloatWhere(positive, 3.0f, 5.0f), 3.0f);
  EXPECT_FALSE(SmallestFloatWhere(positive, -5.0f, -1.0f).has_value());
  EXPECT_FALSE(SmallestFloatWhere(positive, 5.0f, 3.0f).has_value());
  EXPECT_EQ(*SmallestFloatWhere([](float v) { return v == kInf; }, -kInf, kInf), kInf);
}

TEST(SmallestIntegerWhereTest, MatchesALinearScan) {
  for (int64_t n = -50; n <= 2000; n += 7) {
    auto holds = [n](int64_t k) { return k * std::abs(k) >= n; };  // monotone in k
    std::optional<int64_t> got = SmallestIntegerWhere(holds, -100, 100);
    std::optional<int64_t> want;
    for (int64_t k = -100; k <= 100 && !want; ++k) {
      if (holds(k)) want = k;
    }
    EXPECT_EQ(got, want) << n;
  }
  EXPECT_FALSE(SmallestIntegerWhere([](int64_t) { return false; }, 0, 10).has_value());
  EXPECT_EQ(SmallestIntegerWhere([](int64_t) { return true; }, -3, 10), -3);
}

// Checks count(x >= tp) == count(f(x) >= t) for every x in windows of consecutive floats around
// tp, around t's naive preimage `guess`, and for random floats; returns the violations.
template <typename F>
int64_t Violations(float tp, float t, float guess, F f, std::mt19937& rng) {
  int64_t bad = 0;
  auto check = [&](float x) {
    if (std::isnan(x)) return;
    bad += (x >= tp) != (f(x) >= t);
  };
  for (float center : {tp, guess}) {
    if (std::isnan(center) || std::isinf(center)) continue;
    float x = Next(center, -300);
    for (int i = 0; i <= 600; ++i, x = std::nextafter(x, kInf)) check(x);
  }
  for (int i = 0; i < 2000; ++i) check(RandomFloat(rng));
  for (float x : {-kInf, -kMax, -0.0f, 0.0f, kMax, kInf}) check(x);
  return bad;
}

TEST(ThresholdBeforeMulTest, ExactAgainstBruteForceOverManyFloats) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> threshold(-300.0f, 300.0f);
  const float scales[] = {0.1f, 0.3f,   1.0f / 3.0f, 0.0039215689f, 0.5f,   1.0f,
                          7.0f, 1e-30f, 1e20f,       kDenorm,       3.7e-3f};
  int64_t cases = 0, naive_wrong = 0;
  for (float a : scales) {
    for (int i = 0; i < 300; ++i) {
      // Thresholds of the QONNX identity/ReLU handlers sit at (k + 0.5) s; also random ones.
      const float t = i % 2 == 0 ? (static_cast<float>(i / 2 - 75) + 0.5f) * a : threshold(rng);
      const float tp = ThresholdBeforeMul(t, a);
      const float naive = t / a;
      const int64_t bad = Violations(tp, t, naive, [a](float x) { return Mul(x, a); }, rng);
      ASSERT_EQ(bad, 0) << "t=" << t << " a=" << a << " T'=" << tp;
      // The search result is the boundary itself: it reaches t, its predecessor does not.
      if (std::isfinite(tp)) {
        ASSERT_GE(Mul(tp, a), t);
        ASSERT_LT(Mul(std::nextafter(tp, -kInf), a), t);
      }
      naive_wrong += (naive != tp);
      ++cases;
    }
  }
  // The formula T / a is not enough: it lands off the boundary for a good share of cases.
  EXPECT_GT(naive_wrong, 0) << "of " << cases;
  std::cout << "[threshold_search] ThresholdBeforeMul: T/a differs from the exact threshold in "
            << naive_wrong << " of " << cases << " cases\n";
}

TEST(ThresholdBeforeAddTest, ExactAgainstBruteForceOverManyFloats) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> threshold(-1000.0f, 1000.0f);
  const float biases[] = {0.1f, -0.3f, 0.5f, -7.25f, 1e-8f, 3e7f, -3e7f, 123.456f, 0.0f, -0.0f};
  int64_t naive_wrong = 0, cases = 0;
  for (float b : biases) {
    for (int i = 0; i < 300; ++i) {
      const float t = i % 3 == 0 ? static_cast<float>(i) + 0.5f : threshold(rng);
      const float tp = ThresholdBeforeAdd(t, b);
      const float naive = t - b;
      ASSERT_EQ(Violations(
                    tp, t, naive, [b](float x) { return Add(x, b); }, rng),
                0)
          << "t=" << t << " b=" << b << " T'=" << tp;
      naive_wrong += (naive != tp);
      ++cases;
    }
  }
  std::cout << "[threshold_search] ThresholdBeforeAdd: T-b differs from the exact threshold in "
            << naive_wrong << " of " << cases << " cases\n";
}

TEST(ThresholdBeforeTest, InfiniteAndUnreachableThresholds) {
  // Every x reaches -inf; none reaches a threshold above what x * a can produce but +inf.
  EXPECT_EQ(ThresholdBeforeMul(-kInf, 0.5f), -kInf);
  EXPECT_EQ(ThresholdBeforeMul(kInf, 0.5f), kInf);
  EXPECT_EQ(ThresholdBeforeAdd(-kInf, 3.0f), -kInf);
  // fl(x + (-1e38)) >= kMax only for x = +inf.
  EXPECT_EQ(ThresholdBeforeAdd(kMax, -1e38f), kInf);
  EXPECT_TRUE(std::isnan(ThresholdBeforeMul(NAN, 2.0f)));
}

}  // namespace
}  // namespace finngl
