// TEMPORARY scaffolding while op families are being written; deleted once all are implemented.
#ifndef FINNGL_SRC_OPS_STUB_H_
#define FINNGL_SRC_OPS_STUB_H_
#include "absl/strings/str_cat.h"
#include "src/ops/op_spec.h"
namespace finngl {
inline OpSpec StubOpSpec(const char* id) {
  OpSpec s;
  s.op_type = absl::StrCat("__stub_", id);
  s.infer = [](InferContext& c) { return c.Error("not implemented yet"); };
  s.compile = [](const Node& n, const CompileContext&) -> absl::StatusOr<std::unique_ptr<Kernel>> {
    return absl::UnimplementedError("not implemented yet");
  };
  return s;
}
}  // namespace finngl
#endif
