// EltwiseStreams / EltwiseConst (hlslib/eltwise.h) with AddOp, SubOp and MulOp against plain int64
// arithmetic, over PE folds and mixed signed/unsigned operand types, including a per-channel
// constant table laid out params[p][nf] for channel nf * PE + p.
#include "hlslib/eltwise.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "hlslib/sim/testbench.h"

namespace {

template <unsigned C_, unsigned PE_, typename TA_, typename TB_, typename TO_, typename Op_>
struct Cfg {
  static constexpr unsigned C = C_, PE = PE_;
  using TA = TA_;
  using TB = TB_;
  using TO = TO_;
  using Op = Op_;
};

template <typename Op>
int64_t Golden(int64_t a, int64_t b) {
  if constexpr (std::is_same_v<Op, fgl::AddOp>) return a + b;
  if constexpr (std::is_same_v<Op, fgl::SubOp>) return a - b;
  return a * b;
}

template <typename C>
class EltwiseTest : public ::testing::Test {};

using Configs = ::testing::Types<
    Cfg<4, 2, ap_int<4>, ap_int<4>, ap_int<5>, fgl::AddOp>,
    Cfg<6, 3, ap_uint<4>, ap_int<3>, ap_int<6>, fgl::SubOp>,
    Cfg<5, 1, ap_int<6>, ap_uint<5>, ap_int<12>, fgl::MulOp>,
    Cfg<16, 16, ap_uint<8>, ap_uint<8>, ap_uint<9>, fgl::AddOp>,   // 128-bit input beats
    Cfg<8, 4, ap_int<16>, ap_int<16>, ap_int<32>, fgl::MulOp>>;
TYPED_TEST_SUITE(EltwiseTest, Configs);

TYPED_TEST(EltwiseTest, StreamsMatchGolden) {
  using C = TypeParam;
  std::mt19937_64 rng(C::C * 7 + C::PE);
  const unsigned reps = 5;
  const auto a = fgl::sim::RandomElements<typename C::TA>(rng, reps * C::C);
  const auto b = fgl::sim::RandomElements<typename C::TB>(rng, reps * C::C);
  hls::stream<ap_uint<C::PE * C::TA::width>> sa("a");
  hls::stream<ap_uint<C::PE * C::TB::width>> sb("b");
  hls::stream<ap_uint<C::PE * C::TO::width>> out("out");
  fgl::sim::PackToStream<typename C::TA, C::PE>(a, sa);
  fgl::sim::PackToStream<typename C::TB, C::PE>(b, sb);
  fgl::EltwiseStreams<C::C, C::PE, typename C::TA, typename C::TB, typename C::TO,
                      typename C::Op>(sa, sb, out, reps);
  EXPECT_TRUE(sa.empty());
  EXPECT_TRUE(sb.empty());
  ASSERT_EQ(out.size(), reps * C::C / C::PE);
  const auto y = fgl::sim::UnpackFromStream<typename C::TO, C::PE>(out, reps * C::C);
  for (size_t i = 0; i < y.size(); ++i) {
    ASSERT_EQ(y[i], Golden<typename C::Op>(a[i], b[i])) << "element " << i;
  }
}

TYPED_TEST(EltwiseTest, ConstMatchesGolden) {
  using C = TypeParam;
  constexpr unsigned NF = C::C / C::PE;
  std::mt19937_64 rng(C::C * 11 + C::PE);
  const unsigned reps = 4;
  const auto a = fgl::sim::RandomElements<typename C::TA>(rng, reps * C::C);
  const auto k = fgl::sim::RandomElements<typename C::TB>(rng, C::C);
  std::unique_ptr<typename C::TB[][NF]> params(new typename C::TB[C::PE][NF]);
  for (unsigned c = 0; c < C::C; ++c) params[c % C::PE][c / C::PE] = k[c];
  hls::stream<ap_uint<C::PE * C::TA::width>> sa("a");
  hls::stream<ap_uint<C::PE * C::TO::width>> out("out");
  fgl::sim::PackToStream<typename C::TA, C::PE>(a, sa);
  fgl::EltwiseConst<C::C, C::PE, typename C::TA, typename C::TB, typename C::TO, typename C::Op>(
      sa, params.get(), out, reps);
  EXPECT_TRUE(sa.empty());
  ASSERT_EQ(out.size(), reps * NF);
  const auto y = fgl::sim::UnpackFromStream<typename C::TO, C::PE>(out, reps * C::C);
  for (size_t i = 0; i < y.size(); ++i) {
    ASSERT_EQ(y[i], Golden<typename C::Op>(a[i], k[i % C::C])) << "element " << i;
  }
}

}  // namespace
