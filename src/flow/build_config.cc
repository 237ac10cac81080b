#include "src/flow/build_config.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace finngl::flow {
namespace {

using nlohmann::json;

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute() || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

}  // namespace

const std::vector<std::string>& BuildSteps() {
  static const std::vector<std::string> kSteps = {
      "frontend", "lower_conv", "prepare_hw", "convert_to_hw", "dataflow_partition",
      "folding",  "estimates",  "codegen",    "csim"};
  return kSteps;
}

absl::StatusOr<BuildConfig> ParseBuildConfig(const std::string& text, const std::string& base_dir,
                                             const std::string& source) {
  auto fail = [&](const std::string& msg) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", msg));
  };
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return fail("not a JSON object");
  static const std::set<std::string> kKeys = {
      "board", "fpga_part", "synth_clk_period_ns", "target_fps", "max_latency_ns",
      "folding_config_file", "budget_fraction", "verify_input_npy", "verify_expected_output_npy",
      "verify_samples", "verify_seed", "verify_atol", "stop_step", "save_intermediate_models"};
  for (const auto& [key, value] : j.items()) {
    if (!kKeys.count(key)) {
      return fail(absl::StrCat("unknown key '", key, "'; valid keys: ", absl::StrJoin(kKeys, ", ")));
    }
  }
  BuildConfig c;
  auto number = [&](const char* key) -> absl::StatusOr<std::optional<double>> {
    if (!j.contains(key)) return std::optional<double>();
    if (!j[key].is_number() || j[key].get<double>() <= 0) {
      return fail(absl::StrCat("'", key, "' must be a positive number"));
    }
    return std::optional<double>(j[key].get<double>());
  };
  auto string = [&](const char* key) -> absl::StatusOr<std::string> {
    if (!j.contains(key)) return std::string();
    if (!j[key].is_string()) return fail(absl::StrCat("'", key, "' must be a string"));
    return j[key].get<std::string>();
  };
  absl::StatusOr<std::string> board = string("board");
  absl::StatusOr<std::string> part = string("fpga_part");
  if (!board.ok()) return board.status();
  if (!part.ok()) return part.status();
  if (!board->empty() && !part->empty()) return fail("give either 'board' or 'fpga_part', not both");
  c.device = board->empty() ? *part : *board;
  if (c.device.empty()) return fail("'board' or 'fpga_part' is required (e.g. \"board\": \"ZCU104\")");
  absl::StatusOr<std::optional<double>> clk = number("synth_clk_period_ns");
  if (!clk.ok()) return clk.status();
  if (!*clk) return fail("'synth_clk_period_ns' is required (e.g. 6.667 for 150 MHz)");
  c.clk_period_ns = **clk;
  absl::StatusOr<std::optional<double>> fps = number("target_fps");
  if (!fps.ok()) return fps.status();
  c.target_fps = *fps;
  absl::StatusOr<std::optional<double>> latency = number("max_latency_ns");
  if (!latency.ok()) return latency.status();
  c.max_latency_ns = *latency;
  absl::StatusOr<std::optional<double>> budget = number("budget_fraction");
  if (!budget.ok()) return budget.status();
  if (*budget) {
    if (**budget > 1) return fail("'budget_fraction' must be in (0, 1]");
    c.budget_fraction = **budget;
  }
  absl::StatusOr<std::string> folding = string("folding_config_file");
  if (!folding.ok()) return folding.status();
  c.folding_config_file = Resolve(base_dir, *folding);
  if (j.contains("verify_input_npy")) {
    const json& v = j["verify_input_npy"];
    if (v.is_string()) {
      c.verify_inputs[""] = Resolve(base_dir, v.get<std::string>());
    } else if (v.is_object()) {
      for (const auto& [name, file] : v.items()) {
        if (!file.is_string()) return fail("'verify_input_npy' values must be file names");
        c.verify_inputs[name] = Resolve(base_dir, file.get<std::string>());
      }
    } else {
      return fail("'verify_input_npy' must be a file name or {\"input\": \"file.npy\"}");
    }
  }
  absl::StatusOr<std::optional<double>> atol = number("verify_atol");
  if (!atol.ok()) return atol.status();
  if (*atol) c.verify_atol = **atol;
  absl::StatusOr<std::string> expected = string("verify_expected_output_npy");
  if (!expected.ok()) return expected.status();
  c.verify_expected_output = Resolve(base_dir, *expected);
  if (j.contains("verify_samples")) {
    if (!j["verify_samples"].is_number_integer() || j["verify_samples"].get<int>() < 1) {
      return fail("'verify_samples' must be a positive integer");
    }
    c.verify_samples = j["verify_samples"].get<int>();
  }
  if (j.contains("verify_seed")) {
    if (!j["verify_seed"].is_number_unsigned()) return fail("'verify_seed' must be an integer >= 0");
    c.verify_seed = j["verify_seed"].get<unsigned>();
  }
  absl::StatusOr<std::string> stop = string("stop_step");
  if (!stop.ok()) return stop.status();
  if (!stop->empty()) {
    const auto& steps = BuildSteps();
    if (std::find(steps.begin(), steps.end(), *stop) == steps.end()) {
      return fail(absl::StrCat("unknown stop_step '", *stop, "'; steps: ",
                               absl::StrJoin(steps, ", ")));
    }
    c.stop_step = *stop;
  }
  if (j.contains("save_intermediate_models")) {
    if (!j["save_intermediate_models"].is_boolean()) {
      return fail("'save_intermediate_models' must be true or false");
    }
    c.save_intermediate_models = j["save_intermediate_models"].get<bool>();
  }
  return c;
}

absl::StatusOr<BuildConfig> LoadBuildConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot open build config"));
  std::stringstream text;
  text << in.rdbuf();
  return ParseBuildConfig(text.str(), std::filesystem::path(path).parent_path().string(), path);
}

}  // namespace finngl::flow
