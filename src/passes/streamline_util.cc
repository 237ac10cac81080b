#include "src/passes/streamline_util.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/infer.h"
#include "src/ops/threshold_layout.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/threshold_search.h"

namespace finngl {

std::optional<ConstantOperand> MatchConstantOperand(Node* node, const std::string& op_type) {
  if (node->op_type() != op_type || !node->domain().empty() || node->num_inputs() != 2 ||
      node->num_outputs() != 1 || node->output(0) == nullptr) {
    return std::nullopt;
  }
  const Tensor* c0 = ConstantData(node->input(0));
  const Tensor* c1 = ConstantData(node->input(1));
  if ((c0 == nullptr) == (c1 == nullptr)) return std::nullopt;
  ConstantOperand m;
  m.node = node;
  m.x_index = c0 == nullptr ? 0 : 1;
  m.x = node->input(m.x_index);
  m.param = node->input(1 - m.x_index);
  m.data = c0 == nullptr ? c1 : c0;
  if (m.x == nullptr || m.x->type().elem != ElementType::kFloat ||
      m.data->type() != ElementType::kFloat || m.data->size() == 0) {
    return std::nullopt;
  }
  return m;
}

bool HasSingleUse(const Value& value) {
  return value.uses().size() == 1 && !value.is_graph_output() && !ReadBySubgraph(value);
}

Node* SingleConsumer(const Value& value) {
  return HasSingleUse(value) ? value.uses()[0].node : nullptr;
}

bool BroadcastKeepsShape(const Tensor& param, const std::optional<Shape>& shape) {
  if (!shape) return false;
  const int64_t rank = static_cast<int64_t>(shape->size());
  if (param.rank() > rank) return false;
  for (int64_t i = 0; i < param.rank(); ++i) {
    const int64_t d = param.dim(param.rank() - 1 - i);
    const Dim& data = (*shape)[rank - 1 - i];
    if (d != 1 && (!data.known() || data.value != d)) return false;
  }
  return true;
}

std::optional<std::vector<float>> ChannelValues(const Tensor& param,
                                                const std::optional<Shape>& shape, int64_t axis) {
  if (param.type() != ElementType::kFloat || param.size() == 0 ||
      !BroadcastKeepsShape(param, shape)) {
    return std::nullopt;
  }
  std::span<const float> v = param.span<float>();
  // Bitwise equality: -0.0 and 0.0 differ as factors (x * -0.0 is -0.0 for positive x).
  bool uniform = true;
  for (float e : v) {
    uniform = uniform && std::bit_cast<uint32_t>(e) == std::bit_cast<uint32_t>(v[0]);
  }
  if (uniform) return std::vector<float>{v[0]};
  const int64_t offset = static_cast<int64_t>(shape->size()) - param.rank();
  for (int64_t j = 0; j < param.rank(); ++j) {
    if (param.dim(j) != 1 && j + offset != axis) return std::nullopt;
  }
  return std::vector<float>(v.begin(), v.end());
}

int64_t MultiThresholdChannelAxis(const Node& node, int64_t rank) {
  return ThresholdChannelAxis(node.GetString("data_layout", ""), rank);
}

bool IsMultiThresholdWithConstantThresholds(const Node& node) {
  if (node.op_type() != "MultiThreshold" || node.domain() != kQonnxDomain ||
      node.num_inputs() != 2 || node.num_outputs() != 1 || node.input(0) == nullptr) {
    return false;
  }
  const Tensor* t = ConstantData(node.input(1));
  return t != nullptr && t->type() == ElementType::kFloat && t->rank() == 2;
}

bool AllSigns(const Tensor& t) {
  for (int64_t i = 0; i < t.size(); ++i) {
    const double v = t.GetDouble(i);
    if (v != 1.0 && v != -1.0) return false;
  }
  return t.size() > 0;
}

bool IsOneBitFactor(const Tensor& t) {
  bool bipolar = t.size() > 0, binary = t.size() > 0;
  for (int64_t i = 0; i < t.size(); ++i) {
    const double v = t.GetDouble(i);
    bipolar = bipolar && (v == 1.0 || v == -1.0);
    binary = binary && (v == 0.0 || v == 1.0);
  }
  return bipolar || binary;
}

bool FitsAnnotation(const Value& like, const Tensor& data) {
  const TensorType& type = like.type();
  if (!type.dtype_annotated || type.dtype.IsFloat()) return true;
  for (int64_t i = 0; i < data.size(); ++i) {
    if (!type.dtype.Allowed(data.GetDouble(i))) return false;
  }
  return true;
}

bool IsPowerOfTwo(double x) {
  int exponent = 0;
  return std::isfinite(x) && x != 0 && std::fabs(std::frexp(x, &exponent)) == 0.5;
}

Tensor FloatTensor(Dims dims, const std::vector<float>& values) {
  return Tensor::FromVector<float>(std::move(dims), values);
}

absl::StatusOr<Value*> AddDerivedConstant(Graph& graph, const Value& source, Tensor data) {
  ASSIGN_OR_RETURN(Value * v, AddConstant(graph, source.name(), std::move(data)));
  AnnotateDerivedConstant(source, v);
  return v;
}

absl::Status RemoveIfDeadInitializer(Graph& graph, Value* value) {
  if (value == nullptr || value->graph() != &graph || !value->is_initializer() ||
      value->is_graph_input() || !IsUnused(*value)) {
    return absl::OkStatus();
  }
  return graph.RemoveValue(value);
}

absl::Status ReplaceNodeOutput(Graph& graph, Node* node, Value* replacement) {
  RET_CHECK(node->num_outputs() == 1);
  RETURN_IF_ERROR(SubstituteNode(graph, node, {replacement}));
  TensorType& type = replacement->type();
  if (type.dtype_annotated && type.dtype.IsFloat()) type.dtype_annotated = false;
  return absl::OkStatus();
}

absl::StatusOr<Node*> CloneNodeWithInputs(Graph& graph, const Node& node,
                                          const std::vector<Value*>& inputs) {
  std::vector<std::string> output_names;
  for (int i = 0; i < node.num_outputs(); ++i) {
    output_names.push_back(node.output(i) != nullptr ? node.output(i)->name()
                                                     : absl::StrCat(node.name(), "_out", i));
  }
  ASSIGN_OR_RETURN(Node * copy, graph.AddNodeWithNewOutputs(node.op_type(), node.domain(),
                                                            node.name(), inputs, output_names));
  for (const auto& [name, attr] : node.attributes()) copy->SetAttr(name, attr.Clone(&graph));
  copy->set_origin(node.origin());
  copy->doc_string = node.doc_string;
  return copy;
}

absl::Status RenameLikeRemoved(Graph& graph, Node* node, const std::string& name) {
  if (name.empty() || node->name() == name || graph.FindNode(name) != nullptr) {
    return absl::OkStatus();
  }
  return graph.RenameNode(node, name);
}

absl::Status MoveLinearPastNode(Graph& graph, const ConstantOperand& linear, Node* consumer,
                                int input_index, Tensor new_param) {
  RET_CHECK(consumer->num_outputs() == 1 && consumer->input(input_index) == linear.node->output(0));
  std::vector<Value*> inputs = consumer->inputs();
  inputs[input_index] = linear.x;
  ASSIGN_OR_RETURN(Node * copy, CloneNodeWithInputs(graph, *consumer, inputs));
  ASSIGN_OR_RETURN(Value * param, AddDerivedConstant(graph, *linear.param, std::move(new_param)));
  ASSIGN_OR_RETURN(Node * moved, AddReplacementNode(graph, *linear.node, linear.node->op_type(),
                                                    "moved", {copy->output(0), param}));
  const std::string consumer_name = consumer->name();
  RETURN_IF_ERROR(ReplaceNodeOutput(graph, consumer, moved->output(0)));
  RETURN_IF_ERROR(RenameLikeRemoved(graph, copy, consumer_name));
  if (IsUnused(*linear.node->output(0))) {
    const std::string linear_name = linear.node->name();
    Value* old_param = linear.param;
    RETURN_IF_ERROR(graph.RemoveNode(linear.node));
    RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, old_param));
    RETURN_IF_ERROR(RenameLikeRemoved(graph, moved, linear_name));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> CollapseRepeated(Graph& graph, Node* node, PassContext& ctx,
                                      const std::string& op_type) {
  std::optional<ConstantOperand> first = MatchConstantOperand(node, op_type);
  if (!first) return false;
  if (op_type == "Mul" && AllSigns(*first->data) && !AllElementsEqual(*first->data, 1)) {
    return false;  // a factored-out sign, waiting to be absorbed into weights
  }
  Node* consumer = SingleConsumer(*first->node->output(0));
  if (consumer == nullptr) return false;
  std::optional<ConstantOperand> second = MatchConstantOperand(consumer, op_type);
  if (!second || second->x != first->node->output(0)) return false;
  ASSIGN_OR_RETURN(Tensor combined, EvaluateOp(*ctx.model, op_type, {*first->data, *second->data}));
  ASSIGN_OR_RETURN(Value * param, AddDerivedConstant(graph, *second->param, std::move(combined)));
  ASSIGN_OR_RETURN(Node * merged, AddReplacementNode(graph, *second->node, op_type, "collapsed",
                                                     {first->x, param}));
  const std::string name = second->node->name();
  Value* old_params[] = {first->param, second->param};
  RETURN_IF_ERROR(ReplaceNodeOutput(graph, second->node, merged->output(0)));
  RETURN_IF_ERROR(graph.RemoveNode(first->node));
  for (Value* p : old_params) RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, p));
  RETURN_IF_ERROR(RenameLikeRemoved(graph, merged, name));
  return true;
}

absl::StatusOr<bool> MoveOpPastFork(Graph& graph, Node* node, const std::string& op_type) {
  std::optional<ConstantOperand> m = MatchConstantOperand(node, op_type);
  if (!m) return false;
  Value* t = m->node->output(0);
  const size_t readers = t->uses().size() + (t->is_graph_output() ? 1 : 0);
  if (readers < 2 || ReadBySubgraph(*t)) return false;
  // The original keeps the graph output, or else its first reader; every other reader gets a copy.
  const std::vector<Use> uses = t->uses();
  for (size_t i = t->is_graph_output() ? 0 : 1; i < uses.size(); ++i) {
    ASSIGN_OR_RETURN(Node * copy, AddReplacementNode(graph, *m->node, op_type, "fork",
                                                     {m->node->input(0), m->node->input(1)}));
    uses[i].node->SetInput(uses[i].input_index, copy->output(0));
  }
  return true;
}

absl::StatusOr<bool> AbsorbIntoThresholds(Graph& graph, Node* node, const std::string& op_type) {
  std::optional<ConstantOperand> m = MatchConstantOperand(node, op_type);
  if (!m) return false;
  Value* t = m->node->output(0);
  const std::optional<Shape>& x_shape = m->x->type().shape;
  if (t->uses().empty() || t->is_graph_output() || ReadBySubgraph(*t) || !x_shape) return false;
  const bool is_mul = op_type == "Mul";
  struct Target {
    Node* mt;
    std::vector<float> values;  // one, or one per channel
  };
  std::vector<Target> targets;
  for (const Use& use : t->uses()) {
    Node* mt = use.node;
    if (use.input_index != 0 || !IsMultiThresholdWithConstantThresholds(*mt) || mt->input(1) == t) {
      return false;
    }
    const int64_t axis = MultiThresholdChannelAxis(*mt, static_cast<int64_t>(x_shape->size()));
    std::optional<std::vector<float>> values = ChannelValues(*m->data, x_shape, axis);
    if (!values) return false;
    const int64_t rows = ConstantData(mt->input(1))->dim(0);
    if (values->size() > 1 && rows != 1 && rows != static_cast<int64_t>(values->size())) {
      return false;
    }
    for (float v : *values) {
      // Only an increasing map x -> fl(x * a) keeps the count a count of x >= T'.
      if (is_mul && !(std::isfinite(v) && v > 0)) return false;
      if (!is_mul && !std::isfinite(v)) return false;
    }
    targets.push_back({mt, std::move(*values)});
  }
  for (Target& target : targets) {
    Value* old_thresholds = target.mt->input(1);
    const Tensor& tt = *ConstantData(old_thresholds);
    const int64_t rows = std::max<int64_t>(tt.dim(0), static_cast<int64_t>(target.values.size()));
    const int64_t n = tt.dim(1);
    std::vector<float> moved(rows * n);
    for (int64_t r = 0; r < rows; ++r) {
      const float v = target.values[target.values.size() == 1 ? 0 : r];
      const float* row = tt.data<float>() + (tt.dim(0) == 1 ? 0 : r) * n;
      for (int64_t j = 0; j < n; ++j) {
        moved[r * n + j] = is_mul ? ThresholdBeforeMul(row[j], v) : ThresholdBeforeAdd(row[j], v);
      }
    }
    ASSIGN_OR_RETURN(Value * thresholds,
                     AddDerivedConstant(graph, *old_thresholds, FloatTensor({rows, n}, moved)));
    target.mt->SetInput(0, m->x);
    target.mt->SetInput(1, thresholds);
    RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, old_thresholds));
  }
  Value* old_param = m->param;
  RETURN_IF_ERROR(graph.RemoveNode(m->node));
  RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, old_param));
  return true;
}

void WarnOnce(PassContext& ctx, const std::string& message) {
  if (std::find(ctx.warnings.begin(), ctx.warnings.end(), message) == ctx.warnings.end()) {
    ctx.Warn(message);
  }
}

absl::StatusOr<bool> RewriteUntilDone(Graph& graph, PassContext& ctx, const NodeRewrite& rewrite) {
  RET_CHECK(ctx.model != nullptr);
  // Every rewrite removes a node from the path between a scale and its destination, so the
  // number of rewrites is bounded by a small multiple of the graph size.
  const int64_t limit = 1000 + 100 * static_cast<int64_t>(graph.num_nodes());
  bool changed = false;
  for (int64_t round = 0;; ++round) {
    if (round > limit) {
      return absl::InternalError(
          absl::StrCat("internal error (finngl bug): the rewrite did not "
                       "stop after ",
                       limit, " steps in graph '", graph.name(), "'"));
    }
    bool applied = false;
    for (Node* node : graph.nodes()) {
      ASSIGN_OR_RETURN(applied, rewrite(graph, node, ctx));
      if (applied) break;  // the node list is stale now
    }
    if (!applied) return changed;
    changed = true;
    RETURN_IF_ERROR(InferModelTypes(*ctx.model));
  }
}

}  // namespace finngl
