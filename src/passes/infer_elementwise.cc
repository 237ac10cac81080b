#include "src/passes/infer_elementwise.h"

#include <optional>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/ops/int_range.h"
#include "src/passes/convert_to_hw_util.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

// The constant reshaped to [C] or [1] when it is per channel of the last axis or scalar and
// broadcasting it against a stream of `rank` dims and `channels` channels keeps the stream's
// shape; nullopt otherwise.
std::optional<Tensor> ChannelConstant(const Tensor& k, size_t rank, int64_t channels) {
  if (static_cast<size_t>(k.rank()) > rank) return std::nullopt;
  for (int64_t i = 0; i + 1 < k.rank(); ++i) {
    if (k.dim(i) != 1) return std::nullopt;
  }
  const int64_t last = k.rank() == 0 ? 1 : k.dim(k.rank() - 1);
  if (last != 1 && last != channels) return std::nullopt;
  Tensor out = k.CastTo(ElementType::kFloat);
  out.Reshape(Dims{last});
  return out;
}

absl::StatusOr<bool> Convert(Graph& graph, Node* node, PassContext& ctx) {
  if (!CanonicalDomain(node->domain()).empty() || node->num_inputs() != 2 ||
      node->input(0) == nullptr || node->input(1) == nullptr) {
    return false;
  }
  const std::string& op = node->op_type();
  Value* a = node->input(0);
  Value* b = node->input(1);
  Value* y = node->output(0);
  const Tensor* ka = ConstantData(a);
  const Tensor* kb = ConstantData(b);
  if (ka != nullptr && kb != nullptr) return false;  // constant folding's business
  if (ka != nullptr) {
    if (op == "Sub") return false;
    std::swap(a, b);
    std::swap(ka, kb);
  }
  std::optional<DataType> adt = hw::IntegerDataType(*a);
  std::optional<DataType> bdt = hw::IntegerDataType(*b);
  std::optional<DataType> ydt = hw::IntegerDataType(*y);
  std::optional<int64_t> c = hw::LastDim(*a);
  const std::optional<Shape>& as = a->type().shape;
  if (!adt || !bdt || !c || !as || as->size() < 2) return false;
  if (!ydt) {
    // Bound the result from the operands' ranges (a constant by its values).
    ValueRange ra{adt->Min(), adt->Max()};
    ValueRange rb{bdt->Min(), bdt->Max()};
    if (kb != nullptr && kb->size() > 0) rb = RangeOfValues(kb->ToDoubles());
    const ValueRange r = op == "Add"   ? RangeSum(ra, rb)
                         : op == "Sub" ? RangeSum(ra, RangeScale(rb, -1))
                                       : RangeProduct(ra, rb);
    ydt = DataType::SmallestHolding(r.lo, r.hi);
    if (!ydt->IsInteger()) return false;
  }
  std::optional<std::vector<int64_t>> niv = hw::NumInputVectors(*as);
  if (!niv || !SameKnownShape(as, y->type().shape)) return false;
  Value* rhs = b;
  if (kb != nullptr) {
    if (!hw::AllIntegral(*kb)) return false;
    std::optional<Tensor> k = ChannelConstant(*kb, as->size(), *c);
    if (!k) return false;
    if (k->dims() != kb->dims() || kb->type() != ElementType::kFloat) {
      ASSIGN_OR_RETURN(rhs, AddConstant(graph, b->name() + "_channels", *k));
      rhs->type().dtype = *bdt;
      rhs->type().dtype_annotated = true;
    }
  } else if (!SameKnownShape(as, b->type().shape)) {
    return false;
  }
  ASSIGN_OR_RETURN(Node * hw_node, hw::AddHwNode(graph, *node, "Elementwise" + op, {a, rhs}));
  hw_node->SetAttr("NumChannels", Attribute::Int(*c));
  hw_node->SetAttr("PE", Attribute::Int(1));
  hw_node->SetAttr("lhsDataType", Attribute::String(adt->Name()));
  hw_node->SetAttr("rhsDataType", Attribute::String(bdt->Name()));
  hw_node->SetAttr("outDataType", Attribute::String(ydt->Name()));
  hw_node->SetAttr("numInputVectors", Attribute::Ints(*niv));
  hw::ImportHwDomain(ctx);
  hw_node->output(0)->type() = y->type();
  hw_node->output(0)->type().dtype = *ydt;
  RETURN_IF_ERROR(SubstituteNode(graph, node, {hw_node->output(0)}));
  return true;
}

}  // namespace

absl::StatusOr<bool> InferElementwisePass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return hw::ConvertEach(
      graph, ctx,
      [](const Node& node) {
        const std::string& op = node.op_type();
        return op == "Add" || op == "Sub" || op == "Mul";
      },
      Convert);
}

}  // namespace finngl
