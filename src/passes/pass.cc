#include "src/passes/pass.h"

#include <chrono>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/base/status.h"
#include "src/onnx/exporter.h"
#include "src/ops/infer.h"
#include "src/ops/verify.h"
#include "src/passes/node_order.h"

namespace finngl {

absl::StatusOr<bool> GraphPass::Run(Model& model, PassContext& ctx) const {
  const auto start = std::chrono::steady_clock::now();
  Model* const enclosing_model = ctx.model;
  ctx.model = &model;
  absl::StatusOr<bool> changed = RunOnGraphAndSubgraphs(*model.graph, ctx);
  ctx.model = enclosing_model;
  if (!changed.ok()) return Annotate(changed.status(), absl::StrCat("pass '", name(), "': "));
  // The input had consistent types, so a failure here is the pass's fault, like a verifier error.
  auto broken = [&](const absl::Status& status) {
    return absl::InternalError(absl::StrCat("pass '", name(),
                                            "' produced an invalid model: ", status.message()));
  };
  if (*changed) {
    if (absl::Status s = PutNodesInCanonicalOrder(*model.graph); !s.ok()) return broken(s);
    if (absl::Status s = InferModelTypes(model); !s.ok()) return broken(s);
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (ctx.verify) {
    if (absl::Status s = VerifyModel(model); !s.ok()) return broken(s);
  }
  ctx.records.push_back(PassRecord{std::string(name()), *changed, ms});
  if (!ctx.dump_dir.empty()) RETURN_IF_ERROR(Dump(model, ctx));
  // Only the outermost model is observed (a pass applied to a nested model, if any, is not).
  if (ctx.after_pass && enclosing_model == nullptr) {
    RETURN_IF_ERROR(ctx.after_pass(model, ctx.records.back()));
  }
  return *changed;
}

absl::StatusOr<bool> GraphPass::RunOnGraphAndSubgraphs(Graph& graph, PassContext& ctx) const {
  ASSIGN_OR_RETURN(bool changed, RunOnGraph(graph, ctx));
  if (!RunsOnSubgraphs()) return changed;
  // Subgraphs are collected after the rewrite: it may have added or removed nodes that own some.
  for (Node* node : graph.nodes()) {
    for (Graph* sub : node->subgraphs()) {
      ASSIGN_OR_RETURN(bool sub_changed, RunOnGraphAndSubgraphs(*sub, ctx));
      changed = changed || sub_changed;
    }
  }
  return changed;
}

absl::Status GraphPass::Dump(const Model& model, const PassContext& ctx) const {
  std::error_code error;
  std::filesystem::create_directories(ctx.dump_dir, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat(ctx.dump_dir, ": cannot create the dump directory: ", error.message()));
  }
  const std::string file = absl::StrFormat("%02d_%s.onnx", ctx.records.size(), name());
  return ExportModelToFile(model, (std::filesystem::path(ctx.dump_dir) / file).string());
}

}  // namespace finngl
