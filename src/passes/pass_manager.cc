#include "src/passes/pass_manager.h"

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"
#include "src/ops/verify.h"

namespace finngl {

absl::StatusOr<bool> PassManager::RunPipeline(Model& model, const std::string& pipeline,
                                              PassContext& ctx) const {
  ASSIGN_OR_RETURN(const PipelineInfo* info, registry_.GetPipeline(pipeline));
  return RunSteps(model, info->steps, ctx);
}

absl::StatusOr<bool> PassManager::RunPasses(Model& model, const std::vector<std::string>& passes,
                                            PassContext& ctx) const {
  return RunSteps(model, {Once(passes)}, ctx);
}

absl::StatusOr<bool> PassManager::RunSteps(Model& model, const std::vector<PipelineStep>& steps,
                                           PassContext& ctx) const {
  std::map<std::string, std::unique_ptr<GraphPass>> passes;
  for (const PipelineStep& step : steps) {
    for (const std::string& name : step.passes) {
      if (passes.count(name)) continue;
      ASSIGN_OR_RETURN(passes[name], registry_.CreatePass(name));
    }
  }
  if (ctx.verify) RETURN_IF_ERROR(VerifyModel(model));

  bool changed_any = false;
  for (const PipelineStep& step : steps) {
    for (int iteration = 1;; ++iteration) {
      std::vector<std::string> changed;
      for (const std::string& name : step.passes) {
        ASSIGN_OR_RETURN(bool changed_model, passes.at(name)->Run(model, ctx));
        if (changed_model) changed.push_back(name);
      }
      changed_any = changed_any || !changed.empty();
      if (!step.fixed_point || changed.empty()) break;
      if (iteration >= step.max_iterations) {
        return absl::InternalError(absl::StrCat(
            "passes [", absl::StrJoin(step.passes, ", "), "] did not reach a fixed point in ",
            step.max_iterations, " iterations (still changing the model: ",
            absl::StrJoin(changed, ", "), ")"));
      }
    }
  }
  return changed_any;
}

}  // namespace finngl
