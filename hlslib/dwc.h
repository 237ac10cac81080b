// DataWidthConverter: StreamingDataWidthConverter (docs/hw_layers.md). Re-packs each vector of
// VectorBits bits from InWidth-bit to OutWidth-bit beats, for any ratio. A vector occupies
// InBeats = ceil(VectorBits / InWidth) input beats and OutBeats = ceil(VectorBits / OutWidth)
// output beats; the bits of the last beat above the vector are padding (ignored on input, zero on
// output). The kernel holds up to InWidth + OutWidth bits in a shift register.
//
// Cycle behaviour: one pipelined loop (II = 1) of reps * DwcIterations(InWidth, OutWidth,
// VectorBits) iterations. Each iteration reads one input beat if fewer than OutWidth bits are held
// (and the vector has input left), then writes one output beat if at least OutWidth bits are held
// (or the vector's input is exhausted). The count satisfies
// max(InBeats, OutBeats) <= DwcIterations <= InBeats + OutBeats; e.g. it is exactly
// max(InBeats, OutBeats) when one width divides the other and VectorBits.
#ifndef FINNGL_HLSLIB_DWC_H_
#define FINNGL_HLSLIB_DWC_H_

#include "ap_int.h"
#include "hls_stream.h"
#include "pragma.h"

namespace fgl {

// The per-vector iteration count of DataWidthConverter (a compile-time replay of its counters).
constexpr unsigned DwcIterations(unsigned in_width, unsigned out_width, unsigned vector_bits) {
  const unsigned in_beats = (vector_bits + in_width - 1) / in_width;
  const unsigned out_beats = (vector_bits + out_width - 1) / out_width;
  unsigned have = 0, in_count = 0, out_count = 0, iters = 0;
  while (out_count < out_beats) {
    ++iters;
    if (in_count < in_beats && have < out_width) {
      const unsigned left = vector_bits - in_count * in_width;
      have += left < in_width ? left : in_width;
      ++in_count;
    }
    if (have >= out_width || (in_count == in_beats && have > 0)) {
      have -= have < out_width ? have : out_width;
      ++out_count;
    }
  }
  return iters;
}

template <unsigned InWidth, unsigned OutWidth, unsigned VectorBits>
void DataWidthConverter(hls::stream<ap_uint<InWidth>>& in, hls::stream<ap_uint<OutWidth>>& out,
                        unsigned reps) {
  static_assert(VectorBits >= 1, "DataWidthConverter needs a non-empty vector");
  constexpr unsigned kInBeats = (VectorBits + InWidth - 1) / InWidth;
  constexpr unsigned kLastInBits = VectorBits - (kInBeats - 1) * InWidth;  // valid bits, last beat
  constexpr unsigned kIters = DwcIterations(InWidth, OutWidth, VectorBits);
  constexpr unsigned kBufWidth = InWidth + OutWidth;
  ap_uint<kBufWidth> buf = 0;
  unsigned have = 0, in_count = 0, it = 0;
  for (unsigned i = 0; i < reps * kIters; ++i) {
    FGL_HLS(PIPELINE II=1)
    if (in_count < kInBeats && have < OutWidth) {
      ap_uint<kBufWidth> x = in.read();
      unsigned bits = InWidth;
      if (++in_count == kInBeats) {
        bits = kLastInBits;
        x = (x << (kBufWidth - bits)) >> (kBufWidth - bits);  // drop the padding bits
      }
      buf |= x << have;
      have += bits;
    }
    if (have >= OutWidth || (in_count == kInBeats && have > 0)) {
      out.write(ap_uint<OutWidth>(buf.range(OutWidth - 1, 0)));
      buf = buf >> OutWidth;
      have = have < OutWidth ? 0 : have - OutWidth;
    }
    if (++it == kIters) {  // next vector
      it = 0;
      in_count = 0;
      have = 0;
      buf = 0;
    }
  }
}

}  // namespace fgl

#endif  // FINNGL_HLSLIB_DWC_H_
