// Tests of the g++ hls::stream stand-in (hlslib/sim/hls_stream.h): FIFO order, the accessors,
// and that reading an empty stream aborts naming the stream (how C simulation reports a
// dataflow bug).
#include "hls_stream.h"

#include "ap_int.h"
#include "gtest/gtest.h"

namespace {

TEST(HlsStreamTest, FifoOrderAndAccessors) {
  hls::stream<ap_uint<300>> s("beats");
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.name(), "beats");
  for (int i = 0; i < 10; ++i) s.write(ap_uint<300>(i) << (3 * i));
  s << ap_uint<300>(77);
  EXPECT_EQ(s.size(), 11u);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(s.read() == (ap_uint<300>(i) << (3 * i))) << i;
  ap_uint<300> x;
  s >> x;
  EXPECT_TRUE(x == 77);
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(s.read_nb(x));
  EXPECT_TRUE(s.write_nb(ap_uint<300>(5)));
  EXPECT_TRUE(s.read_nb(x));
  EXPECT_TRUE(x == 5);
}

TEST(HlsStreamDeathTest, ReadingEmptyStreamAbortsNamingIt) {
  EXPECT_DEATH(
      {
        hls::stream<ap_uint<8>> s("mvau0_out");
        s.read();
      },
      "mvau0_out");
}

}  // namespace
