// Matching and rewriting helpers shared by the streamlining passes (move-*, collapse-*, absorb-*,
// factor-out-*, round-and-clip-thresholds).
//
// Streamlining moves float scales (Mul by a constant) and biases (Add of a constant) through the
// graph until they reach a MultiThreshold, where they are absorbed into the thresholds, or a graph
// output. Every pass matches "y = x op c" with c constant, checks that the intermediate value is
// read by nothing else (a fork would see the moved value change), and rebuilds the pattern from
// fresh nodes; the value that leaves the pattern keeps its name and annotations (SubstituteNode).
//
// The passes rewrite one match at a time and re-infer the model's types before looking for the
// next, so a match never reads the stale (or missing) type of a value an earlier rewrite created.
#ifndef FINNGL_SRC_PASSES_STREAMLINE_UTIL_H_
#define FINNGL_SRC_PASSES_STREAMLINE_UTIL_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"
#include "src/passes/pass.h"

namespace finngl {

// y = x op c: a default-domain binary node (Add, Mul) whose inputs are float32, exactly one of
// them constant.
struct ConstantOperand {
  Node* node = nullptr;
  Value* x = nullptr;      // the runtime operand
  Value* param = nullptr;  // the constant operand
  const Tensor* data = nullptr;
  int x_index = 0;  // which input x is
};
std::optional<ConstantOperand> MatchConstantOperand(Node* node, const std::string& op_type);

// Whether exactly one node input reads `value` and nothing else does (no second node, no graph
// output, no Scan body).
bool HasSingleUse(const Value& value);
// The only node reading `value` (HasSingleUse), else nullptr.
Node* SingleConsumer(const Value& value);

// Whether broadcasting a constant of `param`'s dims against a value of shape `shape` leaves that
// shape unchanged: param rank <= rank, and every param dim is 1 or the (known) dim it meets.
bool BroadcastKeepsShape(const Tensor& param, const std::optional<Shape>& shape);

// The values of a constant operand that broadcasts against data of `shape` without changing it
// and is constant along every axis but `axis`: one value when it is uniform (a scalar, or all
// elements equal), else one per channel of `axis`. nullopt otherwise.
std::optional<std::vector<float>> ChannelValues(const Tensor& param,
                                                const std::optional<Shape>& shape, int64_t axis);

// The channel axis a MultiThreshold node uses for input data of rank `rank`: the position of 'C'
// in data_layout, or for a missing layout the qonnx rank rule (src/ops/threshold_layout.h).
int64_t MultiThresholdChannelAxis(const Node& node, int64_t rank);

// Whether `node` is a MultiThreshold (qonnx domain) with constant rank-2 float32 thresholds.
bool IsMultiThresholdWithConstantThresholds(const Node& node);

// Whether every element is +1 or -1 (a sign vector, as FactorOutMulSignMagnitude produces).
bool AllSigns(const Tensor& t);
// Whether x is +-2^k (0 < |x| < inf): multiplying by it only changes the exponent.
bool IsPowerOfTwo(double x);

// Whether every element is in {-1, +1}, or every element in {0, 1}: a 1-bit (BIPOLAR or BINARY)
// factor, which weights absorb without leaving their integer grid.
bool IsOneBitFactor(const Tensor& t);

// Whether every element of `data` is allowed by the datatype annotation of `like` (always true
// for an unannotated or float-annotated value).
bool FitsAnnotation(const Value& like, const Tensor& data);

// A float32 tensor of the given dims.
Tensor FloatTensor(Dims dims, const std::vector<float>& values);

// Adds a constant computed from `source` (a rescaled scale, a shifted bias), annotated like
// AnnotateDerivedConstant does.
absl::StatusOr<Value*> AddDerivedConstant(Graph& graph, const Value& source, Tensor data);

// Removes `value` if it is an initializer of `graph` that nothing reads any more (and not a
// graph input), e.g. the old parameter of a rewritten node.
absl::Status RemoveIfDeadInitializer(Graph& graph, Value* value);

// SubstituteNode for a one-output node, except that a FLOAT32 annotation of the replaced value is
// not carried over: it says nothing (every value is a float32), and carrying it would hide the
// integer datatype inference finds for the new value (e.g. a MatMul result after its scale moved
// on). Integer and fixed-point annotations are kept, as SubstituteNode keeps them.
absl::Status ReplaceNodeOutput(Graph& graph, Node* node, Value* replacement);

// Creates a copy of `node` (op, domain, attributes, origin) whose inputs are `inputs`, with
// fresh outputs. The copy takes the node's name once the node is gone (RenameLikeRemoved).
absl::StatusOr<Node*> CloneNodeWithInputs(Graph& graph, const Node& node,
                                          const std::vector<Value*>& inputs);
// Gives `node` the name `name` if no node has it (after the original was removed).
absl::Status RenameLikeRemoved(Graph& graph, Node* node, const std::string& name);

// Rewrites  y = f(.., Op(x, c), ..)  into  y = Op(f(.., x, ..), c')  where Op is `linear`'s op
// (Mul or Add), f is `consumer` reading linear's output at input `input_index`, and c' is
// `new_param`. f must have one output. The new Op node takes over y (name, annotations), the
// copy of f keeps f's name, and `linear` is removed once nothing reads it.
absl::Status MoveLinearPastNode(Graph& graph, const ConstantOperand& linear, Node* consumer,
                                int input_index, Tensor new_param);

// collapse-repeated-add / collapse-repeated-mul on one node: Op(Op(x, c1), c2) -> Op(x, c1 op c2),
// with op_type "Add" or "Mul". Returns whether it rewrote.
absl::StatusOr<bool> CollapseRepeated(Graph& graph, Node* node, PassContext& ctx,
                                      const std::string& op_type);

// move-add-past-fork / move-mul-past-fork on one node: Op(x, c) read several times becomes one copy
// per reader. Returns whether it rewrote.
absl::StatusOr<bool> MoveOpPastFork(Graph& graph, Node* node, const std::string& op_type);

// absorb-add-into-multithreshold / absorb-mul-into-multithreshold on one node (op_type "Add" or
// "Mul"): the constant operand moves into the thresholds of every MultiThreshold reading the
// result, placed exactly by threshold_search.h. Returns whether it rewrote.
absl::StatusOr<bool> AbsorbIntoThresholds(Graph& graph, Node* node, const std::string& op_type);

// Adds `message` to ctx's warnings unless an identical one is there (passes run repeatedly in
// fixed points and would repeat it).
void WarnOnce(PassContext& ctx, const std::string& message);

// Runs `rewrite` on the nodes of `graph` until it applies nowhere: after each successful rewrite
// (it returned true) the model's types are inferred again and the search starts over. Returns
// whether anything was rewritten. A rewrite must not apply forever (capped as a bug).
using NodeRewrite = std::function<absl::StatusOr<bool>(Graph& graph, Node* node, PassContext& ctx)>;
absl::StatusOr<bool> RewriteUntilDone(Graph& graph, PassContext& ctx, const NodeRewrite& rewrite);

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_STREAMLINE_UTIL_H_
