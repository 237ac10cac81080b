// Compile-time evaluation through the ops' own kernels, so that constant folding and the constants
// a rewrite computes (a transposed weight, a batch-norm scale) mean exactly what the executor
// computes at run time: an op's semantics live in its OpSpec and nowhere else.
#ifndef FINNGL_SRC_PASSES_EVALUATE_H_
#define FINNGL_SRC_PASSES_EVALUATE_H_

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"

namespace finngl {

// Runs `node`'s kernel on `inputs` (one per node input, nullptr for omitted ones) and returns one
// tensor per node output. Nodes with subgraphs are not supported. Errors name the node.
absl::StatusOr<std::vector<Tensor>> EvaluateNode(const Node& node,
                                                 std::span<const Tensor* const> inputs,
                                                 const Model& model);

// Evaluates a default-domain op of `model`'s opset on constant inputs, e.g.
// EvaluateOp(model, "Transpose", {w}, {{"perm", Attribute::Ints({1, 0})}}). Returns output 0.
absl::StatusOr<Tensor> EvaluateOp(const Model& model, const std::string& op_type,
                                  std::vector<Tensor> inputs,
                                  std::vector<std::pair<std::string, Attribute>> attributes = {});

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_EVALUATE_H_
