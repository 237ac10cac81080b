#include "src/passes/move_transpose_past_elementwise.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/transpose_util.h"

namespace finngl {
namespace {

enum class Kind { kNone, kUnary, kBroadcasting, kMultiThreshold };

Kind KindOf(const Node& node) {
  static const std::set<std::string> kUnary = {
      "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Sign", "Identity", "Neg", "Abs",
      "Exp",  "Sqrt",      "Floor",   "Ceil", "Round", "Cast",    "Clip"};
  static const std::set<std::string> kBinary = {"Add", "Sub", "Mul", "Div"};
  static const std::set<std::string> kQuantizers = {"Quant", "IntQuant", "BipolarQuant", "Trunc"};
  if (node.num_outputs() != 1 || node.output(0) == nullptr) return Kind::kNone;
  if (node.domain().empty()) {
    if (kUnary.count(node.op_type())) return Kind::kUnary;
    if (kBinary.count(node.op_type())) return Kind::kBroadcasting;
  } else if (node.domain() == kQonnxDomain) {
    if (kQuantizers.count(node.op_type())) return Kind::kBroadcasting;
    if (node.op_type() == "MultiThreshold") return Kind::kMultiThreshold;
  }
  return Kind::kNone;
}

bool AllDimsOne(const Value& v, size_t max_rank) {
  const std::optional<Shape>& s = v.type().shape;
  if (!s || s->size() > max_rank) return false;
  for (const Dim& d : *s) {
    if (d.value != 1) return false;
  }
  return true;
}

// MultiThreshold's data_layout for x, or nullopt when the channel axis cannot be tracked.
std::optional<std::string> PermutedLayout(const Node& mt, const Perm& perm) {
  std::string layout = mt.GetString("data_layout", "");
  if (layout.empty()) {
    // qonnx's default by rank.
    if (perm.size() == 2) layout = "NC";
    if (perm.size() == 3) layout = "NWC";
    if (perm.size() == 4) layout = "NCHW";
  }
  if (layout.size() != perm.size() || layout.find('C') == std::string::npos) return std::nullopt;
  std::string moved(layout.size(), '?');
  for (size_t k = 0; k < perm.size(); ++k) moved[perm[k]] = layout[k];
  return moved;
}

// How another input `v` of the op below Transpose<perm> is re-expressed for the op above it.
enum class Operand { kImpossible, kSame, kJoin, kPermutedConstant };

Operand ClassifyOperand(const Graph& graph, const Value& v, const Perm& perm) {
  const size_t rank = perm.size();
  if (Node* p = v.producer(); IsTranspose(p) && p->graph() == &graph && PermOf(*p) == perm) {
    return Operand::kJoin;
  }
  if (AllDimsOne(v, rank)) return Operand::kSame;
  const Tensor* c = ConstantData(&v);
  if (c == nullptr || static_cast<size_t>(c->rank()) > rank) return Operand::kImpossible;
  return Operand::kPermutedConstant;
}

// A constant of rank <= perm.size() permuted to the axes of the Transpose's input.
absl::StatusOr<Value*> PermutedConstant(Graph& graph, const Model& model, Value* v,
                                        const Perm& perm) {
  const Tensor* c = ConstantData(v);
  RET_CHECK(c != nullptr);
  // numpy aligns ranks on the right; then the constant's axes follow the data's.
  Tensor aligned = *c;
  Dims dims(perm.size() - c->rank(), 1);
  dims.insert(dims.end(), c->dims().begin(), c->dims().end());
  aligned.Reshape(dims);
  ASSIGN_OR_RETURN(Tensor moved, TransposeConstant(model, std::move(aligned), InversePerm(perm)));
  ASSIGN_OR_RETURN(Value * out, AddConstant(graph, v->name() + "_perm", std::move(moved)));
  AnnotateDerivedConstant(*v, out);
  return out;
}

// Moves `t` below `op` (which reads t's output). Returns whether it did.
absl::StatusOr<bool> MovePast(Graph& graph, const Model& model, Node* t, const Perm& perm,
                              Node* op) {
  const Kind kind = KindOf(*op);
  if (kind == Kind::kNone || op->graph() != &graph) return false;
  Value* y = t->output(0);
  std::optional<std::string> layout;
  if (kind == Kind::kMultiThreshold) {
    if (op->input(0) != y || op->input(1) == y) return false;
    layout = PermutedLayout(*op, perm);
    if (!layout) return false;
  }
  if (kind == Kind::kUnary) {
    if (op->input(0) != y) return false;
    for (int i = 1; i < op->num_inputs(); ++i) {  // Clip's bounds: scalars
      Value* v = op->input(i);
      if (v != nullptr && (!v->type().shape || !v->type().shape->empty())) return false;
    }
  }
  if (kind == Kind::kBroadcasting && op->domain() == kQonnxDomain) {
    // The quantizers' parameters are broadcast against x, but x is input 0.
    if (op->input(0) != y) return false;
    for (int i = 1; i < op->num_inputs(); ++i) {
      if (op->input(i) == y) return false;
    }
  }
  // Check every operand before creating anything.
  std::vector<Operand> how(op->num_inputs(), Operand::kSame);
  for (int i = 0; i < op->num_inputs(); ++i) {
    Value* v = op->input(i);
    if (v == nullptr || v == y || kind != Kind::kBroadcasting) continue;  // Clip bounds, thresholds
    how[i] = ClassifyOperand(graph, *v, perm);
    if (how[i] == Operand::kImpossible) return false;
  }
  std::vector<Value*> inputs = op->inputs();
  std::vector<Node*> joined;
  for (int i = 0; i < op->num_inputs(); ++i) {
    Value* v = op->input(i);
    if (v == y) {
      inputs[i] = t->input(0);
    } else if (how[i] == Operand::kJoin) {
      Node* other = v->producer();
      if (other != t && std::find(joined.begin(), joined.end(), other) == joined.end()) {
        joined.push_back(other);
      }
      inputs[i] = v->producer()->input(0);
    } else if (how[i] == Operand::kPermutedConstant) {
      ASSIGN_OR_RETURN(inputs[i], PermutedConstant(graph, model, v, perm));
    }
  }
  const std::string name = op->name();
  ASSIGN_OR_RETURN(Node * moved,
                   graph.AddNodeWithNewOutputs(op->op_type(), op->domain(),
                                               graph.UniqueNodeName(name + "_moved"), inputs,
                                               {op->output(0)->name() + "_untransposed"}));
  moved->set_origin(op->origin());
  moved->doc_string = op->doc_string;
  for (const auto& [attr_name, attr] : op->attributes()) {
    moved->SetAttr(attr_name, attr.Clone(&graph));
  }
  if (layout) moved->SetAttr("data_layout", Attribute::String(*layout));
  // The values are the same, only their order differs: what was known about them still holds.
  const TensorType& old_type = op->output(0)->type();
  if (old_type.dtype_annotated) {
    moved->output(0)->type().dtype = old_type.dtype;
    moved->output(0)->type().dtype_annotated = true;
  }
  ASSIGN_OR_RETURN(Node * back,
                   AddReplacementNode(graph, *op, "Transpose", "transpose", {moved->output(0)}));
  back->SetAttr("perm", Attribute::Ints(perm));
  back->output(0)->type() = op->output(0)->type();  // same values: types known in this run
  RETURN_IF_ERROR(SubstituteNode(graph, op, {back->output(0)}));
  if (!name.empty()) RETURN_IF_ERROR(graph.RenameNode(moved, name));
  RETURN_IF_ERROR(RemoveIfUnused(graph, t).status());
  for (Node* other : joined) RETURN_IF_ERROR(RemoveIfUnused(graph, other).status());
  return true;
}

}  // namespace

absl::StatusOr<bool> MoveTransposePastElementwisePass::RunOnGraph(Graph& graph,
                                                                  PassContext& ctx) const {
  // Each move takes a Transpose one op further down (toward the outputs) and the graph is acyclic,
  // so repeating sweeps until nothing moves ends.
  bool changed = false;
  for (bool swept_changed = true; swept_changed;) {
    swept_changed = false;
    ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
    for (Node* t : order) {
      if (!IsTranspose(t)) continue;
      std::optional<Perm> perm = PermOf(*t);
      if (!perm) continue;
      bool moved = false;
      // Copy: a move changes the use list.
      const std::vector<Use> uses = t->output(0)->uses();
      for (const Use& use : uses) {
        ASSIGN_OR_RETURN(moved, MovePast(graph, *ctx.model, t, *perm, use.node));
        if (moved) break;  // t may be gone
      }
      if (moved) {
        swept_changed = changed = true;
        break;  // `order` may hold removed nodes
      }
    }
  }
  return changed;
}

}  // namespace finngl
