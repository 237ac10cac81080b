// Printing of the generated HLS sources from dataflow plans: per-layer files (layers/<fn>.cpp,
// params/<fn>.h), the prototypes header layers.h, the stitched top (top.cpp, top.h) and the C
// simulation testbench (testbench.cpp). All functions are pure: text in, text out.
#ifndef FINNGL_SRC_CODEGEN_HLS_FILES_H_
#define FINNGL_SRC_CODEGEN_HLS_FILES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/codegen/dataflow.h"
#include "src/codegen/printer.h"

namespace finngl::codegen {

// Generated files by path relative to the project directory (sorted: deterministic write order).
using FileMap = std::map<std::string, std::string>;

// `hls::stream<ap_uint<W>>& in0, ..., unsigned reps` for a layer's stream ports.
std::string LayerParameters(const LayerIo& io);

// The declarations of the streams of a plan, with their depth pragmas.
void PrintStreamDeclarations(Printer& p, const std::vector<PlannedStream>& streams);
// Calls of a plan's layers (and port adapters), in order; `reps` is the frame count expression.
void PrintDataflowCalls(Printer& p, const DataflowPlan& plan, const std::string& reps);
// The width-adapter template and tee functions PrintDataflowCalls uses (when the plan has any).
void PrintAdapterTemplate(Printer& p);
void PrintPortHelpers(Printer& p, const DataflowPlan& plan);
bool PlanNeedsAdapter(const DataflowPlan& plan);

// Emits each layer of `plan` into `files` (layers/<fn>.cpp, params/<fn>.h) and adds its
// prototype to `prototypes`.
absl::Status EmitLayerFiles(const DataflowPlan& plan, FileMap& files, Printer& prototypes);

// The exported IP's top function: `top_name` wrapped with AXI-Stream side channels (TLAST).
inline std::string AxisTopName(const std::string& top_name) { return top_name + "_axis"; }

// top.h / top.cpp / top_axis.h / top_axis.cpp / layers.h for the top plan; testbench.cpp drives
// the AXI-Stream top and checks TLAST.
void EmitTopFiles(const DataflowPlan& plan, const std::string& top_name, const std::string& graph_name,
                  const std::string& prototypes, FileMap& files);
void EmitTestbench(const DataflowPlan& plan, const std::string& top_name, FileMap& files);

}  // namespace finngl::codegen

#endif  // FINNGL_SRC_CODEGEN_HLS_FILES_H_
