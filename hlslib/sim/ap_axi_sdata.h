// g++ stand-in for Vitis HLS's ap_axi_sdata.h: the AXI-Stream word with side channels, for the
// configuration finngl uses (no TUSER/TID/TDEST: ap_axiu<W, 0, 0, 0>) - TDATA, TKEEP, TSTRB and
// TLAST, as Vitis declares them for that case.
#ifndef FINNGL_HLSLIB_SIM_AP_AXI_SDATA_H_
#define FINNGL_HLSLIB_SIM_AP_AXI_SDATA_H_

#include "ap_int.h"

template <int D, int U, int TI, int TD>
struct ap_axiu {
  static_assert(U == 0 && TI == 0 && TD == 0,
                "the finngl simulation shim models ap_axiu without TUSER/TID/TDEST only");
  ap_uint<D> data;
  ap_uint<(D + 7) / 8> keep;
  ap_uint<(D + 7) / 8> strb;
  ap_uint<1> last;
};

#endif  // FINNGL_HLSLIB_SIM_AP_AXI_SDATA_H_
