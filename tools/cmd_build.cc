// `finngl build MODEL --config CFG.json -o DIR`: the whole flow (src/flow/build.h), printing each
// step with its time, then the estimate table and the verification result.
// Exit codes: 0 built and verified, 1 built but some check found mismatches, 2 user error.
#include <iostream>

#include "absl/strings/str_format.h"
#include "src/flow/build.h"
#include "tools/commands.h"

namespace finngl::cli {

int RunBuild(const BuildArgs& args) {
  flow::BuildConfig config;
  if (!args.config.empty()) {
    absl::StatusOr<flow::BuildConfig> loaded = flow::LoadBuildConfig(args.config);
    if (!loaded.ok()) return ReportError(loaded.status());
    config = *std::move(loaded);
  } else if (args.board.empty() || args.clk_period_ns <= 0) {
    return ReportError(absl::InvalidArgumentError(
        "give --config CFG.json, or at least --board and --clk-ns"));
  }
  if (!args.board.empty()) config.device = args.board;
  if (args.clk_period_ns > 0) config.clk_period_ns = args.clk_period_ns;
  if (args.target_fps > 0) config.target_fps = args.target_fps;
  if (!args.folding_config.empty()) config.folding_config_file = args.folding_config;
  if (!args.stop_step.empty()) config.stop_step = args.stop_step;

  absl::StatusOr<flow::BuildResult> result =
      flow::RunBuild(args.model, config, args.output_dir, std::cout);
  if (!result.ok()) return ReportError(result.status());
  if (!result->summary.empty()) std::cout << "\n" << result->summary << "\n";
  std::cout << "verification (mismatching elements, max abs difference):\n";
  for (const flow::StepCheck& c : result->checks) {
    std::cout << absl::StrFormat("  %-22s %-58s %-22s %8d / %-8d %-10g %s\n", c.step,
                                 c.compared_with, c.output, c.mismatches, c.elements,
                                 c.max_abs_diff,
                                 !c.blocking ? "(info)" : c.passed() ? "exact" : "FAIL");
  }
  std::cout << (result->verified ? "result: VERIFIED, every check bit-exact\n"
                                 : "result: MISMATCH, see report/verification.json\n");
  std::cout << "wrote " << args.output_dir << "\n";
  return result->verified ? 0 : 1;
}

}  // namespace finngl::cli
