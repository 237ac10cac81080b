#include "src/passes/give_readable_names.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/passes/give_unique_names.h"

namespace finngl {
namespace {

// One value and the name it should get.
struct Renaming {
  Value* value;
  std::string name;
};

bool KeepsName(const Value& v) {
  return v.is_graph_input() || v.is_graph_output() || v.is_outer_ref();
}

// Collects the readable name of every renamable value of `graph` and its subgraphs (main graph in
// topological order, subgraphs after the node owning them), without resolving collisions yet.
absl::Status AssignNames(Graph& graph, std::vector<Renaming>& renamings) {
  ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
  std::set<const Value*> named_initializers;  // an initializer is named after its first reader
  for (Node* node : order) {
    for (int i = 0; i < node->num_inputs(); ++i) {
      Value* in = node->input(i);
      if (in == nullptr || !in->is_initializer() || KeepsName(*in) ||
          !named_initializers.insert(in).second) {
        continue;
      }
      renamings.push_back({in, absl::StrCat(node->name(), "_param", i)});
    }
    for (int i = 0; i < node->num_outputs(); ++i) {
      Value* out = node->output(i);
      if (out == nullptr || KeepsName(*out)) continue;
      renamings.push_back({out, absl::StrCat(node->name(), "_out", i)});
    }
    for (Graph* sub : node->subgraphs()) RETURN_IF_ERROR(AssignNames(*sub, renamings));
  }
  return absl::OkStatus();
}

// Every value name in the model; `renamed` values excluded from `kept`.
void CollectNames(const Graph& graph, const std::set<const Value*>& renamed,
                  std::set<std::string>& all, std::set<std::string>& kept) {
  for (const Value* v : graph.values()) {
    all.insert(v->name());
    // An outer-scope reference mirrors the name of the value it reads.
    if (!renamed.count(v) && !v->is_outer_ref()) kept.insert(v->name());
  }
  for (const Node* node : graph.nodes()) {
    for (const Graph* sub : node->subgraphs()) CollectNames(*sub, renamed, all, kept);
  }
}

}  // namespace

absl::StatusOr<bool> GiveReadableNamesPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  ASSIGN_OR_RETURN(bool changed, GiveUniqueNodeNames(graph));
  std::vector<Renaming> renamings;
  RETURN_IF_ERROR(AssignNames(graph, renamings));

  std::set<const Value*> renamed;
  for (const Renaming& r : renamings) renamed.insert(r.value);
  std::set<std::string> all_names, taken;
  CollectNames(graph, renamed, all_names, taken);
  for (Renaming& r : renamings) {
    std::string name = r.name;
    for (int k = 1; taken.count(name); ++k) name = absl::StrCat(r.name, "_", k);
    r.name = name;
    taken.insert(name);
  }

  // Two steps, as a value may want a name another value still holds.
  std::vector<Renaming> pending;
  for (const Renaming& r : renamings) {
    if (r.value->name() != r.name) pending.push_back(r);
  }
  int temp_index = 0;
  for (const Renaming& r : pending) {
    std::string temp;
    do {
      temp = absl::StrCat("__renaming_", temp_index++);
    } while (all_names.count(temp));
    RETURN_IF_ERROR(r.value->graph()->RenameValue(r.value, temp));
  }
  for (const Renaming& r : pending) RETURN_IF_ERROR(r.value->graph()->RenameValue(r.value, r.name));
  return changed || !pending.empty();
}

}  // namespace finngl
