// Input validation shared by the accumulating ops (MatMul, Gemm, Conv): tensor names for
// diagnostics, element-type agreement between operands, and constant operand values.
#ifndef FINNGL_SRC_OPS_LINALG_COMMON_H_
#define FINNGL_SRC_OPS_LINALG_COMMON_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "src/ops/op_spec.h"

namespace finngl {

// The name of input i of `node` ("#i" when omitted), for messages.
std::string InputName(const Node& node, int i);

// The present inputs among `inputs` must share one element type that IsGemmElementType accepts.
absl::Status CheckOperandTypes(const InferContext& ctx, std::initializer_list<int> inputs);

// Values of input i as doubles when it is a non-empty constant, else nullopt.
std::optional<std::vector<double>> ConstantValues(const InferContext& ctx, int i);

// Whether an attribute value is an integral float (so scaling by it keeps integers integers).
bool IsIntegral(float v);

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_LINALG_COMMON_H_
