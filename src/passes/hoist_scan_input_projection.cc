#include "src/passes/hoist_scan_input_projection.h"

#include <algorithm>
#include <compare>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/scan_layout.h"
#include "src/ops/threshold_layout.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

// Ops that, given a stacked [T, ...] sequence, compute exactly the T per-slice results stacked.
bool IsUnaryElementwise(const std::string& op) {
  static const std::set<std::string> kOps = {"Relu",  "Sigmoid", "Tanh",  "Identity", "Neg",
                                             "Abs",   "Round",   "Floor", "Ceil",     "Sign",
                                             "Clip",  "Quant",   "BipolarQuant"};
  return kOps.count(op) > 0;
}
bool IsBinaryElementwise(const std::string& op) {
  return op == "Add" || op == "Sub" || op == "Mul" || op == "Div";
}

std::optional<int64_t> RankOf(const Value* v) {
  if (v == nullptr || !v->type().shape) return std::nullopt;
  return static_cast<int64_t>(v->type().shape->size());
}

// Whether `node`, fed the stacked sequence for the inputs in `sequence`, computes the stacked
// per-step results. The sequence is scanned along `axis` with only 1s before it, so a per-step
// value's first `axis` dims are 1s and the stacked one has the step axis in their place behind
// them. A constant operand must broadcast from the right without reaching the step axis: it may
// not have more dims than the per-step data, and those of its dims that line up with the per-step
// leading 1s must be 1 too (in the stacked value they line up with the step axis or a 1 before it).
bool AppliesSliceBySlice(const Node& node, const std::set<const Value*>& sequence, int64_t axis) {
  if (!node.subgraphs().empty() || node.num_outputs() != 1) return false;
  const std::string& op = node.op_type();
  const Value* x = node.input(0);
  const std::optional<int64_t> x_rank = RankOf(x);
  if (!x_rank) return false;
  auto fits = [&](const Value* in, int64_t slice_rank) {
    const std::optional<int64_t> r = RankOf(in);
    if (!r || *r > slice_rank) return false;
    for (int64_t i = 0; i < *r; ++i) {
      const Dim& d = (*in->type().shape)[i];
      if (slice_rank - *r + i < axis && !(d.known() && d.value == 1)) return false;
    }
    return true;
  };
  auto constants_fit = [&](int first) {
    for (int i = first; i < node.num_inputs(); ++i) {
      const Value* in = node.input(i);
      if (in == nullptr || sequence.count(in)) continue;
      if (!fits(in, *x_rank)) return false;
    }
    return true;
  };
  if (node.domain() == kQonnxDomain) {
    if (op == "MultiThreshold") {
      // Hoisted as "NWC" over [T, N, C] or [1, T, C]: the channel axis stays the last one.
      return *x_rank == 2 && axis <= 1 &&
             ThresholdChannelAxis(node.GetString("data_layout", ""), *x_rank) == 1 &&
             !sequence.count(node.input(1));
    }
    if (op == "Quant" || op == "BipolarQuant") {
      for (int i = 1; i < node.num_inputs(); ++i) {
        if (sequence.count(node.input(i))) return false;
      }
      return sequence.count(x) && constants_fit(1);
    }
    return false;
  }
  if (!node.domain().empty()) return false;
  if (op == "MatMul") {
    // The contracted (last) per-step axis must not be one of the leading 1s.
    const std::optional<int64_t> w_rank = RankOf(node.input(1));
    return sequence.count(x) && !sequence.count(node.input(1)) && w_rank && *w_rank == 2 &&
           *x_rank > axis;
  }
  if (IsUnaryElementwise(op)) {
    for (int i = 1; i < node.num_inputs(); ++i) {
      if (sequence.count(node.input(i))) return false;
    }
    return sequence.count(x) && constants_fit(1);
  }
  if (IsBinaryElementwise(op)) {
    const Value* a = node.input(0);
    const Value* b = node.input(1);
    if (sequence.count(a) && sequence.count(b)) {
      return a->type().shape && b->type().shape && *a->type().shape == *b->type().shape;
    }
    const Value* seq = sequence.count(a) ? a : b;
    const Value* other = seq == a ? b : a;
    const std::optional<int64_t> rs = RankOf(seq);
    return rs && fits(other, *rs);
  }
  return false;
}

// Replaces `node`'s inputs by `inputs` (use lists kept in sync).
void SetInputs(Node* node, const std::vector<Value*>& inputs) {
  while (node->num_inputs() > static_cast<int>(inputs.size())) node->RemoveLastInput();
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (static_cast<int>(i) < node->num_inputs()) {
      node->SetInput(static_cast<int>(i), inputs[i]);
    } else {
      node->AddInput(inputs[i]);
    }
  }
}

// The outer value a body value refers to when the hoisted copy of its reader runs outside.
absl::StatusOr<Value*> OuterValueFor(Graph& outer, Value* v,
                                     const std::map<const Value*, Value*>& mapped) {
  auto it = mapped.find(v);
  if (it != mapped.end()) return it->second;
  if (v->is_initializer()) {
    ASSIGN_OR_RETURN(Value * c, AddConstant(outer, v->name(), *v->initializer()));
    c->type().dtype = v->type().dtype;
    c->type().dtype_annotated = v->type().dtype_annotated;
    return c;
  }
  if (v->is_outer_ref()) {
    Value* found = outer.LookupValue(v->name());
    if (found != nullptr) return found;
  }
  return absl::InternalError(absl::StrCat("hoist-scan-input-projection: no outer value for '",
                                          v->name(), "'"));
}

// How a sequence-derived body value is scanned: direction and the (normalised) outermost axis.
struct Scanned {
  int64_t direction = 0;
  int64_t axis = 0;
  auto operator<=>(const Scanned&) const = default;
};

absl::StatusOr<bool> HoistFromScan(Graph& graph, Node* scan) {
  if (scan->subgraphs().size() != 1) return false;
  Graph& body = *scan->subgraphs()[0];
  const int num_scan_inputs = static_cast<int>(scan->GetInt("num_scan_inputs", 0));
  const int num_states = scan->num_inputs() - num_scan_inputs;
  if (num_states < 0 || static_cast<int>(body.inputs().size()) != scan->num_inputs()) {
    return false;
  }
  std::vector<int64_t> axes = scan->GetInts("scan_input_axes", {});
  std::vector<int64_t> directions = scan->GetInts("scan_input_directions", {});
  axes.resize(num_scan_inputs, 0);
  directions.resize(num_scan_inputs, 0);

  // Sequence-derived values and how they are scanned. Only outermost axes qualify (axis 0, or a
  // batch-first axis behind 1s): the stacked result of a hoisted op then has the same layout.
  std::map<const Value*, Scanned> scanned_as;
  for (int j = 0; j < num_scan_inputs; ++j) {
    const Value* outer = scan->input(num_states + j);
    if (outer == nullptr) continue;
    int64_t axis = axes[j];
    if (axis != 0) {
      const std::optional<int64_t> rank = RankOf(outer);
      if (!rank || !ScanAxisIsOutermost(outer->type().shape, axis)) continue;
      axis = *NormalizeAxis(axis, *rank);
    }
    scanned_as[body.inputs()[num_states + j]] = {directions[j], axis};
  }
  ASSIGN_OR_RETURN(std::vector<Node*> order, body.TopologicalOrder());
  std::vector<Node*> hoisted;
  std::set<const Node*> hoisted_set;
  for (Node* node : order) {
    std::set<const Value*> sequence;
    std::set<Scanned> how;
    bool ok = true;
    for (Value* in : node->inputs()) {
      if (in == nullptr) continue;
      auto it = scanned_as.find(in);
      if (it != scanned_as.end()) {
        sequence.insert(in);
        how.insert(it->second);
      } else if (ConstantData(in) == nullptr) {
        ok = false;
      }
    }
    // Sequences scanned differently (direction or axis) do not line up step for step.
    if (!ok || sequence.empty() || how.size() != 1) continue;
    if (!AppliesSliceBySlice(*node, sequence, how.begin()->axis)) continue;
    hoisted.push_back(node);
    hoisted_set.insert(node);
    for (Value* out : node->outputs()) scanned_as[out] = *how.begin();
  }
  if (hoisted.empty()) return false;

  // Copy the hoisted nodes outside, in order, reading the full sequences.
  std::map<const Value*, Value*> outer_of;
  for (int j = 0; j < num_scan_inputs; ++j) {
    outer_of[body.inputs()[num_states + j]] = scan->input(num_states + j);
  }
  for (Node* node : hoisted) {
    std::vector<Value*> inputs;
    for (Value* in : node->inputs()) {
      if (in == nullptr) {
        inputs.push_back(nullptr);
        continue;
      }
      ASSIGN_OR_RETURN(Value * o, OuterValueFor(graph, in, outer_of));
      inputs.push_back(o);
    }
    std::vector<std::string> names;
    for (Value* out : node->outputs()) names.push_back(out->name() + "_seq");
    ASSIGN_OR_RETURN(Node * copy,
                     graph.AddNodeWithNewOutputs(node->op_type(), node->domain(),
                                                 graph.UniqueNodeName(node->name() + "_hoisted"),
                                                 inputs, names));
    copy->set_origin(node->origin());
    for (const auto& [name, attr] : node->attributes()) copy->SetAttr(name, attr.Clone(&graph));
    if (node->op_type() == "MultiThreshold") copy->SetAttr("data_layout", Attribute::String("NWC"));
    for (int k = 0; k < node->num_outputs(); ++k) {
      Value* out = copy->output(k);
      out->type().dtype = node->output(k)->type().dtype;
      out->type().dtype_annotated = node->output(k)->type().dtype_annotated;
      outer_of[node->output(k)] = out;
    }
  }

  // Values the remaining body reads become new scan inputs.
  std::vector<Value*> body_inputs = body.inputs();
  std::vector<Value*> scan_inputs = scan->inputs();
  for (Node* node : hoisted) {
    for (Value* v : node->outputs()) {
      bool read_by_rest = v->is_graph_output() || ReadBySubgraph(*v);  // nested loops
      for (const Use& use : v->uses()) read_by_rest |= !hoisted_set.count(use.node);
      if (!read_by_rest) continue;
      ASSIGN_OR_RETURN(Value * slice, body.AddValue(body.UniqueValueName(v->name() + "_t"),
                                                    v->type()));
      body.ReplaceAllUsesWith(v, slice);
      // Hoisted readers of v keep reading v until they are removed below.
      body_inputs.push_back(slice);
      scan_inputs.push_back(outer_of.at(v));
      axes.push_back(scanned_as.at(v).axis);
      directions.push_back(scanned_as.at(v).direction);
    }
  }
  // ReplaceAllUsesWith also redirected hoisted readers; they are removed now, last first.
  for (auto it = hoisted.rbegin(); it != hoisted.rend(); ++it) {
    Node* node = *it;
    for (int i = 0; i < node->num_inputs(); ++i) node->SetInput(i, nullptr);
    RETURN_IF_ERROR(body.RemoveNode(node));
  }
  // Scan inputs the body no longer reads are dropped.
  std::vector<Value*> kept_body;
  std::vector<Value*> kept_scan;
  std::vector<int64_t> kept_axes;
  std::vector<int64_t> kept_dirs;
  std::vector<Value*> dropped;
  for (size_t i = 0; i < body_inputs.size(); ++i) {
    Value* in = body_inputs[i];
    const bool is_scan_input = static_cast<int>(i) >= num_states;
    if (is_scan_input && in->uses().empty() && !in->is_graph_output() && !ReadBySubgraph(*in)) {
      dropped.push_back(in);
      continue;
    }
    kept_body.push_back(in);
    kept_scan.push_back(scan_inputs[i]);
    if (is_scan_input) {
      kept_axes.push_back(axes[i - num_states]);
      kept_dirs.push_back(directions[i - num_states]);
    }
  }
  body.SetInputs(kept_body);
  for (Value* v : dropped) RETURN_IF_ERROR(body.RemoveValue(v));
  SetInputs(scan, kept_scan);
  scan->SetAttr("num_scan_inputs", Attribute::Int(static_cast<int64_t>(kept_axes.size())));
  if (scan->has_attr("scan_input_axes") ||
      std::any_of(kept_axes.begin(), kept_axes.end(), [](int64_t a) { return a != 0; })) {
    scan->SetAttr("scan_input_axes", Attribute::Ints(kept_axes));
  }
  if (scan->has_attr("scan_input_directions") ||
      std::any_of(kept_dirs.begin(), kept_dirs.end(), [](int64_t d) { return d != 0; })) {
    scan->SetAttr("scan_input_directions", Attribute::Ints(kept_dirs));
  }
  return true;
}

}  // namespace

absl::StatusOr<bool> HoistScanInputProjectionPass::RunOnGraph(Graph& graph,
                                                               PassContext& ctx) const {
  bool changed = false;
  for (Node* node : graph.nodes()) {
    if (node->op_type() != "Scan" || !node->domain().empty()) continue;
    ASSIGN_OR_RETURN(bool hoisted, HoistFromScan(graph, node));
    changed |= hoisted;
  }
  return changed;
}

}  // namespace finngl
