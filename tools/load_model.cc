#include "tools/load_model.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/onnx/importer.h"
#include "src/ops/infer.h"

namespace finngl::cli {

absl::Status WithFile(const absl::Status& status, const std::string& path) {
  if (status.ok() || absl::StartsWith(status.message(), path)) return status;
  return Annotate(status, path + ": ");
}

absl::StatusOr<std::unique_ptr<Model>> LoadModel(const std::string& path, bool infer_types) {
  auto model = ImportModelFromFile(path);
  if (!model.ok()) return WithFile(model.status(), path);
  if (infer_types) RETURN_IF_ERROR(WithFile(InferModelTypes(**model), path));
  return model;
}

}  // namespace finngl::cli
