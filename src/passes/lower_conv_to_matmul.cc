#include "src/passes/lower_conv_to_matmul.h"

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/window.h"
#include "src/passes/rewrite_util.h"
#include "src/passes/transpose_util.h"

namespace finngl {
namespace {

// Everything the rewrite needs about one Conv it can lower.
struct ConvLowering {
  Value* x;
  Value* w;
  const Tensor* weight;
  Value* bias;  // nullptr without bias
  int64_t c, h, w_in, oc, kh, kw;
  int64_t sh, sw, dh, dw;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  bool depthwise;
  bool needs_im2col() const {
    return kh != 1 || kw != 1 || sh != 1 || sw != 1 ||
           pad_top + pad_left + pad_bottom + pad_right != 0;
  }
};

// Either a lowering plan or, for a Conv this pass cannot lower, the reason (empty: not a Conv or
// not something to report).
struct Analysis {
  std::optional<ConvLowering> plan;
  std::string reason;
};

Analysis Analyze(const Node& conv) {
  Analysis r;
  if (conv.op_type() != "Conv" || !conv.domain().empty() || conv.num_outputs() != 1) return r;
  auto fail = [&](std::string why) {
    r.reason = std::move(why);
    return r;
  };
  ConvLowering p{};
  p.x = conv.input(0);
  p.w = conv.input(1);
  p.bias = conv.input(2);
  if (p.x == nullptr || p.w == nullptr) return r;
  const TensorType& tx = p.x->type();
  if (!tx.shape) return fail(absl::StrCat("the shape of input '", p.x->name(), "' is unknown"));
  const Shape& xs = *tx.shape;
  if (xs.size() != 4) {
    return fail(absl::StrCat("input '", p.x->name(), "' has shape ", ShapeToString(xs),
                             "; only 2-D convolutions (rank 4, NCHW) are lowered"));
  }
  if (!xs[1].known() || !xs[2].known() || !xs[3].known()) {
    return fail(absl::StrCat("input '", p.x->name(), "' has shape ", ShapeToString(xs),
                             "; C, H and W must be known"));
  }
  if (tx.elem != ElementType::kFloat && tx.elem != ElementType::kDouble) {
    return fail(absl::StrCat("input '", p.x->name(), "' has element type ",
                             ElementTypeName(tx.elem), "; only float and double are lowered"));
  }
  p.weight = ConstantData(p.w);
  if (p.weight == nullptr) {
    return fail(absl::StrCat("weight '", p.w->name(), "' is not a constant"));
  }
  if (p.weight->rank() != 4 || p.weight->type() != tx.elem) {
    return fail(absl::StrCat("weight '", p.w->name(), "' is ", ElementTypeName(p.weight->type()),
                             DimsToString(p.weight->dims()), "; expected ",
                             ElementTypeName(tx.elem), " of rank 4"));
  }
  p.c = xs[1].value;
  p.h = xs[2].value;
  p.w_in = xs[3].value;
  p.oc = p.weight->dim(0);
  p.kh = p.weight->dim(2);
  p.kw = p.weight->dim(3);
  const int64_t group = conv.GetInt("group", 1);
  p.depthwise = group != 1 && group == p.c && p.oc == p.c && p.weight->dim(1) == 1;
  if (group != 1 && !p.depthwise) {
    return fail(absl::StrCat("grouped convolution (group = ", group, ", ", p.c,
                             " input and ", p.oc,
                             " output channels) is not lowered; only group 1 and depthwise "
                             "(group = input channels = output channels)"));
  }
  if (group == 1 && p.weight->dim(1) != p.c) return r;  // invalid; type inference reports it
  auto window = ParseWindowAttrs(conv, /*kernel_required=*/false);
  if (!window.ok()) return r;
  const int64_t in[2] = {p.h, p.w_in};
  const int64_t kernel[2] = {p.kh, p.kw};
  auto g = ComputeWindowGeometry(*window, in, kernel);
  if (!g.ok()) return r;
  // A 2-D window occupies the trailing slots 1 (H) and 2 (W).
  p.sh = g->stride[1];
  p.sw = g->stride[2];
  p.dh = g->dilation[1];
  p.dw = g->dilation[2];
  p.pad_top = g->pad_begin[1];
  p.pad_left = g->pad_begin[2];
  p.pad_bottom = g->pad_end[1];
  p.pad_right = g->pad_end[2];
  if (p.needs_im2col()) {
    if (p.h == 1 && (p.kh != 1 || p.pad_top + p.pad_bottom != 0)) {
      return fail("the input height is 1, which qonnx's Im2Col treats as a dummy axis (kernel "
                  "height 1, no height padding)");
    }
    if (p.w_in == 1 && (p.kw != 1 || p.pad_left + p.pad_right != 0)) {
      return fail("the input width is 1, which qonnx's Im2Col treats as a dummy axis (kernel "
                  "width 1, no width padding)");
    }
    const bool padded = p.pad_top + p.pad_left + p.pad_bottom + p.pad_right != 0;
    if (padded && !tx.dtype.Allowed(0)) {
      return fail(absl::StrCat("the convolution pads with 0, which input '", p.x->name(),
                               "' with datatype ", tx.dtype.Name(), " cannot hold"));
    }
  }
  r.plan = p;
  return r;
}

// Wm[(kh * KW + kw) * C + c, oc] = W[oc, c, kh, kw] (group 1), or W[oc, 0, kh, kw] where c = oc
// and 0 elsewhere (depthwise).
absl::StatusOr<Tensor> MatMulWeight(const Model& model, const ConvLowering& p) {
  const Dims dims{p.kh * p.kw * p.c, p.oc};
  if (!p.depthwise) {
    ASSIGN_OR_RETURN(Tensor t, TransposeConstant(model, *p.weight, {2, 3, 1, 0}));
    t.Reshape(dims);
    return t;
  }
  Tensor t(p.weight->type(), dims);  // zeros
  const size_t esize = ElementSize(p.weight->type());
  const auto* src = static_cast<const unsigned char*>(p.weight->raw());
  auto* dst = static_cast<unsigned char*>(t.raw());
  for (int64_t ch = 0; ch < p.c; ++ch) {
    for (int64_t i = 0; i < p.kh; ++i) {
      for (int64_t j = 0; j < p.kw; ++j) {
        const int64_t from = (ch * p.kh + i) * p.kw + j;               // W[ch, 0, i, j]
        const int64_t to = ((i * p.kw + j) * p.c + ch) * p.oc + ch;     // Wm[(i, j, ch), ch]
        std::memcpy(dst + to * esize, src + from * esize, esize);
      }
    }
  }
  return t;
}

absl::Status Lower(Graph& graph, Node* conv, const ConvLowering& p, const Model& model) {
  const std::string conv_name = conv->name();
  ASSIGN_OR_RETURN(Node * to_nhwc, AddReplacementNode(graph, *conv, "Transpose", "nhwc", {p.x}));
  to_nhwc->SetAttr("perm", Attribute::Ints(kNchwToNhwc));
  Value* rows = to_nhwc->output(0);
  Node* im2col = nullptr;
  if (p.needs_im2col()) {
    ASSIGN_OR_RETURN(im2col, AddReplacementNode(graph, *conv, "Im2Col", "im2col", {rows}));
    im2col->set_domain(kQonnxDomain);
    im2col->SetAttr("stride", Attribute::Ints({p.sh, p.sw}));
    im2col->SetAttr("kernel_size", Attribute::Ints({p.kh, p.kw}));
    im2col->SetAttr("pad_amount",
                    Attribute::Ints({p.pad_top, p.pad_left, p.pad_bottom, p.pad_right}));
    im2col->SetAttr("pad_value", Attribute::Int(0));
    im2col->SetAttr("dilations", Attribute::Ints({p.dh, p.dw}));
    im2col->SetAttr("depthwise", Attribute::Int(p.depthwise ? 1 : 0));
    const Dim& n = (*p.x->type().shape)[0];
    im2col->SetAttr("input_shape",
                    Attribute::String(absl::StrCat("(", n.known() ? n.value : 1, ", ", p.h, ", ",
                                                   p.w_in, ", ", p.c, ")")));
    rows = im2col->output(0);
  }
  ASSIGN_OR_RETURN(Tensor wm_data, MatMulWeight(model, p));
  ASSIGN_OR_RETURN(Value * wm, AddConstant(graph, p.w->name() + "_matmul", std::move(wm_data)));
  AnnotateDerivedConstant(*p.w, wm);
  if (p.depthwise) {
    wm->extra_annotations.emplace_back(
        "tensor_sparsity",
        absl::StrCat("{'dw': {'kernel_shape': [", p.kh, ", ", p.kw, "]}}"));
  }
  ASSIGN_OR_RETURN(Node * matmul, AddReplacementNode(graph, *conv, "MatMul", "matmul", {rows, wm}));
  Value* result = matmul->output(0);
  if (p.bias != nullptr) {
    ASSIGN_OR_RETURN(Node * add,
                     AddReplacementNode(graph, *conv, "Add", "bias", {result, p.bias}));
    result = add->output(0);
  }
  ASSIGN_OR_RETURN(Node * to_nchw, AddReplacementNode(graph, *conv, "Transpose", "nchw", {result}));
  to_nchw->SetAttr("perm", Attribute::Ints(kNhwcToNchw));
  // The result has the Conv's type; keeping it lets a Conv reading it be lowered in this run too.
  to_nchw->output(0)->type() = conv->output(0)->type();
  RETURN_IF_ERROR(SubstituteNode(graph, conv, {to_nchw->output(0)}));
  // The MatMul computes the convolution: it carries the Conv's name from now on.
  if (conv_name.empty()) return absl::OkStatus();
  return graph.RenameNode(matmul, conv_name);
}

}  // namespace

absl::StatusOr<bool> LowerConvToMatMulPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  bool changed = false;
  for (Node* node : graph.nodes()) {
    Analysis a = Analyze(*node);
    if (!a.plan) {
      if (!a.reason.empty()) {
        ctx.Warn(absl::StrCat(kName, ": ", node->Describe(), " not lowered: ", a.reason));
      }
      continue;
    }
    RETURN_IF_ERROR(Lower(graph, node, *a.plan, *ctx.model));
    changed = true;
  }
  return changed;
}

}  // namespace finngl
