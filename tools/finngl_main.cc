// finngl: command line entry point. Subcommands live in cmd_*.cc.
#include <malloc.h>

#include <CLI/CLI.hpp>

#include "tools/commands.h"

int main(int argc, char** argv) {
  using namespace finngl::cli;
  // Kernels reuse their buffers, but Eigen's GEMM blocking space and returned outputs are fresh
  // allocations each run; keep large blocks in the heap instead of mmap/munmap-ing them per run
  // (page faults otherwise cost as much as the convolutions themselves).
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  CLI::App app{"finngl: compiles quantized neural networks (feed-forward and recurrent) from ONNX "
               "into FPGA dataflow accelerators"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "finngl 0.1.0");

  InfoArgs info;
  CLI::App* info_cmd = app.add_subcommand(
      "info", "Print a model's inputs/outputs (shapes, datatypes), op counts, parameter count and "
              "the datatype of every weight");
  info_cmd->add_option("MODEL", info.model, "ONNX model file")->required();
  info_cmd->add_flag("--brief", info.brief, "summarise weights by datatype instead of listing each");

  ExecArgs exec;
  CLI::App* exec_cmd = app.add_subcommand(
      "exec", "Run a model on .npy inputs with the reference executor; writes one .npy per output");
  exec_cmd->add_option("MODEL", exec.model, "ONNX model file")->required();
  exec_cmd->add_option("-i,--input", exec.inputs,
                       "NAME=FILE.npy for each graph input (FILE.npy alone if the model has one "
                       "input)")
      ->required();
  exec_cmd->add_option("-o,--output-dir", exec.output_dir, "directory for <output name>.npy files")
      ->required();
  exec_cmd->add_option("--repeat", exec.repeat, "run N times and report the mean time")
      ->check(CLI::PositiveNumber);
  exec_cmd->add_flag("-q,--quiet", exec.quiet, "do not print the output summary");
  exec_cmd->add_flag("--profile", exec.profile, "print the time spent in each node (slowest first)");

  CheckArgs check;
  CLI::App* check_cmd = app.add_subcommand(
      "check", "Verify a model: structure, op schemas and attributes, and stored types against "
               "inferred types");
  check_cmd->add_option("MODEL", check.model, "ONNX model file")->required();
  check_cmd->add_flag("--integer-only", check.integer_only,
                     "also list every node that still computes in float (exit 1 if any)");

  ConvertArgs convert;
  CLI::App* convert_cmd = app.add_subcommand(
      "convert", "Read a model into finngl's IR, verify it and write it back as ONNX (lossless)");
  convert_cmd->add_option("MODEL", convert.model, "ONNX model file")->required();
  convert_cmd->add_option("-o,--output", convert.output, "output ONNX file")->required();

  OptArgs opt;
  CLI::App* opt_cmd = app.add_subcommand(
      "opt", "Run graph passes (--passes) or a named pipeline (--pipeline) on a model and write "
             "the result; --list shows them all");
  opt_cmd->add_option("MODEL", opt.model, "ONNX model file");
  opt_cmd->add_option("-o,--output", opt.output, "output ONNX file (written only on success)");
  CLI::Option* passes_opt =
      opt_cmd->add_option("--passes", opt.passes, "passes to run once each, in order: a,b,c")
          ->delimiter(',');
  opt_cmd->add_option("--pipeline", opt.pipeline, "named pipeline to run, e.g. cleanup")
      ->excludes(passes_opt);
  opt_cmd->add_flag("--list", opt.list, "list every pass and pipeline with its description");
  opt_cmd->add_option("--dump-dir", opt.dump_dir,
                      "write the model after every pass to DIR/<NN>_<pass>.onnx");
  opt_cmd->add_flag("--no-verify", opt.no_verify,
                    "skip the structural verifier after each pass");
  opt_cmd->add_flag("--verify", opt.verify,
                    "execute the model after every pass and report, per pass, mismatching output "
                    "elements and the max abs difference (exit 1 if the result differs)");
  opt_cmd->add_option("--verify-input", opt.verify_inputs,
                      "NAME=FILE.npy inputs for --verify (default: random inputs drawn from the "
                      "input datatypes)");
  opt_cmd->add_option("--verify-samples", opt.verify_samples,
                      "number of random samples for --verify")
      ->check(CLI::Range(1, 1000000));
  opt_cmd->add_option("--verify-seed", opt.verify_seed, "seed of the random --verify samples");
  opt_cmd->add_flag("--allow-inexact-float", opt.allow_inexact_float,
                    "allow float rewrites that are not bit-identical (e.g. x / 3 -> x * (1/3))");

  BuildArgs build;
  CLI::App* build_cmd = app.add_subcommand(
      "build", "Compile a quantized model into a C-simulated dataflow accelerator: streamline, "
               "map to hardware layers, fold, estimate, generate HLS C++ and verify it bit-exactly");
  build_cmd->add_option("MODEL", build.model, "ONNX model file")->required();
  build_cmd->add_option("--config", build.config,
                        "build config JSON (board, synth_clk_period_ns, target_fps, "
                        "folding_config_file, verify_input_npy, ...; see README)");
  build_cmd->add_option("-o,--output", build.output_dir, "output directory")->required();
  build_cmd->add_option("--board", build.board, "board or FPGA part (overrides the config)");
  build_cmd->add_option("--clk-ns", build.clk_period_ns, "clock period in ns (overrides)");
  build_cmd->add_option("--target-fps", build.target_fps, "target frames/s (overrides)");
  build_cmd->add_option("--folding-config", build.folding_config,
                        "FINN folding JSON (overrides)");
  build_cmd->add_option("--stop-step", build.stop_step, "last step to run (overrides)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (*info_cmd) return RunInfo(info);
  if (*exec_cmd) return RunExec(exec);
  if (*check_cmd) return RunCheck(check);
  if (*convert_cmd) return RunConvert(convert);
  if (*opt_cmd) return RunOpt(opt);
  if (*build_cmd) return RunBuild(build);
  return 2;
}
