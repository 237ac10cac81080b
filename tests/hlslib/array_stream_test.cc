// ArrayToStream / StreamToArray (hlslib/array_stream.h): round trip in index order.
#include "hlslib/array_stream.h"

#include <algorithm>
#include <cstdint>
#include <random>

#include "gtest/gtest.h"

namespace {

template <unsigned N, unsigned Width>
void CheckRoundTrip() {
  std::mt19937_64 rng(N * 100 + Width);
  ap_uint<Width> a[N], b[N];
  for (auto& x : a) {
    for (unsigned lo = 0; lo < Width; lo += 64) x.range(std::min(Width, lo + 64) - 1, lo) = rng();
  }
  hls::stream<ap_uint<Width>> s("s");
  fgl::ArrayToStream<N, Width>(a, s);
  ASSERT_EQ(s.size(), N);
  // The stream holds the array in index order.
  hls::stream<ap_uint<Width>> copy("copy");
  for (unsigned i = 0; i < N; ++i) {
    const ap_uint<Width> v = s.read();
    ASSERT_TRUE(v == a[i]) << i;
    copy.write(v);
  }
  fgl::StreamToArray<N, Width>(copy, b);
  EXPECT_TRUE(copy.empty());
  for (unsigned i = 0; i < N; ++i) ASSERT_TRUE(b[i] == a[i]) << i;
}

TEST(ArrayStreamTest, RoundTripInIndexOrder) {
  CheckRoundTrip<1, 1>();
  CheckRoundTrip<7, 12>();
  CheckRoundTrip<16, 64>();
  CheckRoundTrip<5, 200>();
}

}  // namespace
