#include "src/ops/linalg_common.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "src/ops/gemm_kernel.h"

namespace finngl {

std::string InputName(const Node& node, int i) {
  const Value* v = node.input(i);
  return v == nullptr ? absl::StrCat("#", i) : v->name();
}

absl::Status CheckOperandTypes(const InferContext& ctx, std::initializer_list<int> inputs) {
  const Node& node = ctx.node();
  ElementType first = ElementType::kUndefined;
  int first_index = -1;
  for (int i : inputs) {
    if (!ctx.has_input(i)) continue;
    ElementType e = ctx.input_type(i).elem;
    if (!IsGemmElementType(e)) {
      return ctx.Error(absl::StrCat("input '", InputName(node, i), "' has element type ",
                                    ElementTypeName(e), ", which ", node.op_type(),
                                    " does not support"));
    }
    if (first_index < 0) {
      first = e;
      first_index = i;
    } else if (e != first) {
      return ctx.Error(absl::StrCat(
          "input '", InputName(node, i), "' has element type ", ElementTypeName(e), " but input '",
          InputName(node, first_index), "' has ", ElementTypeName(first)));
    }
  }
  return absl::OkStatus();
}

std::optional<std::vector<double>> ConstantValues(const InferContext& ctx, int i) {
  const Tensor* t = ctx.constant(i);
  if (t == nullptr || t->size() == 0) return std::nullopt;
  return t->ToDoubles();
}

bool IsIntegral(float v) { return std::nearbyint(v) == v; }

}  // namespace finngl
