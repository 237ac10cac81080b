#include "src/passes/set_batch_one.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace finngl {

absl::StatusOr<bool> SetBatchOnePass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  bool changed = false;
  for (Value* input : graph.inputs()) {
    if (input->is_initializer() || !input->type().shape || input->type().shape->empty()) continue;
    Shape& shape = *input->type().shape;
    Dim* batch = nullptr;
    if (!shape.front().known()) {
      batch = &shape.front();
    } else if (std::none_of(shape.begin(), shape.end(),
                            [](const Dim& d) { return d.known() && d.value == 1; })) {
      // No axis of 1 yet: the first symbolic one is the batch (a time-major [T, N, F]).
      auto it = std::find_if(shape.begin(), shape.end(), [](const Dim& d) { return !d.known(); });
      if (it != shape.end()) batch = &*it;
    }
    if (batch == nullptr) {
      const bool has_one = std::any_of(shape.begin(), shape.end(),
                                       [](const Dim& d) { return d.known() && d.value == 1; });
      if (!has_one) {
        ctx.Warn(absl::StrCat("set-batch-one: input '", input->name(),
                              "' has no batch axis of 1 or a symbolic one (",
                              ShapeToString(shape), "); left as it is"));
      }
      continue;
    }
    *batch = Dim{1, ""};
    changed = true;
  }
  return changed;
}

}  // namespace finngl
