#include "src/flow/build.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"
#include "src/base/status.h"
#include "src/codegen/csim.h"
#include "src/codegen/project.h"
#include "src/exec/executor.h"
#include "src/exec/frame_runner.h"
#include "src/exec/random_inputs.h"
#include "src/flow/partition.h"
#include "src/hw/auto_folder.h"
#include "src/hw/device.h"
#include "src/hw/estimate_reports.h"
#include "src/hw/folding_config.h"
#include "src/hw/insert_streams.h"
#include "src/hw/layer_info.h"
#include "src/hw/minimize_bitwidths.h"
#include "src/hw/network_estimate.h"
#include "src/ir/npy.h"
#include "src/onnx/exporter.h"
#include "src/onnx/importer.h"
#include "src/passes/pass_manager.h"

namespace finngl::flow {
namespace {

namespace fs = std::filesystem;
using Tensors = std::vector<Tensor>;

// Frames per executor run of a model that accepts a whole batch (a symbolic leading dimension:
// the float and streamlined models before prepare_hw's set-batch-one). The executor keeps every
// node output of a run, so one run over all frames held frames x the sum of all intermediate
// tensors (about 11 MB a frame on the case study: 2.6 GB for 240 frames, 30 GB for its
// 2,703-frame test split). Chunks bound that by the chunk; a chunk of several frames still runs
// the model's batch semantics, so frames that interact along axis 0 still differ from the
// per-frame steps after set-batch-one. 8 frames: about 100 MB on the case study, and within 5%
// of one run's speed at 240 frames (4: 60 MB, 4% slower still).
constexpr int64_t kFramesPerRun = 8;

// Runs `model` on positional inputs holding frames along axis 0 (RunInChunks).
absl::StatusOr<Tensors> Execute(const Model& model, const Tensors& inputs) {
  ASSIGN_OR_RETURN(std::unique_ptr<Executor> exe, Executor::Create(model));
  return RunInChunks(*exe, inputs, kFramesPerRun);
}

// Frames [begin, end) of `t` along axis 0.
Tensor FrameRange(const Tensor& t, int64_t begin, int64_t end) {
  Dims dims = t.dims();
  const size_t frame_bytes = t.byte_size() / static_cast<size_t>(dims[0]);
  dims[0] = end - begin;
  Tensor out(t.type(), dims);
  std::memcpy(out.raw(), static_cast<const char*>(t.raw()) + begin * frame_bytes, out.byte_size());
  return out;
}

std::vector<std::string> InputNames(const Model& model) {
  std::vector<std::string> names;
  for (const Value* v : model.graph->inputs()) {
    if (!v->is_initializer()) names.push_back(v->name());
  }
  return names;
}
std::vector<std::string> OutputNames(const Model& model) {
  std::vector<std::string> names;
  for (const Value* v : model.graph->outputs()) names.push_back(v->name());
  return names;
}

void Compare(const std::string& step, const std::string& against,
             const std::vector<std::string>& names, const Tensors& want, const Tensors& got,
             BuildResult& result, double tolerance = 0, bool blocking = true) {
  for (size_t o = 0; o < names.size() && o < want.size() && o < got.size(); ++o) {
    StepCheck c{step, against, names[o]};
    const Tensor& a = want[o];
    const Tensor& b = got[o];
    if (a.size() != b.size()) {
      c.elements = a.size();
      c.mismatches = a.size();
      c.max_abs_diff = INFINITY;
    } else {
      c.elements = a.size();
      for (int64_t i = 0; i < a.size(); ++i) {
        const double x = a.GetDouble(i), y = b.GetDouble(i);
        if (x != y) {
          ++c.mismatches;
          c.max_abs_diff = std::max(c.max_abs_diff, std::fabs(x - y));
        }
      }
    }
    c.tolerance = tolerance;
    c.blocking = blocking;
    if (blocking) result.verified &= c.passed();
    result.checks.push_back(c);
  }
}

// The folding config is applied at the folding step, to the accelerator graph; its file is read
// before the first step so that a missing or malformed one fails before the steps ahead of it.
// Its entries are checked when it is applied (hw::ApplyFoldingConfigFile, same messages).
absl::Status CheckFoldingConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in || fs::is_directory(path)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot open folding config"));
  }
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": folding config is not valid JSON"));
  }
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": folding config: the top level must be a JSON object"));
  }
  return absl::OkStatus();
}

// A .npy file's read error under `where` (which names the file), without ReadNpy's own
// "path: " prefix; the code is kept (a missing file is NotFound, still a user error).
absl::Status NpyError(const std::string& where, const std::string& path, const absl::Status& s) {
  std::string message(s.message());
  if (absl::StartsWith(message, path + ": ")) message = message.substr(path.size() + 2);
  return absl::Status(s.code(), absl::StrCat(where, ": ", message));
}

// The axis along which random verification frames of an input declared `shape` are stacked, by
// set-batch-one's rule: a symbolic leading dimension ([N, 1, 100, 40]), else the first axis of 1
// (a batch-first [1, T, F] along 0, a time-major [T, 1, F] along 1), else the first symbolic one
// (a time-major [T, N, F]); so RunFrames (frame_runner.h) finds the frames at the model's batch.
std::optional<int64_t> RandomFrameAxis(const std::optional<Shape>& shape) {
  if (!shape || shape->empty()) return std::nullopt;
  if (!shape->front().known()) return 0;
  for (size_t a = 0; a < shape->size(); ++a) {
    if ((*shape)[a].known() && (*shape)[a].value == 1) return static_cast<int64_t>(a);
  }
  for (size_t a = 0; a < shape->size(); ++a) {
    if (!(*shape)[a].known()) return static_cast<int64_t>(a);
  }
  return std::nullopt;
}

// Verification frames: the given .npy files, else random frames drawn from the input types.
// A given file must fit its input as `finngl exec` requires (one frame, or frames along the
// batch axis: frame_runner.h); the error names the file, so that the executor's complaint about
// a tensor does not surface steps later without it.
absl::StatusOr<Tensors> VerificationInputs(const Model& model, const BuildConfig& cfg) {
  const std::vector<std::string> names = InputNames(model);
  Tensors inputs;
  if (!cfg.verify_inputs.empty()) {
    const std::string list = absl::StrCat("'", absl::StrJoin(names, "', '"), "'");
    for (const auto& [name, file] : cfg.verify_inputs) {
      if (name.empty() && names.size() != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "verify_input_npy '", file, "': the model has ", names.size(), " inputs (", list,
            "), so give verify_input_npy as {\"input name\": \"file.npy\", ...}"));
      }
      if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "verify_input_npy: the model has no input named '", name, "' (inputs: ", list, ")"));
      }
    }
    for (const std::string& name : names) {
      auto it = cfg.verify_inputs.find(name);
      if (it == cfg.verify_inputs.end() && names.size() == 1) it = cfg.verify_inputs.find("");
      if (it == cfg.verify_inputs.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "verify_input_npy gives no file for model input '", name, "' (inputs: ", list, ")"));
      }
      const std::string where = absl::StrCat("verify_input_npy '", it->second, "' (input '",
                                             name, "')");
      absl::StatusOr<Tensor> t = ReadNpy(it->second);
      if (!t.ok()) return NpyError(where, it->second, t.status());
      if (t->size() == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": holds no frames (shape [", absl::StrJoin(t->dims(), ", "), "])"));
      }
      const Value* declared = model.graph->FindValue(name);
      const std::optional<int64_t> axis = FrameAxis(declared->type().shape, t->dims());
      absl::Status ok = CheckInputTensor(*declared, axis ? FrameOf(*t, 0, *axis) : *t);
      if (!ok.ok()) return Annotate(ok, where + ": ");
      inputs.push_back(*std::move(t));
    }
    return inputs;
  }
  std::mt19937 rng(cfg.verify_seed);
  for (const std::string& name : names) {
    const Value* v = model.graph->FindValue(name);
    const std::optional<int64_t> axis = RandomFrameAxis(v->type().shape);
    if (!axis) {  // a fixed shape without a batch axis: one run of the model is one frame
      inputs.push_back(RandomInput(*v, rng));
      continue;
    }
    std::vector<Tensor> frames;
    while (static_cast<int>(frames.size()) < cfg.verify_samples) {
      Tensor t = RandomInput(*v, rng);
      const int64_t n = t.dim(*axis);
      for (int64_t b = 0; b < n && static_cast<int>(frames.size()) < cfg.verify_samples; ++b) {
        frames.push_back(FrameOf(t, b, *axis));
      }
    }
    ASSIGN_OR_RETURN(Tensor stacked, StackFrames(frames, name, *axis));
    inputs.push_back(std::move(stacked));
  }
  return inputs;
}

// Gives reshape converters (partition.h) the widths of the layers on both sides.
absl::Status RetuneReshapeConverters(Graph& graph) {
  for (Node* node : graph.nodes()) {
    for (Graph* body : node->subgraphs()) RETURN_IF_ERROR(RetuneReshapeConverters(*body));
    if (node->op_type() != "StreamingDataWidthConverter" || !node->has_attr("shape")) continue;
    Value* in = node->input(0);
    Node* producer = in->producer();
    Value* out = node->output(0);
    if (producer == nullptr || !hw::IsHwNode(*producer) || out->uses().size() != 1 ||
        !hw::IsHwNode(*out->uses()[0].node)) {
      continue;
    }
    ASSIGN_OR_RETURN(hw::LayerEstimate p, hw::EstimateLayer(*producer));
    ASSIGN_OR_RETURN(hw::LayerEstimate c, hw::EstimateLayer(*out->uses()[0].node));
    node->SetAttr("inWidth", Attribute::Int(p.out_widths[in->producer_index()]));
    node->SetAttr("outWidth", Attribute::Int(c.in_widths[out->uses()[0].input_index]));
  }
  return absl::OkStatus();
}

absl::Status WriteText(const fs::path& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  if (!f) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  return absl::OkStatus();
}

nlohmann::json ChecksJson(const std::vector<StepCheck>& checks) {
  nlohmann::json j = nlohmann::json::array();
  for (const StepCheck& c : checks) {
    j.push_back({{"step", c.step},
                 {"compared_with", c.compared_with},
                 {"output", c.output},
                 {"elements", c.elements},
                 {"mismatches", c.mismatches},
                 {"max_abs_diff", std::isfinite(c.max_abs_diff) ? c.max_abs_diff : -1.0},
                 {"tolerance", c.tolerance},
                 {"blocking", c.blocking},
                 {"result", c.passed() ? "SUCCESS" : "FAIL"}});
  }
  return j;
}

class Build {
 public:
  Build(const BuildConfig& cfg, fs::path dir, std::ostream& log) : cfg_(cfg), dir_(dir), log_(log) {}

  absl::StatusOr<BuildResult> Run(const std::string& model_path) {
    // Every file the user gave is checked before the first step, so that a typo in the name of
    // one a late step reads fails at once rather than after the steps before it.
    ASSIGN_OR_RETURN(device_, hw::LookupDevice(cfg_.device));
    if (!cfg_.folding_config_file.empty()) {
      RETURN_IF_ERROR(CheckFoldingConfigFile(cfg_.folding_config_file));
    }
    absl::StatusOr<std::unique_ptr<Model>> loaded = ImportModelFromFile(model_path);
    if (!loaded.ok()) {
      // The importer names the file in most of its messages; name it once.
      return absl::StrContains(loaded.status().message(), model_path)
                 ? loaded.status()
                 : Annotate(loaded.status(), model_path + ": ");
    }
    model_ = *std::move(loaded);
    ASSIGN_OR_RETURN(inputs_, VerificationInputs(*model_, cfg_));
    ASSIGN_OR_RETURN(original_outputs_, Execute(*model_, inputs_));
    RETURN_IF_ERROR(LoadExpectedOutput());
    previous_outputs_ = original_outputs_;
    for (const char* sub : {"intermediate_models", "report", "verification_output"}) {
      std::error_code ec;
      fs::create_directories(dir_ / sub, ec);
      if (ec) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot create '", (dir_ / sub).string(), "': ", ec.message()));
      }
    }
    absl::StatusOr<std::optional<FrameSplit>> split =
        FindFrames(*model_->graph, InputNames(*model_), inputs_);
    const int64_t frames = split.ok() && *split ? (*split)->count
                           : inputs_.empty()    ? 0
                                                : inputs_[0].dim(0);
    log_ << absl::StrFormat("finngl build: %s -> %s (%s, %.3f ns clock, %d verification frames)\n",
                            model_path, dir_.string(), device_.part, cfg_.clk_period_ns,
                            static_cast<int>(frames));
    const std::vector<std::pair<std::string, std::function<absl::Status()>>> steps = {
        {"frontend", [&] { return Pipelines({"frontend"}, /*from_float=*/true); }},
        {"lower_conv", [&] { return Pipelines({"lower-conv"}); }},
        {"prepare_hw", [&] { return Pipelines({"prepare-hw"}); }},
        {"convert_to_hw", [&] { return ConvertToHw(); }},
        {"dataflow_partition", [&] { return Partition(); }},
        {"folding", [&] { return Fold(); }},
        {"estimates", [&] { return Estimates(); }},
        {"codegen", [&] { return Codegen(); }},
        {"csim", [&] { return CSim(); }},
    };
    int index = 0;
    for (const auto& [name, fn] : steps) {
      ++index;
      step_ = absl::StrFormat("%02d_%s", index, name);
      const auto start = std::chrono::steady_clock::now();
      absl::Status s = fn();
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      // The model file leads: a step's error names nodes of a graph the user only knows by it.
      if (!s.ok()) return Annotate(s, absl::StrCat(model_path, ": step ", name, ": "));
      result_.step_seconds.emplace_back(name, seconds);
      log_ << absl::StrFormat("  [%d/%d] %-20s %8.2f s  %s\n", index, steps.size(), name, seconds,
                              note_);
      note_.clear();
      if (name == cfg_.stop_step) break;
    }
    // A build stopped before the C simulation still checks the expected outputs, against the
    // whole model as the last step that ran it left it.
    if (expected_ && !expected_checked_) CompareExpected(last_model_step_, previous_outputs_);
    RETURN_IF_ERROR(WriteReports());
    return result_;
  }

 private:
  absl::Status SaveModel(const Model& model, const std::string& file) {
    if (!cfg_.save_intermediate_models) return absl::OkStatus();
    return ExportModelToFile(model, (dir_ / "intermediate_models" / file).string());
  }

  // Executes the full model and checks it against the previous step: bit-exact, except for the
  // frontend, whose float-vs-integer differences are reported against the original (build.h).
  absl::Status CheckWholeModel(bool from_float) {
    ASSIGN_OR_RETURN(Tensors outs, Execute(*model_, inputs_));
    const std::vector<std::string> names = OutputNames(*model_);
    const size_t before = result_.checks.size();
    if (from_float) {
      Compare(step_, "original model (float scales re-associated)", names, original_outputs_, outs,
              result_, cfg_.verify_atol, /*blocking=*/false);
    } else {
      Compare(step_, "previous step", names, previous_outputs_, outs, result_);
    }
    int64_t mismatches = 0, elements = 0;
    double max_diff = 0;
    for (size_t i = before; i < result_.checks.size(); ++i) {
      mismatches += result_.checks[i].mismatches;
      elements += result_.checks[i].elements;
      max_diff = std::max(max_diff, result_.checks[i].max_abs_diff);
    }
    note_ += from_float ? absl::StrFormat("vs original: %d of %d outputs differ, max %g",
                                          mismatches, elements, max_diff)
                        : absl::StrFormat("vs previous step: %d of %d outputs differ", mismatches,
                                          elements);
    previous_outputs_ = std::move(outs);
    last_model_step_ = step_;
    return SaveModel(*model_, step_ + ".onnx");
  }

  // Reads verify_expected_output_npy and checks it against the model's output on the
  // verification inputs (shape only: the values are what the build verifies).
  absl::Status LoadExpectedOutput() {
    const std::string& path = cfg_.verify_expected_output;
    if (path.empty()) return absl::OkStatus();
    const std::string where = absl::StrCat("verify_expected_output_npy '", path, "'");
    const std::vector<std::string> names = OutputNames(*model_);
    if (names.size() != 1 || original_outputs_.size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": expected outputs are given for a model with one output; this one has ",
          names.size(), " ('", absl::StrJoin(names, "', '"), "')"));
    }
    absl::StatusOr<Tensor> t = ReadNpy(path);
    if (!t.ok()) return NpyError(where, path, t.status());
    if (t->dims() != original_outputs_[0].dims()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": shape [", absl::StrJoin(t->dims(), ", "), "] differs from output '", names[0],
          "' of the model on the verification inputs, [",
          absl::StrJoin(original_outputs_[0].dims(), ", "), "]"));
    }
    expected_ = *std::move(t);
    return absl::OkStatus();
  }

  // The expected outputs are the user's statement of what the model computes: a difference
  // beyond verify_atol is a failed check (exit 1), like any other mismatch.
  void CompareExpected(const std::string& step, const Tensors& outs) {
    Compare(step, "verify_expected_output_npy", OutputNames(*model_), {*expected_}, outs, result_,
            cfg_.verify_atol, /*blocking=*/true);
    expected_checked_ = true;
  }

  absl::Status Pipelines(const std::vector<std::string>& pipelines, bool from_float = false) {
    PassManager manager;
    for (const std::string& p : pipelines) {
      PassContext ctx;
      ctx.model = model_.get();
      ASSIGN_OR_RETURN(bool changed, manager.RunPipeline(*model_, p, ctx));
      (void)changed;
      for (const std::string& w : ctx.warnings) log_ << "    warning: " << w << "\n";
    }
    return CheckWholeModel(from_float);
  }

  absl::Status ConvertToHw() {
    PassManager manager;
    PassContext ctx;
    ctx.model = model_.get();
    ASSIGN_OR_RETURN(bool changed, manager.RunPipeline(*model_, "convert-to-hw", ctx));
    (void)changed;
    ASSIGN_OR_RETURN(int reshapes, ConvertStreamReshapes(*model_->graph));
    (void)reshapes;
    return CheckWholeModel(false);
  }

  absl::Status Partition() {
    ASSIGN_OR_RETURN(partition_, CreateDataflowPartition(*model_));
    if (!partition_.host_nodes.empty()) {
      log_ << "    on the host (not hardware): " << absl::StrJoin(partition_.host_nodes, ", ")
           << "\n";
    }
    // Accelerator inputs and reference outputs for the later steps.
    if (partition_.pre) {
      ASSIGN_OR_RETURN(hw_inputs_, Execute(*partition_.pre, inputs_));
      RETURN_IF_ERROR(SaveModel(*partition_.pre, "host_pre.onnx"));
    } else {
      hw_inputs_ = inputs_;
    }
    ASSIGN_OR_RETURN(hw_reference_, Execute(*partition_.hw, hw_inputs_));
    Tensors outs = hw_reference_;
    outs.resize(partition_.hw_outputs.size());
    if (partition_.post) {
      ASSIGN_OR_RETURN(outs, Execute(*partition_.post, outs));
      RETURN_IF_ERROR(SaveModel(*partition_.post, "host_post.onnx"));
    }
    Compare(step_, "previous step (pre -> accelerator -> post)", OutputNames(*model_),
            previous_outputs_, outs, result_);
    note_ = absl::StrCat(partition_.hw->graph->num_nodes(), " hardware layers, ",
                         partition_.host_nodes.size(), " host nodes");
    return SaveModel(*partition_.hw, step_ + ".onnx");
  }

  absl::Status Fold() {
    Graph& g = *partition_.hw->graph;
    if (!cfg_.folding_config_file.empty()) {
      ASSIGN_OR_RETURN(std::vector<std::string> warnings,
                       hw::ApplyFoldingConfigFile(g, cfg_.folding_config_file));
      for (const std::string& w : warnings) log_ << "    warning: " << w << "\n";
      note_ = absl::StrCat("folding from ", cfg_.folding_config_file);
    } else {
      hw::FolderOptions options;
      options.clk_period_ns = cfg_.clk_period_ns;
      options.target_fps = cfg_.target_fps;
      options.max_latency_ns = cfg_.max_latency_ns;
      options.device = device_;
      options.budget_fraction = cfg_.budget_fraction;
      ASSIGN_OR_RETURN(hw::FolderReport report, hw::AutoFold(g, options));
      RETURN_IF_ERROR(WriteText(dir_ / "report" / "auto_folding.txt", report.ToString()));
      RETURN_IF_ERROR(
          hw::WriteFoldingConfigFile(g, (dir_ / "auto_folding_config.json").string()));
      if (!report.met && (cfg_.target_fps || cfg_.max_latency_ns)) {
        log_ << "    target not met: " << absl::StrJoin(report.binding, "; ") << "\n";
      }
      note_ = report.met ? "auto folding: target met" : "auto folding";
    }
    ASSIGN_OR_RETURN(int narrowed, hw::MinimizeBitwidths(g));
    (void)narrowed;
    RETURN_IF_ERROR(RetuneReshapeConverters(g));
    ASSIGN_OR_RETURN(int dwcs, hw::InsertDataWidthConverters(g));
    ASSIGN_OR_RETURN(int fifos, hw::InsertFifos(g));
    absl::StrAppend(&note_, ", ", dwcs, " width converters, ", fifos, " FIFOs");
    RETURN_IF_ERROR(CheckTargetAfterStreams(g));
    RETURN_IF_ERROR(hw::WriteFoldingConfigFile(g, (dir_ / "final_hw_config.json").string()));
    ASSIGN_OR_RETURN(Tensors outs, Execute(*partition_.hw, hw_inputs_));
    Compare(step_, "accelerator before folding", OutputNames(*partition_.hw), hw_reference_, outs,
            result_);
    return SaveModel(*partition_.hw, step_ + ".onnx");
  }

  // The folder costs layers as they will be, but bit-width minimisation and the inserted
  // converters/FIFOs can still move the estimate: say so when the final graph misses a target.
  absl::Status CheckTargetAfterStreams(const Graph& g) {
    ASSIGN_OR_RETURN(hw::NetworkEstimate net, hw::EstimateNetwork(g));
    const double fps = net.ThroughputFps(cfg_.clk_period_ns);
    const double latency_ns = net.LatencyNs(cfg_.clk_period_ns);
    std::vector<std::string> missed;
    if (cfg_.target_fps && fps < *cfg_.target_fps) {
      missed.push_back(absl::StrFormat("%.1f frames/s < target %.1f (slowest layer %s)", fps,
                                       *cfg_.target_fps, net.max_cycles_node_name));
    }
    if (cfg_.max_latency_ns && latency_ns > *cfg_.max_latency_ns) {
      missed.push_back(absl::StrFormat("latency %.0f ns > bound %.0f ns", latency_ns,
                                       *cfg_.max_latency_ns));
    }
    if (missed.empty()) return absl::OkStatus();
    log_ << "    target not met by the final graph (converters and FIFOs included): "
         << absl::StrJoin(missed, "; ") << "\n";
    absl::StrReplaceAll({{"target met", "target met by the folder, missed after FIFOs"}}, &note_);
    return absl::OkStatus();
  }

  absl::Status Estimates() {
    ASSIGN_OR_RETURN(result_.summary,
                     hw::WriteEstimateReports(*partition_.hw->graph, cfg_.clk_period_ns,
                                              &device_, (dir_ / "report").string()));
    return WriteText(dir_ / "report" / "summary.txt", result_.summary);
  }

  absl::Status Codegen() {
    codegen::CodegenOptions options;
    options.part = device_.part;
    options.clock_ns = cfg_.clk_period_ns;
    options.board = device_.board;
    RETURN_IF_ERROR(codegen::GenerateProject(*partition_.hw, options, (dir_ / "project").string()));
    RETURN_IF_ERROR(SaveModel(*partition_.hw, "accelerator.onnx"));
    note_ = (dir_ / "project").string();
    return absl::OkStatus();
  }

  absl::Status CSim() {
    const std::vector<std::string> in_names = InputNames(*partition_.hw);
    // The simulation streams frame after frame; frames along another axis (a time-major
    // sequence's [T, B, F]) are brought to the front, and the outputs' frames back to where
    // RunFrames stacks them (frame_runner.h).
    ASSIGN_OR_RETURN(std::optional<FrameSplit> split,
                     FindFrames(*partition_.hw->graph, in_names, hw_inputs_));
    std::map<std::string, Tensor> ins;
    for (size_t i = 0; i < in_names.size(); ++i) {
      ins[in_names[i]] = split && split->input_axes[i] != 0
                             ? FramesFirst(hw_inputs_[i], split->input_axes[i])
                             : hw_inputs_[i];
    }
    ASSIGN_OR_RETURN(Tensors want, Execute(*partition_.hw, hw_inputs_));
    const auto start = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(auto outs, codegen::CSimulate((dir_ / "project").string(), ins));
    csim_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    Tensors got;
    const std::vector<std::string> out_names = OutputNames(*partition_.hw);
    for (const std::string& name : out_names) {
      auto it = outs.find(name);
      if (it == outs.end()) {
        return absl::InternalError(absl::StrCat("C simulation produced no output '", name, "'"));
      }
      Tensor t = it->second;
      // The simulation returns [frames, frame shape...]; a recurrent accelerator's frame is the
      // whole batch-1 tensor, so bring it to the executor's shape (same elements, same order).
      const size_t o = got.size();
      if (o < want.size() && t.size() == want[o].size() && t.dims() != want[o].dims()) {
        const Value* declared = partition_.hw->graph->FindValue(name);
        const std::optional<int64_t> axis =
            split && declared != nullptr && declared->type().shape
                ? split->OutputAxis(ShapeToDims(*declared->type().shape))
                : std::nullopt;
        if (axis && *axis != 0) {
          ASSIGN_OR_RETURN(t, FramesAlong(t, want[o].dims(), *axis));
        } else {
          t.Reshape(want[o].dims());
        }
      }
      got.push_back(std::move(t));
      RETURN_IF_ERROR(WriteNpy(
          (dir_ / "verification_output" / ("accelerator_" + name + ".npy")).string(), got.back()));
    }
    Compare(step_, "executor (accelerator graph)", out_names, want, got, result_);
    Tensors final_outs = got;
    final_outs.resize(partition_.hw_outputs.size());
    if (partition_.post) {
      ASSIGN_OR_RETURN(final_outs, Execute(*partition_.post, final_outs));
    }
    // Run alone, the host's post graph stacks its frames by its own inputs (a time-major LSTM's
    // final state [1, 1, H] as [B, 1, H]), the whole model by the model's ([1, B, H]): the same
    // elements in the same order (the checks compare them in that order); keep the model's shape.
    for (size_t o = 0; o < final_outs.size() && o < previous_outputs_.size(); ++o) {
      if (final_outs[o].size() == previous_outputs_[o].size() &&
          final_outs[o].dims() != previous_outputs_[o].dims()) {
        final_outs[o].Reshape(previous_outputs_[o].dims());
      }
    }
    const std::vector<std::string> names = OutputNames(*model_);
    Compare(step_, "streamlined model (host pre -> C simulation -> host post)", names,
            previous_outputs_, final_outs, result_);
    Compare(step_, "original model (host pre -> C simulation -> host post)", names,
            original_outputs_, final_outs, result_, cfg_.verify_atol, /*blocking=*/false);
    for (size_t o = 0; o < names.size() && o < final_outs.size(); ++o) {
      RETURN_IF_ERROR(WriteNpy((dir_ / "verification_output" / (names[o] + ".npy")).string(),
                               final_outs[o]));
    }
    if (expected_) CompareExpected(step_, final_outs);
    const int64_t frames = split ? split->count : hw_inputs_.empty() ? 0 : hw_inputs_[0].dim(0);
    note_ = absl::StrFormat("%d frames, %.0f frames/s in C simulation (incl. compile)", frames,
                            frames / std::max(csim_seconds_, 1e-9));
    return absl::OkStatus();
  }

  absl::Status WriteReports() {
    nlohmann::json verification = {{"verified", result_.verified},
                                   {"checks", ChecksJson(result_.checks)}};
    RETURN_IF_ERROR(WriteText(dir_ / "report" / "verification.json", verification.dump(2) + "\n"));
    nlohmann::json times = nlohmann::json::object();
    for (const auto& [step, s] : result_.step_seconds) times[step] = s;
    return WriteText(dir_ / "time_per_step.json", times.dump(2) + "\n");
  }

  const BuildConfig& cfg_;
  fs::path dir_;
  std::ostream& log_;
  hw::Device device_;
  std::unique_ptr<Model> model_;
  Tensors inputs_, original_outputs_, previous_outputs_;
  DataflowPartition partition_;
  Tensors hw_inputs_, hw_reference_;
  BuildResult result_;
  std::string step_, note_;
  std::string last_model_step_;  // the last step that executed the whole model
  std::optional<Tensor> expected_;  // verify_expected_output_npy
  bool expected_checked_ = false;
  double csim_seconds_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<Tensor>> RunInChunks(Executor& executor,
                                                const std::vector<Tensor>& inputs,
                                                int64_t max_frames) {
  const Graph& g = *executor.model().graph;
  const std::vector<std::string> names = executor.input_names();
  // Chunk only a batch the model takes whole: every input declared with a symbolic leading
  // dimension and given with the same number of frames. A batch-1 model is already run frame
  // by frame (RunFrames); anything else (fixed batches, shapeless inputs) runs as given.
  int64_t frames = -1;
  bool chunk = max_frames > 0 && !inputs.empty() && inputs.size() == names.size();
  for (size_t i = 0; i < inputs.size() && chunk; ++i) {
    const Value* declared = g.FindValue(names[i]);
    const auto* shape = declared != nullptr && declared->type().shape ? &*declared->type().shape
                                                                      : nullptr;
    chunk = shape != nullptr && !shape->empty() && !shape->front().known() &&
            inputs[i].rank() == static_cast<int64_t>(shape->size()) &&
            (frames < 0 || inputs[i].dim(0) == frames);
    if (chunk) frames = inputs[i].dim(0);
  }
  // Outputs must carry the frames along axis 0 too, or chunks could not be stacked (a Scan's
  // [T, N, F], a reduction over the batch): such models run on all frames at once.
  for (const Value* out : g.outputs()) {
    const auto& shape = out->type().shape;
    chunk = chunk && shape && !shape->empty() && !shape->front().known();
  }
  if (!chunk || frames <= max_frames) return RunFrames(executor, inputs);

  // Each chunk's outputs are copied into place as it finishes, so no chunk outlives the next.
  std::vector<Tensor> stacked;
  for (int64_t begin = 0, end = 0; begin < frames; begin = end) {
    end = std::min(frames, begin + max_frames);
    // Float products round a one-row batch differently (Eigen's matrix-vector path) from the
    // same row inside a larger batch: a last chunk of one frame joins the chunk before, so the
    // float reference stays what one run over all frames computes.
    if (frames - end == 1) end = frames;
    std::vector<Tensor> part;
    for (const Tensor& t : inputs) part.push_back(FrameRange(t, begin, end));
    ASSIGN_OR_RETURN(std::vector<Tensor> outs, RunFrames(executor, part));
    if (begin == 0) {
      for (const Tensor& o : outs) {
        // A symbolic leading dimension that is not the frames after all.
        if (o.rank() == 0 || o.dim(0) != end) return RunFrames(executor, inputs);
        Dims dims = o.dims();
        dims[0] = frames;
        stacked.emplace_back(o.type(), dims);
      }
    }
    for (size_t o = 0; o < outs.size(); ++o) {
      Dims want = stacked[o].dims();
      want[0] = end - begin;
      if (outs[o].type() != stacked[o].type() || outs[o].dims() != want) {
        return absl::InternalError(absl::StrCat("output '", executor.output_names()[o],
                                                "' changes shape between chunks of frames"));
      }
      const size_t frame_bytes = stacked[o].byte_size() / static_cast<size_t>(frames);
      std::memcpy(static_cast<char*>(stacked[o].raw()) + begin * frame_bytes, outs[o].raw(),
                  outs[o].byte_size());
    }
  }
  return stacked;
}

absl::StatusOr<BuildResult> RunBuild(const std::string& model_path, const BuildConfig& config,
                                     const std::string& out_dir, std::ostream& log) {
  if (out_dir.empty()) return absl::InvalidArgumentError("the output directory (-o) is empty");
  // "out/", "out/." and "." name the directory itself: unnormalised, the staging directory
  // "out/.partial" would lie inside the target that a finished build replaces.
  fs::path target = fs::absolute(out_dir).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  if (target == target.root_path()) {
    return absl::InvalidArgumentError(
        absl::StrCat("output directory '", out_dir, "': cannot be the root directory"));
  }
  std::error_code ec;
  const fs::file_status status = fs::status(target, ec);
  if (fs::exists(status) && !fs::is_directory(status)) {
    return absl::InvalidArgumentError(
        absl::StrCat("output directory '", out_dir, "': exists and is not a directory"));
  }
  // A finished build replaces the whole directory. That is right for an earlier build there,
  // and would delete anything else (`-o .` in a source tree): refuse those.
  if (fs::is_directory(status) && !fs::is_empty(target, ec) &&
      !fs::exists(target / "time_per_step.json", ec)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "output directory '", out_dir,
        "': exists and is not an earlier finngl build (no time_per_step.json); the build "
        "replaces the whole directory, so give a new or empty one"));
  }
  const fs::path staging = target.string() + ".partial";
  // The outermost parent directory the build creates, removed again if the build fails.
  fs::path created_parent;
  for (fs::path p = target.parent_path(); !p.empty() && p != p.root_path() && !fs::exists(p, ec);
       p = p.parent_path()) {
    created_parent = p;
  }
  auto clean_up = [&] {
    fs::remove_all(staging, ec);
    if (!created_parent.empty()) fs::remove_all(created_parent, ec);
  };
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) {
    const std::string why = ec.message();
    clean_up();
    return absl::InvalidArgumentError(
        absl::StrCat("output directory '", out_dir, "': cannot create ", staging.string(), ": ",
                     why));
  }
  Build build(config, staging, log);
  absl::StatusOr<BuildResult> result = build.Run(model_path);
  if (!result.ok()) {
    clean_up();
    return result.status();
  }
  fs::remove_all(target, ec);
  if (!ec) fs::rename(staging, target, ec);
  if (ec) {
    const std::string why = ec.message();
    clean_up();
    return absl::InvalidArgumentError(absl::StrCat("output directory '", out_dir,
                                                   "': cannot move the build into place: ", why));
  }
  return result;
}

}  // namespace finngl::flow
