// Code generation entry point: a hardware graph (only finn.custom_op.fpgadataflow layers, folded,
// DWCs/FIFOs inserted by src/hw) becomes a self-contained HLS project directory:
//
//   top.cpp, top.h       the stitched dataflow top `finngl_top` (name configurable)
//   layers.h, layers/    one function per layer calling its hlslib kernel
//   params/              weights/thresholds/constants as static const arrays
//   testbench.cpp        C simulation on int64 .bin files (see csim.h)
//   io.json              the ports: tensor names, files, frame shapes, datatypes, packing
//   hlslib/              a copy of the kernel library (and sim/ for g++)
//   hls/run_hls.tcl      Vitis HLS: csim, csynth, export IP
//   vivado/block_design.tcl  Zynq/Alveo block design with AXI DMA (untested here: no vendor tools)
//   driver/driver.py     numpy packing/unpacking of the AXI words, PYNQ DMA driver
//
// Generation is deterministic: the same model and options give byte-identical files.
#ifndef FINNGL_SRC_CODEGEN_PROJECT_H_
#define FINNGL_SRC_CODEGEN_PROJECT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "src/codegen/hls_files.h"
#include "src/ir/graph.h"

namespace finngl::codegen {

struct CodegenOptions {
  std::string part = "xczu7ev-ffvc1156-2-e";
  double clock_ns = 5.0;
  std::string top_name = "finngl_top";
  // Board for the Vivado script's PS preset ("ZCU104", "Pynq-Z1", "U250", ...); empty: from part.
  std::string board;
};

// All generated text files (not the hlslib copy) by relative path.
absl::StatusOr<FileMap> GenerateFiles(const Model& hw_model, const CodegenOptions& options);

// Writes the project into `dir` (created; generated subdirectories are replaced), copying hlslib/.
absl::Status GenerateProject(const Model& hw_model, const CodegenOptions& options,
                             const std::string& dir);

}  // namespace finngl::codegen

#endif  // FINNGL_SRC_CODEGEN_PROJECT_H_
