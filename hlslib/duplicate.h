// DuplicateStreams: copies every beat of one stream to NumOut streams (fan-out of a tensor to
// several consumers, docs/hw_layers.md). Cycle behaviour: one pipelined loop (II = 1) of `beats`
// iterations, each reading one beat and writing it to every output.
#ifndef FINNGL_HLSLIB_DUPLICATE_H_
#define FINNGL_HLSLIB_DUPLICATE_H_

#include "ap_int.h"
#include "hls_stream.h"
#include "pragma.h"

namespace fgl {

template <unsigned NumOut, unsigned Width>
void DuplicateStreams(hls::stream<ap_uint<Width>>& in, hls::stream<ap_uint<Width>> (&out)[NumOut],
                      unsigned beats) {
  for (unsigned i = 0; i < beats; ++i) {
    FGL_HLS(PIPELINE II=1)
    const ap_uint<Width> x = in.read();
    for (unsigned k = 0; k < NumOut; ++k) {
      FGL_HLS(UNROLL)
      out[k].write(x);
    }
  }
}

}  // namespace fgl

#endif  // FINNGL_HLSLIB_DUPLICATE_H_
