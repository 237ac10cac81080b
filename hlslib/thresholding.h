// Thresholding: multi-threshold activation y = ActVal + #{i : x >= T[c][i]} per channel c
// (docs/hw_layers.md, "Thresholding"), and the activation functor MvauThreshold shares.
//
// Thresholds are laid out thresholds[p][nf][i] for channel c = nf * PE + p, so PE lanes read their
// own partition in the same cycle. Cycle behaviour: one pipelined loop (II = 1) of reps * (C / PE)
// iterations; each reads one input beat of PE elements and writes one output beat. NumSteps
// comparators per lane work in parallel (the thresholds are completely partitioned on the step
// axis).
#ifndef FINNGL_HLSLIB_THRESHOLDING_H_
#define FINNGL_HLSLIB_THRESHOLDING_H_

#include "ap_int.h"
#include "element.h"
#include "hls_stream.h"
#include "pragma.h"

namespace fgl {

// Maps a value (accumulator or input element) of channel nf * PE + p to its activation level.
template <unsigned NF, unsigned NumSteps, int ActVal, typename TT, typename TO>
struct ThresholdActivation {
  const TT (*thresholds)[NF][NumSteps];

  template <typename TV>
  TO operator()(const TV& v, unsigned nf, unsigned p) const {
    FGL_HLS(INLINE)
    int level = ActVal;
    for (unsigned i = 0; i < NumSteps; ++i) {
      FGL_HLS(UNROLL)
      level += (v >= thresholds[p][nf][i]) ? 1 : 0;
    }
    return TO(level);
  }
};

template <unsigned C, unsigned PE, unsigned NumSteps, int ActVal, typename TI, typename TT,
          typename TO>
void Thresholding(hls::stream<ap_uint<PE * TI::width>>& in,
                  hls::stream<ap_uint<PE * TO::width>>& out,
                  const TT thresholds[PE][C / PE][NumSteps], unsigned reps) {
  static_assert(C % PE == 0, "Thresholding needs C % PE == 0");
  static_assert(NumSteps >= 1, "Thresholding needs at least one threshold step");
  FGL_HLS(ARRAY_PARTITION variable=thresholds complete dim=1)
  FGL_HLS(ARRAY_PARTITION variable=thresholds complete dim=3)
  constexpr unsigned NF = C / PE;
  const ThresholdActivation<NF, NumSteps, ActVal, TT, TO> act{thresholds};
  unsigned nf = 0;
  for (unsigned i = 0; i < reps * NF; ++i) {
    FGL_HLS(PIPELINE II=1)
    const ap_uint<PE * TI::width> x = in.read();
    ap_uint<PE * TO::width> y = 0;
    for (unsigned p = 0; p < PE; ++p) {
      FGL_HLS(UNROLL)
      Set<TO>(y, p, act(Get<TI>(x, p), nf, p));
    }
    out.write(y);
    if (++nf == NF) nf = 0;
  }
}

}  // namespace fgl

#endif  // FINNGL_HLSLIB_THRESHOLDING_H_
