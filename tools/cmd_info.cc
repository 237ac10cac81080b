// `finngl info MODEL`: a summary of a model for a user deciding what to do with it.
#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/commands.h"
#include "tools/load_model.h"

namespace finngl::cli {
namespace {

std::string LayoutString(const TensorType& t) {
  return t.layout ? absl::StrCat(" layout ", absl::StrJoin(*t.layout, "")) : "";
}

// The datatype of a weight's values: annotated, or the smallest integer type holding them.
std::string WeightDatatype(const Value& v) {
  if (v.type().dtype_annotated) return v.type().dtype.Name() + " (annotated)";
  const Tensor& t = *v.initializer();
  double lo = INFINITY, hi = -INFINITY;
  bool integral = t.size() > 0;
  for (int64_t i = 0; i < t.size(); ++i) {
    double x = t.GetDouble(i);
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    integral &= std::nearbyint(x) == x;
  }
  if (!integral) return "FLOAT32";
  return absl::StrCat(DataType::SmallestHolding(lo, hi).Name(), " (integer values in [", lo, ", ",
                      hi, "])");
}

// How a weight is quantized, from the quantizer that consumes it ("" if none).
std::string WeightQuantizer(const Value& v) {
  std::string s;
  for (const Use& use : v.uses()) {
    const Node& n = *use.node;
    if (use.input_index != 0) continue;
    if (n.op_type() == "Quant" || n.op_type() == "IntQuant") {
      const Value* bw = n.input(3);
      std::string bits =
          bw && bw->is_initializer() ? absl::StrCat(bw->initializer()->GetDouble(0)) : "?";
      absl::StrAppend(&s, ", quantized by ", n.Describe(), " to ",
                      n.GetInt("signed", 1) ? "INT" : "UINT", bits,
                      n.GetInt("narrow", 0) ? " narrow" : "", " (scaled)");
    } else if (n.op_type() == "BipolarQuant") {
      absl::StrAppend(&s, ", quantized by ", n.Describe(), " to BIPOLAR (scaled)");
    } else if (n.op_type() == "DequantizeLinear" || n.op_type() == "QuantizeLinear" ||
               n.op_type() == "Clip") {
      absl::StrAppend(&s, ", feeds ", n.Describe());
    }
  }
  return s;
}

void PrintGraph(const Graph& g, const std::string& indent, bool brief,
                std::map<std::string, int>& op_counts, int64_t& params) {
  for (Node* n : g.nodes()) {
    std::string key = n->domain().empty() ? n->op_type() : absl::StrCat(n->domain(), "::", n->op_type());
    ++op_counts[key];
  }
  std::vector<Value*> inits = g.initializers();
  if (!inits.empty()) {
    std::cout << indent << "weights (" << inits.size() << "):\n";
    std::map<std::string, int> kinds;
    for (Value* v : inits) {
      params += v->initializer()->size();
      std::string dtype = WeightDatatype(*v);
      if (brief) {
        ++kinds[dtype.substr(0, dtype.find(' '))];
      } else {
        const Tensor& t = *v->initializer();
        std::cout << indent << "  " << v->name() << ": " << ElementTypeName(t.type())
                  << DimsToString(t.dims()) << " " << dtype << WeightQuantizer(*v) << "\n";
      }
    }
    for (auto& [kind, count] : kinds) std::cout << indent << "  " << kind << ": " << count << "\n";
  }
  for (Node* n : g.nodes()) {
    for (Graph* sub : n->subgraphs()) {
      std::cout << indent << "subgraph '" << sub->name() << "' of " << n->Describe() << ": "
                << sub->num_nodes() << " nodes\n";
      PrintGraph(*sub, indent + "  ", brief, op_counts, params);
    }
  }
}

}  // namespace

int RunInfo(const InfoArgs& args) {
  auto model_or = LoadModel(args.model);
  if (!model_or.ok()) return ReportError(model_or.status());
  const Model& m = **model_or;
  std::cout << "model: " << args.model << "\n";
  std::vector<std::string> opsets;
  for (const OpsetImport& o : m.opset_imports) {
    opsets.push_back(absl::StrCat(o.domain.empty() ? "ai.onnx" : o.domain, " v", o.version));
  }
  std::cout << "ir_version " << m.ir_version << ", opsets: " << absl::StrJoin(opsets, ", ");
  if (!m.producer_name.empty()) std::cout << ", producer: " << m.producer_name << " " << m.producer_version;
  std::cout << "\n";
  std::cout << "inputs:\n";
  for (Value* v : m.graph->inputs()) {
    std::cout << "  " << v->name() << ": " << v->type().ToString() << LayoutString(v->type()) << "\n";
  }
  std::cout << "outputs:\n";
  for (Value* v : m.graph->outputs()) {
    std::cout << "  " << v->name() << ": " << v->type().ToString() << LayoutString(v->type()) << "\n";
  }
  std::map<std::string, int> op_counts;
  int64_t params = 0;
  PrintGraph(*m.graph, "", args.brief, op_counts, params);
  std::vector<std::pair<std::string, int>> ops(op_counts.begin(), op_counts.end());
  std::stable_sort(ops.begin(), ops.end(), [](auto& a, auto& b) { return a.second > b.second; });
  std::cout << "ops:";
  for (auto& [op, count] : ops) std::cout << " " << op << " x" << count;
  std::cout << "\nparameters: " << params << " (elements of all initializers, subgraphs included)\n";
  return 0;
}

}  // namespace finngl::cli
