// fgl::Get / fgl::Set (hlslib/element.h) against explicit bit packing: element i of type T lives
// in bits [i * w, (i + 1) * w) in two's complement, narrow and wide beats.
#include "hlslib/element.h"

#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "hlslib/sim/testbench.h"

namespace {

template <typename T, unsigned N>
void CheckGetSet() {
  constexpr unsigned w = T::width;
  std::mt19937_64 rng(w * 100 + N);
  for (int iter = 0; iter < 50; ++iter) {
    const auto values = fgl::sim::RandomElements<T>(rng, N);
    // Golden: each value's w low bits (two's complement) at bit i * w.
    std::vector<bool> bits(N * w);
    for (unsigned i = 0; i < N; ++i) {
      for (unsigned b = 0; b < w; ++b) bits[i * w + b] = (static_cast<uint64_t>(values[i]) >> b) & 1;
    }
    ap_uint<N * w> beat = 0;
    for (unsigned i = 0; i < N; ++i) fgl::Set<T>(beat, i, T(values[i]));
    for (unsigned j = 0; j < N * w; ++j) ASSERT_EQ(beat[j], bits[j]) << "bit " << j;
    for (unsigned i = 0; i < N; ++i) ASSERT_EQ(fgl::Get<T>(beat, i).to_int64(), values[i]) << i;
    // Overwriting one element leaves the others alone.
    const unsigned k = rng() % N;
    const int64_t nv = fgl::sim::RandomElements<T>(rng, 1)[0];
    fgl::Set<T>(beat, k, T(nv));
    for (unsigned i = 0; i < N; ++i) ASSERT_EQ(fgl::Get<T>(beat, i).to_int64(), i == k ? nv : values[i]);
  }
}

TEST(ElementTest, GetSetMatchBitPacking) {
  CheckGetSet<ap_int<4>, 3>();
  CheckGetSet<ap_uint<1>, 64>();
  CheckGetSet<ap_int<1>, 5>();
  CheckGetSet<ap_int<7>, 37>();   // 259 bits, elements straddle 64-bit words
  CheckGetSet<ap_uint<24>, 11>();
  CheckGetSet<ap_int<32>, 2>();
  CheckGetSet<ap_uint<63>, 3>();
}

TEST(ElementTest, SetWrapsValueOfWiderType) {
  ap_uint<16> beat = 0;
  fgl::Set<ap_int<4>>(beat, 1, ap_int<12>(0x7F9));  // low 4 bits 0x9 = -7 as a 4-bit value
  EXPECT_EQ(beat.to_uint64(), 0x90u);
  EXPECT_EQ(fgl::Get<ap_int<4>>(beat, 1).to_int64(), -7);
  EXPECT_EQ(fgl::Get<ap_uint<4>>(beat, 1).to_int64(), 9);
}

}  // namespace
