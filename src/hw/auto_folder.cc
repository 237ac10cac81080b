#include "src/hw/auto_folder.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"
#include "src/hw/insert_streams.h"
#include "src/hw/layer_info.h"
#include "src/hw/network_estimate.h"

namespace finngl::hw {
namespace {

struct Setting {
  Node* node;
  std::string attr;
  int64_t i = 0;
  std::string s;
  bool is_string = false;
  void Apply() const {
    node->SetAttr(attr, is_string ? Attribute::String(s) : Attribute::Int(i));
  }
  std::string ToString() const { return absl::StrCat(attr, "=", is_string ? s : absl::StrCat(i)); }
};

struct Option {
  std::vector<Setting> settings;
  int64_t cycles = 0;
  int64_t latency = 0;
  Resources res;
  double cost = 0;
};

struct Layer {
  Node* node;
  std::vector<Option> options;
  std::vector<int> preds;  // indices of producer layers
};

double Cost(const Resources& r, const Resources& budget) {
  const auto used = r.AsArray(), avail = budget.AsArray();
  double c = 0;
  for (size_t k = 0; k < used.size(); ++k) {
    if (used[k] <= 0) continue;
    c += avail[k] > 0 ? used[k] / avail[k] : 1e6;  // a resource the device lacks
  }
  return c;
}

// Index of the cheapest option with cycles <= cap, or of the fastest if none; `at_max` says which.
int Select(const std::vector<Option>& opts, int64_t cap, bool* at_max) {
  int best = -1;
  for (int i = 0; i < static_cast<int>(opts.size()); ++i) {
    if (opts[i].cycles > cap) continue;
    if (best < 0 || opts[i].cost < opts[best].cost ||
        (opts[i].cost == opts[best].cost && opts[i].cycles < opts[best].cycles)) {
      best = i;
    }
  }
  if (at_max != nullptr) *at_max = best < 0;
  if (best >= 0) return best;
  for (int i = 0; i < static_cast<int>(opts.size()); ++i) {
    if (best < 0 || opts[i].cycles < opts[best].cycles ||
        (opts[i].cycles == opts[best].cycles && opts[i].cost < opts[best].cost)) {
      best = i;
    }
  }
  return best;
}

// Snapshot of attributes so enumeration can restore the graph.
struct Saved {
  Node* node;
  std::string attr;
  std::optional<Attribute> value;
};
std::vector<Saved> Save(Node* node, const std::vector<std::string>& attrs) {
  std::vector<Saved> out;
  for (const std::string& a : attrs) {
    const Attribute* v = node->attr(a);
    out.push_back({node, a, v ? std::optional<Attribute>(v->Clone(node->graph())) : std::nullopt});
  }
  return out;
}
void Restore(std::vector<Saved>& saved) {
  for (Saved& s : saved) {
    if (s.value) {
      s.node->SetAttr(s.attr, s.value->Clone(s.node->graph()));
    } else {
      s.node->RemoveAttr(s.attr);
    }
  }
}

absl::StatusOr<std::vector<Layer>> BuildLayers(Graph& graph, const FolderOptions& opt,
                                               const Resources& budget);

// The estimate of a RecurrentLayer as the build will cost it: after folding, the build inserts
// width converters and FIFOs into the body (insert_streams.h), and they lengthen every time
// step's critical path. So a copy of the layer, alone in a scratch graph, gets them first.
absl::StatusOr<LayerEstimate> EstimateRecurrentWithStreams(const Node& node) {
  Graph scratch("recurrent_estimate");
  std::vector<Value*> inputs;
  for (const Value* in : node.inputs()) {
    if (in == nullptr) {
      inputs.push_back(nullptr);
    } else if (in->is_initializer()) {
      ASSIGN_OR_RETURN(Value * c, scratch.AddInitializer(in->name(), *in->initializer()));
      c->type() = in->type();
      inputs.push_back(c);
    } else {
      ASSIGN_OR_RETURN(Value * v, scratch.AddValue(in->name(), in->type()));
      scratch.AddInput(v);
      inputs.push_back(v);
    }
  }
  std::vector<Value*> outputs;
  for (const Value* out : node.outputs()) {
    Value* copy_out = nullptr;
    if (out != nullptr) {
      ASSIGN_OR_RETURN(copy_out, scratch.AddValue(out->name(), out->type()));
    }
    outputs.push_back(copy_out);
  }
  ASSIGN_OR_RETURN(Node * copy, scratch.AddNode(node.op_type(), node.domain(), node.name(),
                                                inputs, outputs));
  for (const auto& [name, attr] : node.attributes()) copy->SetAttr(name, attr.Clone(&scratch));
  RETURN_IF_ERROR(InsertDataWidthConverters(scratch).status());
  RETURN_IF_ERROR(InsertFifos(scratch).status());
  return EstimateLayer(*copy);
}

absl::StatusOr<std::vector<Option>> RecurrentOptions(Node* node, const FolderOptions& opt,
                                                     const Resources& budget) {
  Graph& body = *node->attr("body")->g();
  ASSIGN_OR_RETURN(std::vector<Layer> layers, BuildLayers(body, opt, budget));
  std::set<int64_t> caps;
  for (const Layer& l : layers) {
    for (const Option& o : l.options) caps.insert(o.cycles);
  }
  std::vector<Saved> saved;
  for (const Layer& l : layers) {
    for (const Option& o : l.options) {
      for (const Setting& s : o.settings) {
        std::vector<Saved> one = Save(s.node, {s.attr});
        saved.insert(saved.end(), std::make_move_iterator(one.begin()),
                     std::make_move_iterator(one.end()));
      }
      break;  // every option of a layer sets the same attributes
    }
  }
  std::vector<Option> out;
  std::set<std::pair<int64_t, int64_t>> seen;  // (cycles, rounded cost)
  for (int64_t cap : caps) {
    Option o;
    for (const Layer& l : layers) {
      const Option& c = l.options[Select(l.options, cap, nullptr)];
      for (const Setting& s : c.settings) {
        s.Apply();
        o.settings.push_back(s);
      }
    }
    absl::StatusOr<LayerEstimate> e = EstimateRecurrentWithStreams(*node);
    if (!e.ok()) {
      Restore(saved);
      return e.status();
    }
    o.cycles = e->cycles;
    o.latency = e->latency();
    o.res = e->res;
    o.cost = Cost(o.res, budget);
    if (seen.insert({o.cycles, static_cast<int64_t>(std::llround(o.cost * 1e9))}).second) {
      out.push_back(std::move(o));
    }
  }
  Restore(saved);
  return out;
}

absl::StatusOr<std::vector<Option>> NodeOptions(Node* node, const FolderOptions& opt,
                                                const Resources& budget) {
  if (node->op_type() == "RecurrentLayer") return RecurrentOptions(node, opt, budget);
  const std::vector<std::string> fold_attrs = FoldingAttrs(node->op_type());
  std::vector<std::vector<int64_t>> values;
  for (const std::string& a : fold_attrs) {
    ASSIGN_OR_RETURN(std::vector<int64_t> v, LegalFoldValues(*node, a));
    values.push_back(std::move(v));
  }
  std::vector<std::string> res_types = {""};  // "": leave as is
  const std::string current_res = node->GetString("resType", "auto");
  if (node->op_type() == "MVAU" && opt.choose_res_type && current_res == "auto") {
    res_types = {"lut", "dsp"};
  }
  std::vector<std::string> touched = fold_attrs;
  touched.push_back("resType");
  std::vector<Saved> saved = Save(node, touched);
  std::vector<Option> out;
  // Odometer over the fold attributes' legal values.
  std::vector<size_t> idx(values.size(), 0);
  while (true) {
    for (const std::string& rt : res_types) {
      Option o;
      for (size_t k = 0; k < values.size(); ++k) {
        o.settings.push_back({node, fold_attrs[k], values[k][idx[k]], "", false});
      }
      if (!rt.empty()) o.settings.push_back({node, "resType", 0, rt, true});
      for (const Setting& s : o.settings) s.Apply();
      absl::StatusOr<LayerEstimate> e = EstimateLayer(*node);
      if (!e.ok()) {
        Restore(saved);
        return e.status();
      }
      o.cycles = e->cycles;
      o.latency = e->latency();
      o.res = e->res;
      o.cost = Cost(o.res, budget);
      out.push_back(std::move(o));
    }
    size_t k = 0;
    while (k < idx.size() && ++idx[k] == values[k].size()) idx[k++] = 0;
    if (k == idx.size()) break;
  }
  Restore(saved);
  return out;
}

absl::StatusOr<std::vector<Layer>> BuildLayers(Graph& graph, const FolderOptions& opt,
                                               const Resources& budget) {
  ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
  std::map<const Node*, int> index;
  std::vector<Layer> layers;
  for (Node* n : order) {
    if (!IsHwNode(*n) || !IsKnownHwOp(n->op_type())) {
      return absl::InvalidArgumentError(
          absl::StrCat(n->Describe(), ": the folder needs a graph of hardware layers only"));
    }
    Layer l{n, {}, {}};
    ASSIGN_OR_RETURN(l.options, NodeOptions(n, opt, budget));
    for (const Value* in : n->inputs()) {
      if (in != nullptr && in->producer() != nullptr && index.count(in->producer())) {
        l.preds.push_back(index[in->producer()]);
      }
    }
    index[n] = static_cast<int>(layers.size());
    layers.push_back(std::move(l));
  }
  return layers;
}

struct Eval {
  int64_t cap = 0;
  std::vector<int> choice;
  std::vector<bool> at_max;
  int64_t max_cycles = 0;
  int max_layer = -1;
  int64_t critical = 0;
  Resources total;
  double cost = 0;
  bool fits = false;
};

Eval Evaluate(const std::vector<Layer>& layers, int64_t cap, const Resources& budget) {
  Eval e;
  e.cap = cap;
  std::vector<int64_t> done(layers.size(), 0);
  for (size_t i = 0; i < layers.size(); ++i) {
    bool at_max = false;
    const int c = Select(layers[i].options, cap, &at_max);
    e.choice.push_back(c);
    e.at_max.push_back(at_max);
    const Option& o = layers[i].options[c];
    if (e.max_layer < 0 || o.cycles > e.max_cycles) {
      e.max_cycles = o.cycles;
      e.max_layer = static_cast<int>(i);
    }
    int64_t start = 0;
    for (int p : layers[i].preds) start = std::max(start, done[p]);
    done[i] = start + o.latency;
    e.critical = std::max(e.critical, done[i]);
    e.total += o.res;
  }
  e.cost = Cost(e.total, budget);
  const auto used = e.total.AsArray(), avail = budget.AsArray();
  e.fits = true;
  for (size_t k = 0; k < used.size(); ++k) e.fits &= used[k] <= avail[k] + 1e-9;
  return e;
}

std::string Describe(const Layer& l, const Option& o) {
  std::vector<std::string> parts;
  for (const Setting& s : o.settings) {
    if (s.node == l.node) {
      parts.push_back(s.ToString());
    } else {
      parts.push_back(absl::StrCat(s.node->name(), ".", s.ToString()));
    }
  }
  return absl::StrCat(l.node->name(), " (", l.node->op_type(), "): ",
                      parts.empty() ? "-" : absl::StrJoin(parts, " "), ", ", o.cycles,
                      " cycles");
}

}  // namespace

std::string FolderReport::ToString() const {
  std::string s;
  if (target_cycles > 0) {
    absl::StrAppend(&s, "target ", target_cycles, " cycles/frame: ", met ? "met" : "NOT met",
                    "\n");
  } else {
    absl::StrAppend(&s, met ? "constraints met\n" : "constraints NOT met\n");
  }
  absl::StrAppend(&s, "slowest layer ", max_cycles_node, ": ", max_cycles,
                  " cycles/frame; critical path ", critical_path_cycles, " cycles\n");
  const auto used = total.AsArray(), avail = budget.AsArray();
  std::vector<std::string> res;
  for (size_t k = 0; k < used.size(); ++k) {
    res.push_back(absl::StrFormat("%s %.0f/%.0f", kResourceNames[k], std::ceil(used[k]), avail[k]));
  }
  absl::StrAppend(&s, "resources: ", absl::StrJoin(res, ", "), "\n");
  for (const std::string& b : binding) absl::StrAppend(&s, "binds: ", b, "\n");
  for (const std::string& c : choices) absl::StrAppend(&s, "  ", c, "\n");
  return s;
}

absl::StatusOr<FolderReport> AutoFold(Graph& graph, const FolderOptions& opt) {
  FolderReport rep;
  rep.budget = opt.device.budget.Scaled(opt.budget_fraction);
  const Resources& budget = rep.budget;
  ASSIGN_OR_RETURN(std::vector<Layer> layers, BuildLayers(graph, opt, budget));
  if (layers.empty()) return absl::InvalidArgumentError("the folder got an empty graph");
  if (opt.target_fps) {
    if (*opt.target_fps <= 0) return absl::InvalidArgumentError("target_fps must be positive");
    rep.target_cycles = std::max<int64_t>(
        1, static_cast<int64_t>(std::floor(1e9 / opt.clk_period_ns / *opt.target_fps)));
  }
  std::set<int64_t> caps;
  for (const Layer& l : layers) {
    for (const Option& o : l.options) caps.insert(o.cycles);
  }
  std::vector<Eval> evals;
  for (int64_t cap : caps) evals.push_back(Evaluate(layers, cap, budget));

  auto meets = [&](const Eval& e) {
    if (rep.target_cycles > 0 && e.max_cycles > rep.target_cycles) return false;
    if (opt.max_latency_ns &&
        static_cast<double>(e.critical) * opt.clk_period_ns > *opt.max_latency_ns + 1e-9) {
      return false;
    }
    return true;
  };
  auto cheaper = [](const Eval* a, const Eval& b) {
    return a == nullptr || b.cost < a->cost || (b.cost == a->cost && b.max_cycles < a->max_cycles);
  };
  const Eval* chosen = nullptr;
  for (const Eval& e : evals) {
    if (meets(e) && e.fits && cheaper(chosen, e)) chosen = &e;
  }
  rep.met = chosen != nullptr;
  if (!rep.met) {
    const Eval& fastest = evals.front();  // every layer at its fastest option
    bool explained = false;
    if (rep.target_cycles > 0 && fastest.max_cycles > rep.target_cycles) {
      for (size_t i = 0; i < layers.size(); ++i) {
        const Option& o = layers[i].options[fastest.choice[i]];
        if (o.cycles > rep.target_cycles) {
          rep.binding.push_back(absl::StrCat("layer ", Describe(layers[i], o), " > target ",
                                             rep.target_cycles, ": PE/SIMD at maximum"));
        }
      }
      explained = true;
    }
    if (opt.max_latency_ns &&
        static_cast<double>(fastest.critical) * opt.clk_period_ns > *opt.max_latency_ns) {
      rep.binding.push_back(absl::StrFormat(
          "latency: the critical path at maximum folding is %d cycles = %.1f ns > bound %.1f ns",
          fastest.critical, fastest.critical * opt.clk_period_ns, *opt.max_latency_ns));
      explained = true;
    }
    if (!explained) {
      // The target is reachable but not within the budget: show what the cheapest folding that
      // meets it would need.
      const Eval* need = nullptr;
      for (const Eval& e : evals) {
        if (meets(e) && cheaper(need, e)) need = &e;
      }
      if (need == nullptr) need = &fastest;
      const auto used = need->total.AsArray(), avail = budget.AsArray();
      for (size_t k = 0; k < used.size(); ++k) {
        if (used[k] <= avail[k] + 1e-9) continue;
        int top = 0;
        double top_use = -1;
        for (size_t i = 0; i < layers.size(); ++i) {
          const double u = layers[i].options[need->choice[i]].res.AsArray()[k];
          if (u > top_use) {
            top_use = u;
            top = static_cast<int>(i);
          }
        }
        rep.binding.push_back(absl::StrFormat(
            "%s: meeting the target needs %.0f but the budget is %.0f (%.0f%%); largest user %s "
            "(%s) with %.0f",
            kResourceNames[k], std::ceil(used[k]), avail[k],
            avail[k] > 0 ? 100.0 * used[k] / avail[k] : 0.0, layers[top].node->name(),
            layers[top].node->op_type(), std::ceil(top_use)));
      }
    }
    // Best within budget: fewest cycles in the slowest layer, the rest relaxed to it.
    for (const Eval& e : evals) {
      if (!e.fits) continue;
      if (chosen == nullptr || e.max_cycles < chosen->max_cycles ||
          (e.max_cycles == chosen->max_cycles && e.cost < chosen->cost)) {
        chosen = &e;
      }
    }
    if (chosen == nullptr) {
      chosen = &evals.back();  // the cheapest folding there is, still over budget
      rep.binding.push_back("even the cheapest legal folding exceeds the device budget");
    } else if (explained && !fastest.fits) {
      // The lines above describe every layer at its fastest; that design does not fit, so the
      // one chosen is slower still: say which resource holds it back and where it ends up.
      const auto used = fastest.total.AsArray(), avail = budget.AsArray();
      std::vector<std::string> over;
      for (size_t k = 0; k < used.size(); ++k) {
        if (used[k] > avail[k] + 1e-9) {
          over.push_back(absl::StrFormat("%s %.0f > %.0f", kResourceNames[k], std::ceil(used[k]),
                                         avail[k]));
        }
      }
      const std::string slowest =
          chosen->max_layer >= 0 ? layers[chosen->max_layer].node->name() : std::string("?");
      rep.binding.push_back(absl::StrFormat(
          "budget: maximum folding needs %s; the fastest folding within the budget has its "
          "slowest layer %s at %d cycles",
          absl::StrJoin(over, ", "), slowest, chosen->max_cycles));
    }
  }
  for (size_t i = 0; i < layers.size(); ++i) {
    const Option& o = layers[i].options[chosen->choice[i]];
    for (const Setting& s : o.settings) s.Apply();
    rep.choices.push_back(Describe(layers[i], o));
  }
  // Report from the real estimate of the folded graph.
  ASSIGN_OR_RETURN(NetworkEstimate net, EstimateNetwork(graph));
  rep.max_cycles = net.max_cycles;
  rep.max_cycles_node = net.max_cycles_node_name;
  // A RecurrentLayer was costed with the FIFOs and converters the build inserts into its body
  // (EstimateRecurrentWithStreams), which the graph does not hold yet: report the slower figure.
  if (chosen->max_layer >= 0 && chosen->max_cycles > rep.max_cycles) {
    rep.max_cycles = chosen->max_cycles;
    rep.max_cycles_node = layers[chosen->max_layer].node->name();
  }
  rep.critical_path_cycles = net.critical_path_cycles;
  rep.total = net.total;
  return rep;
}

}  // namespace finngl::hw
