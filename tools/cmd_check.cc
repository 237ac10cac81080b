// `finngl check MODEL [--integer-only]`: runs the verifier and reports the first problem found;
// with --integer-only also lists every node that still computes in float (exit 1 if any).
#include <iostream>

#include "src/ops/infer.h"
#include "src/ops/verify.h"
#include "src/passes/integer_only.h"
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
  if (!args.integer_only) return 0;
  if (absl::Status s = InferModelTypes(**model); !s.ok()) return ReportError(WithFile(s, args.model));
  const std::vector<IntegerOnlyViolation> violations = FindNonIntegerNodes(**model);
  if (violations.empty()) {
    std::cout << args.model << ": integer-only (every node computes on integers, apart from "
              << "the final scale/bias of each output)\n";
    return 0;
  }
  std::cout << args.model << ": NOT integer-only, " << violations.size()
            << " node(s) compute in float:\n";
  for (const IntegerOnlyViolation& v : violations) std::cout << "  " << v.ToString() << "\n";
  return 1;
}

}  // namespace finngl::cli
