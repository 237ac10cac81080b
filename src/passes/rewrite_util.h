// Small helpers shared by the rewrite passes: finding constant operands, checking shapes, and
// replacing a node's results while keeping the IR's invariants (use lists, outer-scope references
// of Scan bodies, graph output names, datatype annotations).
#ifndef FINNGL_SRC_PASSES_REWRITE_UTIL_H_
#define FINNGL_SRC_PASSES_REWRITE_UTIL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"

namespace finngl {

// The constant data of a value: its initializer, or for an outer-scope reference of a subgraph the
// initializer it resolves to in an enclosing graph. nullptr for runtime values (and null values).
const Tensor* ConstantData(const Value* value);

// Whether a subgraph nested in the value's graph reads it as an outer-scope reference.
bool ReadBySubgraph(const Value& value);

// Whether nothing reads the value: no node input, no graph output, no subgraph.
bool IsUnused(const Value& value);

// Whether both shapes are known to be equal: same rank, and each dim equal and known (or the same
// named symbolic dim).
bool SameKnownShape(const std::optional<Shape>& a, const std::optional<Shape>& b);

// Whether every element of `t` equals `v` (numerically, so -0.0 equals 0.0).
bool AllElementsEqual(const Tensor& t, double v);

// A rank-0 tensor of `type` holding `value`.
Tensor ScalarTensor(ElementType type, double value);

// Adds an initializer named after `base` (made unique).
absl::StatusOr<Value*> AddConstant(Graph& graph, const std::string& base, Tensor data);

// Adds a one-output node that takes part in replacing `replaced`: named "<replaced>_<role>" (made
// unique) and remembering replaced's origin, so diagnostics still name the ONNX node it came from.
absl::StatusOr<Node*> AddReplacementNode(Graph& graph, const Node& replaced,
                                         const std::string& op_type, const std::string& role,
                                         const std::vector<Value*>& inputs);

// A constant computed from `source` (e.g. its negation) keeps source's datatype annotation when
// every new value is allowed by it; an integer annotation that no longer fits becomes the
// smallest integer type holding the new values. Unannotated sources leave `derived` unannotated.
void AnnotateDerivedConstant(const Value& source, Value* derived);

// Replaces every output of `node` by the matching value of `replacements` (nullptr only for an
// output nobody reads) and removes `node`. The replacements must be values the caller has just
// created (outputs of new nodes, new initializers): each takes over the name and annotations of
// the output it replaces, so names stay stable and graph outputs keep their names.
absl::Status SubstituteNode(Graph& graph, Node* node, const std::vector<Value*>& replacements);

// Whether BypassNode may remove `node`: it has one output, and that output is not a graph output
// (bypassing would rename the graph's interface).
bool CanBypass(const Node& node);
// Makes every reader of `node`'s single output read `replacement` (an existing value that equals
// it) and removes `node`. Requires CanBypass(node).
absl::Status BypassNode(Graph& graph, Node* node, Value* replacement);

// Removes `node` if none of its outputs is read (e.g. the first of two cancelled Transposes).
// Returns whether it was removed.
absl::StatusOr<bool> RemoveIfUnused(Graph& graph, Node* node);

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_REWRITE_UTIL_H_
