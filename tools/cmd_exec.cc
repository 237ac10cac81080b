// `finngl exec MODEL --input NAME=FILE.npy ... --output-dir DIR`: runs the reference executor.
// Outputs are written only when the whole run succeeded (temp files renamed at the end), so a
// failed run leaves no partial output behind.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>

#include "absl/strings/str_cat.h"
#include "src/ir/npy.h"
#include "src/base/status.h"
#include "src/exec/executor.h"
#include "src/exec/frame_runner.h"
#include "tools/commands.h"
#include "tools/input_args.h"
#include "tools/load_model.h"

namespace finngl::cli {
namespace {

// File name for an output tensor: tensor names may contain '/', ':' and the like.
std::string OutputFileName(const std::string& tensor) {
  std::string name = tensor;
  for (char& c : name) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) c = '_';
  }
  return name + ".npy";
}

absl::Status Exec(const ExecArgs& args) {
  ASSIGN_OR_RETURN(std::unique_ptr<Model> model, LoadModel(args.model));
  ExecOptions options;
  options.profile = args.profile;
  auto exe_or = Executor::Create(*model, options);
  if (!exe_or.ok()) return WithFile(exe_or.status(), args.model);
  std::unique_ptr<Executor> exe = std::move(exe_or).value();

  ASSIGN_OR_RETURN(std::vector<Tensor> inputs,
                   LoadInputArgs(args.inputs, *exe, args.model, "--input"));

  std::vector<Tensor> outputs;
  auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < args.repeat; ++r) {
    // RunFrames splits inputs holding several frames into single frames for batch-1 models
    // (hardware graphs after set-batch-one) and runs other models as given.
    auto outs = RunFrames(*exe, inputs);
    if (!outs.ok()) return WithFile(outs.status(), args.model);
    outputs = std::move(outs).value();
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                  .count() / args.repeat;

  // Write everything to temporary names first; rename only when all writes succeeded.
  std::error_code ec;
  std::filesystem::create_directories(args.output_dir, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create output directory '", args.output_dir, "': ", ec.message()));
  }
  std::vector<std::string> names = exe->output_names();
  std::vector<std::pair<std::string, std::string>> written;
  absl::Status status;
  for (size_t i = 0; i < outputs.size() && status.ok(); ++i) {
    std::string final_path = (std::filesystem::path(args.output_dir) / OutputFileName(names[i])).string();
    std::string tmp = final_path + ".partial";
    status = WriteNpy(tmp, outputs[i]);
    if (status.ok()) written.emplace_back(tmp, final_path);
  }
  if (!status.ok()) {
    for (auto& [tmp, final_path] : written) std::remove(tmp.c_str());
    return status;
  }
  for (auto& [tmp, final_path] : written) std::filesystem::rename(tmp, final_path);

  if (!args.quiet) {
    for (size_t i = 0; i < outputs.size(); ++i) {
      std::cout << names[i] << ": " << outputs[i].DebugString(6) << " -> "
                << written[i].second << "\n";
    }
    if (args.profile) {
      double total = 0;
      auto profile = exe->Profile();
      for (auto& [node, seconds] : profile) total += seconds;
      std::cout << "profile (" << args.repeat << " runs, top nodes):\n";
      for (size_t i = 0; i < profile.size() && i < 15; ++i) {
        std::printf("  %6.2f ms/run %5.1f%%  %s\n", profile[i].second * 1e3 / args.repeat,
                    100 * profile[i].second / total, profile[i].first.c_str());
      }
    }
    std::cout << "time: " << ms << " ms per run (" << args.repeat << " run"
              << (args.repeat > 1 ? "s" : "") << ")\n";
  }
  return absl::OkStatus();
}

}  // namespace

int RunExec(const ExecArgs& args) { return ReportError(Exec(args)); }

}  // namespace finngl::cli
