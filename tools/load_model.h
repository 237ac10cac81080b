// Loading a model for a CLI command: import, then type inference, with errors prefixed by the
// file name so every message says which file it is about.
#ifndef FINNGL_TOOLS_LOAD_MODEL_H_
#define FINNGL_TOOLS_LOAD_MODEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"

namespace finngl::cli {

absl::StatusOr<std::unique_ptr<Model>> LoadModel(const std::string& path, bool infer_types = true);
// "<path>: " unless the message already starts with the path.
absl::Status WithFile(const absl::Status& status, const std::string& path);

}  // namespace finngl::cli

#endif  // FINNGL_TOOLS_LOAD_MODEL_H_
