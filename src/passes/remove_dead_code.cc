#include "src/passes/remove_dead_code.h"

#include <algorithm>
#include <set>
#include <vector>

#include "src/base/status.h"

namespace finngl {
namespace {

// Marks the nodes graph outputs depend on, through node inputs and subgraph outer references.
std::set<const Node*> LiveNodes(const Graph& graph) {
  std::set<const Node*> live;
  std::vector<const Value*> work(graph.outputs().begin(), graph.outputs().end());
  while (!work.empty()) {
    const Value* v = work.back();
    work.pop_back();
    const Node* producer = v->producer();
    if (producer == nullptr || !live.insert(producer).second) continue;
    for (const Value* in : producer->inputs()) {
      if (in != nullptr) work.push_back(in);
    }
    if (!producer->subgraphs().empty()) {
      for (const Value* in : graph.ImplicitInputs(*producer)) work.push_back(in);
    }
  }
  return live;
}

// Whether a value without producer can go: nobody reads it and it is no part of the interface.
bool Removable(const Value& v, const std::set<const Value*>& read_by_subgraphs) {
  return v.producer() == nullptr && v.uses().empty() && !v.is_graph_input() &&
         !v.is_graph_output() && !read_by_subgraphs.count(&v);
}

absl::StatusOr<bool> RemoveDeadCode(Graph& graph) {
  bool changed = false;
  for (Node* node : graph.nodes()) {
    for (Graph* sub : node->subgraphs()) {
      ASSIGN_OR_RETURN(bool sub_changed, RemoveDeadCode(*sub));
      changed = changed || sub_changed;
    }
  }
  const std::set<const Node*> live = LiveNodes(graph);
  // Users before producers, so every removed node's outputs are already unread.
  ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    if (live.count(*it)) continue;
    RETURN_IF_ERROR(graph.RemoveNode(*it));
    changed = true;
  }
  std::set<const Value*> read_by_subgraphs;
  for (Node* node : graph.nodes()) {
    if (node->subgraphs().empty()) continue;
    for (const Value* v : graph.ImplicitInputs(*node)) read_by_subgraphs.insert(v);
  }
  for (Value* v : graph.values()) {
    if (!Removable(*v, read_by_subgraphs)) continue;
    RETURN_IF_ERROR(graph.RemoveValue(v));
    changed = true;
  }
  return changed;
}

}  // namespace

absl::StatusOr<bool> RemoveDeadCodePass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return RemoveDeadCode(graph);
}

}  // namespace finngl
