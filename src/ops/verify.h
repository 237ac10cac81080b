// The model verifier: structural rules of the IR plus every node checked against its OpSpec.
//
// Checks: acyclic; every used tensor defined (graph input, initializer, node output or outer-scope
// reference that resolves); graph outputs defined; known op; input/output counts; attributes
// present, of the right type and within their constraints; and stored types equal to the types
// inference computes. Runs after every pass.
#ifndef FINNGL_SRC_OPS_VERIFY_H_
#define FINNGL_SRC_OPS_VERIFY_H_

#include "absl/status/status.h"
#include "src/ir/graph.h"

namespace finngl {

struct VerifyOptions {
  bool check_types = true;  // re-infer types and compare with the stored ones
};

absl::Status VerifyModel(const Model& model, const VerifyOptions& options = {});
// Structural and schema checks of one graph (recursing into subgraphs).
absl::Status VerifyGraph(const Graph& graph, const Model* model);
// Checks one node against its schema: counts, attributes.
absl::Status VerifyNodeSchema(const Node& node, const Model* model);

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_VERIFY_H_
