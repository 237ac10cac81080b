// Rounding modes and integer ranges of the QONNX quantizers (Quant/IntQuant, Trunc), shared by
// the ops that execute them and by passes that reason about them.
//
// Every mode reproduces qonnx's numpy formula operation by operation in the working precision T
// (float32 for float32 models), because some formulas are not the "mathematically clean" rounding:
// HALF_UP is sign(x)*floor(|x|+0.5) computed in float32, which for x = 0.49999997f gives 1, and
// bit-exact agreement with qonnx is the point.
#ifndef FINNGL_SRC_OPS_ROUNDING_H_
#define FINNGL_SRC_OPS_ROUNDING_H_

#include <cmath>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace finngl {

enum class RoundingMode {
  kHalfEven,  // ROUND, HALF_EVEN: np.round
  kCeil,      // CEIL
  kFloor,     // FLOOR
  kUp,        // UP: away from zero
  kDown,      // DOWN (and brevitas' ROUND_TO_ZERO): toward zero, np.fix
  kHalfUp,    // HALF_UP: ties away from zero
  kHalfDown,  // HALF_DOWN: ties toward zero
};

// Parses a rounding_mode attribute (case-insensitive). Accepts ROUND, HALF_EVEN, CEIL, FLOOR, UP,
// DOWN, HALF_UP, HALF_DOWN and ROUND_TO_ZERO (= DOWN); anything else is InvalidArgument listing the
// accepted spellings.
absl::StatusOr<RoundingMode> ParseRoundingMode(const std::string& mode);
// Canonical qonnx spelling ("ROUND", "CEIL", ...).
const char* RoundingModeName(RoundingMode mode);

// numpy's sign(): -1, 0 or +1 (NaN stays NaN).
template <typename T>
inline T NumpySign(T x) {
  if (x > T(0)) return T(1);
  if (x < T(0)) return T(-1);
  return x;  // +-0 and NaN
}

// Applies `mode` exactly as qonnx's resolve_rounding_mode does in numpy, in precision T.
template <typename T>
inline T ApplyRounding(RoundingMode mode, T x) {
  switch (mode) {
    case RoundingMode::kHalfEven:
      return std::nearbyint(x);  // default FP environment: round to nearest, ties to even
    case RoundingMode::kCeil:
      return std::ceil(x);
    case RoundingMode::kFloor:
      return std::floor(x);
    case RoundingMode::kUp:
      return NumpySign(x) * std::ceil(std::fabs(x));
    case RoundingMode::kDown:
      return std::trunc(x);
    case RoundingMode::kHalfUp: {
      T shifted = std::fabs(x) + T(0.5);  // rounded to T on purpose (numpy does the same)
      return NumpySign(x) * std::floor(shifted);
    }
    case RoundingMode::kHalfDown: {
      T shifted = std::fabs(x) - T(0.5);
      return NumpySign(x) * std::ceil(shifted);
    }
  }
  return x;
}

// qonnx/brevitas min_int / max_int, evaluated like qonnx does in numpy, in the precision T of the
// bit-width tensor (2**(b-1) is a float32 power when the bit width is a float32 tensor):
//   signed, !narrow: [-2^(b-1), 2^(b-1)-1]   signed, narrow: [-2^(b-1)+1, 2^(b-1)-1]
//   unsigned, !narrow: [0, 2^b-1]            unsigned, narrow: [0, 2^b-2]
// Exact for integer b up to 24 bits in float and 53 bits in double; b may be non-integral.
template <typename T>
inline std::pair<T, T> QuantIntRange(bool is_signed, bool narrow, T bits) {
  if (is_signed) {
    T half = std::pow(T(2), bits - T(1));
    return {narrow ? -half + T(1) : -half, half - T(1)};
  }
  T full = std::pow(T(2), bits);
  return {T(0), narrow ? full - T(2) : full - T(1)};
}

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_ROUNDING_H_
