// Thresholding (hlslib/thresholding.h) against a plain golden model y = ActVal + #{i : x >= T[c][i]}
// over several PE folds, signed/unsigned inputs, thresholds of a different signedness (negative
// thresholds on unsigned inputs) and wide beats.
#include "hlslib/thresholding.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "gtest/gtest.h"
#include "hlslib/sim/testbench.h"

namespace {

using fgl::sim::MaxOf;
using fgl::sim::MinOf;

template <unsigned C_, unsigned PE_, unsigned NumSteps_, int ActVal_, typename TI_, typename TT_,
          typename TO_>
struct Cfg {
  static constexpr unsigned C = C_, PE = PE_, NumSteps = NumSteps_;
  static constexpr int ActVal = ActVal_;
  using TI = TI_;
  using TT = TT_;
  using TO = TO_;
};

template <typename C>
class ThresholdingTest : public ::testing::Test {};

using Configs = ::testing::Types<Cfg<4, 2, 3, 0, ap_int<4>, ap_int<5>, ap_uint<2>>,
                                 Cfg<6, 6, 1, 0, ap_uint<8>, ap_int<10>, ap_uint<1>>,
                                 Cfg<5, 1, 7, -4, ap_uint<3>, ap_int<6>, ap_int<3>>,
                                 Cfg<32, 16, 15, -8, ap_int<8>, ap_int<9>, ap_int<4>>,  // 128-bit in
                                 Cfg<12, 4, 2, 1, ap_int<2>, ap_int<2>, ap_uint<2>>>;
TYPED_TEST_SUITE(ThresholdingTest, Configs);

TYPED_TEST(ThresholdingTest, MatchesGoldenMultiThreshold) {
  using C = TypeParam;
  constexpr unsigned NF = C::C / C::PE;
  std::mt19937_64 rng(C::C * 17 + C::NumSteps);
  for (unsigned reps : {1u, 7u}) {
    const std::vector<int64_t> x = fgl::sim::RandomElements<typename C::TI>(rng, reps * C::C);
    // Thresholds over the input range widened by 2 on each side (clipped to TT), ascending.
    std::uniform_int_distribution<int64_t> dist(
        std::max(MinOf<typename C::TT>(), MinOf<typename C::TI>() - 2),
        std::min(MaxOf<typename C::TT>(), MaxOf<typename C::TI>() + 2));
    std::vector<int64_t> t(C::C * C::NumSteps);
    std::unique_ptr<typename C::TT[][NF][C::NumSteps]> thr(new typename C::TT[C::PE][NF][C::NumSteps]);
    for (unsigned c = 0; c < C::C; ++c) {
      for (auto& v : std::span(t).subspan(c * C::NumSteps, C::NumSteps)) v = dist(rng);
      std::sort(t.begin() + c * C::NumSteps, t.begin() + (c + 1) * C::NumSteps);
      for (unsigned i = 0; i < C::NumSteps; ++i) thr[c % C::PE][c / C::PE][i] = t[c * C::NumSteps + i];
    }
    hls::stream<ap_uint<C::PE * C::TI::width>> in("in");
    hls::stream<ap_uint<C::PE * C::TO::width>> out("out");
    fgl::sim::PackToStream<typename C::TI, C::PE>(x, in);
    fgl::Thresholding<C::C, C::PE, C::NumSteps, C::ActVal, typename C::TI, typename C::TT,
                      typename C::TO>(in, out, thr.get(), reps);
    EXPECT_TRUE(in.empty());
    ASSERT_EQ(out.size(), reps * NF);
    const std::vector<int64_t> y = fgl::sim::UnpackFromStream<typename C::TO, C::PE>(out, reps * C::C);
    for (unsigned r = 0; r < reps; ++r) {
      for (unsigned c = 0; c < C::C; ++c) {
        int64_t level = C::ActVal;
        for (unsigned i = 0; i < C::NumSteps; ++i) level += x[r * C::C + c] >= t[c * C::NumSteps + i];
        ASSERT_EQ(y[r * C::C + c], level) << "rep " << r << " channel " << c;
      }
    }
  }
}

}  // namespace
