// C simulation of a generated project with g++: compiles testbench.cpp + top.cpp + layers/*.cpp
// against hlslib/sim (the g++ stand-ins for ap_int.h / hls_stream.h), runs it on the given inputs
// and reads the outputs back. This is how the flow proves that the generated HLS C++ computes
// exactly what the executor computes for the same hardware graph.
#ifndef FINNGL_SRC_CODEGEN_CSIM_H_
#define FINNGL_SRC_CODEGEN_CSIM_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/tensor.h"

namespace finngl::codegen {

struct CSimOptions {
  std::string compiler = "g++";
  // Added after the fixed flags (-std=c++20 -O2 -I<dir>/hlslib/sim -I<dir>).
  std::vector<std::string> flags;
};

// Runs the project in `project_dir` (written by GenerateProject) on `inputs` (graph input name ->
// integer-valued tensor [N, frame shape...], any numeric element type; every input must have the
// same N). Returns each graph output as a float32 tensor [N, frame shape...], like the executor.
// The binary is cached in <dir>/csim/ and rebuilt when the flags change. Errors carry g++'s
// diagnostics or the simulation's stderr.
absl::StatusOr<std::map<std::string, Tensor>> CSimulate(const std::string& project_dir,
                                                        const std::map<std::string, Tensor>& inputs,
                                                        const CSimOptions& options = {});

}  // namespace finngl::codegen

#endif  // FINNGL_SRC_CODEGEN_CSIM_H_
