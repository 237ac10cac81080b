// finngl IR -> ONNX ModelProto.
//
// The inverse of importer.h. Output is deterministic (the same Model always gives the same bytes),
// so export -> import -> export is a fixed point and exported files can be diffed and hashed:
//  - nodes in the graph's node order, attributes sorted by name, initializers as raw_data;
//  - value_info for every node output with a known element type that is not a graph output;
//  - quantization annotations (finn_datatype, tensor_layout, extra keys) for graph inputs,
//    initializers and node outputs, in that order, in each (sub)graph's own GraphProto.
// Models with ir_version < 4 also list their initializers as graph inputs, as that version of the
// ONNX spec requires.
#ifndef FINNGL_SRC_ONNX_EXPORTER_H_
#define FINNGL_SRC_ONNX_EXPORTER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"
#include "src/ir/graph.h"

namespace finngl {

absl::StatusOr<onnx::ModelProto> ExportModelProto(const Model& model);

// Deterministic serialization of ExportModelProto(model).
absl::StatusOr<std::string> ExportModelToBytes(const Model& model);

// Writes to `path + ".tmp"` and renames it into place, so a failure never leaves a partial file.
// Errors start with the path.
absl::Status ExportModelToFile(const Model& model, const std::string& path);

}  // namespace finngl

#endif  // FINNGL_SRC_ONNX_EXPORTER_H_
