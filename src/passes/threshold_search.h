// Exact threshold placement for MultiThreshold rewrites.
//
// MultiThreshold counts how many thresholds its input reaches (x >= T). Every rewrite that moves
// an operation into the thresholds (absorbing y = x * A or y = x + B, turning a Quant or a
// quantized Sigmoid/Tanh into thresholds) must keep that count identical for every input the
// graph can see. Formulas such as T' = T / A are not enough: the executor computes fl(x * A) in
// float32, and a threshold that sits on a tie (Quant rounds half to even, thresholds count >=)
// or within an ulp of one would move outputs by one level.
//
// Instead the new threshold is searched: for a predicate that is monotone over the ordered float32
// values (false ... false true ... true), the smallest float32 input for which it holds is found
// by bisection over the floats' ordered bit patterns. With the predicate "fl(x * A) >= T", the
// answer T' gives count(x >= T') == count(fl(x * A) >= T) for every float32 x, exactly. Over
// integer inputs the same holds with the smallest integer, which is what rounding thresholds of
// integer-typed inputs relies on.
#ifndef FINNGL_SRC_PASSES_THRESHOLD_SEARCH_H_
#define FINNGL_SRC_PASSES_THRESHOLD_SEARCH_H_

#include <cstdint>
#include <functional>
#include <optional>

namespace finngl {

// A key that orders float32 values like their numeric order (-inf first, +inf last; -0 just
// before +0). NaNs are not ordered and must not be passed.
int64_t OrderedFloatKey(float x);
// The float32 with the given key (inverse of OrderedFloatKey).
float FloatFromOrderedKey(int64_t key);

// The smallest float32 x in [lo, hi] for which `holds(x)` is true, where `holds` is monotone over
// [lo, hi] (once true, true for every larger float). nullopt when holds(hi) is false. At most
// about 33 evaluations.
std::optional<float> SmallestFloatWhere(const std::function<bool(float)>& holds, float lo,
                                        float hi);

// The smallest integer k in [lo, hi] for which `holds(k)` is true, with `holds` monotone over
// [lo, hi]. nullopt when holds(hi) is false.
std::optional<int64_t> SmallestIntegerWhere(const std::function<bool(int64_t)>& holds, int64_t lo,
                                            int64_t hi);

// The threshold T' with count(x >= T') == count(fl(x * a) >= t) for every float32 x, for a > 0
// (fl: one float32 multiplication, as the executor's Mul). -inf or +inf when every / no finite x
// reaches t.
float ThresholdBeforeMul(float t, float a);
// The threshold T' with count(x >= T') == count(fl(x + b) >= t) for every float32 x.
float ThresholdBeforeAdd(float t, float b);

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_THRESHOLD_SEARCH_H_
