// `finngl opt MODEL (--passes a,b,c | --pipeline NAME) -o OUT [--verify]`: runs graph passes on
// a model and writes the result; `finngl opt --list` shows every pass and pipeline.
//
// --verify executes the model after every pass (step_verifier.h) and prints, per pass, how many
// output elements changed; the command then exits 1 if the result differs from the original.
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
#include "src/passes/step_verifier.h"
#include "src/exec/executor.h"
#include "tools/commands.h"
#include "tools/input_args.h"
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

// Per pass that changed the model, and per output: elements that differ from the step before
// and from the original model.
void PrintVerification(const StepVerifier& verifier, bool random) {
  std::cout << "verification on " << verifier.num_samples()
            << (random ? " random sample(s) drawn from the input datatypes"
                       : " sample(s) from --verify-input")
            << "; passes that changed the model\n(mismatches: output elements not identical "
               "to the compared run; max: largest absolute difference):\n";
  size_t width = 4, output_width = 6;
  for (const StepCheck& c : verifier.checks()) {
    width = std::max(width, c.pass.size());
    for (const OutputDifference& d : c.vs_original) {
      output_width = std::max(output_width, d.output.size());
    }
  }
  std::cout << absl::StrFormat("%3s  %-*s  %-*s  %26s  %26s\n", "#", width, "pass", output_width,
                               "output", "this pass: mismatches/max", "vs original: mismatches/max");
  for (size_t i = 0; i < verifier.checks().size(); ++i) {
    const StepCheck& c = verifier.checks()[i];
    if (!c.changed) continue;
    for (size_t o = 0; o < c.vs_original.size(); ++o) {
      const OutputDifference& step = c.vs_previous[o];
      const OutputDifference& total = c.vs_original[o];
      std::cout << absl::StrFormat("%3d  %-*s  %-*s  %12d / %-11.4g  %12d / %-11.4g\n", i + 1,
                                   width, o == 0 ? c.pass : "", output_width, total.output,
                                   step.mismatches, step.max_abs_difference, total.mismatches,
                                   total.max_abs_difference);
    }
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
  std::unique_ptr<StepVerifier> verifier;
  if (args.verify) {
    absl::StatusOr<StepVerifier::Samples> samples;
    if (args.verify_inputs.empty()) {
      samples = StepVerifier::RandomSamples(**model, args.verify_samples, args.verify_seed);
    } else {
      auto exe = Executor::Create(**model);
      if (!exe.ok()) return ReportError(WithFile(exe.status(), args.model));
      auto inputs = LoadInputArgs(args.verify_inputs, **exe, args.model, "--verify-input");
      if (inputs.ok()) samples = StepVerifier::Samples{std::move(inputs).value()};
      else samples = inputs.status();
    }
    if (!samples.ok()) return ReportError(WithFile(samples.status(), args.model));
    auto created = StepVerifier::Create(**model, std::move(samples).value());
    if (!created.ok()) return ReportError(WithFile(created.status(), args.model));
    verifier = std::move(created).value();
    ctx.after_pass = [&verifier](const Model& m, const PassRecord& record) {
      return verifier->Check(m, record.pass, record.changed);
    };
  }
  PassManager manager(registry);
  absl::StatusOr<bool> changed = args.pipeline.empty()
                                     ? manager.RunPasses(**model, args.passes, ctx)
                                     : manager.RunPipeline(**model, args.pipeline, ctx);
  PrintRecords(ctx.records);
  for (const std::string& warning : ctx.warnings) std::cerr << "warning: " << warning << "\n";
  if (verifier != nullptr) PrintVerification(*verifier, args.verify_inputs.empty());
  if (!changed.ok()) {
    // A pass that breaks the model is a finngl bug, not a problem of the file.
    const bool internal = changed.status().code() == absl::StatusCode::kInternal;
    return ReportError(internal ? changed.status() : WithFile(changed.status(), args.model));
  }
  if (absl::Status s = ExportModelToFile(**model, args.output); !s.ok()) return ReportError(s);
  std::cout << "wrote " << args.output << " (" << nodes_before << " -> "
            << (*model)->graph->num_nodes() << " nodes)\n";
  if (verifier != nullptr && verifier->FinalMismatches() > 0) {
    std::cerr << "finngl: verify: " << verifier->FinalMismatches()
              << " output element(s) of the result differ from the original model\n";
    return 1;
  }
  return 0;
}

}  // namespace finngl::cli
