// DuplicateStreams (hlslib/duplicate.h): every output stream receives exactly the input beats, in
// order, for narrow and wide beats.
#include "hlslib/duplicate.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "hlslib/sim/testbench.h"

namespace {

template <unsigned NumOut, unsigned Width>
void CheckDuplicate(unsigned beats) {
  std::mt19937_64 rng(NumOut * 1000 + Width);
  std::vector<ap_uint<Width>> data(beats);
  hls::stream<ap_uint<Width>> in("in");
  for (auto& d : data) {
    for (unsigned lo = 0; lo < Width; lo += 64) {
      d.range(std::min(Width, lo + 64) - 1, lo) = rng();
    }
    in.write(d);
  }
  hls::stream<ap_uint<Width>> out[NumOut];
  fgl::DuplicateStreams<NumOut, Width>(in, out, beats);
  EXPECT_TRUE(in.empty());
  for (unsigned k = 0; k < NumOut; ++k) {
    ASSERT_EQ(out[k].size(), beats) << "output " << k;
    for (unsigned i = 0; i < beats; ++i) ASSERT_TRUE(out[k].read() == data[i]) << k << " " << i;
  }
}

TEST(DuplicateStreamsTest, CopiesEveryBeatToEveryOutput) {
  CheckDuplicate<2, 8>(17);
  CheckDuplicate<3, 1>(5);
  CheckDuplicate<4, 300>(9);
  CheckDuplicate<1, 64>(3);
}

}  // namespace
