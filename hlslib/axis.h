// The accelerator's AXI-Stream boundary: the kernels pass plain ap_uint beats, but an AXI DMA
// (S2MM) only completes a receive on TLAST, so the exported top (<top>_axis, generated) wraps the
// dataflow top with these two adapters. Inputs drop the side channels (TLAST from the DMA's MM2S
// is not needed: the beat count is known); outputs carry TKEEP/TSTRB all ones and TLAST on the
// last beat of the call (reps frames), so one DMA receive of the whole call's bytes completes.
// Cycle behaviour: one pipelined loop (II = 1) of `beats` iterations.
#ifndef FINNGL_HLSLIB_AXIS_H_
#define FINNGL_HLSLIB_AXIS_H_

#include "ap_axi_sdata.h"
#include "ap_int.h"
#include "hls_stream.h"
#include "pragma.h"

namespace fgl {

template <int Width>
using AxisBeat = ap_axiu<Width, 0, 0, 0>;

template <int Width>
void StripSideChannels(hls::stream<AxisBeat<Width>>& in, hls::stream<ap_uint<Width>>& out,
                       unsigned beats) {
  for (unsigned i = 0; i < beats; ++i) {
    FGL_HLS(PIPELINE II=1)
    out.write(in.read().data);
  }
}

template <int Width>
void MarkLastBeat(hls::stream<ap_uint<Width>>& in, hls::stream<AxisBeat<Width>>& out,
                  unsigned beats) {
  static_assert(Width % 8 == 0, "AXI-Stream ports are whole bytes wide");
  for (unsigned i = 0; i < beats; ++i) {
    FGL_HLS(PIPELINE II=1)
    AxisBeat<Width> beat;
    beat.data = in.read();
    beat.keep = -1;
    beat.strb = -1;
    beat.last = i + 1 == beats;
    out.write(beat);
  }
}

}  // namespace fgl

#endif  // FINNGL_HLSLIB_AXIS_H_
