// AXI-Stream boundary adapters (hlslib/axis.h): MarkLastBeat keeps every beat's data, sets
// TKEEP/TSTRB to all ones and TLAST on exactly the last beat; StripSideChannels returns the data
// whatever the side channels hold; the two round-trip.
#include "hlslib/axis.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace {

template <int Width>
void CheckRoundTrip(unsigned beats) {
  std::mt19937_64 rng(Width * 7 + beats);
  std::vector<ap_uint<Width>> data(beats);
  hls::stream<ap_uint<Width>> in("in");
  for (auto& d : data) {
    for (int lo = 0; lo < Width; lo += 64) d.range(std::min(Width, lo + 64) - 1, lo) = rng();
    in.write(d);
  }
  hls::stream<fgl::AxisBeat<Width>> axis("axis");
  fgl::MarkLastBeat<Width>(in, axis, beats);
  ASSERT_EQ(axis.size(), beats);
  std::vector<fgl::AxisBeat<Width>> words;
  for (unsigned i = 0; i < beats; ++i) words.push_back(axis.read());
  for (unsigned i = 0; i < beats; ++i) {
    EXPECT_TRUE(words[i].data == data[i]) << i;
    EXPECT_EQ(words[i].last == 1, i + 1 == beats) << "TLAST on beat " << i;
    EXPECT_TRUE(words[i].keep == ap_uint<(Width + 7) / 8>(-1)) << i;
    EXPECT_TRUE(words[i].strb == ap_uint<(Width + 7) / 8>(-1)) << i;
  }
  // Side channels the DMA might set differently (TLAST per packet, partial TKEEP) are dropped.
  for (unsigned i = 0; i < beats; ++i) {
    words[i].last = i % 2;
    words[i].keep = 0;
    axis.write(words[i]);
  }
  hls::stream<ap_uint<Width>> out("out");
  fgl::StripSideChannels<Width>(axis, out, beats);
  ASSERT_EQ(out.size(), beats);
  for (unsigned i = 0; i < beats; ++i) EXPECT_TRUE(out.read() == data[i]) << i;
}

TEST(AxisTest, TlastOnTheLastBeatAndDataRoundTrips) {
  CheckRoundTrip<8>(1);
  CheckRoundTrip<8>(13);
  CheckRoundTrip<24>(7);
  CheckRoundTrip<72>(5);
  CheckRoundTrip<512>(3);
}

}  // namespace
