// DataWidthConverter (hlslib/dwc.h) against a bit-vector golden model: each vector's bits are cut
// into InWidth-bit beats (the last one padded with garbage, which the kernel must ignore) and must
// come out as OutWidth-bit beats with zero padding. Covers up- and down-sizing, equal widths,
// widths that divide neither each other nor the vector, and beats wider than 64 bits.
#include "hlslib/dwc.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace {

template <unsigned Width>
ap_uint<Width> BeatFromBits(const std::vector<bool>& bits, size_t first) {
  ap_uint<Width> beat = 0;
  for (unsigned i = 0; i < Width && first + i < bits.size(); ++i) beat[i] = bits[first + i];
  return beat;
}

template <unsigned In, unsigned Out, unsigned VectorBits>
void CheckDwc(unsigned reps) {
  SCOPED_TRACE(testing::Message() << In << " -> " << Out << " bits, vector " << VectorBits);
  constexpr unsigned kInBeats = (VectorBits + In - 1) / In;
  constexpr unsigned kOutBeats = (VectorBits + Out - 1) / Out;
  std::mt19937_64 rng(In * 10000 + Out * 100 + VectorBits);
  hls::stream<ap_uint<In>> in("in");
  hls::stream<ap_uint<Out>> out("out");
  std::vector<std::vector<bool>> vectors(reps, std::vector<bool>(VectorBits));
  for (auto& v : vectors) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = rng() & 1;
    for (unsigned b = 0; b < kInBeats; ++b) {
      ap_uint<In> beat = BeatFromBits<In>(v, b * In);
      for (unsigned i = 0; i < In; ++i) {
        if (b * In + i >= VectorBits) beat[i] = rng() & 1;  // padding: garbage in
      }
      in.write(beat);
    }
  }
  fgl::DataWidthConverter<In, Out, VectorBits>(in, out, reps);
  EXPECT_TRUE(in.empty());
  ASSERT_EQ(out.size(), reps * kOutBeats);
  for (unsigned r = 0; r < reps; ++r) {
    for (unsigned b = 0; b < kOutBeats; ++b) {
      const ap_uint<Out> got = out.read();
      ASSERT_TRUE(got == BeatFromBits<Out>(vectors[r], b * Out))
          << "vector " << r << " beat " << b << ": " << got;
    }
  }
  // The documented cycle bounds of the kernel's loop.
  constexpr unsigned kIters = fgl::DwcIterations(In, Out, VectorBits);
  EXPECT_GE(kIters, std::max(kInBeats, kOutBeats));
  EXPECT_LE(kIters, kInBeats + kOutBeats);
  if ((In % Out == 0 || Out % In == 0) && VectorBits % std::max(In, Out) == 0) {
    EXPECT_EQ(kIters, std::max(kInBeats, kOutBeats));
  }
}

TEST(DataWidthConverterTest, EqualWidths) {
  CheckDwc<8, 8, 24>(3);
  CheckDwc<7, 7, 10>(2);  // identity with a padded last beat
}

TEST(DataWidthConverterTest, Multiples) {
  CheckDwc<8, 32, 64>(3);
  CheckDwc<32, 8, 64>(3);
  CheckDwc<4, 128, 256>(2);
  CheckDwc<128, 4, 256>(2);
  CheckDwc<8, 32, 40>(2);  // vector not a multiple of the wide side
  CheckDwc<32, 8, 40>(2);
}

TEST(DataWidthConverterTest, NonMultiples) {
  CheckDwc<12, 20, 60>(3);
  CheckDwc<20, 12, 60>(3);
  CheckDwc<3, 5, 17>(4);
  CheckDwc<5, 3, 17>(4);
  CheckDwc<64, 200, 1000>(2);
  CheckDwc<200, 64, 1000>(2);
  CheckDwc<100, 8, 36>(2);  // a single, mostly padding, input beat
  CheckDwc<1, 9, 26>(2);
  CheckDwc<9, 1, 26>(2);
}

}  // namespace
