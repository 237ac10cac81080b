// C-simulation testbench helpers (g++ only, not synthesizable): move tensors of plain integers in
// and out of packed streams following docs/hw_layers.md's packing, and draw random elements of an
// ap type. Used by tests/hlslib and usable by generated testbenches.
#ifndef FINNGL_HLSLIB_SIM_TESTBENCH_H_
#define FINNGL_HLSLIB_SIM_TESTBENCH_H_

#include <cassert>
#include <cstdint>
#include <random>
#include <vector>

#include "../element.h"
#include "ap_int.h"
#include "hls_stream.h"

namespace fgl::sim {

// Smallest and largest value of an ap type of at most 63 bits.
template <typename T>
constexpr bool IsSigned() {
  return T(-1).is_negative();
}
template <typename T>
constexpr int64_t MinOf() {
  return IsSigned<T>() ? -(int64_t{1} << (T::width - 1)) : 0;
}
template <typename T>
constexpr int64_t MaxOf() {
  return IsSigned<T>() ? static_cast<int64_t>((uint64_t{1} << (T::width - 1)) - 1)
                       : static_cast<int64_t>((uint64_t{1} << T::width) - 1);
}

// n values uniformly drawn from T's range.
template <typename T>
std::vector<int64_t> RandomElements(std::mt19937_64& rng, size_t n) {
  std::uniform_int_distribution<int64_t> dist(MinOf<T>(), MaxOf<T>());
  std::vector<int64_t> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Writes `values` (row-major, channel innermost) as beats of Fold elements of type T.
template <typename T, unsigned Fold>
void PackToStream(const std::vector<int64_t>& values, hls::stream<ap_uint<Fold * T::width>>& s) {
  assert(values.size() % Fold == 0);
  for (size_t b = 0; b < values.size() / Fold; ++b) {
    ap_uint<Fold * T::width> beat = 0;
    for (unsigned i = 0; i < Fold; ++i) fgl::Set<T>(beat, i, T(values[b * Fold + i]));
    s.write(beat);
  }
}

// Reads n elements of type T packed Fold per beat (n / Fold beats).
template <typename T, unsigned Fold>
std::vector<int64_t> UnpackFromStream(hls::stream<ap_uint<Fold * T::width>>& s, size_t n) {
  assert(n % Fold == 0);
  std::vector<int64_t> values;
  values.reserve(n);
  for (size_t b = 0; b < n / Fold; ++b) {
    const ap_uint<Fold * T::width> beat = s.read();
    for (unsigned i = 0; i < Fold; ++i) values.push_back(fgl::Get<T>(beat, i).to_int64());
  }
  return values;
}

}  // namespace fgl::sim

#endif  // FINNGL_HLSLIB_SIM_TESTBENCH_H_
