#include "src/passes/hoist_scan_scales.h"

#include <cmath>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/scan_layout.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

// A body value computed as Mul(q, A) with a constant A that does not broadcast q to a new shape.
struct ScaledValue {
  Node* mul = nullptr;
  Value* q = nullptr;
  Value* scale = nullptr;      // A, as the body sees it
  const Tensor* a = nullptr;   // A's data
};

std::optional<ScaledValue> MatchScaled(Value* v) {
  Node* m = v->producer();
  if (m == nullptr || m->op_type() != "Mul" || !m->domain().empty() || m->num_inputs() != 2) {
    return std::nullopt;
  }
  for (int k : {1, 0}) {
    const Tensor* a = ConstantData(m->input(k));
    Value* q = m->input(1 - k);
    if (a == nullptr || ConstantData(q) != nullptr) continue;
    // The product must have q's shape: A may not broadcast q to anything bigger.
    if (!BroadcastKeepsShape(*a, q->type().shape)) return std::nullopt;
    for (int64_t i = 0; i < a->size(); ++i) {
      const double x = a->GetDouble(i);
      if (!std::isfinite(x) || x == 0) return std::nullopt;
    }
    return ScaledValue{m, q, m->input(k), a};
  }
  return std::nullopt;
}

bool SameTensor(const Tensor& a, const Tensor& b) {
  return a.type() == b.type() && a.dims() == b.dims() && a.SameContents(b);
}

// The value the loop must start from once the state is carried unscaled, or nullptr when the
// initial state cannot be divided by A exactly.
absl::StatusOr<Value*> UnscaledInitialState(Graph& outer, Value* init, const Tensor& a,
                                            const Model& model) {
  if (std::optional<ScaledValue> s = MatchScaled(init); s && SameTensor(*s->a, a)) return s->q;
  // A constant, or a constant broadcast by Expand to a runtime shape (zero states of a dynamic
  // batch): divide the constant, if that is exact.
  Node* expand = init->producer();
  const bool expanded = expand != nullptr && expand->op_type() == "Expand" &&
                        expand->domain().empty() && expand->num_inputs() == 2;
  const Tensor* c = ConstantData(expanded ? expand->input(0) : init);
  if (c == nullptr || !IsFloatElementType(c->type())) return nullptr;
  // A must not broadcast the constant to a bigger shape (the Expand, or the state, fixes it).
  if (a.rank() > c->rank()) return nullptr;
  for (int64_t d = 0; d < a.rank(); ++d) {
    if (a.dim(d) != 1 && a.dim(d) != c->dim(c->rank() - a.rank() + d)) return nullptr;
  }
  ASSIGN_OR_RETURN(Tensor divided, EvaluateOp(model, "Div", {*c, a}));
  ASSIGN_OR_RETURN(Tensor back, EvaluateOp(model, "Mul", {divided, a}));
  if (divided.dims() != c->dims() || !back.SameContents(*c)) return nullptr;
  const std::string base = (expanded ? expand->input(0) : init)->name() + "_unscaled";
  ASSIGN_OR_RETURN(Value * unscaled, AddConstant(outer, base, std::move(divided)));
  if (!expanded) return unscaled;
  ASSIGN_OR_RETURN(Node * copy, outer.AddNodeWithNewOutputs(
                                    "Expand", "", expand->name() + "_unscaled",
                                    {unscaled, expand->input(1)}, {init->name() + "_unscaled"}));
  copy->set_origin(expand->origin());
  return copy->output(0);
}

// The scale as a value of the outer graph: the enclosing value an outer-scope reference names,
// else a copy of the body's initializer.
absl::StatusOr<Value*> OuterScale(Graph& outer, const ScaledValue& s) {
  if (s.scale->is_outer_ref()) {
    if (Value* v = outer.LookupValue(s.scale->name()); v != nullptr) return v;
  }
  return AddConstant(outer, s.scale->name(), *s.a);
}

// Makes every reader of the outer value `v` read Mul(v, scale) instead; the product takes over
// v's name (so graph outputs keep theirs) and v becomes "<name>_int".
absl::Status ScaleAfter(Graph& outer, Value* v, Value* scale, const Node& scan) {
  if (IsUnused(*v)) return absl::OkStatus();
  const std::string name = v->name();
  RETURN_IF_ERROR(outer.RenameValue(v, outer.UniqueValueName(name + "_int")));
  ASSIGN_OR_RETURN(Value * product, outer.AddValue(name));
  product->doc_string = v->doc_string;
  outer.ReplaceAllUsesWith(v, product);
  ASSIGN_OR_RETURN(Node * mul, outer.AddNode("Mul", "", outer.UniqueNodeName(name + "_scale"),
                                             {v, scale}, {product}));
  mul->set_origin(scan.origin());
  return absl::OkStatus();
}

// The value to return from the body for q: q itself, or a copy when q is already returned (as
// another state or scan output), since each body output must be a distinct value.
absl::StatusOr<Value*> BodyOutputFor(Graph& body, Value* q, const Node& scan) {
  if (!q->is_graph_output()) return q;
  ASSIGN_OR_RETURN(Node * copy, body.AddNodeWithNewOutputs("Identity", "", q->name() + "_copy",
                                                           {q}, {q->name() + "_copy"}));
  copy->set_origin(scan.origin());
  copy->output(0)->type() = q->type();
  return copy->output(0);
}

// Drops a Mul whose result nobody reads any more.
absl::Status RemoveIfDead(Graph& body, Node* mul) {
  return RemoveIfUnused(body, mul).status();
}

// The datatype a state's body input may carry: q's, when every initial value is allowed by it.
void AnnotateStateInput(Value* body_in, const Value& q, const Value* init) {
  const DataType& dt = q.type().dtype;
  if (!dt.IsInteger()) return;
  const Node* expand = init->producer();
  const Tensor* c = ConstantData(init);
  if (c == nullptr && expand != nullptr && expand->op_type() == "Expand" &&
      expand->domain().empty()) {
    c = ConstantData(expand->input(0));  // every element is one of the constant's
  }
  if (c != nullptr) {
    for (int64_t i = 0; i < c->size(); ++i) {
      if (!dt.Allowed(c->GetDouble(i))) return;
    }
  } else {
    const DataType& from = init->type().dtype;
    if (!from.IsInteger() || from.Min() < dt.Min() || from.Max() > dt.Max()) return;
  }
  body_in->type().dtype = dt;
  body_in->type().dtype_annotated = true;
}

absl::StatusOr<bool> HoistState(Graph& outer, Node& scan, Graph& body, int i, const Model& model) {
  Value* body_out = body.outputs()[i];
  std::optional<ScaledValue> s = MatchScaled(body_out);
  if (!s) return false;
  Value* init = scan.input(i);
  ASSIGN_OR_RETURN(Value * new_init, UnscaledInitialState(outer, init, *s->a, model));
  if (new_init == nullptr) return false;

  // Body: a fresh integer state input, scaled where the old one was read.
  Value* old_in = body.inputs()[i];
  ASSIGN_OR_RETURN(Value * new_in, body.AddValue(body.UniqueValueName(old_in->name() + "_q"),
                                                 s->q->type()));
  new_in->type().dtype = DataType::Float32();
  new_in->type().dtype_annotated = false;
  AnnotateStateInput(new_in, *s->q, new_init);
  std::vector<Value*> inputs = body.inputs();
  inputs[i] = new_in;
  body.SetInputs(inputs);
  ASSIGN_OR_RETURN(Node * rescale,
                   body.AddNodeWithNewOutputs("Mul", "", old_in->name() + "_scale",
                                              {new_in, s->scale}, {old_in->name() + "_scaled"}));
  rescale->set_origin(scan.origin());
  body.ReplaceAllUsesWith(old_in, rescale->output(0));
  RETURN_IF_ERROR(body.RemoveValue(old_in));
  ASSIGN_OR_RETURN(Value * q, BodyOutputFor(body, s->q, scan));
  body.ReplaceOutput(i, q);
  RETURN_IF_ERROR(RemoveIfDead(body, s->mul));

  // Outer graph: start from init / A, scale the final state.
  scan.SetInput(i, new_init);
  ASSIGN_OR_RETURN(Value * outer_scale, OuterScale(outer, *s));
  RETURN_IF_ERROR(ScaleAfter(outer, scan.output(i), outer_scale, scan));
  return true;
}

absl::StatusOr<bool> HoistScanOutput(Graph& outer, Node& scan, Graph& body, int n, int k,
                                     const ScanConfig& cfg) {
  Value* body_out = body.outputs()[n + k];
  std::optional<ScaledValue> s = MatchScaled(body_out);
  if (!s) return false;
  // Stacking adds a leading axis: a constant aligned to the per-iteration dims still broadcasts
  // (numpy aligns trailing dims) when the stack axis is 0; a single element always does.
  const int64_t axis = cfg.output_axes[k];
  if (axis != 0 && s->a->size() != 1) return false;
  const Tensor a = axis == 0 ? *s->a : ScalarTensor(s->a->type(), s->a->GetDouble(0));
  ASSIGN_OR_RETURN(Value * q, BodyOutputFor(body, s->q, scan));
  body.ReplaceOutput(n + k, q);
  RETURN_IF_ERROR(RemoveIfDead(body, s->mul));
  ASSIGN_OR_RETURN(Value * outer_scale,
                   axis == 0 ? OuterScale(outer, *s) : AddConstant(outer, s->scale->name(), a));
  RETURN_IF_ERROR(ScaleAfter(outer, scan.output(n + k), outer_scale, scan));
  return true;
}

// A scan input computed outside as Mul(y, A) is scanned as y, and each slice is scaled inside
// the body: slicing commutes with the product when A does not touch the scan axis (a single
// element, or a constant of lower rank than y broadcast over the trailing axes with the scan
// axis 0), and each slice's products are the same float operations as before.
absl::StatusOr<bool> SinkScanInputScale(Graph& outer, Node& scan, Graph& body, int n, int j,
                                        const ScanConfig& cfg) {
  Value* in = scan.input(n + j);
  std::optional<ScaledValue> s = MatchScaled(in);
  if (!s || in->uses().size() != 1 || in->is_graph_output() || ReadBySubgraph(*in)) return false;
  const std::optional<Shape>& shape = s->q->type().shape;
  if (!shape) return false;
  const bool single = s->a->size() == 1;
  if (!single && (cfg.input_axes[j] != 0 || s->a->rank() >= static_cast<int64_t>(shape->size()))) {
    return false;
  }
  Value* old_in = body.inputs()[n + j];
  TensorType slice = old_in->type();
  slice.dtype = DataType::Float32();
  slice.dtype_annotated = false;  // the slices of y: inferred from y's datatype
  ASSIGN_OR_RETURN(Value * new_in,
                   body.AddValue(body.UniqueValueName(old_in->name() + "_q"), slice));
  std::vector<Value*> inputs = body.inputs();
  inputs[n + j] = new_in;
  body.SetInputs(inputs);
  const Tensor a = single ? ScalarTensor(s->a->type(), s->a->GetDouble(0)) : *s->a;
  ASSIGN_OR_RETURN(Value * body_scale, AddConstant(body, s->scale->name(), a));
  ASSIGN_OR_RETURN(Node * rescale,
                   body.AddNodeWithNewOutputs("Mul", "", old_in->name() + "_scale",
                                              {new_in, body_scale}, {old_in->name() + "_scaled"}));
  rescale->set_origin(scan.origin());
  body.ReplaceAllUsesWith(old_in, rescale->output(0));
  RETURN_IF_ERROR(body.RemoveValue(old_in));
  scan.SetInput(n + j, s->q);
  RETURN_IF_ERROR(outer.RemoveNode(s->mul));
  return true;
}

// Keeps a state input's integer annotation in step with the datatype of the value the body
// returns for it (later passes may change that, e.g. a MultiThreshold's out_dtype).
bool RefreshStateAnnotation(Node& scan, Graph& body, int i) {
  Value* in = body.inputs()[i];
  const Value* out = body.outputs()[i];
  if (!in->type().dtype_annotated || !in->type().dtype.IsInteger()) return false;
  if (!out->type().dtype.IsInteger() || out->type().dtype == in->type().dtype) return false;
  const DataType before = in->type().dtype;
  in->type().dtype_annotated = false;
  AnnotateStateInput(in, *out, scan.input(i));
  if (!in->type().dtype_annotated) {  // the initial values do not fit: keep the old annotation
    in->type().dtype = before;
    in->type().dtype_annotated = true;
    return false;
  }
  return in->type().dtype != before;
}

}  // namespace

absl::StatusOr<bool> HoistScanScalesPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  bool changed = false;
  for (Node* scan : graph.nodes()) {
    if (scan->op_type() != "Scan" || !scan->domain().empty()) continue;
    absl::StatusOr<ScanConfig> cfg = ScanConfig::Parse(*scan);
    if (!cfg.ok()) continue;  // the verifier reports malformed Scans
    Graph& body = *scan->attr("body")->g();
    const int n = cfg->num_states;
    for (int i = 0; i < n; ++i) {
      changed |= RefreshStateAnnotation(*scan, body, i);
      ASSIGN_OR_RETURN(bool hoisted, HoistState(graph, *scan, body, i, *ctx.model));
      changed |= hoisted;
    }
    for (int k = 0; k < cfg->num_scan_outputs; ++k) {
      ASSIGN_OR_RETURN(bool hoisted, HoistScanOutput(graph, *scan, body, n, k, *cfg));
      changed |= hoisted;
    }
    for (int j = 0; j < cfg->num_scan_inputs; ++j) {
      ASSIGN_OR_RETURN(bool sunk, SinkScanInputScale(graph, *scan, body, n, j, *cfg));
      changed |= sunk;
    }
  }
  return changed;
}

}  // namespace finngl
