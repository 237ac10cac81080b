#include "src/passes/integer_only.h"

#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "src/ops/int_range.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

bool IsDataMovement(const Node& node) {
  static const std::set<std::string> kOps = {
      "Im2Col",   "MaxPool",   "MaxPoolNHWC", "GlobalMaxPool", "AveragePool", "GlobalAveragePool",
      "Reshape",  "Transpose", "Flatten",     "Squeeze",       "Unsqueeze",   "Concat",
      "Slice",    "Gather",    "Split",       "Identity",      "Pad",         "Expand",
      "Constant", "Shape"};
  return kOps.count(node.op_type()) > 0;
}

bool HasIntegerElementTypes(const Node& node) {
  for (const std::vector<Value*>* values : {&node.inputs(), &node.outputs()}) {
    for (const Value* v : *values) {
      if (v != nullptr && !IsIntegerElementType(v->type().elem)) return false;
    }
  }
  return true;
}

// "" when every input is integer-typed, else the reason naming the first one that is not.
std::string FirstFloatInput(const Node& node) {
  for (const Value* v : node.inputs()) {
    if (v != nullptr && !IsIntegerTyped(v->type())) {
      return absl::StrCat("input '", v->name(), "' is ", v->type().dtype.Name(),
                          ", not integer-typed");
    }
  }
  return "";
}

// "" when the node is integer-only (see the header), else why not.
std::string Reason(const Node& node) {
  const std::string& op = node.op_type();
  if (op == "MultiThreshold" && node.domain() == kQonnxDomain) {
    const float s = node.GetFloat("out_scale", 1.0f), b = node.GetFloat("out_bias", 0.0f);
    if (std::nearbyint(s) != s || std::nearbyint(b) != b) {
      return absl::StrCat("out_scale ", s, " and out_bias ", b, " make its output non-integer");
    }
    return "";
  }
  if (!node.domain().empty() && op != "Im2Col" && op != "MaxPoolNHWC") {
    return absl::StrCat("op '", node.domain(), "::", op, "' is not integer-only");
  }
  if (op == "MatMul" || op == "Gemm" || op == "Conv" || op == "Add" || op == "Sub" || op == "Mul") {
    return FirstFloatInput(node);
  }
  if (op == "Scan" || IsDataMovement(node) || HasIntegerElementTypes(node)) return "";
  return absl::StrCat("op '", op, "' computes in float");
}

// Whether `v` is read by nothing but `reader` (or, for the graph output itself, by no node).
bool OnlyReadBy(const Value& v, const Node* reader) {
  return reader == nullptr ? v.uses().empty() : v.uses().size() == 1 && v.uses()[0].node == reader;
}

// The node computing y = x op c (c constant) that produces `v`, if `v` is read only by `reader`.
const Node* TailNode(const Value& v, const Node* reader, const std::string& op) {
  const Node* p = v.producer();
  if (p == nullptr || p->op_type() != op || !p->domain().empty() || p->num_inputs() != 2 ||
      !OnlyReadBy(v, reader)) {
    return nullptr;
  }
  const bool c0 = ConstantData(p->input(0)) != nullptr, c1 = ConstantData(p->input(1)) != nullptr;
  return c0 != c1 ? p : nullptr;
}

// A data-movement node producing `v` (read only by `reader`) that the tail may look through:
// the output keeps its name through an Identity, a final Reshape or Flatten, ...
const Node* PassThroughNode(const Value& v, const Node* reader) {
  static const std::set<std::string> kOps = {"Identity",  "Reshape", "Flatten",
                                             "Transpose", "Squeeze", "Unsqueeze"};
  const Node* p = v.producer();
  if (p == nullptr || !p->domain().empty() || !kOps.count(p->op_type()) || p->num_outputs() != 1 ||
      p->input(0) == nullptr || !OnlyReadBy(v, reader)) {
    return nullptr;
  }
  return p;
}

// The dequantizing Mul and Add at the end of each graph output (possibly followed by data
// movement to the output).
std::set<const Node*> OutputTails(const Graph& graph) {
  std::set<const Node*> tails;
  for (const Value* out : graph.outputs()) {
    const Value* v = out;
    const Node* reader = nullptr;
    bool mul = false, add = false;
    while (true) {
      const Node* p = nullptr;
      if ((p = PassThroughNode(*v, reader)) != nullptr) {
        reader = p;
        v = p->input(0);
        continue;
      }
      if (!mul && (p = TailNode(*v, reader, "Mul")) != nullptr) {
        mul = true;
      } else if (!add && (p = TailNode(*v, reader, "Add")) != nullptr) {
        add = true;
      } else {
        break;
      }
      tails.insert(p);
      reader = p;
      v = ConstantData(p->input(0)) != nullptr ? p->input(1) : p->input(0);
    }
  }
  return tails;
}

void Check(const Graph& graph, const std::string& path, bool allow_tails,
           std::vector<IntegerOnlyViolation>& out) {
  const std::set<const Node*> tails = allow_tails ? OutputTails(graph) : std::set<const Node*>{};
  absl::StatusOr<std::vector<Node*>> order = graph.TopologicalOrder();
  const std::vector<Node*> nodes = order.ok() ? *order : graph.nodes();
  for (const Node* node : nodes) {
    if (tails.count(node)) continue;
    std::string reason = Reason(*node);
    if (!reason.empty()) out.push_back({node, path, std::move(reason)});
    for (const Graph* sub : node->subgraphs()) {
      Check(*sub, absl::StrCat(path, "/", node->name(), ".", sub->name()), false, out);
    }
  }
}

}  // namespace

std::string IntegerOnlyViolation::ToString() const {
  return absl::StrCat("graph '", graph, "': ", node->Describe(), ": ", reason);
}

std::vector<IntegerOnlyViolation> FindNonIntegerNodes(const Model& model) {
  std::vector<IntegerOnlyViolation> out;
  Check(*model.graph, model.graph->name(), true, out);
  return out;
}

}  // namespace finngl
