// ArrayToStream / StreamToArray: move N beats between an on-chip array and a stream, in index
// order (recurrent state and per-step buffers of a RecurrentLayer, docs/hw_layers.md).
// DiscardStream reads and drops N beats: a body result the RecurrentLayer does not output
// (its per-step stream must still be drained). Cycle behaviour: one pipelined loop (II = 1) of N
// iterations.
#ifndef FINNGL_HLSLIB_ARRAY_STREAM_H_
#define FINNGL_HLSLIB_ARRAY_STREAM_H_

#include "ap_int.h"
#include "hls_stream.h"
#include "pragma.h"

namespace fgl {

template <unsigned N, unsigned Width>
void ArrayToStream(const ap_uint<Width> (&a)[N], hls::stream<ap_uint<Width>>& s) {
  for (unsigned i = 0; i < N; ++i) {
    FGL_HLS(PIPELINE II=1)
    s.write(a[i]);
  }
}

template <unsigned N, unsigned Width>
void StreamToArray(hls::stream<ap_uint<Width>>& s, ap_uint<Width> (&a)[N]) {
  for (unsigned i = 0; i < N; ++i) {
    FGL_HLS(PIPELINE II=1)
    a[i] = s.read();
  }
}

template <unsigned N, unsigned Width>
void DiscardStream(hls::stream<ap_uint<Width>>& s) {
  for (unsigned i = 0; i < N; ++i) {
    FGL_HLS(PIPELINE II=1)
    (void)s.read();
  }
}

}  // namespace fgl

#endif  // FINNGL_HLSLIB_ARRAY_STREAM_H_
