#include "src/ir/element_type.h"

namespace finngl {

const char* ElementTypeName(ElementType type) {
  switch (type) {
    case ElementType::kUndefined: return "undefined";
    case ElementType::kFloat: return "float";
    case ElementType::kUint8: return "uint8";
    case ElementType::kInt8: return "int8";
    case ElementType::kUint16: return "uint16";
    case ElementType::kInt16: return "int16";
    case ElementType::kInt32: return "int32";
    case ElementType::kInt64: return "int64";
    case ElementType::kString: return "string";
    case ElementType::kBool: return "bool";
    case ElementType::kFloat16: return "float16";
    case ElementType::kDouble: return "double";
    case ElementType::kUint32: return "uint32";
    case ElementType::kUint64: return "uint64";
  }
  return "unknown";
}

int ElementSize(ElementType type) {
  switch (type) {
    case ElementType::kUint8:
    case ElementType::kInt8:
    case ElementType::kBool: return 1;
    case ElementType::kUint16:
    case ElementType::kInt16:
    case ElementType::kFloat16: return 2;
    case ElementType::kFloat:
    case ElementType::kInt32:
    case ElementType::kUint32: return 4;
    case ElementType::kInt64:
    case ElementType::kUint64:
    case ElementType::kDouble: return 8;
    case ElementType::kUndefined:
    case ElementType::kString: return 0;
  }
  return 0;
}

bool IsIntegerElementType(ElementType type) {
  switch (type) {
    case ElementType::kUint8:
    case ElementType::kInt8:
    case ElementType::kUint16:
    case ElementType::kInt16:
    case ElementType::kInt32:
    case ElementType::kUint32:
    case ElementType::kInt64:
    case ElementType::kUint64:
    case ElementType::kBool: return true;
    default: return false;
  }
}

bool IsFloatElementType(ElementType type) {
  return type == ElementType::kFloat || type == ElementType::kDouble ||
         type == ElementType::kFloat16;
}

bool IsSupportedElementType(ElementType type) { return ElementSize(type) > 0; }

}  // namespace finngl
