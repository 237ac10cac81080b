#include "src/passes/infer_convolution_input_generator.h"

#include <optional>
#include <vector>

#include "src/base/status.h"
#include "src/passes/convert_to_hw_util.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

bool IntsOf(const Node& node, const char* name, size_t size, std::vector<int64_t> fallback,
            std::vector<int64_t>& out) {
  const Attribute* a = node.attr(name);
  if (a == nullptr) {
    out = std::move(fallback);
    return !out.empty();
  }
  if (a->type() != Attribute::Type::kInts || a->ints().size() != size) return false;
  out = a->ints();
  return true;
}

absl::StatusOr<bool> Convert(Graph& graph, Node* im2col, PassContext& ctx) {
  Value* x = im2col->input(0);
  Value* y = im2col->output(0);
  if (x == nullptr || y == nullptr || ConstantData(x) != nullptr) return false;
  const std::optional<Shape>& xs = x->type().shape;
  const std::optional<Shape>& ys = y->type().shape;
  if (!xs || xs->size() != 4 || !ys || ys->size() != 4) return false;
  for (int i : {1, 2, 3}) {
    if (!(*xs)[i].known() || !(*ys)[i].known()) return false;
  }
  std::optional<DataType> dt = hw::IntegerDataType(*x);
  if (!dt || im2col->GetInt("pad_value", 0) != 0 || im2col->GetInt("depthwise", 0) != 0) {
    return false;
  }
  std::vector<int64_t> k, s, d, p;
  if (!IntsOf(*im2col, "kernel_size", 2, {}, k) || !IntsOf(*im2col, "stride", 2, {}, s) ||
      !IntsOf(*im2col, "dilations", 2, {1, 1}, d) ||
      !IntsOf(*im2col, "pad_amount", 4, {0, 0, 0, 0}, p)) {
    return false;
  }
  ASSIGN_OR_RETURN(Node * swg, hw::AddHwNode(graph, *im2col, "ConvolutionInputGenerator", {x}));
  swg->SetAttr("ConvKernelDim", Attribute::Ints(k));
  swg->SetAttr("IFMChannels", Attribute::Int((*xs)[3].value));
  swg->SetAttr("IFMDim", Attribute::Ints({(*xs)[1].value, (*xs)[2].value}));
  swg->SetAttr("OFMDim", Attribute::Ints({(*ys)[1].value, (*ys)[2].value}));
  swg->SetAttr("Stride", Attribute::Ints(s));
  swg->SetAttr("Dilation", Attribute::Ints(d));
  swg->SetAttr("Padding", Attribute::Ints(p));
  swg->SetAttr("SIMD", Attribute::Int(1));
  swg->SetAttr("inputDataType", Attribute::String(dt->Name()));
  swg->SetAttr("outputDataType", Attribute::String(dt->Name()));
  swg->SetAttr("depthwise", Attribute::Int(0));
  RETURN_IF_ERROR(hw::ReplaceWithHwNode(graph, im2col, swg, ctx));
  return true;
}

}  // namespace

absl::StatusOr<bool> InferConvolutionInputGeneratorPass::RunOnGraph(Graph& graph,
                                                                    PassContext& ctx) const {
  return hw::ConvertEach(
      graph, ctx,
      [](const Node& node) {
        return node.op_type() == "Im2Col" && CanonicalDomain(node.domain()) == kQonnxDomain;
      },
      Convert);
}

}  // namespace finngl
