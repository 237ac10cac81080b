// `finngl convert MODEL -o OUT`: reads a model into finngl's IR, verifies it and writes it back.
// Useful to canonicalise a model (generated node names, inferred value_info, annotations) and to
// prove that import/export is lossless.
#include <iostream>

#include "src/onnx/exporter.h"
#include "src/ops/verify.h"
#include "tools/commands.h"
#include "tools/load_model.h"

namespace finngl::cli {

int RunConvert(const ConvertArgs& args) {
  auto model = LoadModel(args.model, /*infer_types=*/false);
  if (!model.ok()) return ReportError(model.status());
  absl::Status status = WithFile(VerifyModel(**model), args.model);
  if (!status.ok()) return ReportError(status);
  status = ExportModelToFile(**model, args.output);
  if (!status.ok()) return ReportError(status);
  std::cout << "wrote " << args.output << "\n";
  return 0;
}

}  // namespace finngl::cli
