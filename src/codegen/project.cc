#include "src/codegen/project.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "src/base/status.h"
#include "src/codegen/dataflow.h"
#include "src/codegen/hls_files.h"
#include "src/codegen/hls_types.h"
#include "src/codegen/scripts.h"
#include "src/ops/infer.h"

#ifndef FINNGL_SOURCE_DIR
#error "FINNGL_SOURCE_DIR must be defined (the finngl source tree, for hlslib/)"
#endif

namespace finngl::codegen {
namespace {

namespace fs = std::filesystem;

nlohmann::ordered_json PortJson(const PlannedPort& port) {
  nlohmann::ordered_json j;
  j["name"] = port.value->name();
  j["port"] = port.port;
  j["file"] = FileSafeName(port.value->name()) + ".bin";
  j["frame_shape"] = port.frame_shape;
  j["datatype"] = port.dtype.Name();
  j["element_bits"] = port.dtype.bit_width();
  j["signed"] = port.dtype.Signed();
  j["fold"] = port.fold;
  j["stream_width"] = port.width;
  j["port_width"] = port.port_width;
  j["beats_per_frame"] = port.beats_per_frame;
  return j;
}

std::string IoJson(const DataflowPlan& plan, const CodegenOptions& options) {
  nlohmann::ordered_json j;
  j["top"] = options.top_name;
  j["ip_top"] = AxisTopName(options.top_name);  // the exported IP: AXI-Stream with TLAST
  j["inputs"] = nlohmann::ordered_json::array();
  for (const PlannedPort& p : plan.inputs) j["inputs"].push_back(PortJson(p));
  j["outputs"] = nlohmann::ordered_json::array();
  for (const PlannedPort& p : plan.outputs) j["outputs"].push_back(PortJson(p));
  return j.dump(2) + "\n";
}

absl::Status WriteText(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<FileMap> GenerateFiles(const Model& hw_model, const CodegenOptions& options) {
  if (hw_model.graph == nullptr) return absl::InvalidArgumentError("model has no graph");
  // Shapes of every stream must be known; inference fills in what the passes left open.
  std::unique_ptr<Model> model = hw_model.Clone();
  RETURN_IF_ERROR(InferModelTypes(*model));
  const Graph& graph = *model->graph;
  NameTable names;
  // Reserve the names the top file uses itself.
  for (const char* reserved : {"AdaptWidth", "main", "reps", "in", "out"}) names.Unique(reserved);
  names.Unique(options.top_name);
  for (size_t i = 0; i < graph.inputs().size(); ++i) names.Unique(absl::StrCat("in", i));
  for (size_t i = 0; i < graph.outputs().size(); ++i) names.Unique(absl::StrCat("out", i));
  PlanOptions plan_options;
  for (const Node* node : graph.nodes()) {
    if (node->op_type() == "RecurrentLayer") plan_options.whole_tensor_frames = true;
  }
  ASSIGN_OR_RETURN(DataflowPlan plan, PlanDataflow(graph, names, plan_options));
  if (plan.layers.empty()) return absl::InvalidArgumentError("the graph has no hardware layers");

  FileMap files;
  Printer prototypes;
  RETURN_IF_ERROR(EmitLayerFiles(plan, files, prototypes));
  EmitTopFiles(plan, options.top_name, graph.name(), prototypes.str(), files);
  EmitTestbench(plan, options.top_name, files);
  files["io.json"] = IoJson(plan, options);
  RETURN_IF_ERROR(EmitScripts(plan, options, files));
  return files;
}

absl::Status GenerateProject(const Model& hw_model, const CodegenOptions& options,
                             const std::string& dir) {
  ASSIGN_OR_RETURN(FileMap files, GenerateFiles(hw_model, options));
  const fs::path root(dir);
  std::error_code ec;
  // Stale layers of an earlier generation must not survive, nor an old C simulation binary.
  for (const char* sub : {"layers", "params", "hlslib", "csim"}) fs::remove_all(root / sub, ec);
  fs::create_directories(root, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  for (const auto& [path, text] : files) RETURN_IF_ERROR(WriteText(root / path, text));
  const fs::path hlslib = fs::path(FINNGL_SOURCE_DIR) / "hlslib";
  fs::copy(hlslib, root / "hlslib", fs::copy_options::recursive, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot copy ", hlslib.string(), " to ", dir, ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace finngl::codegen
