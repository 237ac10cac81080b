// Test helper: builds a one-node model around an op and runs it through the real executor.
#ifndef FINNGL_TESTS_CPP_OP_TEST_UTIL_H_
#define FINNGL_TESTS_CPP_OP_TEST_UTIL_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"

namespace finngl::testing {

struct OpInput {
  Tensor value;
  bool constant = false;            // an initializer rather than a runtime graph input
  std::optional<DataType> dtype;    // finn_datatype annotation
  bool omitted = false;             // an omitted optional input ("")
};

struct OpCall {
  std::string op_type;
  std::string domain;               // "" or e.g. "qonnx.custom_op.general"
  std::vector<OpInput> inputs;
  std::vector<std::pair<std::string, Attribute>> attrs;
  int num_outputs = 1;
  int64_t opset = 17;               // opset for the default domain
  int64_t custom_opset = 1;         // opset for `domain` when it is not ""
};

// An op input, an initializer when `constant`, else a runtime graph input.
OpInput In(Tensor t, bool constant = false);

// Runs a one-output call; a failure is reported to gtest and yields an empty tensor.
Tensor Run1(OpCall call);
// Runs a call expected to fail and returns the error message ("(no error)" if it succeeded).
std::string RunError(OpCall call);

// Builds the model (types of runtime inputs taken from the tensors).
std::unique_ptr<Model> BuildSingleOpModel(OpCall call);
// Builds, infers types and executes; returns the outputs in order.
absl::StatusOr<std::vector<Tensor>> RunOp(OpCall call);
// The inferred output types of the single node (without executing).
absl::StatusOr<std::vector<TensorType>> InferOp(OpCall call);

}  // namespace finngl::testing

#endif  // FINNGL_TESTS_CPP_OP_TEST_UTIL_H_
