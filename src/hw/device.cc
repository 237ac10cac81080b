#include "src/hw/device.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace finngl::hw {

const std::vector<Device>& AllDevices() {
  // Budgets from docs/hardware.md (vendor product tables); BRAM18 = 2 x BRAM36. The xczu3eg has
  // no URAM; the xc7z020 neither.
  static const std::vector<Device>* devices = new std::vector<Device>{
      {"xczu7ev-ffvc1156-2-e", "zynquplus", "ZCU104", {230400, 460800, 624, 96, 1728}, false},
      {"xczu3eg-sbva484-1-e", "zynquplus", "Ultra96", {70560, 141120, 432, 0, 360}, false},
      {"xc7z020clg400-1", "zynq7000", "Pynq-Z1", {53200, 106400, 280, 0, 220}, true},
      {"xcu250-figd2104-2L-e", "alveo", "U250", {1728000, 3456000, 5376, 1280, 12288}, false},
  };
  return *devices;
}

absl::StatusOr<Device> LookupDevice(const std::string& name_or_board) {
  const std::string key = absl::AsciiStrToLower(name_or_board);
  std::vector<std::string> valid;
  for (const Device& d : AllDevices()) {
    if (absl::AsciiStrToLower(d.part) == key || absl::AsciiStrToLower(d.board) == key) return d;
    valid.push_back(absl::StrCat(d.part, " (", d.board, ")"));
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown FPGA part or board '", name_or_board,
                                                 "'; valid: ", absl::StrJoin(valid, ", ")));
}

}  // namespace finngl::hw
