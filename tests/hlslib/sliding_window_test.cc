// SlidingWindow (hlslib/sliding_window.h) against a plain Im2Col golden model (the formula of
// docs/hw_layers.md) over kernels, strides larger and smaller than the kernel, dilation, padding
// (including padding wider than the kernel), SIMD folds and wide beats, for several frames.
#include "hlslib/sliding_window.h"

#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "hlslib/sim/testbench.h"

namespace {

template <unsigned KH_, unsigned KW_, unsigned C_, unsigned H_, unsigned W_, unsigned SH_,
          unsigned SW_, unsigned DH_, unsigned DW_, unsigned PadT_, unsigned PadL_, unsigned PadB_,
          unsigned PadR_, unsigned SIMD_, typename T_>
struct Cfg {
  static constexpr unsigned KH = KH_, KW = KW_, C = C_, H = H_, W = W_, SH = SH_, SW = SW_,
                            DH = DH_, DW = DW_, PadT = PadT_, PadL = PadL_, SIMD = SIMD_;
  static constexpr unsigned OH = (H + PadT + PadB_ - DH * (KH - 1) - 1) / SH + 1;
  static constexpr unsigned OW = (W + PadL + PadR_ - DW * (KW - 1) - 1) / SW + 1;
  using T = T_;
};

template <typename C>
class SlidingWindowTest : public ::testing::Test {};

using Configs = ::testing::Types<
    Cfg<3, 3, 4, 5, 5, 1, 1, 1, 1, 1, 1, 1, 1, 2, ap_int<4>>,      // "same" 3x3 conv
    Cfg<3, 3, 3, 7, 6, 2, 2, 1, 1, 0, 0, 0, 0, 3, ap_uint<3>>,     // stride 2, last column unused
    Cfg<3, 2, 2, 8, 9, 1, 2, 2, 3, 1, 2, 0, 1, 1, ap_int<8>>,      // dilation, asymmetric padding
    Cfg<1, 1, 8, 5, 5, 2, 2, 1, 1, 0, 0, 0, 0, 4, ap_uint<2>>,     // 1x1 stride 2
    Cfg<1, 3, 16, 1, 10, 1, 1, 1, 1, 0, 1, 0, 1, 16, ap_int<8>>,   // 1D, 128-bit beats
    Cfg<2, 2, 1, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 1, ap_int<2>>,      // padding wider than the kernel
    Cfg<2, 2, 2, 8, 8, 3, 3, 1, 1, 0, 0, 0, 0, 1, ap_uint<4>>>;    // stride > kernel: rows skipped
TYPED_TEST_SUITE(SlidingWindowTest, Configs);

TYPED_TEST(SlidingWindowTest, MatchesGoldenIm2Col) {
  using C = TypeParam;
  std::mt19937_64 rng(C::KH * 100 + C::H * 10 + C::SW);
  for (unsigned frames : {1u, 3u}) {
    const std::vector<int64_t> x =
        fgl::sim::RandomElements<typename C::T>(rng, frames * C::H * C::W * C::C);
    const unsigned patch = C::KH * C::KW * C::C;
    std::vector<int64_t> golden;
    for (unsigned n = 0; n < frames; ++n) {
      for (unsigned oh = 0; oh < C::OH; ++oh) {
        for (unsigned ow = 0; ow < C::OW; ++ow) {
          for (unsigned kh = 0; kh < C::KH; ++kh) {
            for (unsigned kw = 0; kw < C::KW; ++kw) {
              for (unsigned c = 0; c < C::C; ++c) {
                const int ih = static_cast<int>(oh * C::SH + kh * C::DH) - static_cast<int>(C::PadT);
                const int iw = static_cast<int>(ow * C::SW + kw * C::DW) - static_cast<int>(C::PadL);
                const bool inside = ih >= 0 && ih < static_cast<int>(C::H) && iw >= 0 &&
                                    iw < static_cast<int>(C::W);
                golden.push_back(inside ? x[((n * C::H + ih) * C::W + iw) * C::C + c] : 0);
              }
            }
          }
        }
      }
    }
    hls::stream<ap_uint<C::SIMD * C::T::width>> in("in"), out("out");
    fgl::sim::PackToStream<typename C::T, C::SIMD>(x, in);
    fgl::SlidingWindow<C::KH, C::KW, C::C, C::H, C::W, C::OH, C::OW, C::SH, C::SW, C::DH, C::DW,
                       C::PadT, C::PadL, C::SIMD, typename C::T>(in, out, frames);
    EXPECT_TRUE(in.empty()) << "every input beat of every frame is consumed";
    ASSERT_EQ(out.size(), frames * C::OH * C::OW * patch / C::SIMD);
    const std::vector<int64_t> y =
        fgl::sim::UnpackFromStream<typename C::T, C::SIMD>(out, golden.size());
    for (size_t i = 0; i < y.size(); ++i) {
      ASSERT_EQ(y[i], golden[i]) << "element " << i << " (pixel " << i / patch << ", patch index "
                                 << i % patch << ")";
    }
  }
}

}  // namespace
