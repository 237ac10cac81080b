// LabelSelect (docs/hw_layers.md): per frame, the indices of the K largest of Labels values, largest
// first; equal values keep the lower index first. The running top-K list is kept sorted in K
// registers; each incoming value is inserted by a parallel compare-and-shift (PE insertions per
// beat, chained).
//
// Cycle behaviour, per frame: a pipelined loop (II = 1) of Labels / PE iterations reading one beat
// each, then a loop of K iterations writing one index beat each. reps = frames.
#ifndef FINNGL_HLSLIB_LABEL_SELECT_H_
#define FINNGL_HLSLIB_LABEL_SELECT_H_

#include "ap_int.h"
#include "element.h"
#include "hls_stream.h"
#include "pragma.h"

namespace fgl {

template <unsigned Labels, unsigned PE, unsigned K, typename TI, typename TO>
void LabelSelect(hls::stream<ap_uint<PE * TI::width>>& in, hls::stream<ap_uint<TO::width>>& out,
                 unsigned reps) {
  static_assert(Labels % PE == 0, "LabelSelect needs Labels % PE == 0");
  static_assert(K >= 1 && K <= Labels, "LabelSelect needs 1 <= K <= Labels");
  TI top_val[K];
  unsigned top_idx[K];
  FGL_HLS(ARRAY_PARTITION variable=top_val complete dim=1)
  FGL_HLS(ARRAY_PARTITION variable=top_idx complete dim=1)
  for (unsigned rep = 0; rep < reps; ++rep) {
    unsigned count = 0;  // filled slots
    for (unsigned nf = 0; nf < Labels / PE; ++nf) {
      FGL_HLS(PIPELINE II=1)
      const ap_uint<PE * TI::width> x = in.read();
      for (unsigned p = 0; p < PE; ++p) {
        FGL_HLS(UNROLL)
        const TI v = Get<TI>(x, p);
        // v takes the first slot it beats (empty, or holding a strictly smaller value); the slots
        // behind it shift down by one. Going from the back, slot k - 1 still holds its old value.
        for (int k = K - 1; k >= 0; --k) {
          FGL_HLS(UNROLL)
          const bool beats_here = static_cast<unsigned>(k) >= count || v > top_val[k];
          const bool beats_prev =
              k > 0 && (static_cast<unsigned>(k - 1) >= count || v > top_val[k - 1]);
          if (beats_here && beats_prev) {
            top_val[k] = top_val[k - 1];
            top_idx[k] = top_idx[k - 1];
          } else if (beats_here) {
            top_val[k] = v;
            top_idx[k] = nf * PE + p;
          }
        }
        if (count < K) ++count;
      }
    }
    for (unsigned k = 0; k < K; ++k) {
      FGL_HLS(PIPELINE II=1)
      ap_uint<TO::width> y = 0;
      Set<TO>(y, 0, TO(top_idx[k]));
      out.write(y);
    }
  }
}

}  // namespace fgl

#endif  // FINNGL_HLSLIB_LABEL_SELECT_H_
