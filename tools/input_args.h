// Command-line model inputs: `NAME=FILE.npy` arguments (or a bare FILE.npy for a single-input
// model), checked against the model's runtime inputs and loaded in the executor's input order.
// Shared by `finngl exec --input` and `finngl opt --verify-input`.
#ifndef FINNGL_TOOLS_INPUT_ARGS_H_
#define FINNGL_TOOLS_INPUT_ARGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/exec/executor.h"

namespace finngl::cli {

// Errors name the model file, the argument and the input: an unknown or repeated name, a missing
// input, an unreadable .npy, a tensor of the wrong element type or shape. `flag` is the option's
// spelling for the messages (e.g. "--input").
absl::StatusOr<std::vector<Tensor>> LoadInputArgs(const std::vector<std::string>& args,
                                                  const Executor& exe,
                                                  const std::string& model_path,
                                                  const std::string& flag);

}  // namespace finngl::cli

#endif  // FINNGL_TOOLS_INPUT_ARGS_H_
