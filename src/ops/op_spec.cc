#include "src/ops/op_spec.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace finngl {

const Tensor* InferContext::constant(int i) const {
  const Value* v = node_.input(i);
  if (v == nullptr) return nullptr;
  if (v->is_initializer()) return v->initializer();
  if (constants_ != nullptr) {
    auto it = constants_->find(v);
    if (it != constants_->end()) return &it->second;
  }
  return nullptr;
}

void InferContext::SetOutput(int i, ElementType elem, std::optional<Shape> shape,
                             DataType dtype) const {
  Value* out = node_.output(i);
  if (out == nullptr) return;
  TensorType& t = out->type();
  t.elem = elem;
  t.shape = std::move(shape);
  // A FLOAT32 annotation (qonnx writes one on every tensor it has no better type for) claims
  // nothing beyond the element type, so it must not hide an integer datatype that inference
  // proves; it is dropped, and the value's datatype is inferred like an unannotated one's.
  if (t.dtype_annotated && t.dtype == DataType::Float32()) t.dtype_annotated = false;
  if (!t.dtype_annotated) t.dtype = dtype;
}

absl::Status InferContext::Error(const std::string& message) const {
  return absl::InvalidArgumentError(absl::StrCat(node_.Describe(), ": ", message));
}

absl::Status CheckAttrIn(const Attribute& a, std::initializer_list<const char*> allowed) {
  std::string value = a.type() == Attribute::Type::kString ? a.s() : absl::StrCat(a.i());
  for (const char* ok : allowed) {
    if (value == ok) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("value '", value, "' is not one of {", absl::StrJoin(allowed, ", "), "}"));
}

}  // namespace finngl
