// Tests of `finngl build`'s config parser (src/flow/build_config.h): a full config, relative
// paths, and every class of bad value, each an InvalidArgument that names the config file and the
// offending key (the CLI turns it into exit code 2 before anything is written).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "src/flow/build_config.h"

namespace finngl::flow {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kSource[] = "cfg.json";

absl::StatusOr<BuildConfig> Parse(const std::string& text) {
  return ParseBuildConfig(text, "/base", kSource);
}

// The message of a config that must be rejected; every message starts with the file's name.
std::string Error(const std::string& text) {
  absl::StatusOr<BuildConfig> c = Parse(text);
  EXPECT_FALSE(c.ok()) << text;
  if (c.ok()) return "";
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << text;
  const std::string message(c.status().message());
  EXPECT_EQ(message.rfind(std::string(kSource) + ": ", 0), 0u) << message;
  return message;
}

// A minimal valid config with `extra` ("\"key\": value") added.
std::string With(const std::string& extra) {
  return R"({"board": "ZCU104", "synth_clk_period_ns": 5)" + (extra.empty() ? "" : ", " + extra) +
         "}";
}

TEST(BuildConfig, FullConfig) {
  absl::StatusOr<BuildConfig> c = Parse(R"({
    "board": "ZCU104", "synth_clk_period_ns": 6.667, "target_fps": 200, "max_latency_ns": 5e6,
    "folding_config_file": "fold.json", "budget_fraction": 0.5,
    "verify_input_npy": {"x": "x.npy"}, "verify_expected_output_npy": "/abs/y.npy",
    "verify_samples": 3, "verify_seed": 7, "verify_atol": 0, "stop_step": "codegen",
    "save_intermediate_models": false})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->device, "ZCU104");
  EXPECT_DOUBLE_EQ(c->clk_period_ns, 6.667);
  EXPECT_EQ(c->target_fps, 200);
  EXPECT_EQ(c->max_latency_ns, 5e6);
  // Relative paths are relative to the config's directory, absolute ones stay.
  EXPECT_EQ(c->folding_config_file, "/base/fold.json");
  EXPECT_EQ(c->verify_inputs.at("x"), "/base/x.npy");
  EXPECT_EQ(c->verify_expected_output, "/abs/y.npy");
  EXPECT_DOUBLE_EQ(c->budget_fraction, 0.5);
  EXPECT_EQ(c->verify_samples, 3);
  EXPECT_EQ(c->verify_seed, 7u);
  EXPECT_EQ(c->verify_atol, 0);  // exact comparison is a valid tolerance
  EXPECT_EQ(c->stop_step, "codegen");
  EXPECT_FALSE(c->save_intermediate_models);
}

TEST(BuildConfig, Defaults) {
  absl::StatusOr<BuildConfig> c = Parse(R"({"fpga_part": "xc7z020clg400-1",
                                            "synth_clk_period_ns": 10})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->device, "xc7z020clg400-1");
  EXPECT_FALSE(c->target_fps);
  EXPECT_FALSE(c->max_latency_ns);
  EXPECT_DOUBLE_EQ(c->budget_fraction, 0.85);
  EXPECT_TRUE(c->verify_inputs.empty());
  EXPECT_EQ(c->verify_samples, 8);
  EXPECT_TRUE(c->stop_step.empty());
  EXPECT_TRUE(c->save_intermediate_models);
}

TEST(BuildConfig, NotAJsonObject) {
  EXPECT_THAT(Error("not json"), HasSubstr("not valid JSON: parse error at line 1"));
  EXPECT_THAT(Error(R"({"board": "ZCU104",)"), HasSubstr("not valid JSON"));
  EXPECT_THAT(Error("[1, 2]"), HasSubstr("not a JSON object (the top level is array)"));
  EXPECT_THAT(Error(""), HasSubstr("not valid JSON"));
  // Too large for a double: a parse error, not an exception out of the parser.
  EXPECT_THAT(Error(R"({"board": "ZCU104", "synth_clk_period_ns": 1e999})"),
              HasSubstr("not valid JSON: number overflow parsing '1e999'"));
}

TEST(BuildConfig, UnknownKey) {
  EXPECT_THAT(Error(With(R"("target_fsp": 10)")),
              AllOf(HasSubstr("unknown key 'target_fsp'"), HasSubstr("target_fps")));
}

TEST(BuildConfig, Device) {
  EXPECT_THAT(Error(R"({"board": "ZCU104", "fpga_part": "xczu7ev-ffvc1156-2-e",
                        "synth_clk_period_ns": 5})"),
              HasSubstr("either 'board' or 'fpga_part', not both"));
  EXPECT_THAT(Error(R"({"synth_clk_period_ns": 5})"),
              HasSubstr("'board' or 'fpga_part' is required"));
  EXPECT_THAT(Error(R"({"board": "ZCU999", "synth_clk_period_ns": 5})"),
              AllOf(HasSubstr("'board': unknown FPGA part or board 'ZCU999'"),
                    HasSubstr("ZCU104")));
  EXPECT_THAT(Error(R"({"fpga_part": "xc7zfoo", "synth_clk_period_ns": 5})"),
              AllOf(HasSubstr("'fpga_part': unknown FPGA part or board 'xc7zfoo'"),
                    HasSubstr("xczu7ev-ffvc1156-2-e")));
  EXPECT_THAT(Error(R"({"board": 104, "synth_clk_period_ns": 5})"),
              HasSubstr("'board' must be a non-empty string, got 104"));
  EXPECT_THAT(Error(R"({"board": "", "synth_clk_period_ns": 5})"),
              HasSubstr("'board' must be a non-empty string"));
}

TEST(BuildConfig, ClockIsRequired) {
  EXPECT_THAT(Error(R"({"board": "ZCU104"})"), HasSubstr("'synth_clk_period_ns' is required"));
}

TEST(BuildConfig, PositiveNumbers) {
  for (const char* key : {"synth_clk_period_ns", "target_fps", "max_latency_ns",
                          "budget_fraction"}) {
    for (const char* value : {"0", "-1", "\"10\"", "null", "true"}) {
      const std::string text =
          std::string(R"({"board": "ZCU104", "synth_clk_period_ns": 5, ")") + key + "\": " +
          value + "}";
      // A repeated key keeps the last value (nlohmann), so this tests `value` for the clock too.
      EXPECT_THAT(Error(text), HasSubstr(std::string("'") + key + "' must be a positive number"))
          << text;
    }
  }
}

TEST(BuildConfig, BudgetFractionAtMostOne) {
  EXPECT_THAT(Error(With(R"("budget_fraction": 1.5)")),
              HasSubstr("'budget_fraction' must be in (0, 1]"));
  EXPECT_TRUE(Parse(With(R"("budget_fraction": 1)")).ok());
}

TEST(BuildConfig, VerifyAtol) {
  EXPECT_THAT(Error(With(R"("verify_atol": -1e-4)")),
              HasSubstr("'verify_atol' must be a number >= 0, got -0.0001"));
  EXPECT_THAT(Error(With(R"("verify_atol": "1e-4")")), HasSubstr("'verify_atol' must be"));
}

TEST(BuildConfig, VerifyInputNpy) {
  EXPECT_THAT(Error(With(R"("verify_input_npy": 3)")),
              HasSubstr("'verify_input_npy' must be a file name or {\"input\": \"file.npy\"}"));
  EXPECT_THAT(Error(With(R"("verify_input_npy": ["x.npy"])")),
              HasSubstr("'verify_input_npy' must be a file name"));
  EXPECT_THAT(Error(With(R"("verify_input_npy": "")")),
              HasSubstr("'verify_input_npy' must be a file name"));
  EXPECT_THAT(Error(With(R"("verify_input_npy": {})")),
              HasSubstr("'verify_input_npy' must be a file name"));
  EXPECT_THAT(Error(With(R"("verify_input_npy": {"x": 3})")),
              HasSubstr("'verify_input_npy' of input 'x' must be a file name, got 3"));
  absl::StatusOr<BuildConfig> c = Parse(With(R"("verify_input_npy": "x.npy")"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->verify_inputs.at(""), "/base/x.npy");
}

TEST(BuildConfig, ExpectedOutputNeedsInputs) {
  EXPECT_THAT(Error(With(R"("verify_expected_output_npy": "y.npy")")),
              HasSubstr("'verify_expected_output_npy' needs 'verify_input_npy'"));
  EXPECT_THAT(Error(With(R"("verify_input_npy": "x.npy", "verify_expected_output_npy": 1)")),
              HasSubstr("'verify_expected_output_npy' must be a non-empty string"));
}

TEST(BuildConfig, VerifySamples) {
  for (const char* value : {"0", "-3", "1.5", "\"8\"", "10000000000", "1000001"}) {
    EXPECT_THAT(Error(With(std::string(R"("verify_samples": )") + value)),
                HasSubstr("'verify_samples' must be an integer in [1, 1000000]"))
        << value;
  }
  EXPECT_TRUE(Parse(With(R"("verify_samples": 1000000)")).ok());
}

TEST(BuildConfig, VerifySeed) {
  for (const char* value : {"-1", "1.5", "\"0\"", "4294967296"}) {
    EXPECT_THAT(Error(With(std::string(R"("verify_seed": )") + value)),
                HasSubstr("'verify_seed' must be an integer in [0, 4294967295]"))
        << value;
  }
  absl::StatusOr<BuildConfig> c = Parse(With(R"("verify_seed": 4294967295)"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->verify_seed, 4294967295u);
}

TEST(BuildConfig, StopStep) {
  EXPECT_THAT(Error(With(R"("stop_step": "synth")")),
              AllOf(HasSubstr("unknown stop_step 'synth'"), HasSubstr("dataflow_partition")));
  EXPECT_THAT(Error(With(R"("stop_step": 5)")), HasSubstr("'stop_step' must be a non-empty"));
  for (const std::string& step : BuildSteps()) {
    EXPECT_TRUE(Parse(With(R"("stop_step": ")" + step + "\"")).ok()) << step;
  }
}

TEST(BuildConfig, SaveIntermediateModels) {
  EXPECT_THAT(Error(With(R"("save_intermediate_models": "yes")")),
              HasSubstr("'save_intermediate_models' must be true or false, got \"yes\""));
  EXPECT_THAT(Error(With(R"("save_intermediate_models": 1)")),
              HasSubstr("'save_intermediate_models' must be true or false"));
}

TEST(BuildConfig, FoldingConfigFile) {
  EXPECT_THAT(Error(With(R"("folding_config_file": 3)")),
              HasSubstr("'folding_config_file' must be a non-empty string"));
  EXPECT_THAT(Error(With(R"("folding_config_file": "")")),
              HasSubstr("'folding_config_file' must be a non-empty string"));
}

TEST(BuildConfig, LoadNamesTheFile) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "build_config_test";
  std::filesystem::create_directories(dir);
  const std::string missing = (dir / "missing.json").string();
  absl::StatusOr<BuildConfig> c = LoadBuildConfig(missing);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr(missing + ": cannot open build config"));

  c = LoadBuildConfig(dir.string());
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("is a directory"));

  const std::string bad = (dir / "bad.json").string();
  std::ofstream(bad) << R"({"board": "ZCU104", "synth_clk_period_ns": -5})";
  c = LoadBuildConfig(bad);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              HasSubstr(bad + ": 'synth_clk_period_ns' must be a positive number, got -5"));

  // Paths in a loaded config are relative to its directory.
  const std::string good = (dir / "good.json").string();
  std::ofstream(good) << With(R"("verify_input_npy": "x.npy")");
  c = LoadBuildConfig(good);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->verify_inputs.at(""), (dir / "x.npy").string());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace finngl::flow
