// Elementwise binary ops (docs/hw_layers.md, "ElementwiseAdd / ElementwiseSub / ElementwiseMul"):
// y = a op b on two streams of the same shape (EltwiseStreams) or on a stream and a per-channel
// constant (EltwiseConst), results computed exactly and converted to TO.
//
// Cycle behaviour: one pipelined loop (II = 1) of reps * (C / PE) iterations; each reads one beat
// of every input stream and writes one output beat. reps = vectors (pixels).
#ifndef FINNGL_HLSLIB_ELTWISE_H_
#define FINNGL_HLSLIB_ELTWISE_H_

#include "ap_int.h"
#include "element.h"
#include "hls_stream.h"
#include "pragma.h"

namespace fgl {

struct AddOp {
  template <typename TO, typename A, typename B>
  static TO Apply(const A& a, const B& b) {
    FGL_HLS(INLINE)
    return TO(a + b);
  }
};
struct SubOp {
  template <typename TO, typename A, typename B>
  static TO Apply(const A& a, const B& b) {
    FGL_HLS(INLINE)
    return TO(a - b);
  }
};
struct MulOp {
  template <typename TO, typename A, typename B>
  static TO Apply(const A& a, const B& b) {
    FGL_HLS(INLINE)
    return TO(a * b);
  }
};

template <unsigned C, unsigned PE, typename TA, typename TB, typename TO, typename Op>
void EltwiseStreams(hls::stream<ap_uint<PE * TA::width>>& a,
                    hls::stream<ap_uint<PE * TB::width>>& b,
                    hls::stream<ap_uint<PE * TO::width>>& out, unsigned reps) {
  static_assert(C % PE == 0, "EltwiseStreams needs C % PE == 0");
  for (unsigned i = 0; i < reps * (C / PE); ++i) {
    FGL_HLS(PIPELINE II=1)
    const ap_uint<PE * TA::width> xa = a.read();
    const ap_uint<PE * TB::width> xb = b.read();
    ap_uint<PE * TO::width> y = 0;
    for (unsigned p = 0; p < PE; ++p) {
      FGL_HLS(UNROLL)
      Set<TO>(y, p, Op::template Apply<TO>(Get<TA>(xa, p), Get<TB>(xb, p)));
    }
    out.write(y);
  }
}

// params[p][nf] is the constant for channel nf * PE + p (a scalar is expanded to every channel).
template <unsigned C, unsigned PE, typename TA, typename TB, typename TO, typename Op>
void EltwiseConst(hls::stream<ap_uint<PE * TA::width>>& a, const TB params[PE][C / PE],
                  hls::stream<ap_uint<PE * TO::width>>& out, unsigned reps) {
  static_assert(C % PE == 0, "EltwiseConst needs C % PE == 0");
  FGL_HLS(ARRAY_PARTITION variable=params complete dim=1)
  constexpr unsigned NF = C / PE;
  unsigned nf = 0;
  for (unsigned i = 0; i < reps * NF; ++i) {
    FGL_HLS(PIPELINE II=1)
    const ap_uint<PE * TA::width> xa = a.read();
    ap_uint<PE * TO::width> y = 0;
    for (unsigned p = 0; p < PE; ++p) {
      FGL_HLS(UNROLL)
      Set<TO>(y, p, Op::template Apply<TO>(Get<TA>(xa, p), params[p][nf]));
    }
    out.write(y);
    if (++nf == NF) nf = 0;
  }
}

}  // namespace fgl

#endif  // FINNGL_HLSLIB_ELTWISE_H_
