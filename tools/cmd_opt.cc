// `finngl opt MODEL (--passes a,b,c | --pipeline NAME) -o OUT`: runs graph passes on a model and
// writes the result; `finngl opt --list` shows every pass and pipeline.
//
// Pass and pipeline names are checked before the model is read, so a typo fails at once with the
// list of valid names. Each pass that ran is printed with whether it changed the model and its
// time, also when a later pass fails. OUT is written only when every pass succeeded.
#include <cstdio>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "src/onnx/exporter.h"
#include "src/passes/pass_manager.h"
#include "src/passes/pass_registry.h"
#include "tools/commands.h"
#include "tools/load_model.h"

namespace finngl::cli {
namespace {

void PrintList(const PassRegistry& registry) {
  size_t width = 0;
  for (const PassInfo& p : registry.passes()) width = std::max(width, p.name.size());
  for (const PipelineInfo& p : registry.pipelines()) width = std::max(width, p.name.size());
  std::cout << "passes:\n";
  for (const PassInfo& p : registry.passes()) {
    std::cout << absl::StrFormat("  %-*s  %s\n", width, p.name, p.description);
  }
  std::cout << "pipelines:\n";
  for (const PipelineInfo& p : registry.pipelines()) {
    std::cout << absl::StrFormat("  %-*s  %s\n", width, p.name, p.description);
    std::vector<std::string> steps;
    for (const PipelineStep& step : p.steps) {
      const std::string passes = absl::StrJoin(step.passes, ", ");
      steps.push_back(step.fixed_point ? absl::StrCat("fixed-point(", passes, ")") : passes);
    }
    std::cout << absl::StrFormat("  %-*s    = %s\n", width, "", absl::StrJoin(steps, ", "));
  }
}

void PrintRecords(const std::vector<PassRecord>& records) {
  size_t width = 0;
  for (const PassRecord& r : records) width = std::max(width, r.pass.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const PassRecord& r = records[i];
    std::cout << absl::StrFormat("%3d  %-*s  %-9s  %8.2f ms\n", i + 1, width, r.pass,
                                 r.changed ? "changed" : "unchanged", r.milliseconds);
  }
}

// The usage problems CLI11 cannot express (MODEL and -o are optional only for --list).
absl::Status CheckUsage(const OptArgs& args, const PassRegistry& registry) {
  if (args.model.empty()) {
    return absl::InvalidArgumentError("opt: MODEL is required (or use --list)");
  }
  if (args.passes.empty() && args.pipeline.empty()) {
    return absl::InvalidArgumentError(
        "opt: give --passes a,b,c or --pipeline NAME (see `finngl opt --list`)");
  }
  if (args.output.empty()) return absl::InvalidArgumentError("opt: -o/--output is required");
  if (!args.pipeline.empty()) return registry.GetPipeline(args.pipeline).status();
  for (const std::string& name : args.passes) {
    if (absl::StatusOr<std::unique_ptr<GraphPass>> pass = registry.CreatePass(name); !pass.ok()) {
      return pass.status();
    }
  }
  return absl::OkStatus();
}

}  // namespace

int RunOpt(const OptArgs& args) {
  const PassRegistry& registry = PassRegistry::Builtin();
  if (args.list) {
    PrintList(registry);
    return 0;
  }
  if (absl::Status s = CheckUsage(args, registry); !s.ok()) return ReportError(s);
  auto model = LoadModel(args.model);
  if (!model.ok()) return ReportError(model.status());
  const int nodes_before = (*model)->graph->num_nodes();

  PassContext ctx;
  ctx.verify = !args.no_verify;
  ctx.dump_dir = args.dump_dir;
  ctx.allow_inexact_float = args.allow_inexact_float;
  PassManager manager(registry);
  absl::StatusOr<bool> changed = args.pipeline.empty()
                                     ? manager.RunPasses(**model, args.passes, ctx)
                                     : manager.RunPipeline(**model, args.pipeline, ctx);
  PrintRecords(ctx.records);
  if (!changed.ok()) {
    // A pass that breaks the model is a finngl bug, not a problem of the file.
    const bool internal = changed.status().code() == absl::StatusCode::kInternal;
    return ReportError(internal ? changed.status() : WithFile(changed.status(), args.model));
  }
  if (absl::Status s = ExportModelToFile(**model, args.output); !s.ok()) return ReportError(s);
  std::cout << "wrote " << args.output << " (" << nodes_before << " -> "
            << (*model)->graph->num_nodes() << " nodes)\n";
  return 0;
}

}  // namespace finngl::cli
