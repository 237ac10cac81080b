#include "src/ops/broadcast.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace finngl {

absl::StatusOr<Dims> BroadcastDims(std::span<const Dims> shapes) {
  size_t rank = 0;
  for (const Dims& s : shapes) rank = std::max(rank, s.size());
  Dims out(rank, 1);
  for (const Dims& s : shapes) {
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& o = out[rank - s.size() + i];
      int64_t d = s[i];
      if (d == o || d == 1) continue;
      if (o == 1) {
        o = d;
        continue;
      }
      std::vector<std::string> all;
      for (const Dims& x : shapes) all.push_back(DimsToString(x));
      return absl::InvalidArgumentError(
          absl::StrCat("shapes ", absl::StrJoin(all, " and "), " cannot be broadcast together"));
    }
  }
  return out;
}

absl::StatusOr<Shape> BroadcastShapes(std::span<const Shape> shapes) {
  size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, Dim{1, ""});
  std::vector<bool> fixed(rank, false);  // a dim != 1 (or unknown) has been seen
  for (const Shape& s : shapes) {
    for (size_t i = 0; i < s.size(); ++i) {
      size_t k = rank - s.size() + i;
      const Dim& d = s[i];
      Dim& o = out[k];
      if (d.known() && d.value == 1) continue;
      if (!fixed[k]) {
        o = d;
        fixed[k] = true;
        continue;
      }
      if (!d.known()) continue;  // keep whatever we have; runtime will check
      if (!o.known()) {
        o = d;
        continue;
      }
      if (o.value != d.value) {
        std::vector<std::string> all;
        for (const Shape& x : shapes) all.push_back(ShapeToString(x));
        return absl::InvalidArgumentError(
            absl::StrCat("shapes ", absl::StrJoin(all, " and "), " cannot be broadcast together"));
      }
    }
  }
  return out;
}

std::vector<int64_t> BroadcastStrides(const Dims& input, const Dims& output) {
  std::vector<int64_t> strides(output.size(), 0);
  int64_t stride = 1;
  for (int i = static_cast<int>(input.size()) - 1; i >= 0; --i) {
    size_t k = output.size() - input.size() + i;
    strides[k] = input[i] == 1 ? 0 : stride;
    stride *= input[i];
  }
  return strides;
}

}  // namespace finngl
