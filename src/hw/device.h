// The device table: FPGA parts finngl targets, their resource budgets, and the boards that carry
// them (docs/hardware.md). The folder fits a design into a budget; the reports express usage as a
// percentage of it.
#ifndef FINNGL_SRC_HW_DEVICE_H_
#define FINNGL_SRC_HW_DEVICE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/hw/resources.h"

namespace finngl::hw {

struct Device {
  std::string part;    // e.g. "xczu7ev-ffvc1156-2-e"
  std::string family;  // "zynquplus", "zynq7000", "alveo"
  std::string board;   // the board finngl associates with the part ("ZCU104"), may be empty
  Resources budget;    // BRAM in 18 Kb halves (2 per BRAM36)
  // Whether the DSP slices are DSP48E1 (7-series) rather than DSP48E2.
  bool dsp48e1 = false;
};

// Every known device, in table order.
const std::vector<Device>& AllDevices();

// Looks a device up by part name or board name (case-insensitive). Unknown names are
// InvalidArgument listing the valid parts and boards.
absl::StatusOr<Device> LookupDevice(const std::string& name_or_board);

}  // namespace finngl::hw

#endif  // FINNGL_SRC_HW_DEVICE_H_
