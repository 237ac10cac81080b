// A matrix product specialised for the executor's hot float products, whose left operand is a
// constant (conv weights) and whose right operand can be read in place:
//
//   C[m, n] = init[m] + sum_k A[m, k] * B[k, n]   (then optionally max(., 0))
//
// A is packed once (PackedLhs) into blocks of kPackedGemmMr rows stored k-major, so the
// micro-kernel broadcasts consecutive elements. B is given as one pointer per row (each row holds
// n contiguous elements), so a convolution passes pointers straight into its input planes when its
// columns are contiguous there (kernel width 1, unit stride, no padding) instead of copying them
// into an im2col matrix; generic convolutions pass the rows of their im2col matrix. C starts from
// the per-row bias (no zero fill, no separate bias pass), and a following Relu can be applied
// while the tile is still in registers.
//
// Each C element is bias + a[0]*b[0] + a[1]*b[1] + ... in order, one fused multiply-add per term
// (as Eigen's and onnxruntime's float kernels do). For integer-valued operands whose partial sums
// stay below 2^24 (ChooseAccumulator) every step is exact, so the exact paths may use it too.
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

// C[m, j] = bias[m] (0 without bias) + sum_p A[m, p] * rows[p][j] for m < a.rows(), j < n;
// with `relu`, C = max(C, 0) with Relu's semantics (NaN and -0 become +0). C is row-major with
// leading dimension ldc and must not overlap the inputs.
void PackedGemm(const PackedLhs& a, std::span<const float* const> rows, int64_t n,
                const float* bias, bool relu, float* c, int64_t ldc);

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_PACKED_GEMM_H_
