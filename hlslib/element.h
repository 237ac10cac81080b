// Element access on packed stream beats (docs/hw_layers.md, "Streams"): element i of a beat holding
// elements of type T occupies bits [i * T::width, (i + 1) * T::width), signed values in two's
// complement. Every kernel reads and writes its beats only through these two helpers, so the
// packing convention lives in one place. Both are pure wiring in hardware (no cycles).
#ifndef FINNGL_HLSLIB_ELEMENT_H_
#define FINNGL_HLSLIB_ELEMENT_H_

#include "ap_int.h"
#include "pragma.h"

namespace fgl {

// Element i of `beat`, interpreted as T (sign-extended when T is an ap_int).
template <typename T, int W>
T Get(const ap_uint<W>& beat, unsigned i) {
  FGL_HLS(INLINE)
  return T(beat.range((i + 1) * T::width - 1, i * T::width));
}

// Writes `value` (already of type T, i.e. wrapped to T::width bits) as element i of `beat`.
template <typename T, int W>
void Set(ap_uint<W>& beat, unsigned i, const T& value) {
  FGL_HLS(INLINE)
  const ap_uint<T::width> bits = value;
  beat.range((i + 1) * T::width - 1, i * T::width) = bits;
}

}  // namespace fgl

#endif  // FINNGL_HLSLIB_ELEMENT_H_
