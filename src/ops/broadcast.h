// NumPy/ONNX multidirectional broadcasting shared by elementwise-style kernels.
#ifndef FINNGL_SRC_OPS_BROADCAST_H_
#define FINNGL_SRC_OPS_BROADCAST_H_

#include <array>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"

namespace finngl {

// Broadcast result dims of runtime shapes; error text names both shapes.
absl::StatusOr<Dims> BroadcastDims(std::span<const Dims> shapes);
// Static version over possibly-unknown dims (unknown dims stay unknown unless the other side
// fixes them to a size != 1).
absl::StatusOr<Shape> BroadcastShapes(std::span<const Shape> shapes);

// For each input, the element strides into it when iterating the broadcast output in row-major
// order (0 along broadcast axes). Inputs with fewer dims are right-aligned.
std::vector<int64_t> BroadcastStrides(const Dims& input, const Dims& output);

// Calls fn(out_index, in_offsets...) for every output element; fast paths when inputs are
// contiguous-equal or scalar are up to the caller.
template <size_t N, typename Fn>
void ForEachBroadcast(const Dims& out, const std::array<std::vector<int64_t>, N>& strides, Fn&& fn) {
  const int64_t total = NumElementsOf(out);
  const int rank = static_cast<int>(out.size());
  std::vector<int64_t> idx(rank, 0);
  std::array<int64_t, N> off{};
  for (int64_t i = 0; i < total; ++i) {
    fn(i, off);
    for (int d = rank - 1; d >= 0; --d) {
      if (++idx[d] < out[d]) {
        for (size_t k = 0; k < N; ++k) off[k] += strides[k][d];
        break;
      }
      for (size_t k = 0; k < N; ++k) off[k] -= strides[k][d] * (out[d] - 1);
      idx[d] = 0;
    }
  }
}

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_BROADCAST_H_
