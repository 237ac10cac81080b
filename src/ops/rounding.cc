#include "src/ops/rounding.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"

namespace finngl {

absl::StatusOr<RoundingMode> ParseRoundingMode(const std::string& mode) {
  std::string upper = mode;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper == "ROUND" || upper == "HALF_EVEN") return RoundingMode::kHalfEven;
  if (upper == "CEIL") return RoundingMode::kCeil;
  if (upper == "FLOOR") return RoundingMode::kFloor;
  if (upper == "UP") return RoundingMode::kUp;
  // Brevitas exports ROUND_TO_ZERO, which qonnx does not know; it is DOWN by definition.
  if (upper == "DOWN" || upper == "ROUND_TO_ZERO") return RoundingMode::kDown;
  if (upper == "HALF_UP") return RoundingMode::kHalfUp;
  if (upper == "HALF_DOWN") return RoundingMode::kHalfDown;
  return absl::InvalidArgumentError(absl::StrCat(
      "unsupported rounding_mode '", mode,
      "'; accepted: ROUND, HALF_EVEN, CEIL, FLOOR, UP, DOWN, HALF_UP, HALF_DOWN, ROUND_TO_ZERO"));
}

const char* RoundingModeName(RoundingMode mode) {
  switch (mode) {
    case RoundingMode::kHalfEven:
      return "ROUND";
    case RoundingMode::kCeil:
      return "CEIL";
    case RoundingMode::kFloor:
      return "FLOOR";
    case RoundingMode::kUp:
      return "UP";
    case RoundingMode::kDown:
      return "DOWN";
    case RoundingMode::kHalfUp:
      return "HALF_UP";
    case RoundingMode::kHalfDown:
      return "HALF_DOWN";
  }
  return "?";
}

}  // namespace finngl
