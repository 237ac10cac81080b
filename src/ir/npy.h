// Reading and writing NumPy .npy files (format versions 1.0-3.0, little-endian, C order).
//
// .npy is how test vectors, golden outputs and weights move between the Python side (Brevitas,
// qonnx, onnxruntime) and the C++ flow, so a file written by np.save must load here unchanged and
// a file written here must load with np.load. Supported dtypes: <f2 <f4 <f8 |i1 |u1 <i2 <u2 <i4
// <u4 <i8 <u8 |b1. Fortran order, big-endian data, object/structured dtypes are rejected with an
// InvalidArgument error that names the file.
//
// Note: Tensor lives in src/ir, so code using these functions links finngl_ir as well.
#ifndef FINNGL_SRC_IR_NPY_H_
#define FINNGL_SRC_IR_NPY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "src/ir/tensor.h"

namespace finngl {

// Reads a whole .npy file. Errors: NotFound "cannot open 'path'" when the file cannot be opened;
// InvalidArgument "'path': <problem>" for a malformed header, Fortran order, big-endian or
// unsupported dtypes, and truncated data.
absl::StatusOr<Tensor> ReadNpy(const std::string& path);

// Writes `t` as a version 1.0 .npy file (2.0 if the header does not fit), byte-compatible with
// np.save. The data goes to `path + ".tmp"` first and is renamed into place, so a failed write
// never leaves a partial file at `path`.
absl::Status WriteNpy(const std::string& path, const Tensor& t);

// The .npy descr string for an element type ("<f4", "|b1", ...); empty if not representable.
std::string NpyDescr(ElementType type);

}  // namespace finngl

#endif  // FINNGL_SRC_IR_NPY_H_
