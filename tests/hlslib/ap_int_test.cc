// Tests of the g++ ap_int/ap_uint stand-in (hlslib/sim/ap_int.h) against plain int64 arithmetic
// (widths 1..64, random values) and std::bitset (bit-level operations on wide values).
#include "ap_int.h"

#include <bitset>
#include <cstdint>
#include <random>
#include <sstream>
#include <utility>

#include "gtest/gtest.h"

namespace {

// Reference wrap-around: the low W bits of v, read as two's complement when signed.
int64_t Wrap(int64_t v, int w, bool is_signed) {
  uint64_t u = static_cast<uint64_t>(v);
  if (w < 64) u &= (uint64_t{1} << w) - 1;
  if (is_signed && w < 64 && ((u >> (w - 1)) & 1)) return static_cast<int64_t>(u - (uint64_t{1} << w));
  return static_cast<int64_t>(u);
}

template <int W, bool S>
void CheckNarrow(std::mt19937_64& rng) {
  using T = fgl_sim::ApInt<W, S>;
  static_assert(T::width == W);
  std::uniform_int_distribution<int> shift_dist(0, W + 2);
  for (int iter = 0; iter < 200; ++iter) {
    // Random 64-bit patterns, and small values near the wrap points.
    const int64_t raw_a = static_cast<int64_t>(rng()) >> (rng() % 64);
    const int64_t raw_b = static_cast<int64_t>(rng()) >> (rng() % 64);
    const T a = raw_a;
    const T b = raw_b;
    const int64_t ra = Wrap(raw_a, W, S), rb = Wrap(raw_b, W, S);
    ASSERT_EQ(a.to_int64(), ra) << "W=" << W << " S=" << S << " raw=" << raw_a;
    ASSERT_EQ(static_cast<int64_t>(a), ra);
    // Built-in arithmetic on the converted values, wrapped back on assignment.
    if (W <= 31) {
      const int64_t sum = a + b, diff = a - b, prod = a * b;
      EXPECT_EQ(sum, ra + rb);
      EXPECT_EQ(diff, ra - rb);
      EXPECT_EQ(prod, ra * rb);
      EXPECT_EQ(T(a + b).to_int64(), Wrap(ra + rb, W, S));
      EXPECT_EQ(T(a * b).to_int64(), Wrap(ra * rb, W, S));
      T c = a;
      c += b;
      EXPECT_EQ(c.to_int64(), Wrap(ra + rb, W, S));
      c = a;
      c -= b;
      EXPECT_EQ(c.to_int64(), Wrap(ra - rb, W, S));
      c = a;
      c *= b;
      EXPECT_EQ(c.to_int64(), Wrap(ra * rb, W, S));
      // Mixed signed/unsigned operands compare mathematically.
      const ap_uint<W> ua = raw_a;
      const ap_int<W> sb = raw_b;
      EXPECT_EQ(ua < sb, Wrap(raw_a, W, false) < Wrap(raw_b, W, true));
      EXPECT_EQ(ua * sb, Wrap(raw_a, W, false) * Wrap(raw_b, W, true));
    }
    if (S || W < 64) {
      EXPECT_EQ(a < b, ra < rb);
      EXPECT_EQ(a >= b, ra >= rb);
    } else {  // ap_uint<64> compares as uint64_t
      EXPECT_EQ(a < b, static_cast<uint64_t>(ra) < static_cast<uint64_t>(rb));
      EXPECT_EQ(a >= b, static_cast<uint64_t>(ra) >= static_cast<uint64_t>(rb));
    }
    EXPECT_EQ(a == b, ra == rb);
    // Shifts keep the type: bits shifted out are lost; >> of a signed value is arithmetic.
    const int n = shift_dist(rng);
    const int64_t shl = n >= 64 ? 0 : static_cast<int64_t>(static_cast<uint64_t>(ra) << n);
    EXPECT_EQ((a << n).to_int64(), Wrap(shl, W, S)) << "W=" << W << " n=" << n;
    const int64_t shr = S ? (n >= 64 ? (ra < 0 ? -1 : 0) : ra >> n)
                          : (n >= 64 ? 0 : static_cast<int64_t>(static_cast<uint64_t>(ra) >> n));
    EXPECT_EQ((a >> n).to_int64(), shr) << "W=" << W << " n=" << n;
    // Bitwise operators between ap values and ~.
    EXPECT_EQ((a & b).to_int64(), Wrap(ra & rb, W, S));
    EXPECT_EQ((a | b).to_int64(), Wrap(ra | rb, W, S));
    EXPECT_EQ((a ^ b).to_int64(), Wrap(ra ^ rb, W, S));
    EXPECT_EQ((~a).to_int64(), Wrap(~ra, W, S));
    // Width conversions sign-extend a signed source and zero-extend an unsigned one.
    EXPECT_EQ(ap_int<W + 7>(a).to_int64(), ra);
    EXPECT_EQ(ap_int<(W > 2 ? W - 2 : 1)>(a).to_int64(), Wrap(ra, W > 2 ? W - 2 : 1, true));
    EXPECT_EQ(ap_uint<100>(a).to_uint64(), static_cast<uint64_t>(ra));
    EXPECT_EQ(ap_uint<100>(a).range(99, 64).to_uint64(),
              S && ra < 0 ? (uint64_t{1} << 36) - 1 : 0);
    // Bit and range access on narrow values.
    const int bit = static_cast<int>(rng() % W);
    EXPECT_EQ(a[bit], ((static_cast<uint64_t>(ra) >> bit) & 1) != 0);
    const int lo = static_cast<int>(rng() % W);
    const int hi = lo + static_cast<int>(rng() % (W - lo));
    const uint64_t field = (static_cast<uint64_t>(ra) >> lo) &
                           (hi - lo + 1 == 64 ? ~uint64_t{0} : (uint64_t{1} << (hi - lo + 1)) - 1);
    T m = a;
    EXPECT_EQ(static_cast<uint64_t>(m.range(hi, lo)), field);
    m.range(hi, lo) = raw_b;
    const uint64_t mask = (hi - lo + 1 == 64 ? ~uint64_t{0} : (uint64_t{1} << (hi - lo + 1)) - 1) << lo;
    const uint64_t expect = (static_cast<uint64_t>(ra) & ~mask) | ((static_cast<uint64_t>(raw_b) << lo) & mask);
    EXPECT_EQ(m.to_int64(), Wrap(static_cast<int64_t>(expect), W, S));
  }
}

template <int... Ws>
void CheckAllWidths(std::integer_sequence<int, Ws...>, std::mt19937_64& rng) {
  (CheckNarrow<Ws + 1, true>(rng), ...);
  (CheckNarrow<Ws + 1, false>(rng), ...);
}

TEST(ApIntTest, NarrowArithmeticWrapAndBitsMatchInt64) {
  std::mt19937_64 rng(1);
  CheckAllWidths(std::make_integer_sequence<int, 64>(), rng);
}

TEST(ApIntTest, Uint64ConvertsUnsigned) {
  const ap_uint<64> x = ~ap_uint<64>(0);
  EXPECT_EQ(static_cast<uint64_t>(x), ~uint64_t{0});
  EXPECT_GT(x, 0u);
  const ap_int<64> y = -1;
  EXPECT_EQ(static_cast<int64_t>(y), -1);
}

TEST(ApIntTest, IncrementDecrementWrap) {
  ap_uint<3> x = 7;
  ++x;
  EXPECT_EQ(x, 0);
  x--;
  EXPECT_EQ(x, 7);
  ap_int<4> y = 7;
  y++;
  EXPECT_EQ(y, -8);
}

std::bitset<256> ToBits(const ap_uint<256>& v) {
  std::bitset<256> b;
  for (int i = 0; i < 256; ++i) b[i] = v[i];
  return b;
}

ap_uint<256> RandomWide(std::mt19937_64& rng) {
  ap_uint<256> v;
  for (int k = 0; k < 4; ++k) v.range(64 * k + 63, 64 * k) = rng();
  return v;
}

TEST(ApIntTest, WideBitOperationsMatchBitset) {
  std::mt19937_64 rng(2);
  for (int iter = 0; iter < 2000; ++iter) {
    const ap_uint<256> a = RandomWide(rng), b = RandomWide(rng);
    const std::bitset<256> ba = ToBits(a), bb = ToBits(b);
    const int n = static_cast<int>(rng() % 300);
    EXPECT_EQ(ToBits(a << n), ba << n) << n;
    EXPECT_EQ(ToBits(a >> n), ba >> n) << n;
    EXPECT_EQ(ToBits(a & b), ba & bb);
    EXPECT_EQ(ToBits(a | b), ba | bb);
    EXPECT_EQ(ToBits(a ^ b), ba ^ bb);
    EXPECT_EQ(ToBits(~a), ~ba);
    EXPECT_EQ(a == b, ba == bb);
    EXPECT_TRUE(a == a);
    EXPECT_FALSE(a != a);
    // Range read: bits [lo, hi] of a, zero-extended.
    const int lo = static_cast<int>(rng() % 256);
    const int hi = lo + static_cast<int>(rng() % (256 - lo));
    const ap_uint<256> field = a.range(hi, lo);
    const std::bitset<256> bfield = (ba >> lo) & (~std::bitset<256>() >> (255 - (hi - lo)));
    EXPECT_EQ(ToBits(field), bfield) << hi << ":" << lo;
    // Range write with a wide value: only [lo, hi] changes, to the low bits of b.
    ap_uint<256> c = a;
    c.range(hi, lo) = b;
    std::bitset<256> bc = ba;
    for (int i = lo; i <= hi; ++i) bc[i] = bb[i - lo];
    EXPECT_EQ(ToBits(c), bc);
    // x(hi, lo) is the same as x.range(hi, lo); a narrower target truncates.
    const ap_uint<20> low20 = a(hi, lo);
    EXPECT_EQ(low20.to_uint64(), (bfield & std::bitset<256>(0xFFFFF)).to_ullong());
    // Single bits.
    ap_uint<256> d = a;
    const int bit = static_cast<int>(rng() % 256);
    d[bit] = !a[bit];
    std::bitset<256> bd = ba;
    bd.flip(bit);
    EXPECT_EQ(ToBits(d), bd);
  }
}

TEST(ApIntTest, WideSignedShiftAndCompare) {
  // -1 in 200 bits shifted right stays -1; a positive value shifts in zeros.
  const ap_int<200> m1 = -1;
  EXPECT_TRUE((m1 >> 150) == m1);
  EXPECT_TRUE((m1 >> 150) == -1);
  const ap_int<200> big = ap_int<200>(1) << 198;  // positive, top magnitude bit
  EXPECT_TRUE((big >> 198) == 1);
  const ap_int<200> neg = ap_int<200>(1) << 199;  // the most negative value
  EXPECT_TRUE(neg < 0);
  EXPECT_TRUE((neg >> 199) == -1);
  EXPECT_TRUE(neg < big);
  EXPECT_TRUE(big > ap_uint<70>(~uint64_t{0}));
  // Mixed widths and signedness compare mathematical values.
  EXPECT_TRUE(ap_uint<100>(5) == ap_int<8>(5));
  EXPECT_TRUE(ap_uint<100>(~ap_uint<100>(0)) != ap_int<8>(-1));
  EXPECT_TRUE(ap_int<100>(-3) == ap_int<8>(-3));
  EXPECT_TRUE(ap_int<100>(-3) < ap_uint<8>(0));
}

TEST(ApIntTest, SignedRangeAssignAndReadBack) {
  ap_uint<256> beat = 0;
  beat.range(135, 128) = ap_int<8>(-2);
  EXPECT_EQ(beat.range(135, 128).to_uint64(), 0xFEu);
  EXPECT_EQ(ap_int<8>(beat.range(135, 128)).to_int64(), -2);
  EXPECT_TRUE(beat.range(127, 0).get() == 0);
  EXPECT_TRUE(beat.range(255, 136).get() == 0);
  // A narrower signed source is sign-extended to the range's width.
  beat.range(19, 8) = ap_int<4>(-1);
  EXPECT_EQ(beat.range(19, 8).to_uint64(), 0xFFFu);
  beat.range(19, 8) = -5;
  EXPECT_EQ(ap_int<12>(beat.range(19, 8)).to_int64(), -5);
}

TEST(ApIntTest, StringConstructionAndPrinting) {
  EXPECT_TRUE(ap_uint<300>("0x123456789abcdef0123456789") ==
              ((ap_uint<300>(0x123456789ULL) << 64) | ap_uint<300>(0xabcdef0123456789ULL)));
  EXPECT_EQ(ap_int<70>("-5").to_string(), "0x3ffffffffffffffffb");
  EXPECT_EQ(ap_uint<8>("255").to_int(), 255);
  EXPECT_EQ(ap_uint<8>("0b101").to_int(), 5);
  EXPECT_EQ(ap_uint<8>("777", 8).to_int(), 0x1FF & 0xFF);
  std::ostringstream os;
  os << ap_int<8>(-3) << " " << ap_uint<70>(255);
  EXPECT_EQ(os.str(), "-3 0xff");
}

TEST(ApIntTest, FloatConstructionTruncates) {
  EXPECT_EQ(ap_int<8>(-3.7).to_int(), -3);
  EXPECT_EQ(ap_uint<4>(17.0f).to_int(), 1);
}

}  // namespace
