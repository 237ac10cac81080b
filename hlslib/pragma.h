// FGL_HLS(directive): an HLS directive that Vitis sees as `#pragma HLS directive` and g++ C
// simulation (hlslib/sim/, which defines FGL_SIM) does not see at all. A macro rather than a plain
// #pragma because g++ 12 warns about every unknown pragma and cannot be told not to from a
// header; Vitis documents _Pragma("HLS ...") as equivalent to the #pragma form.
#ifndef FINNGL_HLSLIB_PRAGMA_H_
#define FINNGL_HLSLIB_PRAGMA_H_

#include "ap_int.h"

#define FGL_HLS_STRINGIFY(x) #x
#ifdef FGL_SIM
#define FGL_HLS(...)
#else
#define FGL_HLS(...) _Pragma(FGL_HLS_STRINGIFY(HLS __VA_ARGS__))
#endif

#endif  // FINNGL_HLSLIB_PRAGMA_H_
