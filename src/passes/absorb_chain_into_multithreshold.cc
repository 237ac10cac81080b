#include "src/passes/absorb_chain_into_multithreshold.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "src/base/status.h"
#include "src/ops/int_range.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/streamline_util.h"

namespace finngl {
namespace {

// Integers up to 2^24 are exact in float32, so thresholds (and the one-past-the-end sentinel)
// stay exact in the float32 threshold tensor.
constexpr double kExactLimit = 16777216.0;

struct ChainLink {
  Node* node = nullptr;
  int data_index = 0;  // the input that carries the data; the others are constants
};

// Whether a constant broadcast against rank-`rank` data varies at most along `axis` (so the
// chain is one function per channel) and never enlarges the data.
bool VariesOnlyAlong(const Tensor& param, int64_t rank, int64_t axis) {
  if (param.rank() > rank) return false;
  const int64_t offset = rank - param.rank();
  for (int64_t j = 0; j < param.rank(); ++j) {
    if (param.dim(j) != 1 && j + offset != axis) return false;
  }
  return true;
}

bool AllAtLeast(const Tensor& t, double bound, bool strict) {
  for (int64_t i = 0; i < t.size(); ++i) {
    const double v = t.GetDouble(i);
    if (std::isnan(v) || (strict ? v <= bound : v < bound)) return false;
  }
  return true;
}

// The link `node` forms when its data input is `data_index`, if the op is a monotone
// non-decreasing map of that input.
bool IsNonDecreasingLink(const Node& node, int data_index, int64_t rank, int64_t axis) {
  const std::string& op = node.op_type();
  if (op == "Relu" || op == "Identity") return node.num_inputs() == 1;
  if (op == "Cast") {
    const int64_t to = node.GetInt("to", 0);
    return to == 1 || to == 11;  // FLOAT, DOUBLE
  }
  if (node.num_inputs() != 2) return false;
  const Tensor* c = ConstantData(node.input(1 - data_index));
  if (c == nullptr || !IsFloatElementType(c->type()) || !VariesOnlyAlong(*c, rank, axis)) {
    return false;
  }
  if (op == "Add") return true;
  if (op == "Mul") return AllAtLeast(*c, 0, /*strict=*/false);
  if (op == "Sub") return data_index == 0;
  if (op == "Div") return data_index == 0 && AllAtLeast(*c, 0, /*strict=*/true);
  return false;
}

// Walks back from the MultiThreshold's input to the nearest integer-typed value; returns it and
// the links from it to the MultiThreshold, or nullopt when the chain breaks first.
std::optional<std::pair<Value*, std::vector<ChainLink>>> CollectChain(const Node& mt,
                                                                      int64_t rank,
                                                                      int64_t axis) {
  Value* v = mt.input(0);
  std::vector<ChainLink> links;
  while (true) {
    if (IsIntegerTyped(v->type())) {
      if (links.empty()) return std::nullopt;  // already integer: nothing to absorb
      std::reverse(links.begin(), links.end());
      return std::make_pair(v, std::move(links));
    }
    Node* p = v->producer();
    if (p == nullptr || !p->domain().empty() || !HasSingleUse(*v)) return std::nullopt;
    int data_index = 0;
    if (p->num_inputs() == 2 && ConstantData(p->input(0)) != nullptr) data_index = 1;
    if (ConstantData(p->input(data_index)) != nullptr) return std::nullopt;
    if (!IsNonDecreasingLink(*p, data_index, rank, axis)) return std::nullopt;
    links.push_back(ChainLink{p, data_index});
    v = p->input(data_index);
  }
}

absl::StatusOr<Tensor> EvaluateChain(const std::vector<ChainLink>& links, Tensor x,
                                     const Model& model) {
  for (const ChainLink& link : links) {
    std::vector<const Tensor*> inputs(link.node->num_inputs());
    for (int i = 0; i < link.node->num_inputs(); ++i) {
      inputs[i] = i == link.data_index ? &x : ConstantData(link.node->input(i));
    }
    ASSIGN_OR_RETURN(std::vector<Tensor> outputs, EvaluateNode(*link.node, inputs, model));
    x = std::move(outputs.at(0));
  }
  return x;
}

// The integer thresholds [C, N]: per channel c and threshold j the smallest k in [lo, hi] whose
// chain value reaches T[c or 0, j], hi + 1 when none does. All (c, j) are bisected in lockstep on
// one candidate tensor whose dims are 1 except `axis` (C) and `free_axis` (N).
absl::StatusOr<std::optional<Tensor>> SearchThresholds(const std::vector<ChainLink>& links,
                                                       const Tensor& thresholds, ElementType elem,
                                                       int64_t rank, int64_t axis, int64_t channels,
                                                       ValueRange range, const Model& model) {
  const int64_t n = thresholds.dim(1);
  const int64_t free_axis = axis == 0 ? 1 : 0;
  Dims dims(rank, 1);
  dims[axis] = channels;
  dims[free_axis] = n;
  // Element (j, c) of the candidate tensor, row-major over dims with only two non-unit axes.
  const int64_t stride_c = free_axis < axis ? 1 : n;
  const int64_t stride_j = free_axis < axis ? channels : 1;
  const int64_t count = channels * n;
  std::vector<int64_t> low(count, static_cast<int64_t>(range.lo) - 1);
  std::vector<int64_t> high(count, static_cast<int64_t>(range.hi) + 1);
  Tensor candidates(elem, dims);
  while (true) {
    bool active = false;
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t j = 0; j < n; ++j) {
        const int64_t p = c * n + j;
        int64_t mid = low[p] + (high[p] - low[p]) / 2;
        if (high[p] - low[p] > 1) {
          active = true;
        } else {
          mid = static_cast<int64_t>(range.lo);  // settled: any in-range value will do
        }
        candidates.SetDouble(c * stride_c + j * stride_j, static_cast<double>(mid));
      }
    }
    if (!active) break;
    ASSIGN_OR_RETURN(Tensor values, EvaluateChain(links, candidates, model));
    if (values.dims() != dims) return std::optional<Tensor>();
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t row = thresholds.dim(0) == 1 ? 0 : c;
      for (int64_t j = 0; j < n; ++j) {
        const int64_t p = c * n + j;
        if (high[p] - low[p] <= 1) continue;
        const int64_t mid = low[p] + (high[p] - low[p]) / 2;
        // MultiThreshold compares in double: v >= T (never for NaN).
        if (values.GetDouble(c * stride_c + j * stride_j) >= thresholds.GetDouble(row * n + j)) {
          high[p] = mid;
        } else {
          low[p] = mid;
        }
      }
    }
  }
  // Rows that all agree (per-tensor links and thresholds) stay one shared row: the channel
  // axis may be a batch axis, whose size the thresholds must not depend on.
  bool shared = true;
  for (int64_t p = n; p < count && shared; ++p) shared = high[p] == high[p % n];
  const int64_t rows = shared ? 1 : channels;
  Tensor result(ElementType::kFloat, {rows, n});
  for (int64_t p = 0; p < rows * n; ++p) result.SetDouble(p, static_cast<double>(high[p]));
  return std::optional<Tensor>(std::move(result));
}

absl::StatusOr<bool> AbsorbInto(Graph& graph, Node* mt, const Model& model) {
  if (!IsMultiThresholdWithConstantThresholds(*mt)) return false;
  const std::optional<Shape>& shape = mt->input(0)->type().shape;
  if (!shape || shape->size() < 2) return false;
  const int64_t rank = static_cast<int64_t>(shape->size());
  const int64_t axis = MultiThresholdChannelAxis(*mt, rank);
  if (axis < 0 || axis >= rank || !(*shape)[axis].known()) return false;
  const int64_t channels = (*shape)[axis].value;
  const Tensor& thresholds = *ConstantData(mt->input(1));
  if (thresholds.dim(0) != 1 && thresholds.dim(0) != channels) return false;

  auto chain = CollectChain(*mt, rank, axis);
  if (!chain) return false;
  auto& [root, links] = *chain;
  const std::optional<ValueRange> range = RangeOfType(root->type());
  if (!range || range->lo - 1 < -kExactLimit || range->hi + 1 > kExactLimit) return false;
  ASSIGN_OR_RETURN(std::optional<Tensor> absorbed,
                   SearchThresholds(links, thresholds, root->type().elem, rank, axis, channels,
                                    *range, model));
  if (!absorbed) return false;

  Value* old_thresholds = mt->input(1);
  ASSIGN_OR_RETURN(Value * new_thresholds,
                   AddConstant(graph, old_thresholds->name() + "_absorbed", std::move(*absorbed)));
  mt->SetInput(1, new_thresholds);
  mt->SetInput(0, root);
  // The links are now unread, last (next to the MultiThreshold) first.
  for (auto it = links.rbegin(); it != links.rend(); ++it) {
    std::vector<Value*> constants;
    for (int i = 0; i < it->node->num_inputs(); ++i) {
      if (i != it->data_index) constants.push_back(it->node->input(i));
    }
    RETURN_IF_ERROR(graph.RemoveNode(it->node));
    for (Value* c : constants) RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, c));
  }
  RETURN_IF_ERROR(RemoveIfDeadInitializer(graph, old_thresholds));
  return true;
}

}  // namespace

absl::StatusOr<bool> AbsorbChainIntoMultiThresholdPass::RunOnGraph(Graph& graph,
                                                                   PassContext& ctx) const {
  // Collected first: absorbing removes chain nodes, which must not be visited afterwards.
  std::vector<Node*> thresholds;
  for (Node* node : graph.nodes()) {
    if (node->op_type() == "MultiThreshold" && node->domain() == kQonnxDomain) {
      thresholds.push_back(node);
    }
  }
  bool changed = false;
  for (Node* node : thresholds) {
    ASSIGN_OR_RETURN(bool absorbed, AbsorbInto(graph, node, *ctx.model));
    changed |= absorbed;
  }
  return changed;
}

}  // namespace finngl
