// Vendor-tool scripts and the host driver of a generated project: hls/run_hls.tcl (Vitis HLS),
// vivado/block_design.tcl (block design with AXI DMA) and driver/driver.py (numpy packing and a
// PYNQ driver). The Tcl scripts are generated from the same plan as the C++ but are untested
// here: no Xilinx tools are installed on the build machines.
#ifndef FINNGL_SRC_CODEGEN_SCRIPTS_H_
#define FINNGL_SRC_CODEGEN_SCRIPTS_H_

#include "absl/status/status.h"
#include "src/codegen/dataflow.h"
#include "src/codegen/hls_files.h"

namespace finngl::codegen {

struct CodegenOptions;

absl::Status EmitScripts(const DataflowPlan& plan, const CodegenOptions& options, FileMap& files);

}  // namespace finngl::codegen

#endif  // FINNGL_SRC_CODEGEN_SCRIPTS_H_
