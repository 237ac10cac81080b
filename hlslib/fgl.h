// finngl's HLS kernel library: header-only, synthesizable streaming kernels for the hardware ops of
// docs/hw_layers.md (which fixes their signatures and stream packing). Generated accelerator code
// includes this one header. Under Vitis HLS the ap_int.h / hls_stream.h includes resolve to
// Vitis's own; for g++ C simulation put hlslib/sim/ on the include path instead. Vitis limits
// ap_uint to 1024 bits unless AP_INT_MAX_W is defined (up to 4096) before its ap_int.h is first
// included: code with wider beats (or a DataWidthConverter with InWidth + OutWidth > 1024) must
// define it.
#ifndef FINNGL_HLSLIB_FGL_H_
#define FINNGL_HLSLIB_FGL_H_

#include "array_stream.h"
#include "duplicate.h"
#include "dwc.h"
#include "element.h"
#include "eltwise.h"
#include "label_select.h"
#include "maxpool.h"
#include "mvau.h"
#include "sliding_window.h"
#include "thresholding.h"

#endif  // FINNGL_HLSLIB_FGL_H_
