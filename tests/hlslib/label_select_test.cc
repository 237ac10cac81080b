// LabelSelect (hlslib/label_select.h) against a stable sort golden model: the indices of the K
// largest values, largest first, ties by lower index; many-ties cases use 1- and 2-bit inputs.
#include "hlslib/label_select.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "hlslib/sim/testbench.h"

namespace {

template <unsigned Labels_, unsigned PE_, unsigned K_, typename TI_, typename TO_>
struct Cfg {
  static constexpr unsigned Labels = Labels_, PE = PE_, K = K_;
  using TI = TI_;
  using TO = TO_;
};

template <typename C>
class LabelSelectTest : public ::testing::Test {};

using Configs = ::testing::Types<Cfg<10, 1, 3, ap_int<8>, ap_uint<4>>,
                                 Cfg<12, 4, 12, ap_uint<2>, ap_uint<8>>,
                                 Cfg<64, 16, 5, ap_int<4>, ap_uint<6>>,
                                 Cfg<7, 7, 1, ap_uint<1>, ap_uint<3>>,
                                 Cfg<20, 5, 4, ap_int<2>, ap_uint<5>>>;
TYPED_TEST_SUITE(LabelSelectTest, Configs);

TYPED_TEST(LabelSelectTest, MatchesStableSortTopK) {
  using C = TypeParam;
  std::mt19937_64 rng(C::Labels * 10 + C::K);
  const unsigned frames = 6;
  const auto x = fgl::sim::RandomElements<typename C::TI>(rng, frames * C::Labels);
  hls::stream<ap_uint<C::PE * C::TI::width>> in("in");
  hls::stream<ap_uint<C::TO::width>> out("out");
  fgl::sim::PackToStream<typename C::TI, C::PE>(x, in);
  fgl::LabelSelect<C::Labels, C::PE, C::K, typename C::TI, typename C::TO>(in, out, frames);
  EXPECT_TRUE(in.empty());
  ASSERT_EQ(out.size(), frames * C::K);
  const auto y = fgl::sim::UnpackFromStream<typename C::TO, 1>(out, frames * C::K);
  for (unsigned f = 0; f < frames; ++f) {
    std::vector<int64_t> idx(C::Labels);
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) {
      return x[f * C::Labels + a] > x[f * C::Labels + b];
    });
    for (unsigned k = 0; k < C::K; ++k) {
      ASSERT_EQ(y[f * C::K + k], idx[k]) << "frame " << f << " rank " << k;
    }
  }
}

}  // namespace
