// The `finngl` subcommands. Each returns the process exit code: 0 success, 2 user error
// (bad model, bad input, unsupported op), 3 internal error (a finngl bug).
#ifndef FINNGL_TOOLS_COMMANDS_H_
#define FINNGL_TOOLS_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace finngl::cli {

struct InfoArgs {
  std::string model;
  bool brief = false;  // weights summarised by datatype instead of listed one by one
};
struct ExecArgs {
  std::string model;
  std::vector<std::string> inputs;  // NAME=FILE.npy, or FILE.npy for a single-input model
  std::string output_dir;
  int repeat = 1;
  bool quiet = false;
  bool profile = false;
};
struct CheckArgs {
  std::string model;
  bool integer_only = false;  // also list nodes that still compute in float
};
struct ConvertArgs {
  std::string model;
  std::string output;
};

struct OptArgs {
  std::string model;
  std::string output;
  std::vector<std::string> passes;  // run once each, in order
  std::string pipeline;             // or a named pipeline
  bool list = false;                // print every pass and pipeline instead
  std::string dump_dir;             // model after every pass goes here
  bool no_verify = false;
  bool allow_inexact_float = false;
  // --verify: execute the model after every pass and compare with the step before and the
  // original, on --verify-input files (one sample) or --verify-samples random samples.
  bool verify = false;
  std::vector<std::string> verify_inputs;
  int verify_samples = 16;
  uint32_t verify_seed = 1;
};

struct BuildArgs {
  std::string model;
  std::string config;      // build config JSON (src/flow/build_config.h)
  std::string output_dir;
  // Command-line overrides of the config.
  std::string board;
  std::optional<double> clk_period_ns;  // nullopt: not given
  std::optional<double> target_fps;
  std::string folding_config;
  std::string stop_step;
};

int RunInfo(const InfoArgs& args);
int RunBuild(const BuildArgs& args);
int RunExec(const ExecArgs& args);
int RunCheck(const CheckArgs& args);
int RunConvert(const ConvertArgs& args);
int RunOpt(const OptArgs& args);

// Prints "finngl: error: <message>" to stderr and maps the status code to an exit code.
int ReportError(const absl::Status& status);

}  // namespace finngl::cli

#endif  // FINNGL_TOOLS_COMMANDS_H_
