// Float matrix products for the executor's hot paths. PackedGemm is a product whose left operand
// is a constant (conv weights) and whose right operand can be read in place:
//
//   C[m, n] = sum_k A[m, k] * B[k, n] + bias[m]   (then optionally max(., 0))
//
// A is packed once (PackedLhs) into blocks of PackedGemmMr() rows stored k-major, so the
// micro-kernel broadcasts consecutive elements. B is given as one pointer per row (each row holds
// n contiguous elements), so a convolution passes pointers straight into its input planes when its
// columns are contiguous there (kernel width 1, unit stride, no padding) instead of copying them
// into an im2col matrix; generic convolutions pass the rows of their im2col matrix. The per-row
// bias and a following Relu are applied while a tile is still in registers (no zero fill of C,
// no separate passes).
//
// Each C element is (a[0]*b[0] + a[1]*b[1] + ...) + bias: the terms summed in order with one
// fused multiply-add each and the bias added last, the rounding of Eigen's GEMM followed by a bias
// pass and close to onnxruntime's conv (quantizers after a conv amplify any rounding difference).
// For integer-valued operands whose partial sums stay below 2^24 (ChooseAccumulator) every step
// is exact, so the exact paths use it too.
#ifndef FINNGL_SRC_OPS_PACKED_GEMM_H_
#define FINNGL_SRC_OPS_PACKED_GEMM_H_

#include <cstdint>
#include <span>
#include <vector>

namespace finngl {

// Rows of A per micro-kernel tile: as many as the SIMD register file holds accumulators for.
int PackedGemmMr();

// A[M, K] (row-major, leading dimension lda) repacked for PackedGemm. Rows beyond M in the last
// block are zero.
class PackedLhs {
 public:
  void Pack(const float* a, int64_t m, int64_t k, int64_t lda);
  int64_t rows() const { return m_; }
  int64_t depth() const { return k_; }
  // Block b (rows [b * Mr, b * Mr + Mr)): element (row r, column p) at block(b)[p * Mr + r].
  const float* block(int64_t b) const { return data_.data() + b * k_ * PackedGemmMr(); }

 private:
  int64_t m_ = 0, k_ = 0;
  std::vector<float> data_;
};

// C[m, j] = sum_p A[m, p] * rows[p][j] (+ bias[m]) for m < a.rows(), j < n;
// with `relu`, C = max(C, 0) with Relu's semantics (NaN and -0 become +0). C is row-major with
// leading dimension ldc and must not overlap the inputs.
void PackedGemm(const PackedLhs& a, std::span<const float* const> rows, int64_t n,
                const float* bias, bool relu, float* c, int64_t ldc);

// y[j] += sum_p x[p] * b[p * ldb + j] for j < n, p < k: a row vector times a matrix stored with
// the vector's index outermost (a pre-transposed weight), so every term is a vector multiply-add
// over a contiguous row of b. This is the batch-1 step of a recurrent cell, whose matrix is
// usually larger than L1: called repeatedly, alternate `descending` so that each call starts with
// the columns the previous call touched last, which are still cached.
void AccumulateRowTimesMatrix(const float* x, int64_t k, const float* b, int64_t ldb, int64_t n,
                              bool descending, float* y);

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_PACKED_GEMM_H_
