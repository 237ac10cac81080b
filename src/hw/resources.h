// FPGA resource counts (LUT, FF, BRAM18, URAM, DSP) as estimated for one layer or a whole
// accelerator, with the arithmetic the cost model, the folder and the reports need.
//
// Counts are doubles because the closed-form models (finn.md 3.2/3.3) are fractional before the
// reports round them; BRAM is counted in 18 Kb halves like FINN's BRAM_18K.
#ifndef FINNGL_SRC_HW_RESOURCES_H_
#define FINNGL_SRC_HW_RESOURCES_H_

#include <array>
#include <string>

namespace finngl::hw {

struct Resources {
  double lut = 0;
  double ff = 0;
  double bram18 = 0;
  double uram = 0;
  double dsp = 0;

  Resources& operator+=(const Resources& o) {
    lut += o.lut;
    ff += o.ff;
    bram18 += o.bram18;
    uram += o.uram;
    dsp += o.dsp;
    return *this;
  }
  friend Resources operator+(Resources a, const Resources& b) { return a += b; }
  Resources Scaled(double k) const { return {lut * k, ff * k, bram18 * k, uram * k, dsp * k}; }
  // In a fixed order (LUT, FF, BRAM18, URAM, DSP), for loops over resource kinds.
  std::array<double, 5> AsArray() const { return {lut, ff, bram18, uram, dsp}; }
};

// Names matching Resources::AsArray, as FINN spells them in estimate_layer_resources.json.
inline constexpr std::array<const char*, 5> kResourceNames = {"LUT", "FF", "BRAM_18K", "URAM",
                                                              "DSP"};

}  // namespace finngl::hw

#endif  // FINNGL_SRC_HW_RESOURCES_H_
