// ONNX tensor element types (the container type of a tensor, e.g. float32 or int8).
//
// The numeric values equal onnx::TensorProto::DataType so conversion to and from ONNX is a cast.
// The quantization meaning of a tensor's values (INT4, BIPOLAR, ...) is a separate notion: DataType.
#ifndef FINNGL_SRC_IR_ELEMENT_TYPE_H_
#define FINNGL_SRC_IR_ELEMENT_TYPE_H_

#include <cstdint>

namespace finngl {

enum class ElementType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUint32 = 12,
  kUint64 = 13,
};

// Lower-case ONNX spelling ("float", "int8", ...), used in messages.
const char* ElementTypeName(ElementType type);
// Bytes per element; 0 for kUndefined and kString (strings are not supported as tensor data).
int ElementSize(ElementType type);
bool IsIntegerElementType(ElementType type);  // int*/uint*/bool
bool IsFloatElementType(ElementType type);    // float, double, float16
bool IsSupportedElementType(ElementType type);

// Maps a C++ type to its element type, e.g. ElementTypeOf<float>() == kFloat.
template <typename T>
constexpr ElementType ElementTypeOf();
template <> constexpr ElementType ElementTypeOf<float>() { return ElementType::kFloat; }
template <> constexpr ElementType ElementTypeOf<double>() { return ElementType::kDouble; }
template <> constexpr ElementType ElementTypeOf<int8_t>() { return ElementType::kInt8; }
template <> constexpr ElementType ElementTypeOf<uint8_t>() { return ElementType::kUint8; }
template <> constexpr ElementType ElementTypeOf<int16_t>() { return ElementType::kInt16; }
template <> constexpr ElementType ElementTypeOf<uint16_t>() { return ElementType::kUint16; }
template <> constexpr ElementType ElementTypeOf<int32_t>() { return ElementType::kInt32; }
template <> constexpr ElementType ElementTypeOf<uint32_t>() { return ElementType::kUint32; }
template <> constexpr ElementType ElementTypeOf<int64_t>() { return ElementType::kInt64; }
template <> constexpr ElementType ElementTypeOf<uint64_t>() { return ElementType::kUint64; }
template <> constexpr ElementType ElementTypeOf<bool>() { return ElementType::kBool; }

}  // namespace finngl

#endif  // FINNGL_SRC_IR_ELEMENT_TYPE_H_
