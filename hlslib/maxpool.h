// MaxPool: StreamingMaxPool (docs/hw_layers.md): y[oh, ow, c] = max over kh < KH, kw < KW of
// x[oh * SH + kh, ow * SW + kw, c], no padding, PE channels per beat.
//
// Buffering: a circular line buffer of KH input rows (W * C / PE beats each), filled before each
// output row with the rows that row needs (as in sliding_window.h); rows no window uses are read
// and dropped at the end of the frame.
//
// Cycle behaviour (CF = C / PE), per frame: H * W * CF read iterations + OH * OW * CF * KH * KW
// compare iterations, in pipelined loops (II = 1): per output row a read loop of
// (new rows) * W * CF iterations, then a loop of OW * CF * KH * KW iterations that writes one output
// beat every KH * KW iterations. reps = frames.
#ifndef FINNGL_HLSLIB_MAXPOOL_H_
#define FINNGL_HLSLIB_MAXPOOL_H_

#include "ap_int.h"
#include "element.h"
#include "hls_stream.h"
#include "pragma.h"
#include "sliding_window.h"

namespace fgl {

template <unsigned KH, unsigned KW, unsigned SH, unsigned SW, unsigned H, unsigned W,
          unsigned OH, unsigned OW, unsigned C, unsigned PE, typename T>
void MaxPool(hls::stream<ap_uint<PE * T::width>>& in, hls::stream<ap_uint<PE * T::width>>& out,
             unsigned reps) {
  static_assert(C % PE == 0, "MaxPool needs C % PE == 0");
  static_assert((OH - 1) * SH + KH <= H && (OW - 1) * SW + KW <= W, "window outside the image");
  using Beat = ap_uint<PE * T::width>;
  constexpr unsigned CF = C / PE;
  Beat buf[KH][W][CF];
  T acc[PE];
  FGL_HLS(ARRAY_PARTITION variable=acc complete dim=1)
  for (unsigned rep = 0; rep < reps; ++rep) {
    int rows_read = 0;
    for (unsigned oh = 0; oh < OH; ++oh) {
      detail::ReadRows(in, buf, rows_read, static_cast<int>(oh * SH + KH));
      unsigned ow = 0, cf = 0, kh = 0, kw = 0;
      for (unsigned i = 0; i < OW * CF * KH * KW; ++i) {
        FGL_HLS(PIPELINE II=1)
        const Beat x = buf[(oh * SH + kh) % KH][ow * SW + kw][cf];
        const bool first = kh == 0 && kw == 0;
        for (unsigned p = 0; p < PE; ++p) {
          FGL_HLS(UNROLL)
          const T v = Get<T>(x, p);
          if (first || v > acc[p]) acc[p] = v;
        }
        if (kh == KH - 1 && kw == KW - 1) {
          Beat y = 0;
          for (unsigned p = 0; p < PE; ++p) {
            FGL_HLS(UNROLL)
            Set<T>(y, p, acc[p]);
          }
          out.write(y);
        }
        if (++kw == KW) {
          kw = 0;
          if (++kh == KH) {
            kh = 0;
            if (++cf == CF) {
              cf = 0;
              ++ow;
            }
          }
        }
      }
    }
    detail::ReadRows(in, buf, rows_read, static_cast<int>(H));
  }
}

}  // namespace fgl

#endif  // FINNGL_HLSLIB_MAXPOOL_H_
