#include "src/passes/make_maxpool_nhwc.h"

#include <optional>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/ops/window.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/transpose_util.h"

namespace finngl {
namespace {

// The MaxPoolNHWC attributes for a MaxPool this pass can rewrite, or nullopt. `nchw` is the shape
// of the MaxPool's input.
struct NhwcPoolAttrs {
  std::vector<int64_t> kernel_shape, pads, strides;
  int64_t ceil_mode = 0;
};

std::optional<NhwcPoolAttrs> RewritableAttrs(const Node& pool) {
  if (pool.op_type() != "MaxPool" || !pool.domain().empty() || pool.num_inputs() != 1) {
    return std::nullopt;
  }
  if (pool.num_outputs() > 1 && pool.output(1) != nullptr && !IsUnused(*pool.output(1))) {
    return std::nullopt;
  }
  const std::optional<Shape>& shape = pool.input(0)->type().shape;
  if (!shape || shape->size() != 4) return std::nullopt;
  auto w = ParseWindowAttrs(pool, /*kernel_required=*/true);
  if (!w.ok() || w->kernel_shape.size() != 2 || !CheckWindowRank(*w, 2).ok()) return std::nullopt;
  for (int64_t d : w->dilations) {
    if (d != 1) return std::nullopt;
  }
  NhwcPoolAttrs a;
  a.kernel_shape = w->kernel_shape;
  a.strides = w->strides.empty() ? std::vector<int64_t>{1, 1} : w->strides;
  a.ceil_mode = w->ceil_mode ? 1 : 0;
  if (w->auto_pad == AutoPad::kNotSet) {
    a.pads = w->pads.empty() ? std::vector<int64_t>{0, 0, 0, 0} : w->pads;
    return a;
  }
  // auto_pad: the explicit pads depend on the input size.
  if (!(*shape)[2].known() || !(*shape)[3].known()) return std::nullopt;
  const int64_t in[2] = {(*shape)[2].value, (*shape)[3].value};
  auto g = ComputeWindowGeometry(*w, in, w->kernel_shape);
  if (!g.ok()) return std::nullopt;
  a.pads = {g->pad_begin[1], g->pad_begin[2], g->pad_end[1], g->pad_end[2]};
  return a;
}

absl::StatusOr<Node*> AddMaxPoolNhwc(Graph& graph, const Node& pool, const NhwcPoolAttrs& a,
                                     Value* input) {
  ASSIGN_OR_RETURN(Node * node, AddReplacementNode(graph, pool, "MaxPoolNHWC", "nhwc", {input}));
  node->set_domain(kQonnxDomain);
  node->SetAttr("kernel_shape", Attribute::Ints(a.kernel_shape));
  node->SetAttr("pads", Attribute::Ints(a.pads));
  node->SetAttr("strides", Attribute::Ints(a.strides));
  node->SetAttr("ceil_mode", Attribute::Int(a.ceil_mode));
  return node;
}

bool HasPerm(const Node* node, const Perm& perm) {
  if (!IsTranspose(node)) return false;
  std::optional<Perm> p = PermOf(*node);
  return p && *p == perm;
}

// MaxPool(Transpose<NHWC->NCHW>(x)) -> Transpose<NHWC->NCHW>(MaxPoolNHWC(x)).
absl::StatusOr<bool> RewriteAfterTranspose(Graph& graph, Node* pool, const NhwcPoolAttrs& a) {
  Node* t = pool->input(0)->producer();
  if (!HasPerm(t, kNhwcToNchw) || t->graph() != &graph) return false;
  const std::string name = pool->name();
  ASSIGN_OR_RETURN(Node * nhwc, AddMaxPoolNhwc(graph, *pool, a, t->input(0)));
  ASSIGN_OR_RETURN(Node * back,
                   AddReplacementNode(graph, *pool, "Transpose", "nchw", {nhwc->output(0)}));
  back->SetAttr("perm", Attribute::Ints(kNhwcToNchw));
  back->output(0)->type() = pool->output(0)->type();  // same values: types known in this run
  const std::vector<Value*> outputs =
      pool->num_outputs() == 1 ? std::vector<Value*>{back->output(0)}
                               : std::vector<Value*>{back->output(0), nullptr};
  RETURN_IF_ERROR(SubstituteNode(graph, pool, outputs));
  RETURN_IF_ERROR(RemoveIfUnused(graph, t).status());
  if (!name.empty()) RETURN_IF_ERROR(graph.RenameNode(nhwc, name));
  return true;
}

// Transpose<NCHW->NHWC>(MaxPool(x)) -> MaxPoolNHWC(Transpose<NCHW->NHWC>(x)).
absl::StatusOr<bool> RewriteBeforeTranspose(Graph& graph, Node* pool, const NhwcPoolAttrs& a) {
  Value* y = pool->output(0);
  if (y->is_graph_output() || y->uses().size() != 1 || ReadBySubgraph(*y)) return false;
  Node* t = y->uses()[0].node;
  if (!HasPerm(t, kNchwToNhwc)) return false;
  const std::string name = pool->name();
  ASSIGN_OR_RETURN(Node * to_nhwc,
                   AddReplacementNode(graph, *t, "Transpose", "moved", {pool->input(0)}));
  to_nhwc->SetAttr("perm", Attribute::Ints(kNchwToNhwc));
  ASSIGN_OR_RETURN(Node * nhwc, AddMaxPoolNhwc(graph, *pool, a, to_nhwc->output(0)));
  nhwc->output(0)->type() = t->output(0)->type();  // same values: types known in this run
  RETURN_IF_ERROR(SubstituteNode(graph, t, {nhwc->output(0)}));
  RETURN_IF_ERROR(RemoveIfUnused(graph, pool).status());
  if (!name.empty()) RETURN_IF_ERROR(graph.RenameNode(nhwc, name));
  return true;
}

}  // namespace

absl::StatusOr<bool> MakeMaxPoolNhwcPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  bool changed = false;
  // A rewrite removes nodes (a Transpose, the MaxPool), so the sweep restarts after each one.
  for (bool swept_changed = true; swept_changed;) {
    swept_changed = false;
    for (Node* pool : graph.nodes()) {
      std::optional<NhwcPoolAttrs> a = RewritableAttrs(*pool);
      if (!a) continue;
      ASSIGN_OR_RETURN(bool rewrote, RewriteAfterTranspose(graph, pool, *a));
      if (!rewrote) {
        ASSIGN_OR_RETURN(rewrote, RewriteBeforeTranspose(graph, pool, *a));
      }
      if (rewrote) {
        swept_changed = changed = true;
        break;
      }
    }
  }
  return changed;
}

}  // namespace finngl
