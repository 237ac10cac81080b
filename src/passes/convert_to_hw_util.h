// Helpers shared by the passes that map the streamlined integer graph to hardware ops
// (infer-mvau, infer-thresholding, infer-elementwise, ... ; docs/hw_layers.md): which values are
// integer streams and with which DataType, the numInputVectors of a stream, constants as
// integers, and creating HW nodes (domain, opset import, names).
#ifndef FINNGL_SRC_PASSES_CONVERT_TO_HW_UTIL_H_
#define FINNGL_SRC_PASSES_CONVERT_TO_HW_UTIL_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"
#include "src/passes/pass.h"

namespace finngl::hw {

// Whether the node is a hardware op (domain finn.custom_op.fpgadataflow).
bool IsHwNode(const Node* node);

// The integer DataType of a value: its (annotated or inferred) integer datatype; for an integer
// element type the element type's; for a constant whose values are all integers the smallest
// type holding them. nullopt when the value is not known to hold integers.
std::optional<DataType> IntegerDataType(const Value& value);

// Whether every value of the tensor is an integer (finite).
bool AllIntegral(const Tensor& t);

// The smallest integer DataType holding every value of an integral tensor.
DataType SmallestHoldingValues(const Tensor& t);

// The dims between the batch axis and the channel (last) axis of a stream of shape `shape`; the
// batch axis is the first axis of unknown size (a [T, N, F] sequence with symbolic N gives [T]),
// or axis 0 when every size is known. nullopt if one of those dims is unknown.
std::optional<std::vector<int64_t>> NumInputVectors(const Shape& shape);

// The last dim of a value's shape when known (the channel count of a stream).
std::optional<int64_t> LastDim(const Value& value);

// Makes the model import the HW domain (opset 1) so the written ONNX file declares it.
void ImportHwDomain(PassContext& ctx);

// Adds a one-output HW node named "<replaced>_<op_type>" (made unique) remembering replaced's
// origin.
absl::StatusOr<Node*> AddHwNode(Graph& graph, const Node& replaced, const std::string& op_type,
                                const std::vector<Value*>& inputs);

// Puts `hw_node`'s only output in place of `replaced`'s: the output takes over the replaced
// value's type, the model imports the HW domain, and `replaced` leaves the graph.
absl::Status ReplaceWithHwNode(Graph& graph, Node* replaced, Node* hw_node, PassContext& ctx);

// Calls `convert` on every node `select` picks. The nodes are collected first because a
// conversion rewires the graph. Returns whether any call changed it.
using NodeConverter = std::function<absl::StatusOr<bool>(Graph&, Node*, PassContext&)>;
absl::StatusOr<bool> ConvertEach(Graph& graph, PassContext& ctx,
                                 const std::function<bool(const Node&)>& select,
                                 const NodeConverter& convert);

// What a HW op (MVAU, Thresholding) takes over from a MultiThreshold.
struct HwThresholds {
  Value* thresholds = nullptr;  // integer thresholds [channels or 1, steps] (maybe a new constant)
  DataType dtype;               // their datatype (weightDataType)
  int64_t steps = 0;
  int64_t act_val = 0;          // out_bias
  DataType out_dtype;           // the MultiThreshold's output datatype
};

// Whether `mt` is a MultiThreshold that a HW op reading vectors of `channels` channels can
// execute: constant thresholds [channels or 1, steps] on the last axis (any axis when shared),
// out_scale 1, integral out_bias, integer output datatype. Returns the thresholds rounded up to
// integers (exact for integer inputs: x >= t iff x >= ceil(t)) - a new constant in `graph` when
// rounding changed them - or nullopt when it cannot. A threshold initializer without a fitting
// integer annotation gets one (its datatype, for code generation).
absl::StatusOr<std::optional<HwThresholds>> TakeOverThresholds(Graph& graph, const Node& mt,
                                                               int64_t channels);

}  // namespace finngl::hw

#endif  // FINNGL_SRC_PASSES_CONVERT_TO_HW_UTIL_H_
