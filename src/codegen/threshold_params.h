// Threshold arrays in the kernels' layout thresholds[PE][C/PE][NumSteps], shared by the MVAU and
// Thresholding emitters. The element type is the declared threshold datatype when every value
// fits it, else the smallest integer type holding them all (thresholds are compared, never
// stored into a narrower type, so any type containing the values is exact).
#ifndef FINNGL_SRC_CODEGEN_THRESHOLD_PARAMS_H_
#define FINNGL_SRC_CODEGEN_THRESHOLD_PARAMS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/codegen/printer.h"
#include "src/ir/graph.h"

namespace finngl::codegen {

struct ThresholdParams {
  int64_t rows = 0;   // C, or 1 when shared by all channels
  int64_t steps = 0;  // NumSteps
  std::vector<int64_t> values;  // [rows][steps] row-major
  DataType dtype;
};

// Reads thresholds [C or 1, steps] from an initializer; `declared` is the node's threshold
// datatype attribute when it has one.
absl::StatusOr<ThresholdParams> ThresholdArray(const Node& node, const Value& value, int64_t channels,
                                               int64_t pe, std::optional<DataType> declared);
void WriteThresholdArray(Printer& p, const ThresholdParams& t, const std::string& name,
                         int64_t channels, int64_t pe);

}  // namespace finngl::codegen

#endif  // FINNGL_SRC_CODEGEN_THRESHOLD_PARAMS_H_
