// Matrix-vector activation unit: y = x W per input vector, optionally followed by multi-threshold
// activation (docs/hw_layers.md, "MVAU").
//
// Folding: the MW x MH matrix is processed in tiles of SIMD inputs x PE outputs. Tile
// (nf, sf) = weights[p][nf * SF + sf][s] = W[sf * SIMD + s][nf * PE + p], with SF = MW / SIMD and
// NF = MH / PE. PE lanes each own a weight partition (completely partitioned on dims 1 and 3, so all
// PE * SIMD weights of a tile are read in one cycle).
//
// Cycle behaviour: one pipelined loop (II = 1) of reps * NF * SF iterations. Iteration (nf, sf)
// reads input beat sf when nf == 0 (and keeps it in an SF-entry buffer for the other neuron folds),
// multiplies it with tile (nf, sf) and accumulates PE sums; at sf == SF - 1 it writes one output
// beat of PE results. So per input vector: SF input beats in, NF output beats out, NF * SF cycles.
#ifndef FINNGL_HLSLIB_MVAU_H_
#define FINNGL_HLSLIB_MVAU_H_

#include "ap_int.h"
#include "element.h"
#include "hls_stream.h"
#include "pragma.h"
#include "thresholding.h"

namespace fgl {

// The identity activation of a plain MVAU: the accumulator, wrapped to TO.
template <typename TO>
struct PassThroughActivation {
  template <typename TA>
  TO operator()(const TA& acc, unsigned nf, unsigned p) const {
    FGL_HLS(INLINE)
    return TO(acc);
  }
};

namespace detail {

template <unsigned MW, unsigned MH, unsigned SIMD, unsigned PE, typename TI, typename TW,
          typename TA, typename TO, typename Act>
void MvauLoop(hls::stream<ap_uint<SIMD * TI::width>>& in,
              hls::stream<ap_uint<PE * TO::width>>& out,
              const TW weights[PE][(MH / PE) * (MW / SIMD)][SIMD], const Act& act, unsigned reps) {
  FGL_HLS(INLINE)
  static_assert(MW % SIMD == 0, "MVAU needs MW % SIMD == 0");
  static_assert(MH % PE == 0, "MVAU needs MH % PE == 0");
  constexpr unsigned SF = MW / SIMD;
  constexpr unsigned NF = MH / PE;
  ap_uint<SIMD * TI::width> input_buf[SF];
  TA acc[PE];
  FGL_HLS(ARRAY_PARTITION variable=acc complete dim=1)
  unsigned sf = 0, nf = 0, tile = 0;
  for (unsigned i = 0; i < reps * NF * SF; ++i) {
    FGL_HLS(PIPELINE II=1)
    ap_uint<SIMD * TI::width> x;
    if (nf == 0) {
      x = in.read();
      input_buf[sf] = x;
    } else {
      x = input_buf[sf];
    }
    for (unsigned p = 0; p < PE; ++p) {
      FGL_HLS(UNROLL)
      TA a = (sf == 0) ? TA(0) : acc[p];
      for (unsigned s = 0; s < SIMD; ++s) {
        FGL_HLS(UNROLL)
        a += weights[p][tile][s] * Get<TI>(x, s);
      }
      acc[p] = a;
    }
    if (sf == SF - 1) {
      ap_uint<PE * TO::width> y = 0;
      for (unsigned p = 0; p < PE; ++p) {
        FGL_HLS(UNROLL)
        Set<TO>(y, p, act(acc[p], nf, p));
      }
      out.write(y);
    }
    ++tile;
    if (++sf == SF) {
      sf = 0;
      if (++nf == NF) {
        nf = 0;
        tile = 0;
      }
    }
  }
}

}  // namespace detail

// y = x W (no activation); reps = input vectors.
template <unsigned MW, unsigned MH, unsigned SIMD, unsigned PE, typename TI, typename TW,
          typename TA, typename TO>
void Mvau(hls::stream<ap_uint<SIMD * TI::width>>& in, hls::stream<ap_uint<PE * TO::width>>& out,
          const TW weights[PE][(MH / PE) * (MW / SIMD)][SIMD], unsigned reps) {
  FGL_HLS(ARRAY_PARTITION variable=weights complete dim=1)
  FGL_HLS(ARRAY_PARTITION variable=weights complete dim=3)
  detail::MvauLoop<MW, MH, SIMD, PE, TI, TW, TA, TO>(in, out, weights,
                                                     PassThroughActivation<TO>(), reps);
}

// y = ActVal + #{i : acc >= thresholds[p][nf][i]} for channel nf * PE + p; reps = input vectors.
template <unsigned MW, unsigned MH, unsigned SIMD, unsigned PE, unsigned NumSteps, int ActVal,
          typename TI, typename TW, typename TA, typename TT, typename TO>
void MvauThreshold(hls::stream<ap_uint<SIMD * TI::width>>& in,
                   hls::stream<ap_uint<PE * TO::width>>& out,
                   const TW weights[PE][(MH / PE) * (MW / SIMD)][SIMD],
                   const TT thresholds[PE][MH / PE][NumSteps], unsigned reps) {
  static_assert(NumSteps >= 1, "MvauThreshold needs at least one threshold step");
  FGL_HLS(ARRAY_PARTITION variable=weights complete dim=1)
  FGL_HLS(ARRAY_PARTITION variable=weights complete dim=3)
  FGL_HLS(ARRAY_PARTITION variable=thresholds complete dim=1)
  FGL_HLS(ARRAY_PARTITION variable=thresholds complete dim=3)
  const ThresholdActivation<MH / PE, NumSteps, ActVal, TT, TO> act{thresholds};
  detail::MvauLoop<MW, MH, SIMD, PE, TI, TW, TA, TO>(in, out, weights, act, reps);
}

}  // namespace fgl

#endif  // FINNGL_HLSLIB_MVAU_H_
