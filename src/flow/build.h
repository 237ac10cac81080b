// `finngl build`: every stage from a quantized ONNX model to a generated, C-simulated
// accelerator, each verified against the one before (docs/hardware.md, FINN's build flow).
//
// Steps (BuildSteps()): frontend (streamline to integer-only), lower_conv, prepare_hw (batch 1,
// input projection hoisted out of Scan bodies), convert_to_hw (HW layers, RecurrentLayer),
// dataflow_partition (host pre/post vs accelerator), folding (folding config, or the auto folder
// for target_fps / max_latency_ns inside the device budget; bit widths minimised; width
// converters and FIFOs inserted), estimates (FINN's JSON reports + a summary table), codegen (the
// HLS project) and csim (g++ C simulation of the generated top on the verification inputs).
//
// The output directory (FINN's layout where FINN has one):
//   intermediate_models/NN_<step>.onnx, intermediate_models/{host_pre,accelerator,host_post}.onnx
//   report/estimate_*.json, report/op_and_param_counts.json, report/verification.json,
//   report/summary.txt, time_per_step.json, final_hw_config.json (+ auto_folding_config.json),
//   project/ (the generated HLS project), verification_output/*.npy
// The directory is assembled next to the target and renamed into place at the end, so an error
// leaves no partial output (an earlier build in that directory stays as it was). The target must
// not exist, be empty, or hold an earlier build (it has time_per_step.json): any other directory
// or file is refused rather than replaced.
#ifndef FINNGL_SRC_FLOW_BUILD_H_
#define FINNGL_SRC_FLOW_BUILD_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/exec/executor.h"
#include "src/flow/build_config.h"

namespace finngl::flow {

// One execution-equivalence check of a step.
struct StepCheck {
  std::string step;
  std::string compared_with;  // "previous step", "original model", "executor", ...
  std::string output;
  int64_t elements = 0;
  int64_t mismatches = 0;
  double max_abs_diff = 0;
  // Bit-exact is required everywhere except between the original float model and the streamlined
  // one: streamlining re-associates float scales (x * (W * s) vs (x * W) * s), which can move a
  // value across a quantizer threshold (README). Those checks are informational (blocking =
  // false) and pass within verify_atol; every later step must reproduce its predecessor exactly.
  double tolerance = 0;
  bool blocking = true;
  bool passed() const { return tolerance == 0 ? mismatches == 0 : max_abs_diff <= tolerance; }
};

struct BuildResult {
  std::vector<std::pair<std::string, double>> step_seconds;
  std::vector<StepCheck> checks;
  bool verified = true;  // every blocking check passed
  std::string summary;   // the estimate table
};

// Runs the build; progress lines go to `log`. User errors (bad model, config, unsupported
// layers) are InvalidArgument naming what is wrong; verification mismatches are reported in the
// result (verified = false), not as errors.
absl::StatusOr<BuildResult> RunBuild(const std::string& model_path, const BuildConfig& config,
                                     const std::string& out_dir, std::ostream& log);

// How the build executes a model on verification frames (inputs holding frames along axis 0):
// a model that takes a whole batch (every input's leading dimension symbolic) runs on at most
// `max_frames` frames at a time and the outputs are concatenated along axis 0, so the
// executor's kept node outputs are those of one chunk, not of every frame; batch-1 models run
// frame by frame (RunFrames). A model whose outputs do not carry the frames along axis 0 runs
// on all frames at once.
absl::StatusOr<std::vector<Tensor>> RunInChunks(Executor& executor,
                                                const std::vector<Tensor>& inputs,
                                                int64_t max_frames);

}  // namespace finngl::flow

#endif  // FINNGL_SRC_FLOW_BUILD_H_
