// Small helpers shared by the HLS emitters: datatype -> ap_(u)int spelling, attribute readers with
// errors that name the node, C identifiers from graph names, integer literals, per-frame sizes.
#ifndef FINNGL_SRC_CODEGEN_HLS_TYPES_H_
#define FINNGL_SRC_CODEGEN_HLS_TYPES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/datatype.h"
#include "src/ir/graph.h"

namespace finngl::codegen {

// ap_int<w> / ap_uint<w> for an integer datatype (BINARY is ap_uint<1>). BIPOLAR, FIXED and floats
// are not supported by the kernels: Unimplemented naming the node.
absl::StatusOr<std::string> HlsType(const DataType& dtype, const Node& node);

// A required datatype attribute ("INT4"), parsed and checked to be a kernel-supported integer type.
absl::StatusOr<DataType> DtypeAttr(const Node& node, const std::string& name);
// A required non-negative INT attribute.
absl::StatusOr<int64_t> IntAttr(const Node& node, const std::string& name);
// A folding attribute (PE, SIMD): optional, default 1, must be positive.
absl::StatusOr<int64_t> FoldAttr(const Node& node, const std::string& name);
// A required INTS attribute with exactly `size` entries (any size when size < 0).
absl::StatusOr<std::vector<int64_t>> IntsAttr(const Node& node, const std::string& name,
                                              int size = -1);

// A valid, readable C identifier from a graph name: other characters become '_', a leading digit
// gets a prefix. Not unique by itself (see NameTable).
std::string CIdentifier(std::string_view name);
// A file-name-safe version of a tensor name ([A-Za-z0-9_.-] kept).
std::string FileSafeName(std::string_view name);

// Decimal literal for a kernel parameter; wide values get an LL suffix so C++ never narrows them.
std::string IntLiteral(int64_t v);

int64_t RoundUpTo8(int64_t bits);

// Elements of one frame of a value (the product of its dims after the batch axis); the shape
// must be fully known. Error names the value.
absl::StatusOr<int64_t> FrameElements(const Value& value);
absl::StatusOr<std::vector<int64_t>> FrameShape(const Value& value);

// The integer contents of an initializer, checked to be integral and allowed by `dtype`; the error
// names the node and tensor.
absl::StatusOr<std::vector<int64_t>> IntegerContents(const Value& value, const DataType& dtype,
                                                     const Node& node);

}  // namespace finngl::codegen

#endif  // FINNGL_SRC_CODEGEN_HLS_TYPES_H_
