// MaxPool (hlslib/maxpool.h) against a plain nested-loop max-pool over kernel/stride combinations
// (overlapping windows, strides larger than the kernel, unused trailing rows/columns), PE folds,
// signed/unsigned types and wide beats, for several frames.
#include "hlslib/maxpool.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "hlslib/sim/testbench.h"

namespace {

template <unsigned KH_, unsigned KW_, unsigned SH_, unsigned SW_, unsigned H_, unsigned W_,
          unsigned C_, unsigned PE_, typename T_>
struct Cfg {
  static constexpr unsigned KH = KH_, KW = KW_, SH = SH_, SW = SW_, H = H_, W = W_, C = C_, PE = PE_;
  static constexpr unsigned OH = (H - KH) / SH + 1, OW = (W - KW) / SW + 1;
  using T = T_;
};

template <typename C>
class MaxPoolTest : public ::testing::Test {};

using Configs = ::testing::Types<Cfg<2, 2, 2, 2, 4, 4, 4, 2, ap_int<4>>,
                                 Cfg<3, 3, 2, 2, 7, 7, 3, 1, ap_uint<5>>,
                                 Cfg<3, 3, 1, 1, 5, 6, 8, 8, ap_int<8>>,
                                 Cfg<2, 3, 3, 2, 8, 7, 6, 3, ap_int<3>>,
                                 Cfg<2, 2, 2, 2, 5, 5, 16, 16, ap_uint<8>>>;
TYPED_TEST_SUITE(MaxPoolTest, Configs);

TYPED_TEST(MaxPoolTest, MatchesGoldenMaxPool) {
  using C = TypeParam;
  std::mt19937_64 rng(C::KH * 100 + C::H * 10 + C::C);
  for (unsigned frames : {1u, 2u}) {
    const std::vector<int64_t> x =
        fgl::sim::RandomElements<typename C::T>(rng, frames * C::H * C::W * C::C);
    std::vector<int64_t> golden;
    for (unsigned n = 0; n < frames; ++n) {
      for (unsigned oh = 0; oh < C::OH; ++oh) {
        for (unsigned ow = 0; ow < C::OW; ++ow) {
          for (unsigned c = 0; c < C::C; ++c) {
            int64_t m = INT64_MIN;
            for (unsigned kh = 0; kh < C::KH; ++kh) {
              for (unsigned kw = 0; kw < C::KW; ++kw) {
                m = std::max(m, x[((n * C::H + oh * C::SH + kh) * C::W + ow * C::SW + kw) * C::C + c]);
              }
            }
            golden.push_back(m);
          }
        }
      }
    }
    hls::stream<ap_uint<C::PE * C::T::width>> in("in"), out("out");
    fgl::sim::PackToStream<typename C::T, C::PE>(x, in);
    fgl::MaxPool<C::KH, C::KW, C::SH, C::SW, C::H, C::W, C::OH, C::OW, C::C, C::PE,
                 typename C::T>(in, out, frames);
    EXPECT_TRUE(in.empty());
    ASSERT_EQ(out.size(), golden.size() / C::PE);
    const std::vector<int64_t> y = fgl::sim::UnpackFromStream<typename C::T, C::PE>(out, golden.size());
    for (size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], golden[i]) << "element " << i;
  }
}

}  // namespace
