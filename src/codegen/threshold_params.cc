#include "src/codegen/threshold_params.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/codegen/hls_types.h"
#include "src/codegen/layer_emitter.h"

namespace finngl::codegen {

absl::StatusOr<ThresholdParams> ThresholdArray(const Node& node, const Value& value, int64_t channels,
                                               int64_t pe, std::optional<DataType> declared) {
  const Tensor* t = value.initializer();
  if (t == nullptr || t->rank() != 2 || (t->dim(0) != channels && t->dim(0) != 1) ||
      t->dim(1) < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        node.Describe(), ": thresholds '", value.name(), "' must be a constant [", channels,
        " or 1, steps] tensor", t ? absl::StrCat(", got ", DimsToString(t->dims())) : ""));
  }
  ThresholdParams out;
  out.rows = t->dim(0);
  out.steps = t->dim(1);
  double lo = 0, hi = 0;
  for (int64_t i = 0; i < t->size(); ++i) {
    double v = t->GetDouble(i);
    if (std::nearbyint(v) != v) {
      return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": threshold '",
                                                     value.name(), "' element ", i, " = ", v,
                                                     " is not an integer"));
    }
    lo = i == 0 ? v : std::min(lo, v);
    hi = i == 0 ? v : std::max(hi, v);
  }
  bool fits = declared.has_value() && declared->IsInteger() &&
              declared->kind() != DataType::Kind::kBipolar &&
              declared->kind() != DataType::Kind::kTernary && declared->Allowed(lo) &&
              declared->Allowed(hi);
  out.dtype = fits ? *declared : DataType::SmallestHolding(lo, hi);
  ASSIGN_OR_RETURN(out.values, IntegerContents(value, out.dtype, node));
  return out;
}

void WriteThresholdArray(Printer& p, const ThresholdParams& t, const std::string& name,
                         int64_t channels, int64_t pe) {
  p.L("// thresholds [", t.rows, "][", t.steps, "] as thresholds[PE][C/PE][NumSteps]");
  WriteConstArray(p, t.dtype.HlsTypeString(), name, {pe, channels / pe, t.steps},
                  [&](const std::vector<int64_t>& i) {
                    const int64_t c = t.rows == 1 ? 0 : i[1] * pe + i[0];
                    return t.values[c * t.steps + i[2]];
                  });
}

}  // namespace finngl::codegen
