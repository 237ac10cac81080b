// ONNX ModelProto -> finngl IR.
//
// The importer is a faithful translation: it carries over exactly what the file stores (opsets,
// metadata, node attributes, subgraphs, value types and the qonnx quantization annotations
// `finn_datatype` / `tensor_layout`) and checks only what the IR needs to be well formed (every
// name a node reads is defined, every tensor has one producer). It knows nothing about individual
// ops and runs no type inference: the caller does that afterwards, through src/ops.
//
// Every error message starts with the source path ("model.onnx: node 'Conv_0' (Conv): ...").
// Malformed input never crashes: bytes that are not a ModelProto, negative or overflowing dims and
// tensors whose data does not match their shape are all reported as InvalidArgument.
#ifndef FINNGL_SRC_ONNX_IMPORTER_H_
#define FINNGL_SRC_ONNX_IMPORTER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"
#include "src/ir/graph.h"

namespace finngl {

// Reads and imports an .onnx file. NotFound "<path>: cannot open file" if it cannot be read.
absl::StatusOr<std::unique_ptr<Model>> ImportModelFromFile(const std::string& path);

// Imports serialized ModelProto bytes; `source_name` prefixes every error message and becomes
// Model::source_path.
absl::StatusOr<std::unique_ptr<Model>> ImportModelFromBytes(const std::string& bytes,
                                                            const std::string& source_name);

absl::StatusOr<std::unique_ptr<Model>> ImportModelProto(const onnx::ModelProto& proto,
                                                        const std::string& source_name);

}  // namespace finngl

#endif  // FINNGL_SRC_ONNX_IMPORTER_H_
