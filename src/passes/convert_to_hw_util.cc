#include "src/passes/convert_to_hw_util.h"

#include <algorithm>
#include <cmath>

#include "src/base/status.h"
#include "src/ops/int_range.h"
#include "src/ops/threshold_layout.h"
#include "src/passes/rewrite_util.h"

namespace finngl::hw {

bool IsHwNode(const Node* node) {
  return node != nullptr && CanonicalDomain(node->domain()) == kHwDomain;
}

bool AllIntegral(const Tensor& t) {
  for (int64_t i = 0; i < t.size(); ++i) {
    const double v = t.GetDouble(i);
    if (!std::isfinite(v) || v != std::trunc(v)) return false;
  }
  return true;
}

DataType SmallestHoldingValues(const Tensor& t) {
  if (t.size() == 0) return DataType::Binary();
  const std::vector<double> v = t.ToDoubles();
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return DataType::SmallestHolding(*lo, *hi);
}

std::optional<DataType> IntegerDataType(const Value& value) {
  const TensorType& t = value.type();
  if (t.dtype.IsInteger()) return t.dtype;
  if (const Tensor* c = ConstantData(&value); c != nullptr && AllIntegral(*c)) {
    const DataType d = SmallestHoldingValues(*c);
    if (d.IsInteger()) return d;
  }
  if (IsIntegerElementType(t.elem) && t.elem != ElementType::kBool) {
    return DataTypeOfElementType(t.elem);
  }
  return std::nullopt;
}

std::optional<std::vector<int64_t>> NumInputVectors(const Shape& shape) {
  if (shape.empty()) return std::nullopt;
  size_t batch = 0;
  for (size_t i = 0; i + 1 < shape.size(); ++i) {
    if (!shape[i].known()) {
      batch = i;
      break;
    }
  }
  std::vector<int64_t> out;
  for (size_t i = 0; i + 1 < shape.size(); ++i) {
    if (i == batch) continue;
    if (!shape[i].known()) return std::nullopt;
    out.push_back(shape[i].value);
  }
  return out;
}

std::optional<int64_t> LastDim(const Value& value) {
  const std::optional<Shape>& s = value.type().shape;
  if (!s || s->empty() || !s->back().known()) return std::nullopt;
  return s->back().value;
}

void ImportHwDomain(PassContext& ctx) {
  if (ctx.model == nullptr || ctx.model->OpsetVersion(kHwDomain) >= 0) return;
  ctx.model->opset_imports.push_back(OpsetImport{kHwDomain, 1});
}

absl::StatusOr<Node*> AddHwNode(Graph& graph, const Node& replaced, const std::string& op_type,
                                const std::vector<Value*>& inputs) {
  ASSIGN_OR_RETURN(Node * node, AddReplacementNode(graph, replaced, op_type, op_type, inputs));
  node->set_domain(kHwDomain);
  return node;
}

absl::Status ReplaceWithHwNode(Graph& graph, Node* replaced, Node* hw_node, PassContext& ctx) {
  ImportHwDomain(ctx);
  hw_node->output(0)->type() = replaced->output(0)->type();
  return SubstituteNode(graph, replaced, {hw_node->output(0)});
}

absl::StatusOr<bool> ConvertEach(Graph& graph, PassContext& ctx,
                                 const std::function<bool(const Node&)>& select,
                                 const NodeConverter& convert) {
  std::vector<Node*> candidates;
  for (Node* node : graph.nodes()) {
    if (select(*node)) candidates.push_back(node);
  }
  bool changed = false;
  for (Node* node : candidates) {
    ASSIGN_OR_RETURN(bool c, convert(graph, node, ctx));
    changed = changed || c;
  }
  return changed;
}

absl::StatusOr<std::optional<HwThresholds>> TakeOverThresholds(Graph& graph, const Node& mt,
                                                               int64_t channels) {
  if (mt.op_type() != "MultiThreshold" || CanonicalDomain(mt.domain()) != kQonnxDomain ||
      mt.num_inputs() != 2 || mt.input(0) == nullptr || mt.input(1) == nullptr) {
    return std::nullopt;
  }
  const float scale = mt.GetFloat("out_scale", 1.0f);
  const float bias = mt.GetFloat("out_bias", 0.0f);
  if (scale != 1.0f || bias != std::trunc(bias) || !std::isfinite(bias)) return std::nullopt;
  const std::optional<Shape>& v = mt.input(0)->type().shape;
  const Tensor* t = ConstantData(mt.input(1));
  if (!v || v->empty() || t == nullptr || t->rank() != 2) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(v->size());
  const int64_t axis = ThresholdChannelAxis(mt.GetString("data_layout", ""), rank);
  const bool shared = t->dim(0) == 1;
  if (!shared && !(axis == rank - 1 && t->dim(0) == channels)) return std::nullopt;
  std::optional<DataType> out = IntegerDataType(*mt.output(0));
  if (!out) return std::nullopt;
  Tensor rounded(ElementType::kFloat, t->dims());
  bool changed = false;
  for (int64_t i = 0; i < t->size(); ++i) {
    const double x = t->GetDouble(i);
    const double c = std::ceil(x);
    if (!std::isfinite(c) || std::abs(c) > (1 << 24)) return std::nullopt;  // exact in float32
    changed = changed || c != x || t->type() != ElementType::kFloat;
    rounded.SetDouble(i, c);
  }
  HwThresholds h;
  h.steps = t->dim(1);
  h.act_val = static_cast<int64_t>(bias);
  h.out_dtype = *out;
  h.thresholds = mt.input(1);
  const TensorType& tt = mt.input(1)->type();
  const bool annotation_fits =
      tt.dtype.IsInteger() && std::all_of(rounded.span<float>().begin(), rounded.span<float>().end(),
                                          [&](float x) { return tt.dtype.Allowed(x); });
  h.dtype = annotation_fits ? tt.dtype : SmallestHoldingValues(rounded);
  if (changed) {
    ASSIGN_OR_RETURN(h.thresholds, AddConstant(graph, mt.input(1)->name() + "_int", rounded));
  }
  // Code generation reads the thresholds' type from their annotation.
  if (h.thresholds->is_initializer() && (changed || !annotation_fits)) {
    h.thresholds->type().dtype = h.dtype;
    h.thresholds->type().dtype_annotated = true;
  }
  return h;
}

}  // namespace finngl::hw
