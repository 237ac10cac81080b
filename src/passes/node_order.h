// The node order passes leave a graph in: every producer before its users (ONNX requires it of
// exported graphs) and otherwise determined by the graph's structure, not by the order in which
// rewrites happened to create nodes, so a replacement node sits where the node it replaced was.
//
// The order is a depth-first post-order from the graph outputs (in output order, each node's
// inputs in input order, and the values its subgraphs read); nodes no output depends on follow in
// their previous relative order.
#ifndef FINNGL_SRC_PASSES_NODE_ORDER_H_
#define FINNGL_SRC_PASSES_NODE_ORDER_H_

#include "absl/status/status.h"
#include "src/ir/graph.h"

namespace finngl {

// Reorders the nodes of `graph` and, recursively, of its subgraphs.
absl::Status PutNodesInCanonicalOrder(Graph& graph);

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_NODE_ORDER_H_
