#include "src/passes/remove_identity.h"

#include "src/base/status.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

// The neutral element of a binary op and whether it may stand on the left as well.
struct Neutral {
  double value;
  bool either_side;
};

std::optional<Neutral> NeutralOf(const Node& node) {
  if (!node.domain().empty()) return std::nullopt;
  const std::string& op = node.op_type();
  if (op == "Add") return Neutral{0, true};
  if (op == "Mul") return Neutral{1, true};
  if (op == "Sub") return Neutral{0, false};
  if (op == "Div") return Neutral{1, false};
  return std::nullopt;
}

// The operand `node` passes through unchanged, or nullptr.
Value* PassedThrough(const Node& node) {
  if (node.op_type() == "Identity" && node.domain().empty()) return node.input(0);
  const std::optional<Neutral> neutral = NeutralOf(node);
  if (!neutral || node.num_inputs() != 2) return nullptr;
  const Value* y = node.output(0);
  for (int constant_index : {1, 0}) {
    if (constant_index == 0 && !neutral->either_side) continue;
    Value* x = node.input(1 - constant_index);
    const Tensor* c = ConstantData(node.input(constant_index));
    if (x == nullptr || c == nullptr || !AllElementsEqual(*c, neutral->value)) continue;
    if (x->type().elem == y->type().elem && SameKnownShape(x->type().shape, y->type().shape)) {
      return x;
    }
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<bool> RemoveIdentityPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  bool changed = false;
  for (Node* node : graph.nodes()) {
    if (!CanBypass(*node)) continue;
    Value* x = PassedThrough(*node);
    if (x == nullptr) continue;
    RETURN_IF_ERROR(BypassNode(graph, node, x));
    changed = true;
  }
  return changed;
}

}  // namespace finngl
