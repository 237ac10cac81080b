#include "src/passes/absorb_transpose_into_flatten.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/transpose_util.h"

namespace finngl {
namespace {

bool SameDim(const Dim& a, const Dim& b) {
  return a.known() ? a.value == b.value : (!a.param.empty() && a.param == b.param);
}

// What the rewrite of one flatten needs.
struct Match {
  Node* transpose;
  Perm perm;
  Shape x;      // the Transpose's input shape
  int64_t k;    // flattened size
  std::vector<Node*> matmuls;
};

// Whether `f` flattens the output of a batch-preserving Transpose into [N, K] that only
// MatMuls with constant weights read.
std::optional<Match> MatchFlatten(const Graph& graph, Node* f) {
  if (!f->domain().empty() || f->num_outputs() != 1 || f->output(0) == nullptr) return std::nullopt;
  const bool is_flatten = f->op_type() == "Flatten";
  if (!is_flatten && f->op_type() != "Reshape") return std::nullopt;
  Node* t = f->input(0) != nullptr ? f->input(0)->producer() : nullptr;
  if (!IsTranspose(t) || t->graph() != &graph) return std::nullopt;
  std::optional<Perm> perm = PermOf(*t);
  if (!perm || perm->size() < 2 || (*perm)[0] != 0) return std::nullopt;
  const std::optional<Shape>& xs = t->input(0)->type().shape;
  if (!xs || xs->size() != perm->size()) return std::nullopt;
  int64_t k = 1;
  for (size_t i = 1; i < xs->size(); ++i) {
    if (!(*xs)[i].known()) return std::nullopt;
    k *= (*xs)[i].value;
  }
  if (is_flatten) {
    int64_t axis = f->GetInt("axis", 1);
    if (axis < 0) axis += static_cast<int64_t>(xs->size());
    if (axis != 1) return std::nullopt;
  } else {
    const std::optional<Shape>& out = f->output(0)->type().shape;
    if (!out || out->size() != 2 || !(*out)[1].known() || (*out)[1].value != k ||
        !SameDim((*out)[0], (*xs)[0])) {
      return std::nullopt;
    }
  }
  const Value& flat = *f->output(0);
  if (flat.is_graph_output() || flat.uses().empty() || ReadBySubgraph(flat)) return std::nullopt;
  Match m{t, *perm, *xs, k, {}};
  for (const Use& use : flat.uses()) {
    Node* mm = use.node;
    if (mm->op_type() != "MatMul" || !mm->domain().empty() || use.input_index != 0 ||
        mm->input(1) == mm->input(0)) {
      return std::nullopt;
    }
    const Tensor* w = ConstantData(mm->input(1));
    if (w == nullptr || w->rank() != 2 || w->dim(0) != k) return std::nullopt;
    if (std::find(m.matmuls.begin(), m.matmuls.end(), mm) == m.matmuls.end()) {
      m.matmuls.push_back(mm);
    }
  }
  return m;
}

// src[j]: the position in x's flattening (batch excluded) of element j of the transposed
// flattening, computed by transposing an index tensor through the Transpose kernel.
absl::StatusOr<std::vector<int64_t>> SourceRows(const Model& model, const Match& m) {
  Dims dims;
  for (size_t i = 1; i < m.x.size(); ++i) dims.push_back(m.x[i].value);
  std::vector<int64_t> iota(m.k);
  for (int64_t i = 0; i < m.k; ++i) iota[i] = i;
  Tensor index = Tensor::FromVector<int64_t>(dims, iota);
  Perm inner;
  for (size_t i = 1; i < m.perm.size(); ++i) inner.push_back(m.perm[i] - 1);
  ASSIGN_OR_RETURN(Tensor moved, TransposeConstant(model, std::move(index), inner));
  return moved.ToInt64s();
}

// W'[src[j], :] = W[j, :].
Tensor PermuteRows(const Tensor& w, const std::vector<int64_t>& src) {
  Tensor out(w.type(), w.dims());
  const size_t row_bytes = static_cast<size_t>(w.dim(1)) * ElementSize(w.type());
  const auto* in = static_cast<const unsigned char*>(w.raw());
  auto* dst = static_cast<unsigned char*>(out.raw());
  for (size_t j = 0; j < src.size(); ++j) {
    if (row_bytes != 0) std::memcpy(dst + src[j] * row_bytes, in + j * row_bytes, row_bytes);
  }
  return out;
}

absl::Status Absorb(Graph& graph, const Model& model, Node* f, const Match& m) {
  ASSIGN_OR_RETURN(std::vector<int64_t> src, SourceRows(model, m));
  for (Node* mm : m.matmuls) {
    Value* w = mm->input(1);
    ASSIGN_OR_RETURN(Value * permuted,
                     AddConstant(graph, w->name() + "_rows", PermuteRows(*ConstantData(w), src)));
    AnnotateDerivedConstant(*w, permuted);
    mm->SetInput(1, permuted);
    if (w->graph() == &graph && w->is_initializer() && !w->is_graph_input() && IsUnused(*w)) {
      RETURN_IF_ERROR(graph.RemoveValue(w));
    }
  }
  const std::string name = f->name();
  ASSIGN_OR_RETURN(Node * flatten,
                   AddReplacementNode(graph, *f, "Flatten", "flatten", {m.transpose->input(0)}));
  flatten->SetAttr("axis", Attribute::Int(1));
  flatten->output(0)->type() = f->output(0)->type();  // same shape and values (reordered)
  RETURN_IF_ERROR(SubstituteNode(graph, f, {flatten->output(0)}));
  if (!name.empty()) RETURN_IF_ERROR(graph.RenameNode(flatten, name));
  return RemoveIfUnused(graph, m.transpose).status();
}

}  // namespace

absl::StatusOr<bool> AbsorbTransposeIntoFlattenPass::RunOnGraph(Graph& graph,
                                                                PassContext& ctx) const {
  bool changed = false;
  for (bool swept_changed = true; swept_changed;) {
    swept_changed = false;
    for (Node* f : graph.nodes()) {
      std::optional<Match> m = MatchFlatten(graph, f);
      if (!m) continue;
      RETURN_IF_ERROR(Absorb(graph, *ctx.model, f, *m));
      swept_changed = changed = true;
      break;  // nodes were removed
    }
  }
  return changed;
}

}  // namespace finngl
