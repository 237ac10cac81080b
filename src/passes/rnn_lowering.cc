#include "src/passes/rnn_lowering.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

absl::Status Reject(std::string reason) { return absl::FailedPreconditionError(std::move(reason)); }

// Known dims of a value's static shape, or nullopt when its rank or a dim is unknown.
std::optional<Dims> KnownDims(const Value* v) {
  if (v == nullptr || !v->type().shape || !ShapeFullyKnown(*v->type().shape)) return std::nullopt;
  return ShapeToDims(*v->type().shape);
}

// Removes `v` if it is a constant of this graph that nothing reads any more.
absl::Status RemoveIfDeadConstant(Graph& graph, Value* v) {
  if (v == nullptr || v->graph() != &graph || v->producer() != nullptr) return absl::OkStatus();
  if (!v->is_initializer() && !v->is_outer_ref()) return absl::OkStatus();
  if (v->is_graph_input() || !IsUnused(*v)) return absl::OkStatus();
  return graph.RemoveValue(v);
}

}  // namespace

// ============================================================================ RnnBuilder

RnnBuilder::RnnBuilder(Graph& graph, const Model& model, const Node& origin, std::string prefix)
    : graph_(graph),
      model_(model),
      origin_(origin),
      prefix_(std::move(prefix)),
      opset_(model.OpsetVersion("")) {}

absl::StatusOr<std::vector<Value*>> RnnBuilder::OpN(const std::string& op_type,
                                                    const std::vector<Value*>& inputs,
                                                    int num_outputs, const std::string& role,
                                                    AttrList attrs) {
  const std::string base = absl::StrCat(prefix_, "_", role);
  // Operations on constants are evaluated now (through the op's own kernel).
  bool constant = num_outputs == 1 && !inputs.empty();
  std::vector<Tensor> tensors;
  for (Value* v : inputs) {
    const Tensor* t = ConstantData(v);
    if (t == nullptr) {
      constant = false;
      break;
    }
    tensors.push_back(*t);
  }
  if (constant) {
    ASSIGN_OR_RETURN(Tensor out, EvaluateOp(model_, op_type, std::move(tensors), std::move(attrs)));
    ASSIGN_OR_RETURN(Value * v, AddConstant(graph_, base, std::move(out)));
    return std::vector<Value*>{v};
  }
  std::vector<std::string> names;
  for (int i = 0; i < num_outputs; ++i) {
    names.push_back(num_outputs == 1 ? base : absl::StrCat(base, "_", i));
  }
  ASSIGN_OR_RETURN(Node * node, graph_.AddNodeWithNewOutputs(op_type, "", base, inputs, names));
  for (auto& [name, value] : attrs) node->SetAttr(name, std::move(value));
  node->set_origin(origin_.origin());
  return node->outputs();
}

absl::StatusOr<Value*> RnnBuilder::Op(const std::string& op_type,
                                      const std::vector<Value*>& inputs, const std::string& role,
                                      AttrList attrs) {
  ASSIGN_OR_RETURN(std::vector<Value*> out, OpN(op_type, inputs, 1, role, std::move(attrs)));
  return out[0];
}

absl::StatusOr<Value*> RnnBuilder::Const(const std::string& role, Tensor data) {
  return AddConstant(graph_, absl::StrCat(prefix_, "_", role), std::move(data));
}

absl::StatusOr<Value*> RnnBuilder::Int64s(const std::string& role, std::vector<int64_t> values) {
  const int64_t n = static_cast<int64_t>(values.size());
  return Const(role, Tensor::FromVector<int64_t>({n}, values));
}

absl::StatusOr<Value*> RnnBuilder::Take(Value* t, int64_t index, int64_t axis,
                                        const std::string& role) {
  ASSIGN_OR_RETURN(Value * i, Const(absl::StrCat(role, "_index"), Tensor::Scalar<int64_t>(index)));
  AttrList attrs;
  attrs.emplace_back("axis", Attribute::Int(axis));
  return Op("Gather", {t, i}, role, std::move(attrs));
}

absl::StatusOr<Value*> RnnBuilder::Reshape(Value* t, std::vector<int64_t> shape,
                                           const std::string& role) {
  ASSIGN_OR_RETURN(Value * s, Int64s(absl::StrCat(role, "_shape"), std::move(shape)));
  return Op("Reshape", {t, s}, role);
}

absl::StatusOr<Value*> RnnBuilder::Transpose(Value* t, const std::string& role) {
  AttrList attrs;
  attrs.emplace_back("perm", Attribute::Ints({1, 0}));
  return Op("Transpose", {t}, role, std::move(attrs));
}

absl::StatusOr<Value*> RnnBuilder::Unsqueeze(Value* t, int64_t axis, const std::string& role) {
  if (opset_ >= 13) {
    ASSIGN_OR_RETURN(Value * axes, Int64s(absl::StrCat(role, "_axes"), {axis}));
    return Op("Unsqueeze", {t, axes}, role);
  }
  AttrList attrs;
  attrs.emplace_back("axes", Attribute::Ints({axis}));
  return Op("Unsqueeze", {t}, role, std::move(attrs));
}

absl::StatusOr<std::vector<Value*>> RnnBuilder::SplitEqual(Value* t, int64_t axis, int n,
                                                           const std::string& role) {
  AttrList attrs;
  attrs.emplace_back("axis", Attribute::Int(axis));
  // Opset 18 requires the number of outputs to be stated when no split sizes are given.
  if (opset_ >= 18) attrs.emplace_back("num_outputs", Attribute::Int(n));
  return OpN("Split", {t}, n, role, std::move(attrs));
}

absl::StatusOr<Value*> RnnBuilder::ClipSymmetric(Value* t, float bound, const std::string& role) {
  if (opset_ >= 11) {
    ASSIGN_OR_RETURN(Value * lo, Const(absl::StrCat(role, "_min"), Tensor::Scalar<float>(-bound)));
    ASSIGN_OR_RETURN(Value * hi, Const(absl::StrCat(role, "_max"), Tensor::Scalar<float>(bound)));
    return Op("Clip", {t, lo, hi}, role);
  }
  AttrList attrs;
  attrs.emplace_back("min", Attribute::Float(-bound));
  attrs.emplace_back("max", Attribute::Float(bound));
  return Op("Clip", {t}, role, std::move(attrs));
}

absl::StatusOr<Value*> RnnBuilder::Activation(const RnnActivation& act, Value* t,
                                              const std::string& role) {
  switch (act.kind) {
    case RnnActivation::Kind::kSigmoid: return Op("Sigmoid", {t}, role);
    case RnnActivation::Kind::kTanh: return Op("Tanh", {t}, role);
    case RnnActivation::Kind::kRelu: return Op("Relu", {t}, role);
  }
  return absl::InternalError("unknown recurrent activation");
}

// ============================================================================ analysis

absl::StatusOr<std::optional<RnnNodeInfo>> AnalyzeRnn(Node& node, const Model& model,
                                                      const RnnKind& kind) {
  RnnNodeInfo info;
  info.node = &node;
  info.gates = kind.gates;
  info.has_cell = kind.has_cell;
  for (int i = 0; i < node.num_outputs(); ++i) {
    info.needed.push_back(node.output(i) != nullptr && !IsUnused(*node.output(i)));
  }
  if (std::none_of(info.needed.begin(), info.needed.end(), [](bool b) { return b; })) {
    return std::optional<RnnNodeInfo>();
  }
  absl::StatusOr<RnnAttrs> attrs = ParseRnnAttrs(node, kind.default_activations);
  if (!attrs.ok()) return Reject(std::string(attrs.status().message()));
  info.attrs = *attrs;
  const RnnAttrs& a = info.attrs;
  if (model.OpsetVersion("") < 9) {
    return Reject(absl::StrCat("Scan needs opset 9, the model imports opset ",
                               model.OpsetVersion("")));
  }
  info.x = node.input(0);
  info.w = node.input(1);
  info.r = node.input(2);
  info.b = node.input(3);
  info.initial_h = node.input(5);
  if (kind.has_cell) {
    info.initial_c = node.input(6);
    info.peepholes = node.input(7);
  } else if (node.num_inputs() > 6) {
    return Reject("unexpected inputs beyond initial_h");
  }
  if (info.x == nullptr || info.w == nullptr || info.r == nullptr) {
    return Reject("inputs X, W and R are required");
  }
  if (info.x->type().elem != ElementType::kFloat) {
    return Reject(absl::StrCat("input X '", info.x->name(), "' is ",
                               ElementTypeName(info.x->type().elem), "; only float32 is lowered"));
  }
  const std::optional<Shape>& xs = info.x->type().shape;
  if (!xs || xs->size() != 3) {
    return Reject(absl::StrCat("input X '", info.x->name(), "' is not of known rank 3"));
  }
  info.seq = (*xs)[a.layout == 0 ? 0 : 1];
  info.batch = (*xs)[a.layout == 0 ? 1 : 0];
  std::optional<Dims> w = KnownDims(info.w), r = KnownDims(info.r);
  if (!w || !r || w->size() != 3 || r->size() != 3) {
    return Reject("the shapes of W and R are not known");
  }
  const int64_t nd = a.num_directions;
  info.hidden = a.hidden_size > 0 ? a.hidden_size : (*r)[2];
  info.input = (*w)[2];
  const int64_t gh = kind.gates * info.hidden;
  if ((*w)[0] != nd || (*w)[1] != gh || *r != Dims{nd, gh, info.hidden}) {
    return Reject(absl::StrCat("W ", DimsToString(*w), " and R ", DimsToString(*r),
                               " do not match ", nd, " direction(s) and hidden size ",
                               info.hidden));
  }
  if (Value* lens = node.input(4); lens != nullptr) {
    // Per-row sequence lengths would need masking inside the Scan; lengths that all equal the
    // sequence length (as Brevitas exports them) change nothing.
    const Tensor* t = ConstantData(lens);
    bool trivial = t != nullptr && info.seq.known();
    for (int64_t i = 0; trivial && i < t->size(); ++i) trivial = t->GetInt64(i) == info.seq.value;
    if (!trivial) {
      return Reject(absl::StrCat("input sequence_lens '", lens->name(),
                                 "' may end sequences early (only lengths that all equal the "
                                 "sequence length are lowered)"));
    }
  }
  return std::optional<RnnNodeInfo>(std::move(info));
}

// ============================================================================ lowering

absl::StatusOr<Value*> OuterRef(Graph& body, Value* outer) {
  if (Value* v = body.FindValue(outer->name()); v != nullptr) {
    RET_CHECK(v->is_outer_ref());
    return v;
  }
  return body.AddOuterRef(outer->name(), outer->type());
}

namespace {

// Zeros [B, H] for missing initial states; B comes from X at run time when it is not static.
absl::StatusOr<Value*> ZeroState(RnnBuilder& outer, const RnnNodeInfo& info) {
  if (info.batch.known()) {
    return outer.Const("zero_state", Tensor(ElementType::kFloat, {info.batch.value, info.hidden}));
  }
  ASSIGN_OR_RETURN(Value * shape, outer.Op("Shape", {info.x}, "x_shape"));
  ASSIGN_OR_RETURN(Value * index, outer.Int64s("batch_index", {info.attrs.layout == 0 ? 1 : 0}));
  AttrList gather_attrs;
  gather_attrs.emplace_back("axis", Attribute::Int(0));
  ASSIGN_OR_RETURN(Value * batch,
                   outer.Op("Gather", {shape, index}, "batch", std::move(gather_attrs)));
  ASSIGN_OR_RETURN(Value * hidden, outer.Int64s("hidden", {info.hidden}));
  AttrList concat_attrs;
  concat_attrs.emplace_back("axis", Attribute::Int(0));
  ASSIGN_OR_RETURN(Value * dims,
                   outer.Op("Concat", {batch, hidden}, "state_dims", std::move(concat_attrs)));
  ASSIGN_OR_RETURN(Value * zero, outer.Const("zero", Tensor::Scalar<float>(0.0f)));
  return outer.Op("Expand", {zero, dims}, "zero_state");
}

// Stacks per-direction values along `axis` (each gets that axis first).
absl::StatusOr<Value*> StackDirections(RnnBuilder& outer, const std::vector<Value*>& parts,
                                       int64_t axis, const std::string& role) {
  std::vector<Value*> expanded;
  for (size_t d = 0; d < parts.size(); ++d) {
    ASSIGN_OR_RETURN(Value * e, outer.Unsqueeze(parts[d], axis, absl::StrCat(role, "_d", d)));
    expanded.push_back(e);
  }
  if (expanded.size() == 1) return expanded[0];
  AttrList attrs;
  attrs.emplace_back("axis", Attribute::Int(axis));
  return outer.Op("Concat", expanded, role, std::move(attrs));
}

}  // namespace

absl::StatusOr<RnnDirectionOuter> DirectionOuterValues(RnnBuilder& outer, const RnnNodeInfo& info,
                                                       int d, Value* zeros) {
  RnnDirectionOuter o;
  const std::string s = absl::StrCat(d);
  const int64_t g = info.gates, h = info.hidden;
  ASSIGN_OR_RETURN(Value * w, outer.Take(info.w, d, 0, "W" + s));
  ASSIGN_OR_RETURN(o.wt, outer.Transpose(w, "W" + s + "_T"));
  ASSIGN_OR_RETURN(o.r, outer.Take(info.r, d, 0, "R" + s));
  if (info.b != nullptr) {
    ASSIGN_OR_RETURN(Value * b, outer.Take(info.b, d, 0, "B" + s));
    ASSIGN_OR_RETURN(o.b, outer.Reshape(b, {2, g, h}, "B" + s + "_gates"));
  }
  if (info.peepholes != nullptr) {
    ASSIGN_OR_RETURN(Value * p, outer.Take(info.peepholes, d, 0, "P" + s));
    ASSIGN_OR_RETURN(o.p, outer.Reshape(p, {3, h}, "P" + s + "_gates"));
  }
  const int64_t state_axis = info.attrs.layout == 0 ? 0 : 1;
  if (info.initial_h != nullptr) {
    ASSIGN_OR_RETURN(o.h0, outer.Take(info.initial_h, d, state_axis, "h0_" + s));
  } else {
    o.h0 = zeros;
  }
  if (info.has_cell) {
    if (info.initial_c != nullptr) {
      ASSIGN_OR_RETURN(o.c0, outer.Take(info.initial_c, d, state_axis, "c0_" + s));
    } else {
      o.c0 = zeros;
    }
  }
  return o;
}

absl::Status LowerRnn(Graph& graph, const Model& model, const RnnNodeInfo& info,
                      const RnnStepFactory& make_step) {
  Node& node = *info.node;
  const RnnAttrs& a = info.attrs;
  RnnBuilder outer(graph, model, node, node.name());
  Value* zeros = nullptr;
  if (info.initial_h == nullptr || (info.has_cell && info.initial_c == nullptr)) {
    ASSIGN_OR_RETURN(zeros, ZeroState(outer, info));
  }
  const bool want_y = info.needed[0];
  const int64_t time_axis = a.layout == 0 ? 0 : 1;
  std::vector<Value*> h_last, c_last, ys;
  for (int d = 0; d < a.num_directions; ++d) {
    ASSIGN_OR_RETURN(RnnDirectionOuter dir, DirectionOuterValues(outer, info, d, zeros));
    ASSIGN_OR_RETURN(RnnStepBuilder step, make_step(outer, dir, d));
    const std::string prefix = absl::StrCat(node.name(), "_step", d);
    auto body_owned = std::make_unique<Graph>(absl::StrCat(prefix, "_body"), &graph);
    Graph& body = *body_owned;
    TensorType state;
    state.elem = ElementType::kFloat;
    state.shape = Shape{info.batch, Dim{info.hidden, ""}};
    TensorType slice = state;
    slice.shape = Shape{info.batch, Dim{info.input, ""}};
    RnnStepInputs in;
    ASSIGN_OR_RETURN(in.h, body.AddValue(body.UniqueValueName(prefix + "_h_prev"), state));
    body.AddInput(in.h);
    if (info.has_cell) {
      ASSIGN_OR_RETURN(in.c, body.AddValue(body.UniqueValueName(prefix + "_c_prev"), state));
      body.AddInput(in.c);
    }
    ASSIGN_OR_RETURN(in.x, body.AddValue(body.UniqueValueName(prefix + "_x"), slice));
    body.AddInput(in.x);
    RnnBuilder bb(body, model, node, prefix);
    ASSIGN_OR_RETURN(std::vector<Value*> states, step(bb, in));
    RET_CHECK(states.size() == (info.has_cell ? 2u : 1u));
    for (Value* v : states) body.AddOutput(v);
    if (want_y) {
      ASSIGN_OR_RETURN(Value * y, bb.Op("Identity", {states[0]}, "h_seq"));
      body.AddOutput(y);
    }
    // The Scan: states (h[, c]) and X; outputs final states[, stacked h].
    std::vector<Value*> scan_in = {dir.h0};
    std::vector<std::string> scan_out = {absl::StrCat(prefix, "_h_last")};
    if (info.has_cell) {
      scan_in.push_back(dir.c0);
      scan_out.push_back(absl::StrCat(prefix, "_c_last"));
    }
    scan_in.push_back(info.x);
    if (want_y) scan_out.push_back(absl::StrCat(prefix, "_h_all"));
    ASSIGN_OR_RETURN(Node * scan,
                     graph.AddNodeWithNewOutputs("Scan", "", prefix, scan_in, scan_out));
    scan->set_origin(node.origin());
    scan->SetAttr("num_scan_inputs", Attribute::Int(1));
    if (time_axis != 0) scan->SetAttr("scan_input_axes", Attribute::Ints({time_axis}));
    if (a.reverse(d)) scan->SetAttr("scan_input_directions", Attribute::Ints({1}));
    if (want_y) {
      if (time_axis != 0) scan->SetAttr("scan_output_axes", Attribute::Ints({time_axis}));
      // Prepending in reverse makes the stacked outputs follow the input's time order.
      if (a.reverse(d)) scan->SetAttr("scan_output_directions", Attribute::Ints({1}));
    }
    scan->SetAttr("body", Attribute::FromGraph(std::move(body_owned)));
    h_last.push_back(scan->output(0));
    if (info.has_cell) c_last.push_back(scan->output(1));
    if (want_y) ys.push_back(scan->output(info.has_cell ? 2 : 1));
  }
  // Y [T, D, B, H] / [B, T, D, H]; Y_h, Y_c [D, B, H] / [B, D, H].
  std::vector<Value*> replacements(node.num_outputs(), nullptr);
  if (want_y) {
    ASSIGN_OR_RETURN(replacements[0], StackDirections(outer, ys, a.layout == 0 ? 1 : 2, "Y"));
  }
  const int64_t state_axis = a.layout == 0 ? 0 : 1;
  if (info.needed.size() > 1 && info.needed[1]) {
    ASSIGN_OR_RETURN(replacements[1], StackDirections(outer, h_last, state_axis, "Y_h"));
  }
  if (info.has_cell && info.needed.size() > 2 && info.needed[2]) {
    ASSIGN_OR_RETURN(replacements[2], StackDirections(outer, c_last, state_axis, "Y_c"));
  }
  const std::vector<Value*> inputs = node.inputs();
  RETURN_IF_ERROR(SubstituteNode(graph, &node, replacements));
  for (Value* v : inputs) RETURN_IF_ERROR(RemoveIfDeadConstant(graph, v));
  return absl::OkStatus();
}

absl::StatusOr<bool> LowerRnnNodes(
    Graph& graph, PassContext& ctx, const RnnKind& kind, absl::string_view pass_name,
    const std::function<absl::StatusOr<RnnStepBuilder>(
        const RnnNodeInfo& info, RnnBuilder& outer, const RnnDirectionOuter& dir, int direction)>&
        make_step) {
  RET_CHECK(ctx.model != nullptr);
  std::vector<Node*> nodes;
  for (Node* n : graph.nodes()) {
    if (n->op_type() == kind.op_type && n->domain().empty()) nodes.push_back(n);
  }
  bool changed = false;
  for (Node* node : nodes) {
    absl::StatusOr<std::optional<RnnNodeInfo>> info = AnalyzeRnn(*node, *ctx.model, kind);
    if (!info.ok()) {
      if (info.status().code() != absl::StatusCode::kFailedPrecondition) return info.status();
      ctx.Warn(absl::StrCat(std::string(pass_name), ": ", node->Describe(), " left unchanged: ",
                            info.status().message()));
      continue;
    }
    if (!info->has_value()) continue;
    const RnnNodeInfo& i = **info;
    RETURN_IF_ERROR(LowerRnn(graph, *ctx.model, i,
                             [&](RnnBuilder& outer, const RnnDirectionOuter& dir, int d) {
                               return make_step(i, outer, dir, d);
                             }));
    changed = true;
  }
  return changed;
}

}  // namespace finngl
