// Kernels composed through hlslib/fgl.h into a small quantized CNN layer, against a direct
// (non-im2col) golden model: SlidingWindow (SIMD 2) -> DataWidthConverter (to SIMD 4) ->
// MvauThreshold (conv as matrix-vector product, PE 3) -> MaxPool 2x2 -> DuplicateStreams ->
// LabelSelect over the pooled features (and a copy compared with the golden pooled tensor). Checks that the kernels agree on stream order and packing (patch order
// (kh, kw, c), channel-innermost pixels) as docs/hw_layers.md fixes them.
#include "hlslib/fgl.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "hlslib/sim/testbench.h"

namespace {

TEST(FglPipelineTest, ConvThresholdPoolTopKMatchesDirectGolden) {
  constexpr unsigned H = 6, W = 6, C = 4, K = 3, Pad = 1, OC = 6, Steps = 3, Frames = 2;
  constexpr unsigned OH = H, OW = W, MW = K * K * C, SIMD1 = 2, SIMD2 = 4, PE = 3;
  constexpr unsigned PH = OH / 2, PW = OW / 2, Labels = PH * PW * OC, TopK = 4;
  using TI = ap_int<4>;
  using TW = ap_int<3>;
  using TA = ap_int<12>;
  using TO = ap_uint<2>;
  std::mt19937_64 rng(42);
  const auto x = fgl::sim::RandomElements<TI>(rng, Frames * H * W * C);
  const auto w = fgl::sim::RandomElements<TW>(rng, MW * OC);  // w[(kh * K + kw) * C + c][oc]
  std::vector<int64_t> t(OC * Steps);
  for (unsigned oc = 0; oc < OC; ++oc) {
    for (unsigned i = 0; i < Steps; ++i) t[oc * Steps + i] = static_cast<int64_t>(rng() % 41) - 20;
    std::sort(t.begin() + oc * Steps, t.begin() + (oc + 1) * Steps);
  }

  // Golden: direct convolution with zero padding, thresholds, 2x2 max pool, top-K.
  std::vector<int64_t> act(Frames * OH * OW * OC), pooled, golden_top;
  for (unsigned n = 0; n < Frames; ++n) {
    for (unsigned oh = 0; oh < OH; ++oh) {
      for (unsigned ow = 0; ow < OW; ++ow) {
        for (unsigned oc = 0; oc < OC; ++oc) {
          int64_t acc = 0;
          for (unsigned kh = 0; kh < K; ++kh) {
            for (unsigned kw = 0; kw < K; ++kw) {
              const int ih = static_cast<int>(oh + kh) - Pad, iw = static_cast<int>(ow + kw) - Pad;
              if (ih < 0 || iw < 0 || ih >= static_cast<int>(H) || iw >= static_cast<int>(W)) continue;
              for (unsigned c = 0; c < C; ++c) {
                acc += x[((n * H + ih) * W + iw) * C + c] * w[((kh * K + kw) * C + c) * OC + oc];
              }
            }
          }
          int64_t level = 0;
          for (unsigned i = 0; i < Steps; ++i) level += acc >= t[oc * Steps + i];
          act[((n * OH + oh) * OW + ow) * OC + oc] = level;
        }
      }
    }
    const size_t frame_start = pooled.size();
    for (unsigned ph = 0; ph < PH; ++ph) {
      for (unsigned pw = 0; pw < PW; ++pw) {
        for (unsigned oc = 0; oc < OC; ++oc) {
          int64_t m = 0;
          for (unsigned dh = 0; dh < 2; ++dh) {
            for (unsigned dw = 0; dw < 2; ++dw) {
              m = std::max(m, act[((n * OH + 2 * ph + dh) * OW + 2 * pw + dw) * OC + oc]);
            }
          }
          pooled.push_back(m);
        }
      }
    }
    std::vector<int64_t> idx(Labels);
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) {
      return pooled[frame_start + a] > pooled[frame_start + b];
    });
    golden_top.insert(golden_top.end(), idx.begin(), idx.begin() + TopK);
  }

  // Hardware pipeline.
  std::unique_ptr<TW[][(OC / PE) * (MW / SIMD2)][SIMD2]> weights(new TW[PE][(OC / PE) * (MW / SIMD2)][SIMD2]);
  for (unsigned p = 0; p < PE; ++p) {
    for (unsigned nf = 0; nf < OC / PE; ++nf) {
      for (unsigned sf = 0; sf < MW / SIMD2; ++sf) {
        for (unsigned s = 0; s < SIMD2; ++s) {
          weights[p][nf * (MW / SIMD2) + sf][s] = w[(sf * SIMD2 + s) * OC + nf * PE + p];
        }
      }
    }
  }
  std::unique_ptr<TA[][OC / PE][Steps]> thresholds(new TA[PE][OC / PE][Steps]);
  for (unsigned oc = 0; oc < OC; ++oc) {
    for (unsigned i = 0; i < Steps; ++i) thresholds[oc % PE][oc / PE][i] = t[oc * Steps + i];
  }
  hls::stream<ap_uint<SIMD1 * 4>> s_in("in"), s_swg("swg");
  hls::stream<ap_uint<SIMD2 * 4>> s_dwc("dwc");
  hls::stream<ap_uint<PE * 2>> s_act("act"), s_pool("pool");
  hls::stream<ap_uint<8>> s_top("top");
  fgl::sim::PackToStream<TI, SIMD1>(x, s_in);
  fgl::SlidingWindow<K, K, C, H, W, OH, OW, 1, 1, 1, 1, Pad, Pad, SIMD1, TI>(s_in, s_swg, Frames);
  fgl::DataWidthConverter<SIMD1 * 4, SIMD2 * 4, MW * 4>(s_swg, s_dwc, Frames * OH * OW);
  fgl::MvauThreshold<MW, OC, SIMD2, PE, Steps, 0, TI, TW, TA, TA, TO>(
      s_dwc, s_act, weights.get(), thresholds.get(), Frames * OH * OW);
  fgl::MaxPool<2, 2, 2, 2, OH, OW, PH, PW, OC, PE, TO>(s_act, s_pool, Frames);
  hls::stream<ap_uint<PE * 2>> s_dup[2];
  fgl::DuplicateStreams<2, PE * 2>(s_pool, s_dup, Frames * Labels / PE);
  // LabelSelect reads the pooled frame PE = 3 features per beat: Labels % 3 == 0.
  fgl::LabelSelect<Labels, PE, TopK, TO, ap_uint<8>>(s_dup[0], s_top, Frames);
  EXPECT_TRUE(s_in.empty() && s_swg.empty() && s_dwc.empty() && s_act.empty() && s_pool.empty());
  EXPECT_EQ((fgl::sim::UnpackFromStream<TO, PE>(s_dup[1], pooled.size())), pooled);
  const auto top = fgl::sim::UnpackFromStream<ap_uint<8>, 1>(s_top, Frames * TopK);
  EXPECT_EQ(top, golden_top);
  EXPECT_TRUE(s_dup[0].empty() && s_dup[1].empty() && s_top.empty());
}

}  // namespace
