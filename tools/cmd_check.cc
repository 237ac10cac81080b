// `finngl check MODEL`: runs the verifier and reports the first problem found.
#include <iostream>

#include "src/ops/verify.h"
#include "tools/commands.h"
#include "tools/load_model.h"

namespace finngl::cli {

int RunCheck(const CheckArgs& args) {
  auto model = LoadModel(args.model, /*infer_types=*/false);
  if (!model.ok()) return ReportError(model.status());
  absl::Status status = WithFile(VerifyModel(**model), args.model);
  if (!status.ok()) return ReportError(status);
  std::cout << args.model << ": OK (" << (*model)->graph->num_nodes()
            << " nodes; structure, op schemas, attributes and types verified)\n";
  return 0;
}

}  // namespace finngl::cli
