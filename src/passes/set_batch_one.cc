#include "src/passes/set_batch_one.h"

#include "absl/strings/str_cat.h"

namespace finngl {

absl::StatusOr<bool> SetBatchOnePass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  bool changed = false;
  for (Value* input : graph.inputs()) {
    if (input->is_initializer() || !input->type().shape || input->type().shape->empty()) continue;
    Dim& batch = input->type().shape->front();
    if (batch.known()) {
      if (batch.value != 1) {
        ctx.Warn(absl::StrCat("set-batch-one: input '", input->name(), "' has a fixed batch of ",
                              batch.value, "; left as it is"));
      }
      continue;
    }
    batch = Dim{1, ""};
    changed = true;
  }
  return changed;
}

}  // namespace finngl
