#include "src/ops/packed_gemm.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>

namespace finngl {
namespace {

using Eigen::internal::pmadd;
using Eigen::internal::pset1;
using Packet = Eigen::internal::packet_traits<float>::type;
constexpr int kPs = Eigen::internal::packet_traits<float>::size;

// A tile is kMr rows x (up to) kMaxNp packets of C, all held in registers: 8 x 3 uses 24 of the
// 32 AVX-512 registers (plus 3 for B and 1 for the broadcast A element); with 16 registers the
// tile is 4 x 3.
constexpr int kMr = EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS >= 32 ? 8 : 4;
constexpr int kMaxNp = 3;
// Depth per pass: a B panel (kKc rows of kMaxNp packets) and the A blocks of a typical conv stay
// in L1 while the tiles of one panel are computed. Deeper products accumulate over several passes.
constexpr int64_t kKc = 128;

// The Relu op's semantics: x > 0 ? x : +0 (NaN and -0 become +0).
inline Packet Relu(const Packet& x) {
  const Packet zero = Eigen::internal::pzero(x);
  return Eigen::internal::pand(x, Eigen::internal::pcmp_lt(zero, x));
}

// One tile: C[0..mr, 0..kNp*kPs) = (C or 0) + A_block[.., 0..k) * B (+ bias[i]) (then Relu),
// where row(p) points at the kNp*kPs elements of B row p that the tile reads. The bias comes last,
// after the whole sum, as in onnxruntime's and Eigen-based kernels, so results round alike.
template <int kNp, typename RowFn>
void Tile(const float* a, RowFn row, int64_t k, int mr, bool accumulate, const float* bias,
          bool relu, float* c, int64_t ldc) {
  Packet acc[kMr][kNp];
#pragma GCC unroll 8
  for (int i = 0; i < kMr; ++i) {
#pragma GCC unroll 3
    for (int j = 0; j < kNp; ++j) {
      acc[i][j] = accumulate && i < mr ? Eigen::internal::ploadu<Packet>(c + i * ldc + j * kPs)
                                       : pset1<Packet>(0.0f);
    }
  }
  for (int64_t p = 0; p < k; ++p) {
    const float* b = row(p);
    Packet bv[kNp];
#pragma GCC unroll 3
    for (int j = 0; j < kNp; ++j) bv[j] = Eigen::internal::ploadu<Packet>(b + j * kPs);
    const float* ap = a + p * kMr;
#pragma GCC unroll 8
    for (int i = 0; i < kMr; ++i) {
      const Packet ai = pset1<Packet>(ap[i]);
#pragma GCC unroll 3
      for (int j = 0; j < kNp; ++j) acc[i][j] = pmadd(ai, bv[j], acc[i][j]);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < kMr; ++i) {
    if (i >= mr) break;
#pragma GCC unroll 3
    for (int j = 0; j < kNp; ++j) {
      Packet v = acc[i][j];
      if (bias != nullptr) v = Eigen::internal::padd(v, pset1<Packet>(bias[i]));
      Eigen::internal::pstoreu(c + i * ldc + j * kPs, relu ? Relu(v) : v);
    }
  }
}

// Parameters of one pass over a depth slice [k0, k0 + kb) of the product. Passes after the first
// accumulate into C; the last adds the bias (null before) and applies the Relu.
struct Pass {
  const PackedLhs* a;
  std::span<const float* const> rows;
  int64_t k0, kb;
  bool accumulate;
  const float* bias;
  bool relu;
  float* c;
  int64_t ldc;
};

// All row blocks of the kNp packets of columns starting at `col`.
template <int kNp>
void Panel(const Pass& s, int64_t col) {
  const int64_t m = s.a->rows();
  for (int64_t blk = 0; blk * kMr < m; ++blk) {
    const int64_t r0 = blk * kMr;
    Tile<kNp>(s.a->block(blk) + s.k0 * kMr, [&](int64_t p) { return s.rows[s.k0 + p] + col; },
              s.kb, static_cast<int>(std::min<int64_t>(kMr, m - r0)), s.accumulate,
              s.bias != nullptr ? s.bias + r0 : nullptr, s.relu, s.c + r0 * s.ldc + col, s.ldc);
  }
}

// The last `rem` < kPs columns: B and C go through zero-padded copies one packet wide.
void TailPanel(const Pass& s, int64_t col, int64_t rem) {
  float b[kKc * kPs];
  for (int64_t p = 0; p < s.kb; ++p) {
    std::memcpy(b + p * kPs, s.rows[s.k0 + p] + col, rem * sizeof(float));
    std::fill(b + p * kPs + rem, b + (p + 1) * kPs, 0.0f);
  }
  const int64_t m = s.a->rows();
  for (int64_t blk = 0; blk * kMr < m; ++blk) {
    const int64_t r0 = blk * kMr;
    const int mr = static_cast<int>(std::min<int64_t>(kMr, m - r0));
    float tile[kMr * kPs] = {};
    float* c = s.c + r0 * s.ldc + col;
    if (s.accumulate) {
      for (int i = 0; i < mr; ++i) std::memcpy(tile + i * kPs, c + i * s.ldc, rem * sizeof(float));
    }
    Tile<1>(s.a->block(blk) + s.k0 * kMr, [&](int64_t p) { return b + p * kPs; }, s.kb, mr,
            s.accumulate, s.bias != nullptr ? s.bias + r0 : nullptr, s.relu, tile, kPs);
    for (int i = 0; i < mr; ++i) std::memcpy(c + i * s.ldc, tile + i * kPs, rem * sizeof(float));
  }
}

// y[0, kNp * kPs) += x · b for one chunk of columns, accumulated in registers.
template <int kNp>
void RowTimesMatrixChunk(const float* x, int64_t k, const float* b, int64_t ldb, float* y) {
  Packet acc[kNp];
#pragma GCC unroll 8
  for (int j = 0; j < kNp; ++j) acc[j] = Eigen::internal::ploadu<Packet>(y + j * kPs);
  for (int64_t p = 0; p < k; ++p) {
    const Packet xp = pset1<Packet>(x[p]);
    const float* row = b + p * ldb;
#pragma GCC unroll 8
    for (int j = 0; j < kNp; ++j) {
      acc[j] = pmadd(xp, Eigen::internal::ploadu<Packet>(row + j * kPs), acc[j]);
    }
  }
#pragma GCC unroll 8
  for (int j = 0; j < kNp; ++j) Eigen::internal::pstoreu(y + j * kPs, acc[j]);
}

}  // namespace

int PackedGemmMr() { return kMr; }

void PackedLhs::Pack(const float* a, int64_t m, int64_t k, int64_t lda) {
  m_ = m;
  k_ = k;
  const int64_t blocks = (m + kMr - 1) / kMr;
  data_.assign(blocks * kMr * k, 0.0f);
  for (int64_t r = 0; r < m; ++r) {
    float* dst = data_.data() + (r / kMr) * kMr * k + r % kMr;
    for (int64_t p = 0; p < k; ++p) dst[p * kMr] = a[r * lda + p];
  }
}

void PackedGemm(const PackedLhs& a, std::span<const float* const> rows, int64_t n,
                const float* bias, bool relu, float* c, int64_t ldc) {
  const int64_t k = a.depth();
  if (k == 0) {
    // No terms: C is the bias alone.
    for (int64_t i = 0; i < a.rows(); ++i) {
      const float v = bias != nullptr ? bias[i] : 0.0f;
      std::fill(c + i * ldc, c + i * ldc + n, relu && !(v > 0) ? 0.0f : v);
    }
    return;
  }
  for (int64_t k0 = 0; k0 < k; k0 += kKc) {
    const int64_t kb = std::min(kKc, k - k0);
    const bool last = k0 + kb == k;
    const Pass s{&a, rows, k0, kb, k0 > 0, last ? bias : nullptr, relu && last, c, ldc};
    int64_t col = 0;
    for (; col + kMaxNp * kPs <= n; col += kMaxNp * kPs) Panel<kMaxNp>(s, col);
    if (col + 2 * kPs <= n) {
      Panel<2>(s, col);
      col += 2 * kPs;
    } else if (col + kPs <= n) {
      Panel<1>(s, col);
      col += kPs;
    }
    if (col < n) TailPanel(s, col, n - col);
  }
}

void AccumulateRowTimesMatrix(const float* x, int64_t k, const float* b, int64_t ldb, int64_t n,
                              bool descending, float* y) {
  // Chunks of 4 packets: enough independent accumulators to hide the multiply-add latency, and
  // small enough that the chunks last touched by the previous call are still in L1.
  constexpr int64_t kChunk = 4 * kPs;
  const int64_t chunks = n / kChunk;
  for (int64_t i = 0; i < chunks; ++i) {
    const int64_t col = (descending ? chunks - 1 - i : i) * kChunk;
    RowTimesMatrixChunk<4>(x, k, b + col, ldb, y + col);
  }
  int64_t col = chunks * kChunk;
  for (; col + kPs <= n; col += kPs) RowTimesMatrixChunk<1>(x, k, b + col, ldb, y + col);
  for (; col < n; ++col) {
    float acc = y[col];
    for (int64_t p = 0; p < k; ++p) acc = std::fma(x[p], b[p * ldb + col], acc);
    y[col] = acc;
  }
}

}  // namespace finngl
