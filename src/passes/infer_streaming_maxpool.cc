#include "src/passes/infer_streaming_maxpool.h"

#include <optional>
#include <vector>

#include "src/base/status.h"
#include "src/ops/window.h"
#include "src/passes/convert_to_hw_util.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

absl::StatusOr<bool> Convert(Graph& graph, Node* pool, PassContext& ctx) {
  Value* x = pool->input(0);
  if (x == nullptr || pool->num_outputs() != 1 || ConstantData(x) != nullptr) return false;
  const std::optional<Shape>& xs = x->type().shape;
  if (!xs || xs->size() != 4) return false;
  for (int i : {1, 2, 3}) {
    if (!(*xs)[i].known()) return false;
  }
  std::optional<DataType> dt = hw::IntegerDataType(*x);
  auto w = ParseWindowAttrs(*pool, /*kernel_required=*/true);
  if (!dt || !w.ok() || w->kernel_shape.size() != 2 || w->auto_pad != AutoPad::kNotSet) {
    return false;
  }
  for (int64_t p : w->pads) {
    if (p != 0) return false;
  }
  for (int64_t d : w->dilations) {
    if (d != 1) return false;
  }
  const std::vector<int64_t> k = w->kernel_shape;
  const std::vector<int64_t> s = w->strides.empty() ? std::vector<int64_t>{1, 1} : w->strides;
  const int64_t h = (*xs)[1].value, wd = (*xs)[2].value;
  if (h < k[0] || wd < k[1]) return false;
  if (w->ceil_mode) {
    // ceil_mode only matters when a last window would hang over the edge.
    if ((h - k[0]) % s[0] != 0 || (wd - k[1]) % s[1] != 0) return false;
  }
  ASSIGN_OR_RETURN(Node * node, hw::AddHwNode(graph, *pool, "StreamingMaxPool", {x}));
  node->SetAttr("ImgDim", Attribute::Ints({h, wd}));
  node->SetAttr("PoolDim", Attribute::Ints(k));
  node->SetAttr("Stride", Attribute::Ints(s));
  node->SetAttr("NumChannels", Attribute::Int((*xs)[3].value));
  node->SetAttr("PE", Attribute::Int(1));
  node->SetAttr("dataType", Attribute::String(dt->Name()));
  RETURN_IF_ERROR(hw::ReplaceWithHwNode(graph, pool, node, ctx));
  return true;
}

}  // namespace

absl::StatusOr<bool> InferStreamingMaxPoolPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  return hw::ConvertEach(
      graph, ctx,
      [](const Node& node) {
        return node.op_type() == "MaxPoolNHWC" && CanonicalDomain(node.domain()) == kQonnxDomain;
      },
      Convert);
}

}  // namespace finngl
