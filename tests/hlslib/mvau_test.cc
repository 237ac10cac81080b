// Mvau and MvauThreshold (hlslib/mvau.h) against a plain nested-loop golden model over
// std::vector<int64_t>, for several folds (PE/SIMD), signed/unsigned/binary datatypes, narrow and
// wide (> 64-bit) beats. The weight layout is built from docs/hw_layers.md's formula
// weights[p][nf * SF + sf][s] = W[sf * SIMD + s][nf * PE + p].
#include "hlslib/mvau.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "hlslib/sim/testbench.h"

namespace {

using fgl::sim::MaxOf;
using fgl::sim::MinOf;
using fgl::sim::PackToStream;
using fgl::sim::RandomElements;
using fgl::sim::UnpackFromStream;

// Reference wrap of v to the value range of T (two's complement).
template <typename T>
int64_t WrapTo(int64_t v) {
  const int w = T::width;
  uint64_t u = static_cast<uint64_t>(v) & ((uint64_t{1} << w) - 1);
  if (MinOf<T>() < 0 && ((u >> (w - 1)) & 1)) return static_cast<int64_t>(u - (uint64_t{1} << w));
  return static_cast<int64_t>(u);
}

template <unsigned MW_, unsigned MH_, unsigned SIMD_, unsigned PE_, typename TI_, typename TW_,
          typename TA_, typename TO_, unsigned NumSteps_ = 1, int ActVal_ = 0, typename TT_ = TA_>
struct Cfg {
  static constexpr unsigned MW = MW_, MH = MH_, SIMD = SIMD_, PE = PE_, NumSteps = NumSteps_;
  static constexpr int ActVal = ActVal_;
  static constexpr unsigned SF = MW / SIMD, NF = MH / PE;
  using TI = TI_;
  using TW = TW_;
  using TA = TA_;
  using TO = TO_;
  using TT = TT_;
};

// A random problem: input vectors x[reps][MW], matrix w[MW][MH] (row-major) and the golden
// accumulators acc[reps][MH].
template <typename C>
struct Problem {
  unsigned reps;
  std::vector<int64_t> x, w, acc;
  std::unique_ptr<typename C::TW[][C::NF * C::SF][C::SIMD]> weights;

  Problem(std::mt19937_64& rng, unsigned reps_in) : reps(reps_in) {
    x = RandomElements<typename C::TI>(rng, reps * C::MW);
    w = RandomElements<typename C::TW>(rng, C::MW * C::MH);
    acc.assign(reps * C::MH, 0);
    for (unsigned r = 0; r < reps; ++r) {
      for (unsigned j = 0; j < C::MH; ++j) {
        for (unsigned i = 0; i < C::MW; ++i) acc[r * C::MH + j] += x[r * C::MW + i] * w[i * C::MH + j];
      }
    }
    weights.reset(new typename C::TW[C::PE][C::NF * C::SF][C::SIMD]);
    for (unsigned p = 0; p < C::PE; ++p) {
      for (unsigned nf = 0; nf < C::NF; ++nf) {
        for (unsigned sf = 0; sf < C::SF; ++sf) {
          for (unsigned s = 0; s < C::SIMD; ++s) {
            weights[p][nf * C::SF + sf][s] = w[(sf * C::SIMD + s) * C::MH + nf * C::PE + p];
          }
        }
      }
    }
  }
};

template <typename C>
class MvauTest : public ::testing::Test {};

using MvauConfigs = ::testing::Types<
    Cfg<8, 6, 2, 3, ap_int<4>, ap_int<3>, ap_int<12>, ap_int<12>>,
    Cfg<12, 4, 12, 4, ap_uint<2>, ap_uint<1>, ap_uint<8>, ap_uint<8>>,
    Cfg<5, 7, 1, 1, ap_int<8>, ap_int<8>, ap_int<20>, ap_int<20>>,
    Cfg<64, 16, 32, 8, ap_uint<8>, ap_int<4>, ap_int<20>, ap_int<24>>,  // 256-bit input beats
    Cfg<16, 16, 4, 16, ap_int<2>, ap_int<2>, ap_int<8>, ap_int<9>>,     // 144-bit output beats
    Cfg<9, 6, 3, 2, ap_uint<7>, ap_int<5>, ap_int<16>, ap_int<6>>>;     // output wraps to 6 bits
TYPED_TEST_SUITE(MvauTest, MvauConfigs);

TYPED_TEST(MvauTest, MatchesGoldenMatMul) {
  using C = TypeParam;
  std::mt19937_64 rng(C::MW * 131 + C::MH * 7 + C::PE);
  for (unsigned reps : {1u, 3u, 5u}) {
    Problem<C> prob(rng, reps);
    hls::stream<ap_uint<C::SIMD * C::TI::width>> in("in");
    hls::stream<ap_uint<C::PE * C::TO::width>> out("out");
    PackToStream<typename C::TI, C::SIMD>(prob.x, in);
    fgl::Mvau<C::MW, C::MH, C::SIMD, C::PE, typename C::TI, typename C::TW, typename C::TA,
              typename C::TO>(in, out, prob.weights.get(), reps);
    EXPECT_TRUE(in.empty());
    ASSERT_EQ(out.size(), reps * C::NF);  // one output beat per neuron fold
    const std::vector<int64_t> y = UnpackFromStream<typename C::TO, C::PE>(out, reps * C::MH);
    for (size_t i = 0; i < y.size(); ++i) {
      ASSERT_EQ(y[i], WrapTo<typename C::TO>(prob.acc[i])) << "element " << i << " reps " << reps;
    }
  }
}

template <typename C>
class MvauThresholdTest : public ::testing::Test {};

using MvauThresholdConfigs = ::testing::Types<
    Cfg<8, 6, 2, 3, ap_int<4>, ap_int<3>, ap_int<12>, ap_uint<2>, 3, 0, ap_int<12>>,
    Cfg<12, 4, 4, 1, ap_uint<2>, ap_uint<1>, ap_uint<8>, ap_uint<1>, 1, 0, ap_int<9>>,
    Cfg<10, 8, 5, 4, ap_int<8>, ap_int<8>, ap_int<20>, ap_int<4>, 15, -8, ap_int<20>>,
    Cfg<64, 16, 32, 8, ap_uint<4>, ap_int<4>, ap_int<16>, ap_int<3>, 7, -4, ap_int<16>>,
    Cfg<6, 9, 2, 9, ap_int<3>, ap_uint<2>, ap_int<9>, ap_uint<3>, 5, 2, ap_int<10>>>;
TYPED_TEST_SUITE(MvauThresholdTest, MvauThresholdConfigs);

// Ascending thresholds per channel, drawn around the actual accumulator values (so that many
// comparisons are close and some are equal), clipped to TT's range.
template <typename C>
std::vector<int64_t> RandomThresholds(std::mt19937_64& rng, const std::vector<int64_t>& values,
                                      unsigned channels) {
  std::vector<int64_t> t(channels * C::NumSteps);
  std::uniform_int_distribution<size_t> pick(0, values.size() - 1);
  std::uniform_int_distribution<int64_t> jitter(-2, 2);
  for (unsigned c = 0; c < channels; ++c) {
    for (unsigned i = 0; i < C::NumSteps; ++i) {
      t[c * C::NumSteps + i] = std::clamp<int64_t>(values[pick(rng)] + jitter(rng),
                                                   MinOf<typename C::TT>(), MaxOf<typename C::TT>());
    }
    std::sort(t.begin() + c * C::NumSteps, t.begin() + (c + 1) * C::NumSteps);
  }
  return t;
}

TYPED_TEST(MvauThresholdTest, MatchesGoldenMultiThreshold) {
  using C = TypeParam;
  std::mt19937_64 rng(C::MW * 31 + C::MH * 5 + C::NumSteps);
  for (unsigned reps : {1u, 4u}) {
    Problem<C> prob(rng, reps);
    const std::vector<int64_t> t = RandomThresholds<C>(rng, prob.acc, C::MH);
    std::unique_ptr<typename C::TT[][C::NF][C::NumSteps]> thresholds(
        new typename C::TT[C::PE][C::NF][C::NumSteps]);
    for (unsigned c = 0; c < C::MH; ++c) {
      for (unsigned i = 0; i < C::NumSteps; ++i) {
        thresholds[c % C::PE][c / C::PE][i] = t[c * C::NumSteps + i];
      }
    }
    hls::stream<ap_uint<C::SIMD * C::TI::width>> in("in");
    hls::stream<ap_uint<C::PE * C::TO::width>> out("out");
    PackToStream<typename C::TI, C::SIMD>(prob.x, in);
    fgl::MvauThreshold<C::MW, C::MH, C::SIMD, C::PE, C::NumSteps, C::ActVal, typename C::TI,
                       typename C::TW, typename C::TA, typename C::TT, typename C::TO>(
        in, out, prob.weights.get(), thresholds.get(), reps);
    EXPECT_TRUE(in.empty());
    ASSERT_EQ(out.size(), reps * C::NF);
    const std::vector<int64_t> y = UnpackFromStream<typename C::TO, C::PE>(out, reps * C::MH);
    int distinct_levels = 0;
    std::vector<bool> seen(C::NumSteps + 1, false);
    for (unsigned r = 0; r < reps; ++r) {
      for (unsigned c = 0; c < C::MH; ++c) {
        int64_t level = C::ActVal;
        for (unsigned i = 0; i < C::NumSteps; ++i) level += prob.acc[r * C::MH + c] >= t[c * C::NumSteps + i];
        ASSERT_EQ(y[r * C::MH + c], level) << "rep " << r << " channel " << c;
        if (!seen[level - C::ActVal]) {
          seen[level - C::ActVal] = true;
          ++distinct_levels;
        }
      }
    }
    if (reps * C::MH >= 16) {
      EXPECT_GT(distinct_levels, 1);  // the thresholds do separate the accumulators
    }
  }
}

}  // namespace
