// The channel axis of MultiThreshold data, in one place: the op's kernel and every pass that
// creates or rewrites thresholds must agree on which axis the threshold rows belong to.
#ifndef FINNGL_SRC_OPS_THRESHOLD_LAYOUT_H_
#define FINNGL_SRC_OPS_THRESHOLD_LAYOUT_H_

#include <cstdint>
#include <string>

namespace finngl {

// The position of 'C' in data_layout (axis 1 if it has none). Without a layout, qonnx 1.0 picks
// NC / NWC / NCHW from the rank (2 / 3 / 4), i.e. rank-3 data is channels-last.
inline int64_t ThresholdChannelAxis(const std::string& layout, int64_t rank) {
  std::string l = layout;
  if (l.empty()) {
    if (rank == 2) l = "NC";
    if (rank == 3) l = "NWC";
    if (rank == 4) l = "NCHW";
  }
  const size_t c = l.find('C');
  return c == std::string::npos ? 1 : static_cast<int64_t>(c);
}

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_THRESHOLD_LAYOUT_H_
