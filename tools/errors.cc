#include <iostream>

#include "tools/commands.h"

namespace finngl::cli {

int ReportError(const absl::Status& status) {
  if (status.ok()) return 0;
  bool internal = status.code() == absl::StatusCode::kInternal;
  std::cerr << "finngl: " << (internal ? "internal error: " : "error: ") << status.message()
            << "\n";
  return internal ? 3 : 2;
}

}  // namespace finngl::cli
