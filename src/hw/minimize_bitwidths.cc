#include "src/hw/minimize_bitwidths.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/hw/layer_info.h"

namespace finngl::hw {
namespace {

absl::StatusOr<DataType> TypeAttr(const Node& node, const std::string& attr, const Value* fallback) {
  const Attribute* a = node.attr(attr);
  if (a != nullptr && a->type() == Attribute::Type::kString) {
    absl::StatusOr<DataType> t = DataType::Parse(a->s());
    if (!t.ok()) return Annotate(t.status(), node.Describe() + ": " + attr + ": ");
    return *t;
  }
  if (fallback != nullptr) return fallback->type().dtype;
  return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": missing '", attr, "'"));
}

// Integer values of an initializer input, or an error naming it.
absl::StatusOr<std::vector<int64_t>> IntValues(const Node& node, int index) {
  const Value* v = node.input(index);
  if (v == nullptr || !v->is_initializer()) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": input ", index,
                                                   " must be a constant initializer"));
  }
  std::vector<int64_t> out;
  for (double d : v->initializer()->ToDoubles()) {
    if (std::nearbyint(d) != d) {
      return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": '", v->name(),
                                                     "' holds the non-integer value ", d));
    }
    out.push_back(static_cast<int64_t>(d));
  }
  return out;
}

bool Narrower(const DataType& candidate, const DataType& current) {
  if (!current.IsInteger() || current.kind() == DataType::Kind::kBipolar) return true;
  return candidate.bit_width() < current.bit_width();
}

class Minimizer {
 public:
  int changed = 0;

  // Sets a datatype attribute (and optionally a value's annotation) if narrower.
  bool Narrow(Node& node, const std::string& attr, const DataType& dt, Value* annotate) {
    const DataType current = DataType::Parse(node.GetString(attr, "FLOAT32")).value_or(DataType());
    if (!Narrower(dt, current)) return false;
    node.SetAttr(attr, Attribute::String(dt.Name()));
    if (annotate != nullptr) {
      annotate->type().dtype = dt;
      annotate->type().dtype_annotated = true;
    }
    ++changed;
    return true;
  }

  // A node's output datatype changed to `dt`: its consumers' input attributes follow.
  void Propagate(Value* v, const DataType& dt) {
    for (const Use& u : v->uses()) {
      Node& c = *u.node;
      if (!IsHwNode(c)) continue;
      const std::string& op = c.op_type();
      std::string attr;
      if (op == "MVAU" || op == "Thresholding" || op == "ConvolutionInputGenerator" ||
          op == "DuplicateStreams" || op == "LabelSelect") {
        attr = u.input_index == 0 ? "inputDataType" : "";
      } else if (op == "ElementwiseAdd" || op == "ElementwiseSub" || op == "ElementwiseMul") {
        attr = u.input_index == 0 ? "lhsDataType" : "rhsDataType";
      } else if (op == "StreamingMaxPool" || op == "StreamingDataWidthConverter" ||
                 op == "StreamingFIFO") {
        attr = "dataType";
      }
      if (attr.empty()) continue;
      c.SetAttr(attr, Attribute::String(dt.Name()));
      // Pass-through layers carry the type on to their outputs.
      if (op == "StreamingDataWidthConverter" || op == "StreamingFIFO" ||
          op == "DuplicateStreams" || op == "StreamingMaxPool" ||
          op == "ConvolutionInputGenerator") {
        if (op == "ConvolutionInputGenerator") c.SetAttr("outputDataType", Attribute::String(dt.Name()));
        for (Value* o : c.outputs()) {
          if (o == nullptr) continue;
          o->type().dtype = dt;
          o->type().dtype_annotated = true;
          Propagate(o, dt);
        }
      }
    }
  }

  absl::Status Mvau(Node& node) {
    ASSIGN_OR_RETURN(std::vector<int64_t> w, IntValues(node, 1));
    const Value* wv = node.input(1);
    if (!wv->type().shape || wv->type().shape->size() != 2) {
      return absl::InvalidArgumentError(node.Describe() + ": weights must be [MW, MH]");
    }
    const int64_t mw = (*wv->type().shape)[0].value, mh = (*wv->type().shape)[1].value;
    if (mw * mh != static_cast<int64_t>(w.size()) || w.empty()) {
      return absl::InvalidArgumentError(node.Describe() + ": weights must be [MW, MH]");
    }
    const auto [wmin, wmax] = std::minmax_element(w.begin(), w.end());
    Narrow(node, "weightDataType", DataType::SmallestHolding(*wmin, *wmax), node.input(1));

    ASSIGN_OR_RETURN(DataType idt, TypeAttr(node, "inputDataType", node.input(0)));
    if (!idt.IsInteger()) {
      return absl::InvalidArgumentError(node.Describe() + ": inputDataType must be an integer type");
    }
    const double in_min = idt.Min(), in_max = idt.Max();
    double acc_min = std::numeric_limits<double>::infinity(), acc_max = -acc_min;
    for (int64_t j = 0; j < mh; ++j) {
      double hi = 0, lo = 0;
      for (int64_t i = 0; i < mw; ++i) {
        const double wij = static_cast<double>(w[i * mh + j]);
        hi += wij * (wij > 0 ? in_max : in_min);
        lo += wij * (wij > 0 ? in_min : in_max);
      }
      acc_min = std::min(acc_min, lo);
      acc_max = std::max(acc_max, hi);
    }
    const bool has_thr = node.GetInt("noActivation", 0) == 0 && node.input(2) != nullptr;
    if (has_thr) {
      ASSIGN_OR_RETURN(std::vector<int64_t> t, IntValues(node, 2));
      for (int64_t v : t) {
        acc_min = std::min(acc_min, static_cast<double>(v));
        acc_max = std::max(acc_max, static_cast<double>(v));
      }
    }
    const DataType adt = DataType::SmallestHolding(acc_min, acc_max);
    if (adt.IsFloat()) {
      return absl::InvalidArgumentError(node.Describe() + ": accumulator range exceeds 64 bits");
    }
    if (Narrow(node, "accDataType", adt, has_thr ? node.input(2) : nullptr) && !has_thr) {
      Narrow(node, "outputDataType", adt, node.output(0));
      Propagate(node.output(0), adt);
    }
    return absl::OkStatus();
  }

  absl::Status Thresholding(Node& node) {
    ASSIGN_OR_RETURN(std::vector<int64_t> t, IntValues(node, 1));
    ASSIGN_OR_RETURN(DataType idt, TypeAttr(node, "inputDataType", node.input(0)));
    if (!idt.IsInteger()) {
      return absl::InvalidArgumentError(node.Describe() + ": inputDataType must be an integer type");
    }
    double lo = idt.Min(), hi = idt.Max();
    for (int64_t v : t) {
      lo = std::min(lo, static_cast<double>(v));
      hi = std::max(hi, static_cast<double>(v));
    }
    Narrow(node, "weightDataType", DataType::SmallestHolding(lo, hi), node.input(1));
    return absl::OkStatus();
  }

  absl::Status Run(Graph& graph) {
    ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
    for (Node* n : order) {
      if (!IsHwNode(*n)) continue;
      if (n->op_type() == "MVAU") RETURN_IF_ERROR(Mvau(*n));
      if (n->op_type() == "Thresholding") RETURN_IF_ERROR(Thresholding(*n));
      for (Graph* sub : n->subgraphs()) RETURN_IF_ERROR(Run(*sub));
    }
    return absl::OkStatus();
  }
};

}  // namespace

absl::StatusOr<int> MinimizeBitwidths(Graph& graph) {
  Minimizer m;
  RETURN_IF_ERROR(m.Run(graph));
  return m.changed;
}

}  // namespace finngl::hw
