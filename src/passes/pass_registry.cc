#include "src/passes/pass_registry.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/passes/batchnorm_to_affine.h"
#include "src/passes/cancel_transposes.h"
#include "src/passes/div_to_mul.h"
#include "src/passes/fold_constants.h"
#include "src/passes/gemm_to_matmul.h"
#include "src/passes/give_readable_names.h"
#include "src/passes/give_unique_names.h"
#include "src/passes/hoist_scan_scales.h"
#include "src/passes/infer_types.h"
#include "src/passes/remove_dead_code.h"
#include "src/passes/remove_identity.h"
#include "src/passes/sub_to_add.h"

namespace finngl {
namespace {

// The rewrites of "cleanup" that simplify without renaming, repeated because each can enable
// another (a folded Transpose exposes a Mul by 1, a removed Identity a Transpose pair, ...).
PipelineStep SimplifyToFixedPoint() {
  return FixedPoint({"fold-constants", "remove-identity", "sub-to-add", "div-to-mul",
                     "gemm-to-matmul", "batchnorm-to-affine", "cancel-transposes",
                     "remove-dead-code"});
}

PassRegistry MakeBuiltinRegistry() {
  PassRegistry r;
  r.AddPass<InferTypesPass>();
  r.AddPass<FoldConstantsPass>();
  r.AddPass<RemoveIdentityPass>();
  r.AddPass<SubToAddPass>();
  r.AddPass<DivToMulPass>();
  r.AddPass<GemmToMatMulPass>();
  r.AddPass<BatchNormToAffinePass>();
  r.AddPass<CancelTransposesPass>();
  r.AddPass<RemoveDeadCodePass>();
  r.AddPass<GiveUniqueNamesPass>();
  r.AddPass<GiveReadableNamesPass>();
  r.AddPass<HoistScanScalesPass>();

  r.AddPipeline({"cleanup",
                 "simplify the graph to a fixed point, then give readable names",
                 {Once({"infer-types"}), SimplifyToFixedPoint(), Once({"give-readable-names"})}});
  r.AddPipeline({"simplify", "cleanup without the renaming: tensor and node names stay as they are",
                 {Once({"infer-types"}), SimplifyToFixedPoint()}});
  return r;
}

template <typename Info>
std::string NamesOf(const std::vector<Info>& infos) {
  std::vector<std::string> names;
  for (const Info& info : infos) names.push_back(info.name);
  return absl::StrJoin(names, ", ");
}

}  // namespace

const PassRegistry& PassRegistry::Builtin() {
  static const PassRegistry* registry = new PassRegistry(MakeBuiltinRegistry());
  return *registry;
}

void PassRegistry::AddPass(PassInfo info) {
  for (PassInfo& existing : passes_) {
    if (existing.name == info.name) {
      existing = std::move(info);
      return;
    }
  }
  passes_.push_back(std::move(info));
}

void PassRegistry::AddPipeline(PipelineInfo info) {
  for (PipelineInfo& existing : pipelines_) {
    if (existing.name == info.name) {
      existing = std::move(info);
      return;
    }
  }
  pipelines_.push_back(std::move(info));
}

const PassInfo* PassRegistry::FindPass(const std::string& name) const {
  for (const PassInfo& info : passes_) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

const PipelineInfo* PassRegistry::FindPipeline(const std::string& name) const {
  for (const PipelineInfo& info : pipelines_) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

absl::StatusOr<std::unique_ptr<GraphPass>> PassRegistry::CreatePass(const std::string& name) const {
  const PassInfo* info = FindPass(name);
  if (info == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown pass '", name, "'; valid passes: ", NamesOf(passes_)));
  }
  return info->create();
}

absl::StatusOr<const PipelineInfo*> PassRegistry::GetPipeline(const std::string& name) const {
  const PipelineInfo* info = FindPipeline(name);
  if (info == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown pipeline '", name, "'; valid pipelines: ", NamesOf(pipelines_)));
  }
  return info;
}

}  // namespace finngl
