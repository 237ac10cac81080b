#include "src/hw/folding_config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"
#include "src/hw/layer_info.h"

namespace finngl::hw {
namespace {

using nlohmann::json;

enum class Kind { kPositiveInt, kRamStyle, kResType };

// Attributes a folding config may set, per op type.
const std::map<std::string, std::map<std::string, Kind>>& Settable() {
  static const auto* table = new std::map<std::string, std::map<std::string, Kind>>{
      {"MVAU",
       {{"PE", Kind::kPositiveInt},
        {"SIMD", Kind::kPositiveInt},
        {"ram_style", Kind::kRamStyle},
        {"ram_style_thresholds", Kind::kRamStyle},
        {"resType", Kind::kResType}}},
      {"Thresholding", {{"PE", Kind::kPositiveInt}, {"ram_style", Kind::kRamStyle}}},
      {"ConvolutionInputGenerator", {{"SIMD", Kind::kPositiveInt}, {"ram_style", Kind::kRamStyle}}},
      {"StreamingMaxPool", {{"PE", Kind::kPositiveInt}}},
      {"ElementwiseAdd", {{"PE", Kind::kPositiveInt}}},
      {"ElementwiseSub", {{"PE", Kind::kPositiveInt}}},
      {"ElementwiseMul", {{"PE", Kind::kPositiveInt}}},
      {"DuplicateStreams", {{"PE", Kind::kPositiveInt}}},
      {"LabelSelect", {{"PE", Kind::kPositiveInt}}},
      {"StreamingFIFO", {{"depth", Kind::kPositiveInt}, {"ram_style", Kind::kRamStyle}}},
      {"StreamingDataWidthConverter", {}},
      {"RecurrentLayer", {}},
  };
  return *table;
}

// FINN attributes that finngl has no use for: accepted and skipped with a warning.
bool IsFinnOnlyAttr(const std::string& attr) {
  static const std::set<std::string> kNames = {
      "mem_mode",       "runtime_writeable_weights", "depth_trigger_uram", "depth_trigger_bram",
      "parallel_window", "preferred_impl_style",     "inFIFODepths",       "outFIFODepths",
      "impl_style",      "M",                         "cycles_estimate",    "depth_monitor"};
  return kNames.count(attr) > 0;
}

struct Entry {
  std::string key;        // the config key naming the node
  std::string qualified;  // "<recurrent node>/<body node>" (the plain name at top level)
  Node* node;
};

// All HW nodes of the graph and of RecurrentLayer (or other) bodies, with their config keys.
void Collect(Graph& graph, const std::string& prefix, std::vector<Entry>& out) {
  for (Node* n : graph.nodes()) {
    out.push_back({prefix + n->name(), prefix + n->name(), n});
    for (Graph* sub : n->subgraphs()) Collect(*sub, prefix + n->name() + "/", out);
  }
}

// Entries keyed by the plain name where it is unique in the model, else by the qualified path.
std::vector<Entry> Keys(Graph& graph) {
  std::vector<Entry> all;
  Collect(graph, "", all);
  std::map<std::string, int> count;
  for (const Entry& e : all) ++count[e.node->name()];
  for (Entry& e : all) {
    if (count[e.node->name()] == 1) e.key = e.node->name();
  }
  return all;
}

absl::StatusOr<Attribute> Convert(const std::string& where, const std::string& attr, Kind kind,
                                  const json& v) {
  switch (kind) {
    case Kind::kPositiveInt:
      if (!v.is_number_integer() || v.get<int64_t>() <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": ", attr, " must be a positive integer, got ", v.dump()));
      }
      return Attribute::Int(v.get<int64_t>());
    case Kind::kRamStyle:
    case Kind::kResType: {
      const std::vector<std::string> allowed =
          kind == Kind::kRamStyle ? std::vector<std::string>{"auto", "block", "distributed", "ultra"}
                                  : std::vector<std::string>{"auto", "lut", "dsp"};
      if (!v.is_string() ||
          std::find(allowed.begin(), allowed.end(), v.get<std::string>()) == allowed.end()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": ", attr, " must be one of ",
                                                       absl::StrJoin(allowed, ", "), ", got ",
                                                       v.dump()));
      }
      return Attribute::String(v.get<std::string>());
    }
  }
  return absl::InternalError("unreachable");
}

// The keys of the nodes a config can fold, for the error on an unknown name (a typo, or a name
// from another compiler's graph): the first few, then a count.
std::string FoldableNames(const std::vector<Entry>& entries) {
  constexpr size_t kShown = 12;
  std::vector<std::string> names;
  for (const Entry& e : entries) {
    const auto op_it = Settable().find(e.node->op_type());
    if (op_it != Settable().end() && !op_it->second.empty()) names.push_back(e.key);
  }
  if (names.empty()) return "the graph has no nodes with folding attributes";
  std::string out = absl::StrCat("nodes with folding: ",
                                 absl::StrJoin(names.begin(),
                                               names.begin() + std::min(names.size(), kShown),
                                               ", "));
  if (names.size() > kShown) absl::StrAppend(&out, ", ... (", names.size() - kShown, " more)");
  return out;
}

struct Change {
  Node* node;
  std::string attr;
  Attribute value;
};

}  // namespace

absl::StatusOr<std::vector<std::string>> ApplyFoldingConfig(Graph& graph, const json& config) {
  if (!config.is_object()) {
    return absl::InvalidArgumentError("folding config: the top level must be a JSON object");
  }
  std::vector<Entry> entries = Keys(graph);
  std::map<std::string, Node*> by_key;
  for (const Entry& e : entries) {
    by_key[e.key] = e.node;
    // The qualified form is accepted for body nodes even where the plain name is unique.
    by_key[e.qualified] = e.node;
  }
  std::vector<std::string> warnings;
  std::vector<Change> changes;

  // Defaults first, so node entries override them.
  if (config.contains("Defaults")) {
    const json& defaults = config["Defaults"];
    if (!defaults.is_object()) {
      return absl::InvalidArgumentError("folding config: \"Defaults\" must be an object");
    }
    for (const auto& [attr, spec] : defaults.items()) {
      const std::string where = absl::StrCat("folding config Defaults '", attr, "'");
      json value = spec;
      std::optional<std::set<std::string>> ops;
      if (spec.is_array()) {
        if (spec.size() != 2 || !(spec[1].is_string() || spec[1].is_array())) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": expected [value, \"all\"] or [value, [op types]]"));
        }
        value = spec[0];
        if (spec[1].is_array()) {
          ops.emplace();
          for (const json& op : spec[1]) {
            if (!op.is_string()) return absl::InvalidArgumentError(where + ": op types must be strings");
            ops->insert(op.get<std::string>());
          }
        } else if (spec[1].get<std::string>() != "all") {
          return absl::InvalidArgumentError(where + ": the op list must be an array or \"all\"");
        }
      }
      if (IsFinnOnlyAttr(attr)) {
        warnings.push_back(absl::StrCat(where, ": skipped, finngl does not model it"));
        continue;
      }
      bool known = false;
      for (const auto& [op, attrs] : Settable()) known |= attrs.count(attr) > 0;
      if (!known) return absl::InvalidArgumentError(where + ": unknown attribute");
      for (const Entry& e : entries) {
        if (ops && ops->count(e.node->op_type()) == 0) continue;
        const auto op_it = Settable().find(e.node->op_type());
        if (op_it == Settable().end()) continue;
        const auto a_it = op_it->second.find(attr);
        if (a_it == op_it->second.end()) continue;
        ASSIGN_OR_RETURN(Attribute a, Convert(where, attr, a_it->second, value));
        changes.push_back({e.node, attr, std::move(a)});
      }
    }
  }

  for (const auto& [key, settings] : config.items()) {
    if (key == "Defaults") continue;
    const auto it = by_key.find(key);
    if (it == by_key.end()) {
      return absl::InvalidArgumentError(absl::StrCat("folding config: no node named '", key,
                                                     "' in the graph; ", FoldableNames(entries)));
    }
    Node* node = it->second;
    if (!settings.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("folding config: entry for ", node->Describe(), " must be an object"));
    }
    const auto op_it = Settable().find(node->op_type());
    if (op_it == Settable().end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "folding config: ", node->Describe(), " is not a hardware layer with folding"));
    }
    for (const auto& [attr, value] : settings.items()) {
      const std::string where = absl::StrCat("folding config: ", node->Describe());
      const auto a_it = op_it->second.find(attr);
      if (a_it == op_it->second.end()) {
        if (IsFinnOnlyAttr(attr)) {
          warnings.push_back(absl::StrCat(where, ": attribute '", attr, "' skipped, finngl does not model it"));
          continue;
        }
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": attribute '", attr, "' cannot be set on ", node->op_type()));
      }
      ASSIGN_OR_RETURN(Attribute a, Convert(where, attr, a_it->second, value));
      changes.push_back({node, attr, std::move(a)});
    }
  }

  // Apply, remembering the old values so an illegal result can be undone.
  struct Undo {
    Node* node;
    std::string attr;
    std::optional<Attribute> value;
  };
  std::vector<Undo> undo;
  std::set<Node*> touched;
  for (Change& c : changes) {
    const Attribute* old = c.node->attr(c.attr);
    Undo u{c.node, c.attr, std::nullopt};
    if (old != nullptr) u.value = old->Clone(c.node->graph());
    undo.push_back(std::move(u));
    c.node->SetAttr(c.attr, std::move(c.value));
    touched.insert(c.node);
  }
  for (Node* n : touched) {
    absl::Status st = CheckFolding(*n);
    if (!st.ok()) {
      for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
        if (it->value) {
          it->node->SetAttr(it->attr, std::move(*it->value));
        } else {
          it->node->RemoveAttr(it->attr);
        }
      }
      return Annotate(st, "folding config: ");
    }
  }
  return warnings;
}

absl::StatusOr<std::vector<std::string>> ApplyFoldingConfigFile(Graph& graph,
                                                               const std::string& path) {
  // A directory opens as an ifstream on Linux, then fails to parse: name it as unreadable.
  std::ifstream in(path);
  if (!in || std::filesystem::is_directory(path)) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open folding config"));
  }
  json config = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": folding config is not valid JSON"));
  }
  absl::StatusOr<std::vector<std::string>> result = ApplyFoldingConfig(graph, config);
  if (!result.ok()) return Annotate(result.status(), path + ": ");
  return result;
}

json FoldingConfigOf(const Graph& graph) {
  json out = json::object();
  out["Defaults"] = json::object();
  for (const Entry& e : Keys(const_cast<Graph&>(graph))) {
    const auto op_it = Settable().find(e.node->op_type());
    if (op_it == Settable().end() || op_it->second.empty()) continue;
    json entry = json::object();
    for (const auto& [attr, kind] : op_it->second) {
      const Attribute* a = e.node->attr(attr);
      if (a == nullptr) continue;
      if (kind == Kind::kPositiveInt && a->type() == Attribute::Type::kInt) entry[attr] = a->i();
      if (kind != Kind::kPositiveInt && a->type() == Attribute::Type::kString) entry[attr] = a->s();
    }
    if (!entry.empty()) out[e.key] = entry;
  }
  return out;
}

absl::Status WriteFoldingConfigFile(const Graph& graph, const std::string& path) {
  std::ofstream out(path);
  if (!out) return absl::InvalidArgumentError(absl::StrCat("cannot write '", path, "'"));
  out << FoldingConfigOf(graph).dump(2) << "\n";
  return out ? absl::OkStatus() : absl::InternalError(absl::StrCat("error writing '", path, "'"));
}

}  // namespace finngl::hw
