#include "src/passes/give_unique_names.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"

namespace finngl {
namespace {

using NodeNames = std::vector<std::pair<Node*, std::string>>;

// Assigns <OpType>_<k> in the documented order, per graph.
absl::Status AssignNames(Graph& graph, std::map<std::string, int>& next_index,
                         std::map<Graph*, NodeNames>& names) {
  ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
  NodeNames& mine = names[&graph];
  for (Node* node : order) {
    mine.emplace_back(node, absl::StrCat(node->op_type(), "_", next_index[node->op_type()]++));
    for (Graph* sub : node->subgraphs()) RETURN_IF_ERROR(AssignNames(*sub, next_index, names));
  }
  return absl::OkStatus();
}

// Renames in two steps (first to temporary names) because a new name may still be held by
// another node of the graph that is about to give it up.
absl::StatusOr<bool> RenameNodes(Graph& graph, const NodeNames& names) {
  NodeNames pending;
  for (const auto& [node, name] : names) {
    if (node->name() != name) pending.emplace_back(node, name);
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    Node* node = pending[i].first;
    RETURN_IF_ERROR(graph.RenameNode(node, graph.UniqueNodeName(absl::StrCat("__renaming_", i))));
  }
  for (const auto& [node, name] : pending) RETURN_IF_ERROR(graph.RenameNode(node, name));
  return !pending.empty();
}

}  // namespace

absl::StatusOr<bool> GiveUniqueNodeNames(Graph& main_graph) {
  std::map<std::string, int> next_index;
  std::map<Graph*, NodeNames> names;
  RETURN_IF_ERROR(AssignNames(main_graph, next_index, names));
  bool changed = false;
  for (const auto& [graph, graph_names] : names) {
    ASSIGN_OR_RETURN(bool renamed, RenameNodes(*graph, graph_names));
    changed = changed || renamed;
  }
  return changed;
}

absl::StatusOr<bool> GiveUniqueNamesPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return GiveUniqueNodeNames(graph);
}

}  // namespace finngl
