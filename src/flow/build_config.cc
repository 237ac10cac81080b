#include "src/flow/build_config.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "src/base/status.h"
#include "src/hw/device.h"

namespace finngl::flow {
namespace {

using nlohmann::json;

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute() || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

// Parses JSON text; a syntax error says where (line and column), which the non-throwing parse
// cannot. The exception stays inside this function.
absl::Status ParseJson(const std::string& text, json& out) {
  try {
    out = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for 1e999
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, ..." -> "parse error at line 1, ..."
    const size_t end = what.find("] ");
    if (what.rfind("[json.exception", 0) == 0 && end != std::string::npos) {
      what = what.substr(end + 2);
    }
    return absl::InvalidArgumentError(absl::StrCat("not valid JSON: ", what));
  }
  return absl::OkStatus();
}

// More random verification frames than this is a typo, not a plan: `finngl opt --verify-samples`
// has the same bound, and an unbounded count would just run the build out of memory.
constexpr int64_t kMaxVerifySamples = 1000000;

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
  json j;
  if (absl::Status s = ParseJson(text, j); !s.ok()) return fail(std::string(s.message()));
  if (!j.is_object()) {
    return fail(absl::StrCat("not a JSON object (the top level is ", j.type_name(), ")"));
  }
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
    if (!j[key].is_number() || !(j[key].get<double>() > 0)) {
      return fail(absl::StrCat("'", key, "' must be a positive number, got ", j[key].dump()));
    }
    return std::optional<double>(j[key].get<double>());
  };
  auto string = [&](const char* key) -> absl::StatusOr<std::string> {
    if (!j.contains(key)) return std::string();
    if (!j[key].is_string() || j[key].get<std::string>().empty()) {
      return fail(absl::StrCat("'", key, "' must be a non-empty string, got ", j[key].dump()));
    }
    return j[key].get<std::string>();
  };
  absl::StatusOr<std::string> board = string("board");
  absl::StatusOr<std::string> part = string("fpga_part");
  if (!board.ok()) return board.status();
  if (!part.ok()) return part.status();
  if (!board->empty() && !part->empty()) return fail("give either 'board' or 'fpga_part', not both");
  c.device = board->empty() ? *part : *board;
  if (c.device.empty()) return fail("'board' or 'fpga_part' is required (e.g. \"board\": \"ZCU104\")");
  // Checked here so that the error names the config file (the build looks it up again).
  if (absl::StatusOr<hw::Device> device = hw::LookupDevice(c.device); !device.ok()) {
    return Annotate(device.status(),
                    absl::StrCat(source, ": '", board->empty() ? "fpga_part" : "board", "': "));
  }
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
    if (v.is_string() && !v.get<std::string>().empty()) {
      c.verify_inputs[""] = Resolve(base_dir, v.get<std::string>());
    } else if (v.is_object() && !v.empty()) {
      for (const auto& [name, file] : v.items()) {
        if (!file.is_string() || file.get<std::string>().empty()) {
          return fail(absl::StrCat("'verify_input_npy' of input '", name,
                                   "' must be a file name, got ", file.dump()));
        }
        c.verify_inputs[name] = Resolve(base_dir, file.get<std::string>());
      }
    } else {
      return fail("'verify_input_npy' must be a file name or {\"input\": \"file.npy\"}");
    }
  }
  // 0 is a tolerance too: the float outputs must then match exactly.
  if (j.contains("verify_atol")) {
    const json& v = j["verify_atol"];
    if (!v.is_number() || !(v.get<double>() >= 0)) {
      return fail(absl::StrCat("'verify_atol' must be a number >= 0, got ", v.dump()));
    }
    c.verify_atol = v.get<double>();
  }
  absl::StatusOr<std::string> expected = string("verify_expected_output_npy");
  if (!expected.ok()) return expected.status();
  c.verify_expected_output = Resolve(base_dir, *expected);
  // Expected outputs belong to given inputs: random frames have none to compare with.
  if (!c.verify_expected_output.empty() && c.verify_inputs.empty()) {
    return fail("'verify_expected_output_npy' needs 'verify_input_npy' (the inputs it is the "
                "output of)");
  }
  // Range-checked as int64 first: get<int>() would silently wrap 10000000000 into a count that
  // exhausts memory.
  if (j.contains("verify_samples")) {
    const json& v = j["verify_samples"];
    if (!v.is_number_integer() || v.get<int64_t>() < 1 ||
        (v.is_number_unsigned() && v.get<uint64_t>() > kMaxVerifySamples) ||
        v.get<int64_t>() > kMaxVerifySamples) {
      return fail(absl::StrCat("'verify_samples' must be an integer in [1, ", kMaxVerifySamples,
                               "], got ", v.dump()));
    }
    c.verify_samples = static_cast<int>(v.get<int64_t>());
  }
  if (j.contains("verify_seed")) {
    const json& v = j["verify_seed"];
    if (!v.is_number_unsigned() || v.get<uint64_t>() > std::numeric_limits<unsigned>::max()) {
      return fail(absl::StrCat("'verify_seed' must be an integer in [0, ",
                               std::numeric_limits<unsigned>::max(), "], got ", v.dump()));
    }
    c.verify_seed = static_cast<unsigned>(v.get<uint64_t>());
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
      return fail(absl::StrCat("'save_intermediate_models' must be true or false, got ",
                               j["save_intermediate_models"].dump()));
    }
    c.save_intermediate_models = j["save_intermediate_models"].get<bool>();
  }
  return c;
}

absl::StatusOr<BuildConfig> LoadBuildConfig(const std::string& path) {
  // A directory opens as an ifstream on Linux but reads nothing: name it as what it is.
  if (std::filesystem::is_directory(path)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a build config"));
  }
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot open build config"));
  std::stringstream text;
  text << in.rdbuf();
  return ParseBuildConfig(text.str(), std::filesystem::path(path).parent_path().string(), path);
}

}  // namespace finngl::flow
