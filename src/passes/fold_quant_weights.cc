#include "src/passes/fold_quant_weights.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/passes/evaluate.h"
#include "src/passes/quant_thresholds.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

// A folded weight as one reader sees it (possibly transposed).
struct Weight {
  Tensor integers;     // float32 holding integers, the quantizer output's shape
  Tensor scale;        // float32, same rank as `integers`, broadcasting against it
  Tensor dequantized;  // the quantizer's float output
  DataType dtype;
  std::string name;    // base for new initializer names
};

bool IsDefault(const Node& node, const char* op_type) {
  return node.op_type() == op_type && node.domain().empty();
}

// Whether a reader at this input position takes the weight as an integer weight (directly or
// through a Transpose into such a reader).
bool IsWeightPosition(const Node& user, int index) {
  if (user.num_outputs() != 1 || !user.domain().empty()) return false;
  const std::string& op = user.op_type();
  if (op == "MatMul") return index <= 1;
  if (op == "Conv" || op == "Gemm") return index == 1;
  if (op == "Gather") return index == 0;
  if (op == "Transpose" && index == 0 && user.output(0) != nullptr) {
    for (const Use& u : user.output(0)->uses()) {
      if (IsWeightPosition(*u.node, u.input_index)) return true;
    }
  }
  return false;
}

bool Uniform(const Tensor& t) { return AllElementsEqual(t, t.GetDouble(0)); }

// `t` with its values kept and its dims replaced (same element count).
Tensor Reshaped(const Tensor& t, const Dims& dims) {
  Tensor r = t;
  r.Reshape(dims);
  return r;
}

absl::StatusOr<Node*> CloneWithInputs(Graph& graph, const Node& user,
                                      const std::vector<Value*>& inputs) {
  ASSIGN_OR_RETURN(Node * node, AddReplacementNode(graph, user, user.op_type(), "int", inputs));
  for (const auto& [name, attr] : user.attributes()) node->SetAttr(name, attr.Clone(&graph));
  return node;
}

class Folder {
 public:
  Folder(Graph& graph, PassContext& ctx) : graph_(graph), ctx_(ctx) {}

  absl::StatusOr<bool> Fold(Node* quant);

 private:
  // Rewrites `user`, which reads the weight at `index`; false when this reader is not supported
  // (it keeps reading the quantizer's output, which becomes a float constant).
  absl::StatusOr<bool> RewriteUse(Node* user, int index, const Weight& w);
  absl::StatusOr<bool> RewriteTranspose(Node* transpose, const Weight& w);
  absl::StatusOr<bool> RewriteMatMul(Node* user, int index, const Weight& w);
  absl::StatusOr<bool> RewriteConv(Node* user, const Weight& w);
  absl::StatusOr<bool> RewriteGemm(Node* user, const Weight& w);
  absl::StatusOr<bool> RewriteGather(Node* user, const Weight& w);

  // A fresh integer initializer for one reader.
  absl::StatusOr<Value*> IntegerWeight(const Weight& w);
  // Replaces `user` by `replacement` (its copy reading the integer weight) followed by Mul(scale)
  // and, when given, Add(addend).
  absl::Status ScaleAfter(Node* user, Node* replacement, Tensor scale,
                          Value* addend = nullptr);

  Graph& graph_;
  PassContext& ctx_;
};

absl::StatusOr<Value*> Folder::IntegerWeight(const Weight& w) {
  ASSIGN_OR_RETURN(Value * v, AddConstant(graph_, w.name + "_int", w.integers));
  v->type().dtype = w.dtype;
  v->type().dtype_annotated = true;
  return v;
}

absl::Status Folder::ScaleAfter(Node* user, Node* replacement, Tensor scale, Value* addend) {
  ASSIGN_OR_RETURN(Value * s,
                   AddConstant(graph_, user->name() + "_weight_scale", std::move(scale)));
  ASSIGN_OR_RETURN(Node * mul, AddReplacementNode(graph_, *user, "Mul", "weight_scale",
                                                  {replacement->output(0), s}));
  Value* out = mul->output(0);
  if (addend != nullptr) {
    ASSIGN_OR_RETURN(Node * add, AddReplacementNode(graph_, *user, "Add", "bias", {out, addend}));
    out = add->output(0);
  }
  return SubstituteNode(graph_, user, {out});
}

absl::StatusOr<bool> Folder::RewriteUse(Node* user, int index, const Weight& w) {
  if (!IsWeightPosition(*user, index)) return false;
  const std::string& op = user->op_type();
  if (op == "Transpose") return RewriteTranspose(user, w);
  if (op == "MatMul") return RewriteMatMul(user, index, w);
  if (op == "Conv") return RewriteConv(user, w);
  if (op == "Gemm") return RewriteGemm(user, w);
  if (op == "Gather") return RewriteGather(user, w);
  return false;
}

absl::StatusOr<bool> Folder::RewriteTranspose(Node* transpose, const Weight& w) {
  const Attribute* perm = transpose->attr("perm");
  auto transposed = [&](const Tensor& t) -> absl::StatusOr<Tensor> {
    std::vector<std::pair<std::string, Attribute>> attrs;
    if (perm != nullptr) attrs.push_back({"perm", perm->Clone(&graph_)});
    return EvaluateOp(*ctx_.model, "Transpose", {t}, std::move(attrs));
  };
  Weight t;
  ASSIGN_OR_RETURN(t.integers, transposed(w.integers));
  ASSIGN_OR_RETURN(t.scale, transposed(w.scale));
  ASSIGN_OR_RETURN(t.dequantized, transposed(w.dequantized));
  t.dtype = w.dtype;
  t.name = transpose->output(0)->name();
  const std::vector<Use> uses = transpose->output(0)->uses();
  for (const Use& u : uses) {
    // A reader that takes the weight twice keeps reading the Transpose (a rewrite replaces the
    // reader, so the second use would name a removed node).
    const bool twice = std::count_if(uses.begin(), uses.end(),
                                     [&](const Use& v) { return v.node == u.node; }) > 1;
    if (twice) continue;
    RETURN_IF_ERROR(RewriteUse(u.node, u.input_index, t).status());
  }
  return RemoveIfUnused(graph_, transpose);
}

absl::StatusOr<bool> Folder::RewriteMatMul(Node* user, int index, const Weight& w) {
  const Value* other = user->input(1 - index);
  const Value* out = user->output(0);
  if (other == nullptr || !other->type().shape || !out->type().shape) return false;
  const int64_t other_rank = static_cast<int64_t>(other->type().shape->size());
  const int64_t out_rank = static_cast<int64_t>(out->type().shape->size());
  const int64_t r = w.integers.rank();
  Tensor scale;
  if (Uniform(w.scale)) {
    scale = Tensor::Scalar<float>(static_cast<float>(w.scale.GetDouble(0)));
  } else {
    if (r < 2) return false;
    // The summed axis (K) must not vary: rows of B, columns of A.
    const int64_t k_axis = index == 1 ? r - 2 : r - 1;
    if (w.scale.dim(k_axis) != 1) return false;
    Dims dims = w.scale.dims();
    // A rank-1 operand drops M (or N) from the result: drop that axis from the scale too.
    if (other_rank == 1) dims.erase(dims.begin() + k_axis);
    while (static_cast<int64_t>(dims.size()) > out_rank) {
      if (dims.front() != 1) return false;
      dims.erase(dims.begin());
    }
    scale = Reshaped(w.scale, dims);
  }
  ASSIGN_OR_RETURN(Value * ints, IntegerWeight(w));
  std::vector<Value*> inputs = {user->input(0), user->input(1)};
  inputs[index] = ints;
  ASSIGN_OR_RETURN(Node * replacement, CloneWithInputs(graph_, *user, inputs));
  RETURN_IF_ERROR(ScaleAfter(user, replacement, std::move(scale)));
  return true;
}

absl::StatusOr<bool> Folder::RewriteConv(Node* user, const Weight& w) {
  const int64_t r = w.integers.rank();
  if (r < 3) return false;
  const int64_t oc = w.integers.dim(0);
  for (int64_t i = 1; i < r; ++i) {
    if (w.scale.dim(i) != 1) return false;  // only per-output-channel scales leave the Conv
  }
  Dims channel_dims(r, 1);
  channel_dims[1] = oc;
  Tensor scale = Uniform(w.scale) ? Tensor::Scalar<float>(static_cast<float>(w.scale.GetDouble(0)))
                                  : Reshaped(w.scale, channel_dims);
  Value* bias = nullptr;
  if (user->num_inputs() > 2 && user->input(2) != nullptr) {
    const Tensor* b = ConstantData(user->input(2));
    if (b == nullptr || b->size() != oc || b->type() != ElementType::kFloat) return false;
    ASSIGN_OR_RETURN(bias, AddConstant(graph_, user->name() + "_bias", Reshaped(*b, channel_dims)));
  }
  ASSIGN_OR_RETURN(Value * ints, IntegerWeight(w));
  ASSIGN_OR_RETURN(Node * replacement, CloneWithInputs(graph_, *user, {user->input(0), ints}));
  Value* old_bias = user->num_inputs() > 2 ? user->input(2) : nullptr;
  RETURN_IF_ERROR(ScaleAfter(user, replacement, std::move(scale), bias));
  RETURN_IF_ERROR(RemoveUnusedConstants(graph_, {old_bias}));
  return true;
}

absl::StatusOr<bool> Folder::RewriteGemm(Node* user, const Weight& w) {
  if (w.integers.rank() != 2) return false;
  const bool trans_b = user->GetInt("transB", 0) != 0;
  const int64_t n = trans_b ? w.integers.dim(0) : w.integers.dim(1);
  Tensor scale;
  if (Uniform(w.scale)) {
    scale = Tensor::Scalar<float>(static_cast<float>(w.scale.GetDouble(0)));
  } else {
    if (w.scale.dim(trans_b ? 1 : 0) != 1) return false;  // K must not vary
    scale = Reshaped(w.scale, {1, n});
  }
  Value* addend = nullptr;
  Value* c = user->num_inputs() > 2 ? user->input(2) : nullptr;
  const float beta = user->GetFloat("beta", 1.0f);
  if (c != nullptr && beta != 0.0f) {
    if (beta == 1.0f) {
      addend = c;
    } else {
      const Tensor* cd = ConstantData(c);
      if (cd == nullptr) return false;
      ASSIGN_OR_RETURN(Tensor scaled,
                       EvaluateOp(*ctx_.model, "Mul", {*cd, ScalarTensor(cd->type(), beta)}));
      ASSIGN_OR_RETURN(addend, AddConstant(graph_, c->name() + "_beta", std::move(scaled)));
    }
  }
  ASSIGN_OR_RETURN(Value * ints, IntegerWeight(w));
  ASSIGN_OR_RETURN(Node * replacement, CloneWithInputs(graph_, *user, {user->input(0), ints}));
  replacement->RemoveAttr("beta");
  RETURN_IF_ERROR(ScaleAfter(user, replacement, std::move(scale), addend));
  if (c != nullptr && addend != c) RETURN_IF_ERROR(RemoveUnusedConstants(graph_, {c}));
  return true;
}

absl::StatusOr<bool> Folder::RewriteGather(Node* user, const Weight& w) {
  if (!Uniform(w.scale)) return false;
  ASSIGN_OR_RETURN(Value * ints, IntegerWeight(w));
  std::vector<Value*> inputs = {ints, user->input(1)};
  ASSIGN_OR_RETURN(Node * replacement, CloneWithInputs(graph_, *user, inputs));
  RETURN_IF_ERROR(ScaleAfter(
      user, replacement, Tensor::Scalar<float>(static_cast<float>(w.scale.GetDouble(0)))));
  return true;
}

absl::StatusOr<bool> Folder::Fold(Node* quant) {
  std::string why;
  std::optional<QuantizerParams> p = ReadQuantizerParams(*quant, &why);
  if (!p) {
    ctx_.Warn(absl::StrCat(why, "; weight quantizer left as is"));
    return false;
  }
  if (p->zeropt != nullptr && !AllElementsEqual(*p->zeropt, 0.0)) {
    ctx_.Warn(absl::StrCat(quant->Describe(),
                           ": nonzero zero point; weight quantizer left as is (FINN folds only "
                           "zero point 0)"));
    return false;
  }
  std::vector<const Tensor*> inputs;
  for (Value* v : quant->inputs()) inputs.push_back(ConstantData(v));
  const Tensor& raw = *inputs[0];
  ASSIGN_OR_RETURN(std::vector<Tensor> outs, EvaluateNode(*quant, inputs, *ctx_.model));
  Weight w;
  w.dequantized = std::move(outs.at(0));
  w.dtype = p->IntegerType();
  w.name = quant->output(0)->name();
  if (w.dequantized.dims() != raw.dims() || p->scale->rank() > raw.rank()) {
    ctx_.Warn(absl::StrCat(quant->Describe(), ": its scale broadcasts the weight to shape ",
                           DimsToString(w.dequantized.dims()), "; weight quantizer left as is"));
    return false;
  }
  Dims scale_dims(raw.rank() - p->scale->rank(), 1);
  for (int64_t d : p->scale->dims()) scale_dims.push_back(d);
  w.scale = Reshaped(p->scale->CastTo(ElementType::kFloat), scale_dims);
  // Integers: round(Quant(w) / s), valid only if Mul gives Quant(w) back exactly.
  ASSIGN_OR_RETURN(Tensor ratio, EvaluateOp(*ctx_.model, "Div", {w.dequantized, w.scale}));
  w.integers = Tensor(ElementType::kFloat, ratio.dims());
  bool valid = true;
  for (int64_t i = 0; i < ratio.size(); ++i) {
    const float k = std::nearbyint(ratio.data<float>()[i]) + 0.0f;
    valid = valid && w.dtype.Allowed(k);
    w.integers.data<float>()[i] = k;
  }
  ASSIGN_OR_RETURN(Tensor back, EvaluateOp(*ctx_.model, "Mul", {w.integers, w.scale}));
  valid = valid && SameValues(w.dequantized, back, &why);

  const std::vector<Value*> params(quant->inputs().begin(), quant->inputs().end());
  Value* out = quant->output(0);
  if (valid && AllElementsEqual(*p->scale, 1.0)) {
    ASSIGN_OR_RETURN(Value * ints, AddConstant(graph_, w.name + "_int", w.integers));
    RETURN_IF_ERROR(SubstituteNode(graph_, quant, {ints}));
    ints->type().dtype = w.dtype;
    ints->type().dtype_annotated = true;
    RETURN_IF_ERROR(RemoveUnusedConstants(graph_, params));
    return true;
  }
  if (valid) {
    const std::vector<Use> uses = out->uses();
    for (const Use& u : uses) {
      const bool twice = std::count_if(uses.begin(), uses.end(),
                                       [&](const Use& v) { return v.node == u.node; }) > 1;
      if (twice) continue;
      RETURN_IF_ERROR(RewriteUse(u.node, u.input_index, w).status());
    }
  } else {
    ctx_.Warn(absl::StrCat(quant->Describe(), ": Quant(w) / scale does not give integers that "
                           "reproduce it exactly; folded to its float values instead"));
  }
  if (IsUnused(*out)) {
    RETURN_IF_ERROR(graph_.RemoveNode(quant));
  } else {
    // The remaining readers (and graph outputs) get the exact float values.
    ASSIGN_OR_RETURN(Value * folded, AddConstant(graph_, w.name + "_folded", w.dequantized));
    RETURN_IF_ERROR(SubstituteNode(graph_, quant, {folded}));
  }
  RETURN_IF_ERROR(RemoveUnusedConstants(graph_, params));
  return true;
}

// A weight quantizer in `graph` whose output a subgraph (a Scan body: the lowered QuantLSTMCell
// keeps its weight quantizers outside the loop) reads as an integer weight is copied into every
// such subgraph, reading its constant inputs by outer-scope reference; the pass then folds the
// copy where its readers are (subgraphs run after their parent). The copy computes the same
// values, so this is exact. Returns whether anything moved; the original is removed once unread.
absl::StatusOr<bool> SinkIntoSubgraphs(Graph& graph, Node* quant) {
  Value* out = quant->output(0);
  bool changed = false;
  for (Node* owner : graph.nodes()) {
    for (Graph* sub : owner->subgraphs()) {
      Value* ref = sub->FindValue(out->name());
      if (ref == nullptr || !ref->is_outer_ref() || ReadBySubgraph(*ref)) continue;
      const std::vector<Use> uses = ref->uses();
      if (std::none_of(uses.begin(), uses.end(), [](const Use& u) {
            return IsWeightPosition(*u.node, u.input_index);
          })) {
        continue;
      }
      std::vector<Value*> inputs;
      for (Value* in : quant->inputs()) {
        Value* r = sub->FindValue(in->name());
        if (r == nullptr) {
          ASSIGN_OR_RETURN(r, sub->AddOuterRef(in->name(), in->type()));
        }
        if (!r->is_outer_ref()) break;  // the body defines a value of that name itself
        inputs.push_back(r);
      }
      if (inputs.size() != quant->inputs().size()) continue;
      std::string name = sub->UniqueValueName(out->name() + "_in_body");
      while (sub->LookupValue(name) != nullptr) name = sub->UniqueValueName(name + "_");
      ASSIGN_OR_RETURN(Node * copy,
                       sub->AddNodeWithNewOutputs(quant->op_type(), quant->domain(),
                                                  sub->UniqueNodeName(quant->name()), inputs,
                                                  {name}));
      for (const auto& [attr_name, attr] : quant->attributes()) {
        copy->SetAttr(attr_name, attr.Clone(sub));
      }
      copy->set_origin(quant->origin());
      copy->output(0)->type() = out->type();
      sub->ReplaceAllUsesWith(ref, copy->output(0));
      RETURN_IF_ERROR(sub->RemoveValue(ref));
      changed = true;
    }
  }
  if (changed && IsUnused(*out)) {
    const std::vector<Value*> params(quant->inputs().begin(), quant->inputs().end());
    RETURN_IF_ERROR(graph.RemoveNode(quant));
    RETURN_IF_ERROR(RemoveUnusedConstants(graph, params));
  }
  return changed;
}

bool AllInputsConstant(const Node& node) {
  return std::all_of(node.inputs().begin(), node.inputs().end(),
                     [](Value* v) { return ConstantData(v) != nullptr; });
}

}  // namespace

absl::StatusOr<bool> FoldQuantWeightsPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  bool sunk = false;
  for (Node* node : graph.nodes()) {
    if (!IsQuantizer(*node) || node->num_outputs() != 1 || !AllInputsConstant(*node)) continue;
    if (!ReadBySubgraph(*node->output(0))) continue;
    ASSIGN_OR_RETURN(bool moved, SinkIntoSubgraphs(graph, node));
    sunk = sunk || moved;
  }
  std::vector<Node*> quants;
  for (Node* node : graph.nodes()) {
    if (!IsQuantizer(*node) || node->num_outputs() != 1 || IsUnused(*node->output(0))) continue;
    const bool constant = std::all_of(node->inputs().begin(), node->inputs().end(),
                                      [](Value* v) { return ConstantData(v) != nullptr; });
    if (constant) quants.push_back(node);
  }
  // Quantizers that no layer reads as a weight (biases) first: when a Conv or Gemm is rewritten,
  // its bias is then already a constant.
  std::stable_partition(quants.begin(), quants.end(), [](Node* q) {
    for (const Use& u : q->output(0)->uses()) {
      if (IsWeightPosition(*u.node, u.input_index)) return false;
    }
    return true;
  });
  Folder folder(graph, ctx);
  bool changed = sunk;
  for (Node* quant : quants) {
    ASSIGN_OR_RETURN(bool folded, folder.Fold(quant));
    changed = changed || folded;
  }
  return changed;
}

}  // namespace finngl
