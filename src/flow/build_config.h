// The configuration of `finngl build`, a JSON file in the spirit of FINN's DataflowBuildConfig.
//
//   {
//     "board": "ZCU104",                 // or "fpga_part": "xczu7ev-ffvc1156-2-e"
//     "synth_clk_period_ns": 6.667,      // 150 MHz
//     "target_fps": 10000,               // auto folding for this rate (optional)
//     "max_latency_ns": 5e6,             // auto folding also bounds the critical path (optional)
//     "folding_config_file": "fold.json",// FINN folding JSON; overrides auto folding (optional)
//     "budget_fraction": 0.85,           // share of the device the folder may use
//     "verify_input_npy": "in.npy",      // or {"input name": "file.npy"}; default: random frames
//     "verify_expected_output_npy": "out.npy",  // optional, needs verify_input_npy and a model
//                                        // with one output; compared (within verify_atol) with
//                                        // the C simulation, or with the last whole-model step
//                                        // of a build stopped earlier: a mismatch exits 1
//     "verify_samples": 8, "verify_seed": 0,    // random verification frames: samples in
//                                        // [1, 1000000], seed in [0, 2^32 - 1]
//     "verify_atol": 1e-4,               // >= 0; float outputs between whole-model steps
//     "stop_step": "codegen",            // last step to run (default: all)
//     "save_intermediate_models": true
//   }
// Relative paths are relative to the config file. Unknown keys are errors (a typo must not be
// silently ignored).
#ifndef FINNGL_SRC_FLOW_BUILD_CONFIG_H_
#define FINNGL_SRC_FLOW_BUILD_CONFIG_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace finngl::flow {

// The build steps, in order.
const std::vector<std::string>& BuildSteps();

struct BuildConfig {
  std::string device;  // board or part, resolved by hw::LookupDevice
  double clk_period_ns = 10.0;
  std::optional<double> target_fps;
  std::optional<double> max_latency_ns;
  std::string folding_config_file;
  double budget_fraction = 0.85;
  std::map<std::string, std::string> verify_inputs;  // input name ("" = the only input) -> .npy
  std::string verify_expected_output;                // .npy of the (only) output
  int verify_samples = 8;
  // Float graph outputs (before the accelerator boundary) may differ by this much between steps;
  // everything at and inside the accelerator boundary must be bit-exact.
  double verify_atol = 1e-4;
  unsigned verify_seed = 0;
  std::string stop_step;  // empty: all
  bool save_intermediate_models = true;
};

// Parses the JSON text of a config; `base_dir` resolves relative paths; `source` names the file
// in errors.
absl::StatusOr<BuildConfig> ParseBuildConfig(const std::string& text, const std::string& base_dir,
                                             const std::string& source);
absl::StatusOr<BuildConfig> LoadBuildConfig(const std::string& path);

}  // namespace finngl::flow

#endif  // FINNGL_SRC_FLOW_BUILD_CONFIG_H_
