// SlidingWindow: the ConvolutionInputGenerator (docs/hw_layers.md), i.e. Im2Col on a stream:
// y[oh, ow, (kh * KW + kw) * C + c] = xpad[oh * SH + kh * DH, ow * SW + kw * DW, c], where xpad is
// x with PadT rows / PadL columns of zeros in front (and as many as OH / OW imply behind).
//
// Buffering: a line buffer of LB = (KH - 1) * DH + 1 input rows (W * C / SIMD beats each), used
// circularly (row r lives in slot r % LB). Before output row oh it reads input rows up to the last
// one that row needs, oh * SH - PadT + (KH - 1) * DH; the rows it overwrites are all above
// oh * SH - PadT, so no later output needs them. Rows no output needs are read and dropped at the
// end of the frame.
//
// Cycle behaviour (reads and writes do not overlap; CF = C / SIMD), per frame:
//   H * W * CF read iterations + OH * OW * KH * KW * CF write iterations,
// in pipelined loops (II = 1): per output row a read loop of (new rows) * W * CF iterations, then a
// write loop of OW * KH * KW * CF iterations. reps = frames.
#ifndef FINNGL_HLSLIB_SLIDING_WINDOW_H_
#define FINNGL_HLSLIB_SLIDING_WINDOW_H_

#include "ap_int.h"
#include "hls_stream.h"
#include "pragma.h"

namespace fgl {
namespace detail {

// Reads input rows [rows_read, until) of the current frame into a circular line buffer of LB rows.
template <unsigned LB, unsigned W, unsigned CF, typename Beat>
void ReadRows(hls::stream<Beat>& in, Beat (&buf)[LB][W][CF], int& rows_read, int until) {
  FGL_HLS(INLINE)
  if (until <= rows_read) return;
  unsigned row = rows_read % LB, w = 0, cf = 0;
  const unsigned n = static_cast<unsigned>(until - rows_read) * W * CF;
  for (unsigned i = 0; i < n; ++i) {
    FGL_HLS(PIPELINE II=1)
    buf[row][w][cf] = in.read();
    if (++cf == CF) {
      cf = 0;
      if (++w == W) {
        w = 0;
        if (++row == LB) row = 0;
      }
    }
  }
  rows_read = until;
}

}  // namespace detail

template <unsigned KH, unsigned KW, unsigned C, unsigned H, unsigned W, unsigned OH, unsigned OW,
          unsigned SH, unsigned SW, unsigned DH, unsigned DW, unsigned PadT, unsigned PadL,
          unsigned SIMD, typename T>
void SlidingWindow(hls::stream<ap_uint<SIMD * T::width>>& in,
                   hls::stream<ap_uint<SIMD * T::width>>& out, unsigned reps) {
  static_assert(C % SIMD == 0, "SlidingWindow needs C % SIMD == 0");
  static_assert(KH >= 1 && KW >= 1 && SH >= 1 && SW >= 1 && DH >= 1 && DW >= 1, "bad window");
  using Beat = ap_uint<SIMD * T::width>;
  constexpr unsigned CF = C / SIMD;
  constexpr unsigned LB = (KH - 1) * DH + 1;
  Beat buf[LB][W][CF];
  for (unsigned rep = 0; rep < reps; ++rep) {
    int rows_read = 0;
    for (unsigned oh = 0; oh < OH; ++oh) {
      const int top = static_cast<int>(oh * SH) - static_cast<int>(PadT);
      const int last = top + static_cast<int>((KH - 1) * DH);
      detail::ReadRows(in, buf, rows_read, last + 1 < static_cast<int>(H) ? last + 1 : static_cast<int>(H));
      unsigned ow = 0, kh = 0, kw = 0, cf = 0;
      for (unsigned i = 0; i < OW * KH * KW * CF; ++i) {
        FGL_HLS(PIPELINE II=1)
        const int ih = top + static_cast<int>(kh * DH);
        const int iw = static_cast<int>(ow * SW + kw * DW) - static_cast<int>(PadL);
        Beat v = 0;
        if (ih >= 0 && ih < static_cast<int>(H) && iw >= 0 && iw < static_cast<int>(W)) {
          v = buf[static_cast<unsigned>(ih) % LB][iw][cf];
        }
        out.write(v);
        if (++cf == CF) {
          cf = 0;
          if (++kw == KW) {
            kw = 0;
            if (++kh == KH) {
              kh = 0;
              ++ow;
            }
          }
        }
      }
    }
    detail::ReadRows(in, buf, rows_read, static_cast<int>(H));  // rows below the last window
  }
}

}  // namespace fgl

#endif  // FINNGL_HLSLIB_SLIDING_WINDOW_H_
