#include "src/passes/node_order.h"

#include <set>
#include <utility>
#include <vector>

#include "src/base/status.h"

namespace finngl {
namespace {

// The values `node` reads: its inputs, then what its subgraphs read from this graph.
std::vector<const Value*> ReadValues(const Graph& graph, const Node& node) {
  std::vector<const Value*> read(node.inputs().begin(), node.inputs().end());
  if (!node.subgraphs().empty()) {
    for (const Value* v : graph.ImplicitInputs(node)) read.push_back(v);
  }
  return read;
}

// Appends `root` to `order` after the producers it depends on that are not placed yet
// (post-order). Iterative, so long chains do not exhaust the stack.
void Place(const Graph& graph, Node* root, std::set<const Node*>& placed,
           std::vector<Node*>& order) {
  struct Frame {
    Node* node;
    std::vector<const Value*> reads;
    size_t next = 0;
  };
  std::set<const Node*> on_stack;
  std::vector<Frame> stack;
  auto push = [&](Node* node) {
    if (node == nullptr || node->graph() != &graph || placed.count(node) || on_stack.count(node)) {
      return;  // a cycle (on_stack) is the verifier's to report; just do not loop on it
    }
    on_stack.insert(node);
    stack.push_back(Frame{node, ReadValues(graph, *node)});
  };
  push(root);
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.next < top.reads.size()) {
      const Value* read = top.reads[top.next++];
      push(read != nullptr ? read->producer() : nullptr);  // may invalidate `top`
      continue;
    }
    placed.insert(top.node);
    on_stack.erase(top.node);
    order.push_back(top.node);
    stack.pop_back();
  }
}

}  // namespace

absl::Status PutNodesInCanonicalOrder(Graph& graph) {
  std::set<const Node*> placed;
  std::vector<Node*> order;
  for (const Value* out : graph.outputs()) Place(graph, out->producer(), placed, order);
  // Nodes no output depends on keep their relative order, still producers first.
  ASSIGN_OR_RETURN(std::vector<Node*> rest, graph.TopologicalOrder());
  for (Node* node : rest) Place(graph, node, placed, order);
  RETURN_IF_ERROR(graph.ReorderNodes(order));
  for (Node* node : graph.nodes()) {
    for (Graph* sub : node->subgraphs()) RETURN_IF_ERROR(PutNodesInCanonicalOrder(*sub));
  }
  return absl::OkStatus();
}

}  // namespace finngl
