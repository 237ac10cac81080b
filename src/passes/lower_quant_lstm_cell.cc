#include "src/passes/lower_quant_lstm_cell.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/quant_lstm_cell.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

namespace ql = quant_lstm;

absl::Status NodeError(const Node& node, const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": ", message));
}

std::string InputDesc(const Node& node, int i) {
  const Value* v = node.input(i);
  return absl::StrCat(v != nullptr ? absl::StrCat("input '", v->name(), "'") : "input", " (",
                      ql::InputRole(i), ")");
}

bool IsQuant(const Node& node) {
  return (node.op_type() == "Quant" || node.op_type() == "IntQuant") &&
         CanonicalDomain(node.domain()) == kQonnxDomain && node.num_inputs() == 4;
}

// One quantizer's attributes, as the cell's Quant nodes carry them.
struct QuantizerAttrs {
  int64_t is_signed = 1;
  int64_t narrow = 0;
  std::string rounding_mode = "ROUND";
};

absl::StatusOr<int64_t> RequiredFlag(const Node& node, const std::string& name) {
  const Attribute* a = node.attr(name);
  if (a == nullptr) {
    return NodeError(node, absl::StrCat("required attribute '", name, "' is missing"));
  }
  if (a->type() != Attribute::Type::kInt || (a->i() != 0 && a->i() != 1)) {
    return NodeError(node, absl::StrCat("attribute '", name, "' must be the int 0 or 1"));
  }
  return a->i();
}

// Rewrites one QuantLSTMCell (see the header).
class Lowering {
 public:
  Lowering(Graph& graph, Node& cell, const Model& model)
      : graph_(graph), cell_(cell), model_(model), prefix_(cell.name()) {}

  absl::Status Run() {
    RETURN_IF_ERROR(Check());
    const bool batch_first = cell_.GetInt("batch_first", 0) != 0;
    const bool reverse = cell_.GetInt("reverse_input", 0) != 0;
    cifg_ = cell_.GetInt("cifg", 0) != 0;

    // Outer graph: transposed weights, and the CIFG constant Q_in_sig(1).
    for (int g = 0; g < ql::kNumGates; ++g) {
      if (cifg_ && g == ql::kForgetGate) continue;
      ASSIGN_OR_RETURN(wt_[g], TransposedWeight(ql::InputWeightIndex(g)));
      ASSIGN_OR_RETURN(ut_[g], TransposedWeight(ql::HiddenWeightIndex(g)));
    }
    Value* one = nullptr;
    if (cifg_) {
      ASSIGN_OR_RETURN(Value * one_f, AddConstant(graph_, prefix_ + "_one",
                                                  ScalarTensor(ElementType::kFloat, 1.0)));
      const int q = ql::kInputSigmoid;
      ASSIGN_OR_RETURN(one, AddQuant(graph_, one_f, cell_.input(ql::ScaleIndex(q)),
                                     cell_.input(ql::ZeroPointIndex(q)),
                                     cell_.input(ql::BitWidthIndex(q)), q, "one_quant"));
    }

    // The body.
    const TensorType& x_type = cell_.input(ql::kX)->type();
    const TensorType& u_type = cell_.input(ql::HiddenWeightIndex(0))->type();
    Dim batch, input, hidden;
    if (x_type.shape && x_type.shape->size() == 3) {
      batch = (*x_type.shape)[batch_first ? 0 : 1];
      input = (*x_type.shape)[2];
    }
    if (u_type.shape && u_type.shape->size() == 2) hidden = (*u_type.shape)[0];
    auto body = std::make_unique<Graph>(prefix_ + "_body", &graph_);
    body_ = body.get();
    ASSIGN_OR_RETURN(Value * h, BodyInput("h_prev", Shape{batch, hidden}));
    ASSIGN_OR_RETURN(Value * c, BodyInput("c_prev", Shape{batch, hidden}));
    ASSIGN_OR_RETURN(Value * x, BodyInput("x_t", Shape{batch, input}));
    Value* act[ql::kNumGates] = {};
    for (int g = 0; g < ql::kNumGates; ++g) {
      if (cifg_ && g == ql::kForgetGate) continue;
      ASSIGN_OR_RETURN(act[g], GateActivation(g, x, h));
    }
    if (cifg_) {
      ASSIGN_OR_RETURN(Value * one_ref, OuterRef(one));
      ASSIGN_OR_RETURN(act[ql::kForgetGate],
                       BodyNode("Sub", {one_ref, act[ql::kInputGate]}, "f_cifg"));
    }
    ASSIGN_OR_RETURN(Value * fc, BodyNode("Mul", {act[ql::kForgetGate], c}, "f_mul_c"));
    ASSIGN_OR_RETURN(fc, BodyQuant(fc, ql::kCellState, "f_mul_c_quant"));
    ASSIGN_OR_RETURN(Value * ig,
                     BodyNode("Mul", {act[ql::kInputGate], act[ql::kCellGate]}, "i_mul_g"));
    ASSIGN_OR_RETURN(ig, BodyQuant(ig, ql::kCellState, "i_mul_g_quant"));
    ASSIGN_OR_RETURN(Value * c_sum, BodyNode("Add", {fc, ig}, "c_sum"));
    ASSIGN_OR_RETURN(Value * c_new, BodyQuant(c_sum, ql::kCellState, "c_next"));
    ASSIGN_OR_RETURN(Value * c_tanh, BodyNode("Tanh", {c_new}, "state_tanh"));
    ASSIGN_OR_RETURN(c_tanh, BodyQuant(c_tanh, ql::kHiddenStateTanh, "state_tanh_quant"));
    ASSIGN_OR_RETURN(Value * h_mul, BodyNode("Mul", {act[ql::kOutputGate], c_tanh}, "o_mul_tanh"));
    ASSIGN_OR_RETURN(Value * h_new, BodyQuant(h_mul, ql::kOutput, "h_next"));
    ASSIGN_OR_RETURN(Value * h_seq, BodyNode("Identity", {h_new}, "h_seq"));
    body_->AddOutput(h_new);
    body_->AddOutput(c_new);
    body_->AddOutput(h_seq);

    // The Scan replacing the cell: states h, c; scan input x; scan output h.
    ASSIGN_OR_RETURN(Node * scan,
                     graph_.AddNodeWithNewOutputs(
                         "Scan", "", prefix_ + "_scan",
                         {cell_.input(ql::kH0), cell_.input(ql::kC0), cell_.input(ql::kX)},
                         {prefix_ + "_h_last", prefix_ + "_c_last", prefix_ + "_h_all"}));
    scan->set_origin(cell_.origin());
    scan->SetAttr("num_scan_inputs", Attribute::Int(1));
    if (batch_first) {
      scan->SetAttr("scan_input_axes", Attribute::Ints({1}));
      scan->SetAttr("scan_output_axes", Attribute::Ints({1}));
    }
    if (reverse) {
      scan->SetAttr("scan_input_directions", Attribute::Ints({1}));
      scan->SetAttr("scan_output_directions", Attribute::Ints({1}));
    }
    scan->SetAttr("body", Attribute::FromGraph(std::move(body)));

    std::vector<std::string> inputs;
    for (Value* v : cell_.inputs()) {
      if (v != nullptr) inputs.push_back(v->name());
    }
    std::vector<Value*> replacements = {scan->output(2), scan->output(0), scan->output(1)};
    replacements.resize(cell_.num_outputs());
    RETURN_IF_ERROR(SubstituteNode(graph_, &cell_, replacements));
    return RemoveDeadInputs(std::move(inputs));
  }

 private:
  // The preconditions, with errors naming the node and the tensor or attribute.
  absl::Status Check() {
    if (cell_.num_inputs() != ql::kNumInputs) {
      return NodeError(
          cell_, absl::StrCat("has ", cell_.num_inputs(), " inputs, expected ", ql::kNumInputs,
                              " (x, h0, c0, 8 weights, 4 biases, "
                              "11 x (scale, zero point, bit width))"));
    }
    for (int i = 0; i < ql::kNumInputs; ++i) {
      if (cell_.input(i) == nullptr) {
        return NodeError(cell_, absl::StrCat("input ", i, " (", ql::InputRole(i), ") is missing"));
      }
    }
    for (int i = ql::ScaleIndex(0); i < ql::kNumInputs; ++i) {
      const Tensor* t = ConstantData(cell_.input(i));
      if (t == nullptr) {
        return NodeError(cell_, absl::StrCat(InputDesc(cell_, i),
                                             " is not a constant; lowering needs the quantizers' "
                                             "scale, zero point and bit width as initializers"));
      }
      if (t->size() != 1) {
        return NodeError(cell_, absl::StrCat(InputDesc(cell_, i), " must hold a single value, got ",
                                             DimsToString(t->dims())));
      }
    }
    for (int q = 0; q < ql::kNumQuantizers; ++q) {
      QuantizerAttrs& a = quantizers_[q];
      ASSIGN_OR_RETURN(a.is_signed, RequiredFlag(cell_, ql::SignedAttr(q)));
      ASSIGN_OR_RETURN(a.narrow, RequiredFlag(cell_, ql::NarrowAttr(q)));
      a.rounding_mode = cell_.GetString(ql::RoundingModeAttr(q), "ROUND");
    }
    if (model_.OpsetVersion("") >= 0 && model_.OpsetVersion("") < 9) {
      return NodeError(cell_, absl::StrCat("lowering needs Scan (opset >= 9), the model imports "
                                           "opset ",
                                           model_.OpsetVersion("")));
    }
    return absl::OkStatus();
  }

  Node* Origin(Node* node) {
    node->set_origin(cell_.origin());
    return node;
  }

  absl::StatusOr<Value*> AddQuant(Graph& g, Value* x, Value* scale, Value* zero_point, Value* bits,
                                  int q, const std::string& role) {
    ASSIGN_OR_RETURN(Node * quant,
                     g.AddNodeWithNewOutputs("Quant", kQonnxDomain, prefix_ + "_" + role,
                                             {x, scale, zero_point, bits}, {prefix_ + "_" + role}));
    Origin(quant);
    quant->SetAttr("signed", Attribute::Int(quantizers_[q].is_signed));
    quant->SetAttr("narrow", Attribute::Int(quantizers_[q].narrow));
    quant->SetAttr("rounding_mode", Attribute::String(quantizers_[q].rounding_mode));
    return quant->output(0);
  }

  // Wᵀ for the MatMul x·Wᵀ, as a value of the outer graph (see the header for the three forms).
  absl::StatusOr<Value*> TransposedWeight(int input) {
    Value* w = cell_.input(input);
    if (auto it = transposed_.find(w); it != transposed_.end()) return it->second;
    const std::string role = ql::InputRole(input);
    Value* result = nullptr;
    if (const Tensor* data = ConstantData(w); data != nullptr && data->rank() == 2) {
      ASSIGN_OR_RETURN(Tensor t, Transposed(*data));
      ASSIGN_OR_RETURN(result, AddConstant(graph_, w->name() + "_T", std::move(t)));
      AnnotateDerivedConstant(*w, result);
    } else if (Node* p = w->producer(); p != nullptr && IsQuant(*p) && QuantOfConstant(*p)) {
      // Quant(W)ᵀ = Quant(Wᵀ, scaleᵀ, zero_pointᵀ): the same elementwise quantization.
      std::vector<Value*> inputs = {nullptr, nullptr, nullptr, p->input(3)};
      for (int i = 0; i < 3; ++i) {
        const Value* v = p->input(i);
        const Tensor* data = ConstantData(v);
        if (i > 0 && data->size() == 1) {
          inputs[i] = p->input(i);
          continue;
        }
        if (auto it = transposed_.find(p->input(i)); it != transposed_.end()) {
          inputs[i] = it->second;  // a per-channel scale shared by W and U of one gate
          continue;
        }
        ASSIGN_OR_RETURN(Tensor t, Transposed(*data));
        ASSIGN_OR_RETURN(inputs[i], AddConstant(graph_, v->name() + "_T", std::move(t)));
        AnnotateDerivedConstant(*v, inputs[i]);
        transposed_[p->input(i)] = inputs[i];
      }
      ASSIGN_OR_RETURN(Node * quant,
                       graph_.AddNodeWithNewOutputs(p->op_type(), p->domain(), p->name() + "_T",
                                                    inputs, {w->name() + "_T"}));
      quant->set_origin(p->origin());
      for (const auto& [name, attr] : p->attributes()) quant->SetAttr(name, attr.Clone(&graph_));
      result = quant->output(0);
    } else {
      ASSIGN_OR_RETURN(
          Node * t, graph_.AddNodeWithNewOutputs("Transpose", "", prefix_ + "_" + role + "_T", {w},
                                                 {prefix_ + "_" + role + "_T"}));
      Origin(t)->SetAttr("perm", Attribute::Ints({1, 0}));
      result = t->output(0);
    }
    transposed_[w] = result;
    return result;
  }

  // A matrix transposed by the Transpose op's kernel.
  absl::StatusOr<Tensor> Transposed(const Tensor& m) const {
    std::vector<std::pair<std::string, Attribute>> attrs;
    attrs.emplace_back("perm", Attribute::Ints({1, 0}));
    return EvaluateOp(model_, "Transpose", {m}, std::move(attrs));
  }

  // A Quant of a constant matrix whose scale and zero point are constants holding one value or a
  // matrix (per output channel: [H, 1]): quantizing the transposed operands gives the transposed
  // result.
  static bool QuantOfConstant(const Node& quant) {
    const Tensor* x = ConstantData(quant.input(0));
    if (x == nullptr || x->rank() != 2 || quant.input(3) == nullptr) return false;
    for (int i = 1; i <= 2; ++i) {
      const Tensor* t = ConstantData(quant.input(i));
      if (t == nullptr || (t->size() != 1 && t->rank() != 2)) return false;
    }
    return true;
  }

  absl::StatusOr<Value*> BodyInput(const std::string& role, Shape shape) {
    TensorType type;
    type.elem = ElementType::kFloat;
    type.shape = std::move(shape);
    ASSIGN_OR_RETURN(
        Value * v, body_->AddValue(body_->UniqueValueName(prefix_ + "_" + role), std::move(type)));
    body_->AddInput(v);
    return v;
  }

  // The body's outer-scope reference to an outer-graph value (one per value).
  absl::StatusOr<Value*> OuterRef(Value* outer) {
    if (Value* v = body_->FindValue(outer->name()); v != nullptr) return v;
    return body_->AddOuterRef(outer->name(), outer->type());
  }

  absl::StatusOr<Value*> BodyNode(const std::string& op, const std::vector<Value*>& inputs,
                                  const std::string& role) {
    ASSIGN_OR_RETURN(Node * node, body_->AddNodeWithNewOutputs(op, "", prefix_ + "_" + role, inputs,
                                                               {prefix_ + "_" + role}));
    return Origin(node)->output(0);
  }

  // Quant with quantizer q's parameters, which the body holds as initializers (one copy each).
  absl::StatusOr<Value*> BodyQuant(Value* x, int q, const std::string& role) {
    Value* params[3];
    for (int part = 0; part < 3; ++part) {
      Value*& p = body_params_[q][part];
      if (p == nullptr) {
        static constexpr const char* kPart[3] = {"scale", "zero_point", "bit_width"};
        const Tensor* data = ConstantData(cell_.input(ql::ScaleIndex(q) + part));
        ASSIGN_OR_RETURN(
            p,
            AddConstant(*body_, absl::StrCat(prefix_, "_", ql::QuantizerName(q), "_", kPart[part]),
                        *data));
      }
      params[part] = p;
    }
    return AddQuant(*body_, x, params[0], params[1], params[2], q, role);
  }

  // Q_act(act(Q_acc((x_t·Wᵀ + h·Uᵀ) + b))) for one gate.
  absl::StatusOr<Value*> GateActivation(int g, Value* x, Value* h) {
    static constexpr const char* kGate[ql::kNumGates] = {"i", "f", "c", "o"};
    const std::string n = kGate[g];
    ASSIGN_OR_RETURN(Value * wt, OuterRef(wt_[g]));
    ASSIGN_OR_RETURN(Value * ut, OuterRef(ut_[g]));
    ASSIGN_OR_RETURN(Value * bias, OuterRef(cell_.input(ql::BiasIndex(g))));
    ASSIGN_OR_RETURN(Value * xw, BodyNode("MatMul", {x, wt}, n + "_xW"));
    ASSIGN_OR_RETURN(Value * hu, BodyNode("MatMul", {h, ut}, n + "_hU"));
    ASSIGN_OR_RETURN(Value * sum, BodyNode("Add", {xw, hu}, n + "_xW_hU"));
    ASSIGN_OR_RETURN(Value * acc, BodyNode("Add", {sum, bias}, n + "_acc"));
    ASSIGN_OR_RETURN(acc, BodyQuant(acc, ql::AccQuantizer(g), n + "_acc_quant"));
    const std::string op = g == ql::kCellGate ? "Tanh" : "Sigmoid";
    ASSIGN_OR_RETURN(Value * act,
                     BodyNode(op, {acc}, n + (g == ql::kCellGate ? "_tanh" : "_sigmoid")));
    return BodyQuant(act, ql::ActQuantizer(g),
                     n + (g == ql::kCellGate ? "_tanh_quant" : "_sigmoid_quant"));
  }

  // Removes what the rewrite left unused: the cell's former inputs that nothing reads any more
  // and, transitively, their producers (the original weight Quant nodes) and initializers.
  // Works on names, since removing a node removes its output values.
  absl::Status RemoveDeadInputs(std::vector<std::string> work) {
    while (!work.empty()) {
      const std::string name = std::move(work.back());
      work.pop_back();
      Value* v = graph_.FindValue(name);
      if (v == nullptr || v->is_outer_ref() || v->is_graph_input() || !IsUnused(*v)) continue;
      if (Node* p = v->producer(); p != nullptr) {
        std::vector<std::string> ins;
        for (Value* in : p->inputs()) {
          if (in != nullptr) ins.push_back(in->name());
        }
        ASSIGN_OR_RETURN(bool removed, RemoveIfUnused(graph_, p));
        if (removed) work.insert(work.end(), ins.begin(), ins.end());
      } else if (v->is_initializer()) {
        RETURN_IF_ERROR(graph_.RemoveValue(v));
      }
    }
    return absl::OkStatus();
  }

  Graph& graph_;
  Node& cell_;
  const Model& model_;
  const std::string prefix_;
  bool cifg_ = false;
  QuantizerAttrs quantizers_[ql::kNumQuantizers];
  Value* wt_[ql::kNumGates] = {};
  Value* ut_[ql::kNumGates] = {};
  std::map<Value*, Value*> transposed_;  // weight (or per-channel parameter) -> transposed
  Graph* body_ = nullptr;
  Value* body_params_[ql::kNumQuantizers][3] = {};
};

}  // namespace

absl::StatusOr<bool> LowerQuantLstmCellPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  // Collected first: lowering one cell removes nodes (its former weight quantizers).
  std::vector<Node*> cells;
  for (Node* node : graph.nodes()) {
    if (node->op_type() == ql::kOpType && CanonicalDomain(node->domain()) == kQonnxDomain) {
      cells.push_back(node);
    }
  }
  for (Node* cell : cells) RETURN_IF_ERROR(Lowering(graph, *cell, *ctx.model).Run());
  return !cells.empty();
}

}  // namespace finngl
