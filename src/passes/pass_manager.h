// Runs passes and pipelines on a model, by name.
//
// Every name is resolved before anything runs, so a typo fails fast with the list of valid names
// and leaves the model untouched. With PassContext::verify the input model is verified first: a
// problem found there is the input's (a user error), a problem found after a pass is that pass's
// (an Internal error, see GraphPass::Run). PassContext::records lists every pass that ran, in
// order, including the iterations of fixed points, and stays filled when a later pass fails.
#ifndef FINNGL_SRC_PASSES_PASS_MANAGER_H_
#define FINNGL_SRC_PASSES_PASS_MANAGER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/passes/pass.h"
#include "src/passes/pass_registry.h"
#include "src/passes/pipeline.h"

namespace finngl {

class PassManager {
 public:
  explicit PassManager(const PassRegistry& registry = PassRegistry::Builtin())
      : registry_(registry) {}

  // Each returns whether any pass changed the model.
  absl::StatusOr<bool> RunPipeline(Model& model, const std::string& pipeline,
                                   PassContext& ctx) const;
  // Each pass once, in order.
  absl::StatusOr<bool> RunPasses(Model& model, const std::vector<std::string>& passes,
                                 PassContext& ctx) const;
  absl::StatusOr<bool> RunSteps(Model& model, const std::vector<PipelineStep>& steps,
                                PassContext& ctx) const;

 private:
  const PassRegistry& registry_;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_PASS_MANAGER_H_
