// `finngl build MODEL --config CFG.json -o DIR`: the whole flow (src/flow/build.h), printing each
// step with its time, then the estimate table and the verification result.
// Exit codes: 0 built and verified, 1 built but some check found mismatches, 2 user error.
#include <algorithm>
#include <cmath>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"
#include "src/flow/build.h"
#include "src/hw/device.h"
#include "tools/commands.h"

namespace finngl::cli {

namespace {

// A numeric override, when given, must be a positive, finite number (a zero or negative clock
// must not silently fall back to the config's).
absl::Status CheckPositiveFlag(const char* flag, const std::optional<double>& value) {
  if (!value || (*value > 0 && std::isfinite(*value))) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(flag, " must be a positive number, got ", absl::StrFormat("%g", *value)));
}

// The command-line overrides, checked before anything is read.
absl::Status CheckOverrides(const BuildArgs& args) {
  RETURN_IF_ERROR(CheckPositiveFlag("--clk-ns", args.clk_period_ns));
  RETURN_IF_ERROR(CheckPositiveFlag("--target-fps", args.target_fps));
  if (!args.board.empty()) {
    absl::StatusOr<hw::Device> device = hw::LookupDevice(args.board);
    if (!device.ok()) return Annotate(device.status(), "--board: ");
  }
  if (!args.stop_step.empty()) {
    const std::vector<std::string>& steps = flow::BuildSteps();
    if (std::find(steps.begin(), steps.end(), args.stop_step) == steps.end()) {
      return absl::InvalidArgumentError(absl::StrCat("--stop-step: unknown step '",
                                                     args.stop_step, "'; steps: ",
                                                     absl::StrJoin(steps, ", ")));
    }
  }
  if (args.config.empty() && (args.board.empty() || !args.clk_period_ns)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "give --config CFG.json, or at least --board and --clk-ns (missing: ",
        args.board.empty() && !args.clk_period_ns ? "both"
        : args.board.empty()                      ? "--board"
                                                  : "--clk-ns",
        ")"));
  }
  return absl::OkStatus();
}

}  // namespace

int RunBuild(const BuildArgs& args) {
  if (absl::Status s = CheckOverrides(args); !s.ok()) return ReportError(s);
  flow::BuildConfig config;
  if (!args.config.empty()) {
    absl::StatusOr<flow::BuildConfig> loaded = flow::LoadBuildConfig(args.config);
    if (!loaded.ok()) return ReportError(loaded.status());
    config = *std::move(loaded);
  }
  if (!args.board.empty()) config.device = args.board;
  if (args.clk_period_ns) config.clk_period_ns = *args.clk_period_ns;
  if (args.target_fps) config.target_fps = *args.target_fps;
  if (!args.folding_config.empty()) config.folding_config_file = args.folding_config;
  if (!args.stop_step.empty()) config.stop_step = args.stop_step;

  absl::StatusOr<flow::BuildResult> result =
      flow::RunBuild(args.model, config, args.output_dir, std::cout);
  if (!result.ok()) return ReportError(result.status());
  if (!result->summary.empty()) std::cout << "\n" << result->summary << "\n";
  std::cout << "verification (mismatching elements, max abs difference):\n";
  for (const flow::StepCheck& c : result->checks) {
    // A check with a tolerance (verify_expected_output_npy) can pass without being exact.
    const char* verdict = !c.blocking                        ? "(info)"
                          : !c.passed()                      ? "FAIL"
                          : c.mismatches == 0                ? "exact"
                                                             : "within verify_atol";
    std::cout << absl::StrFormat("  %-22s %-58s %-22s %8d / %-8d %-10g %s\n", c.step,
                                 c.compared_with, c.output, c.mismatches, c.elements,
                                 c.max_abs_diff, verdict);
  }
  const bool exact = std::all_of(result->checks.begin(), result->checks.end(),
                                 [](const flow::StepCheck& c) {
                                   return !c.blocking || c.mismatches == 0;
                                 });
  std::cout << (!result->verified ? "result: MISMATCH, see report/verification.json\n"
                : exact ? "result: VERIFIED, every check bit-exact\n"
                        : "result: VERIFIED, every check bit-exact or within verify_atol\n");
  std::cout << "wrote " << args.output_dir << "\n";
  return result->verified ? 0 : 1;
}

}  // namespace finngl::cli
