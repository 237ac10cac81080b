// QuantLSTMCell (domain qonnx.custom_op.general, onnx.brevitas before brevitas 0.12): one layer
// and direction of Brevitas' QuantLSTM with all 11 internal quantizers enabled, as
// brevitas.export.export_qonnx emits it (brevitas 0.13.4, BrevitasQuantLSTMCellFn). Inputs and
// attributes: quant_lstm_cell.h. No other tool executes it (qonnx has no kernel for it); this
// kernel reproduces the forward pass of Brevitas' _QuantLSTMCell (nn/quant_rnn.py) bit for bit.
//
// What arrives already quantized (by Quant nodes before the cell): x (io quantizer), the weights
// (one weight quantizer per gate, shared by W and U) and the biases (Int32Bias, scale = io scale
// x weight scale). h0/c0 are zeros or quantized states. Per step t (rows are batch entries):
//
//   i  = Q_in_sig (Sigmoid(Q_in_acc ((x_t·W_iᵀ + h·U_iᵀ) + b_i)))
//   f  = Q_fg_sig (Sigmoid(Q_fg_acc ((x_t·W_fᵀ + h·U_fᵀ) + b_f)))   CIFG: f = Q_in_sig(1) - i
//   g  = Q_c_tanh (Tanh   (Q_c_acc  ((x_t·W_cᵀ + h·U_cᵀ) + b_c)))
//   o  = Q_out_sig(Sigmoid(Q_out_acc((x_t·W_oᵀ + h·U_oᵀ) + b_o)))
//   c' = Q_cell(Q_cell(f * c) + Q_cell(i * g))
//   h' = Q_output(o * Q_h_tanh(Tanh(c')))
//
// Each Q is qonnx's Quant with the quantizer's scale, zero point, bit width, signed, narrow and
// rounding mode, evaluated in float32 like the Quant op. Every float operation is the one torch
// performs, in the same order: the matrix products go through the executor's GEMM (the kernel of
// the MatMul op, a chain of fused multiply-adds per output, which is what torch's MKL sgemm
// computes for these shapes), Sigmoid and Tanh through the Sigmoid and Tanh ops' own kernels.
// So the Scan that lower-quant-lstm-cell builds from standard ops and Quant nodes computes
// exactly what this kernel computes. reverse_input consumes x from the last step to the first
// and stores each h' at its input's time index; batch_first swaps the first two axes of x and Y.
#include "src/ops/quant_lstm_cell.h"

#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/gemm_kernel.h"
#include "src/ops/registry.h"
#include "src/ops/rounding.h"
#include "src/ops/shape_util.h"

namespace finngl {
namespace quant_lstm {

const char* QuantizerName(int q) {
  static constexpr const char* kNames[kNumQuantizers] = {
      "output",    "cell_state",     "input_acc",        "forget_acc",
      "cell_acc",  "output_acc",     "input_sigmoid",    "forget_sigmoid",
      "cell_tanh", "output_sigmoid", "hidden_state_tanh"};
  return q >= 0 && q < kNumQuantizers ? kNames[q] : "?";
}

std::string SignedAttr(int q) { return absl::StrCat(QuantizerName(q), "_signed"); }
std::string NarrowAttr(int q) {
  return q == kOutputSigmoid ? "output_sigmoid_narrow_range"
                             : absl::StrCat(QuantizerName(q), "_narrow");
}
std::string RoundingModeAttr(int q) { return absl::StrCat(QuantizerName(q), "_rounding_mode"); }

std::string InputRole(int i) {
  static constexpr const char* kGate[kNumGates] = {"i", "f", "c", "o"};
  if (i == kX) return "x";
  if (i == kH0) return "h0";
  if (i == kC0) return "c0";
  if (i >= InputWeightIndex(0) && i < InputWeightIndex(kNumGates)) {
    return absl::StrCat("W_", kGate[i - InputWeightIndex(0)]);
  }
  if (i >= HiddenWeightIndex(0) && i < HiddenWeightIndex(kNumGates)) {
    return absl::StrCat("U_", kGate[i - HiddenWeightIndex(0)]);
  }
  if (i >= BiasIndex(0) && i < BiasIndex(kNumGates)) {
    return absl::StrCat("b_", kGate[i - BiasIndex(0)]);
  }
  if (i >= ScaleIndex(0) && i < kNumInputs) {
    static constexpr const char* kPart[3] = {"scale", "zero point", "bit width"};
    const int q = (i - ScaleIndex(0)) / 3;
    return absl::StrCat(QuantizerName(q), " ", kPart[(i - ScaleIndex(0)) % 3]);
  }
  return absl::StrCat("input ", i);
}

}  // namespace quant_lstm

namespace {

namespace ql = quant_lstm;
using AT = Attribute::Type;
using KernelOr = absl::StatusOr<std::unique_ptr<Kernel>>;

// "input 'name' (W_f)" for every input: the tensor and its role in the cell. Kernels keep a copy
// (they must not hold on to the node).
using Labels = std::array<std::string, ql::kNumInputs>;
Labels MakeLabels(const Node& node) {
  Labels labels;
  for (int i = 0; i < ql::kNumInputs; ++i) {
    labels[i] = absl::StrCat(InputLabel(node, i), " (", ql::InputRole(i), ")");
  }
  return labels;
}

// ============================================================================ attributes

struct QuantizerAttrs {
  bool is_signed = true;
  bool narrow = false;
  RoundingMode mode = RoundingMode::kHalfEven;
};

struct CellAttrs {
  bool batch_first = false;
  bool reverse_input = false;
  bool cifg = false;
  std::array<QuantizerAttrs, ql::kNumQuantizers> quantizers;
};

absl::Status CheckFlag(const Attribute& a) {
  if (a.i() == 0 || a.i() == 1) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("value ", a.i(), " is not 0 or 1"));
}

absl::StatusOr<bool> ReadFlag(const Node& node, const std::string& name, bool required,
                              const std::string& meaning) {
  const Attribute* a = node.attr(name);
  if (a == nullptr) {
    if (!required) return false;
    return absl::InvalidArgumentError(
        absl::StrCat("required attribute '", name, "' (", meaning, ") is missing"));
  }
  if (a->type() != AT::kInt) {
    return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' has type ",
                                                   AttributeTypeName(a->type()), ", expected int"));
  }
  absl::Status s = CheckFlag(*a);
  if (!s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "': ", s.message()));
  }
  return a->i() != 0;
}

// Messages do not name the node (callers prefix it).
absl::StatusOr<CellAttrs> ParseCellAttrs(const Node& node) {
  CellAttrs attrs;
  ASSIGN_OR_RETURN(attrs.batch_first, ReadFlag(node, "batch_first", false, ""));
  ASSIGN_OR_RETURN(attrs.reverse_input, ReadFlag(node, "reverse_input", false, ""));
  ASSIGN_OR_RETURN(attrs.cifg, ReadFlag(node, "cifg", false, ""));
  for (int q = 0; q < ql::kNumQuantizers; ++q) {
    const std::string name = ql::QuantizerName(q);
    QuantizerAttrs& qa = attrs.quantizers[q];
    ASSIGN_OR_RETURN(qa.is_signed,
                     ReadFlag(node, ql::SignedAttr(q), true, name + " quantizer's signedness"));
    ASSIGN_OR_RETURN(qa.narrow,
                     ReadFlag(node, ql::NarrowAttr(q), true, name + " quantizer's narrow range"));
    const std::string rounding = ql::RoundingModeAttr(q);
    const Attribute* a = node.attr(rounding);
    if (a != nullptr && a->type() != AT::kString) {
      return absl::InvalidArgumentError(absl::StrCat("attribute '", rounding, "' has type ",
                                                     AttributeTypeName(a->type()),
                                                     ", expected string"));
    }
    auto mode = ParseRoundingMode(a != nullptr ? a->s() : "ROUND");
    if (!mode.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute '", rounding, "': ", mode.status().message()));
    }
    qa.mode = *mode;
  }
  return attrs;
}

std::vector<AttrSpec> CellAttrSpecs() {
  std::vector<AttrSpec> specs = {{"batch_first", AT::kInt, false, CheckFlag},
                                 {"reverse_input", AT::kInt, false, CheckFlag},
                                 {"cifg", AT::kInt, false, CheckFlag}};
  for (int q = 0; q < ql::kNumQuantizers; ++q) {
    specs.push_back({ql::SignedAttr(q), AT::kInt, true, CheckFlag});
    specs.push_back({ql::NarrowAttr(q), AT::kInt, true, CheckFlag});
    specs.push_back({ql::RoundingModeAttr(q), AT::kString, false,
                     [](const Attribute& a) { return ParseRoundingMode(a.s()).status(); }});
  }
  return specs;
}

// ============================================================================ quantizers

// One per-tensor quantizer: qonnx's Quant on float32 data, evaluated exactly as the Quant op's
// float32 path does (x / scale + zero point, clamp, round, minus zero point, times scale; the
// signed 1-bit case is bipolar).
struct ScalarQuantizer {
  float scale = 1.0f;
  float zero_point = 0.0f;
  float lo = 0.0f;
  float hi = 0.0f;
  bool bipolar = false;
  RoundingMode mode = RoundingMode::kHalfEven;

  float operator()(float x) const {
    float y = x / scale + zero_point;
    if (bipolar) {
      y = y >= 0.0f ? 1.0f : -1.0f;
    } else {
      if (y > hi) y = hi;
      if (y < lo) y = lo;
      y = ApplyRounding(mode, y);
    }
    return (y - zero_point) * scale;
  }
};

// Checks one quantizer's parameter tensors (one value each; scale and zero point float32).
// `scale`, `zero_point`, `bits` may be null at inference time when their values are not known.
absl::Status CheckQuantizerParam(const Labels& label, int input, const Tensor* t,
                                 bool must_be_float) {
  if (t == nullptr) return absl::OkStatus();
  if (t->size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(label[input],
                     " must hold a single value (QuantLSTMCell quantizers are per tensor), "
                     "got shape ",
                     DimsToString(t->dims())));
  }
  if (must_be_float && t->type() != ElementType::kFloat) {
    return absl::InvalidArgumentError(
        absl::StrCat(label[input], " must be float32, got ", ElementTypeName(t->type())));
  }
  if (!must_be_float && (ElementSize(t->type()) == 0 || t->type() == ElementType::kBool)) {
    return absl::InvalidArgumentError(
        absl::StrCat(label[input], " has element type ", ElementTypeName(t->type())));
  }
  return absl::OkStatus();
}

absl::StatusOr<ScalarQuantizer> MakeQuantizer(const Labels& label, int q, const QuantizerAttrs& a,
                                              const Tensor& scale, const Tensor& zero_point,
                                              const Tensor& bits) {
  RETURN_IF_ERROR(CheckQuantizerParam(label, ql::ScaleIndex(q), &scale, true));
  RETURN_IF_ERROR(CheckQuantizerParam(label, ql::ZeroPointIndex(q), &zero_point, true));
  RETURN_IF_ERROR(CheckQuantizerParam(label, ql::BitWidthIndex(q), &bits, false));
  ScalarQuantizer quant;
  quant.scale = scale.data<float>()[0];
  quant.zero_point = zero_point.data<float>()[0];
  quant.mode = a.mode;
  quant.bipolar = bits.GetDouble(0) == 1 && a.is_signed;
  // The range in the bit width's own precision, like the Quant op (qonnx's min_int/max_int).
  if (bits.type() == ElementType::kFloat || bits.type() == ElementType::kFloat16) {
    auto [lo, hi] =
        QuantIntRange<float>(a.is_signed, a.narrow, static_cast<float>(bits.GetDouble(0)));
    quant.lo = lo;
    quant.hi = hi;
  } else {
    auto [lo, hi] = QuantIntRange<double>(a.is_signed, a.narrow, bits.GetDouble(0));
    quant.lo = static_cast<float>(lo);
    quant.hi = static_cast<float>(hi);
  }
  return quant;
}

// ============================================================================ type inference

// The datatype of a quantizer's output, as the Quant op infers it: INT<b>/UINT<b> (BIPOLAR /
// BINARY for one bit) when scale is 1, zero point 0 and the bit width an integer; else FLOAT32.
DataType QuantizerDataType(const InferContext& ctx, int q, const QuantizerAttrs& a) {
  const Tensor* scale = ctx.constant(ql::ScaleIndex(q));
  const Tensor* zero_point = ctx.constant(ql::ZeroPointIndex(q));
  const Tensor* bits = ctx.constant(ql::BitWidthIndex(q));
  if (scale == nullptr || zero_point == nullptr || bits == nullptr || bits->size() != 1 ||
      scale->size() != 1 || zero_point->size() != 1 || scale->GetDouble(0) != 1.0 ||
      zero_point->GetDouble(0) != 0.0) {
    return DataType::Float32();
  }
  const double b = bits->GetDouble(0);
  if (b != std::floor(b) || b < 1 || b > 64) return DataType::Float32();
  const int n = static_cast<int>(b);
  if (n == 1) return a.is_signed ? DataType::Bipolar() : DataType::Binary();
  return a.is_signed ? DataType::Int(n) : DataType::UInt(n);
}

// Unifies a dim seen in two places; error when both are known and differ.
absl::Status MatchDim(const InferContext& ctx, Dim& known, const Dim& d, int input, int axis,
                      const std::string& what) {
  if (!d.known()) return absl::OkStatus();
  if (!known.known()) {
    known = d;
    return absl::OkStatus();
  }
  if (known.value != d.value) {
    return ctx.Error(absl::StrCat(MakeLabels(ctx.node())[input], " has ", d.value, " on axis ",
                                  axis, " but ", what, " is ", known.value, " elsewhere"));
  }
  return absl::OkStatus();
}

absl::Status InferQuantLstmCell(InferContext& ctx) {
  const Node& node = ctx.node();
  const Labels label = MakeLabels(node);
  auto attrs = ParseCellAttrs(node);
  if (!attrs.ok()) return InferError(ctx, attrs.status());
  if (ctx.num_inputs() != ql::kNumInputs) {
    return ctx.Error(absl::StrCat("has ", ctx.num_inputs(), " inputs, expected ", ql::kNumInputs,
                                  " (x, h0, c0, 8 weights, 4 biases, 11 x (scale, zero point, "
                                  "bit width))"));
  }
  for (int i = 0; i < ql::kNumInputs; ++i) {
    if (!ctx.has_input(i)) {
      return ctx.Error(absl::StrCat("input ", i, " (", ql::InputRole(i), ") is missing"));
    }
    const ElementType e = ctx.input_type(i).elem;
    if (i < ql::ScaleIndex(0) && e != ElementType::kUndefined && e != ElementType::kFloat) {
      return ctx.Error(absl::StrCat(label[i], " must be float32, got ", ElementTypeName(e)));
    }
  }
  // The quantizer parameters must be constants: they define the cell's quantization (and the
  // Quant nodes of its lowering), and Brevitas always exports them as initializers.
  for (int i = ql::ScaleIndex(0); i < ql::kNumInputs; ++i) {
    const Tensor* t = ctx.constant(i);
    if (t == nullptr) {
      return ctx.Error(absl::StrCat(label[i],
                                    " is not a constant; QuantLSTMCell needs its quantizers' "
                                    "scale, zero point and bit width as initializers"));
    }
    const int q = (i - ql::ScaleIndex(0)) / 3;
    const bool is_bits = i == ql::BitWidthIndex(q);
    absl::Status s = CheckQuantizerParam(label, i, t, !is_bits);
    if (!s.ok()) return InferError(ctx, s);
  }
  // Shapes: x [T, B, I] (or [B, T, I]), h0/c0 [B, H], W [H, I], U [H, H], b [H] or one value.
  Dim seq, batch, input, hidden;
  auto shape_of = [&](int i) -> const std::optional<Shape>& { return ctx.input_type(i).shape; };
  auto rank_is = [&](int i, size_t rank) -> absl::Status {
    const auto& s = shape_of(i);
    if (s && s->size() != rank) {
      return ctx.Error(
          absl::StrCat(label[i], " has shape ", ShapeToString(*s), ", expected rank ", rank));
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(rank_is(ql::kX, 3));
  if (const auto& s = shape_of(ql::kX)) {
    seq = (*s)[attrs->batch_first ? 1 : 0];
    batch = (*s)[attrs->batch_first ? 0 : 1];
    input = (*s)[2];
  }
  for (int i : {ql::kH0, ql::kC0}) {
    RETURN_IF_ERROR(rank_is(i, 2));
    if (const auto& s = shape_of(i)) {
      RETURN_IF_ERROR(MatchDim(ctx, batch, (*s)[0], i, 0, "the batch size"));
      RETURN_IF_ERROR(MatchDim(ctx, hidden, (*s)[1], i, 1, "the hidden size"));
    }
  }
  for (int g = 0; g < ql::kNumGates; ++g) {
    const int w = ql::InputWeightIndex(g), u = ql::HiddenWeightIndex(g), b = ql::BiasIndex(g);
    RETURN_IF_ERROR(rank_is(w, 2));
    RETURN_IF_ERROR(rank_is(u, 2));
    if (const auto& s = shape_of(w)) {
      RETURN_IF_ERROR(MatchDim(ctx, hidden, (*s)[0], w, 0, "the hidden size"));
      RETURN_IF_ERROR(MatchDim(ctx, input, (*s)[1], w, 1, "the input size"));
    }
    if (const auto& s = shape_of(u)) {
      RETURN_IF_ERROR(MatchDim(ctx, hidden, (*s)[0], u, 0, "the hidden size"));
      RETURN_IF_ERROR(MatchDim(ctx, hidden, (*s)[1], u, 1, "the hidden size"));
    }
    if (const auto& s = shape_of(b)) {
      if (s->size() > 1) {
        return ctx.Error(absl::StrCat(label[b], " has shape ", ShapeToString(*s),
                                      ", expected [hidden] or a single value"));
      }
      if (s->size() == 1 && (*s)[0].known() && (*s)[0].value != 1) {
        RETURN_IF_ERROR(MatchDim(ctx, hidden, (*s)[0], b, 0, "the hidden size"));
      }
    }
  }
  const DataType h_type = QuantizerDataType(ctx, ql::kOutput, attrs->quantizers[ql::kOutput]);
  const DataType c_type = QuantizerDataType(ctx, ql::kCellState, attrs->quantizers[ql::kCellState]);
  Shape y = attrs->batch_first ? Shape{batch, seq, hidden} : Shape{seq, batch, hidden};
  ctx.SetOutput(0, ElementType::kFloat, y, h_type);
  ctx.SetOutput(1, ElementType::kFloat, Shape{batch, hidden}, h_type);
  ctx.SetOutput(2, ElementType::kFloat, Shape{batch, hidden}, c_type);
  return absl::OkStatus();
}

// ============================================================================ execution

// A default-domain unary op (Sigmoid, Tanh) run through its registered kernel, so the cell
// computes exactly what those nodes compute in the lowered graph.
class UnaryOpRunner {
 public:
  static absl::StatusOr<std::unique_ptr<UnaryOpRunner>> Create(const std::string& op_type) {
    auto runner = std::unique_ptr<UnaryOpRunner>(new UnaryOpRunner());
    Graph& g = runner->graph_;
    ASSIGN_OR_RETURN(Value * x, g.AddValue("x"));
    x->type().elem = ElementType::kFloat;
    ASSIGN_OR_RETURN(Node * node, g.AddNodeWithNewOutputs(op_type, "", op_type, {x}, {"y"}));
    const OpSpec* spec = OpRegistry::Get().Find("", op_type, -1);
    RET_CHECK(spec != nullptr);
    ASSIGN_OR_RETURN(runner->kernel_, spec->compile(*node, CompileContext{}));
    return runner;
  }
  absl::Status Run(const Tensor& in, Tensor& out) {
    const Tensor* ins[1] = {&in};
    Tensor* outs[1] = {&out};
    KernelContext ctx{ins, outs};
    return kernel_->Run(ctx);
  }

 private:
  UnaryOpRunner() : graph_("quant_lstm_cell_activation") {}
  Graph graph_;
  std::unique_ptr<Kernel> kernel_;
};

struct CellDims {
  int64_t seq = 0, batch = 0, input = 0, hidden = 0;
};

absl::Status CheckDims(const Labels& label, const Tensor& t, int input, const Dims& want) {
  if (t.type() != ElementType::kFloat) {
    return absl::InvalidArgumentError(
        absl::StrCat(label[input], " must be float32, got ", ElementTypeName(t.type())));
  }
  if (t.dims() != want) {
    return absl::InvalidArgumentError(absl::StrCat(
        label[input], " has shape ", DimsToString(t.dims()), ", expected ", DimsToString(want)));
  }
  return absl::OkStatus();
}

absl::StatusOr<CellDims> ValidateInputs(const Labels& label, const CellAttrs& attrs,
                                        const KernelContext& ctx) {
  for (int i = 0; i < ql::kNumInputs; ++i) {
    if (ctx.input(i) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("input ", i, " (", ql::InputRole(i), ") is missing"));
    }
  }
  const Tensor& x = *ctx.input(ql::kX);
  if (x.type() != ElementType::kFloat || x.rank() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(label[ql::kX],
                                                   " must be a float32 "
                                                   "tensor of rank 3, got ",
                                                   ElementTypeName(x.type()), " ",
                                                   DimsToString(x.dims())));
  }
  const Tensor& u_i = *ctx.input(ql::HiddenWeightIndex(0));
  if (u_i.rank() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(label[ql::HiddenWeightIndex(0)], " has shape ",
                                                   DimsToString(u_i.dims()),
                                                   ", expected [hidden, hidden]"));
  }
  CellDims d;
  d.seq = x.dim(attrs.batch_first ? 1 : 0);
  d.batch = x.dim(attrs.batch_first ? 0 : 1);
  d.input = x.dim(2);
  d.hidden = u_i.dim(0);
  RETURN_IF_ERROR(CheckDims(label, *ctx.input(ql::kH0), ql::kH0, {d.batch, d.hidden}));
  RETURN_IF_ERROR(CheckDims(label, *ctx.input(ql::kC0), ql::kC0, {d.batch, d.hidden}));
  for (int g = 0; g < ql::kNumGates; ++g) {
    RETURN_IF_ERROR(CheckDims(label, *ctx.input(ql::InputWeightIndex(g)), ql::InputWeightIndex(g),
                              {d.hidden, d.input}));
    RETURN_IF_ERROR(CheckDims(label, *ctx.input(ql::HiddenWeightIndex(g)), ql::HiddenWeightIndex(g),
                              {d.hidden, d.hidden}));
    const Tensor& b = *ctx.input(ql::BiasIndex(g));
    if (b.type() != ElementType::kFloat || b.rank() > 1 ||
        (b.size() != 1 && b.size() != d.hidden)) {
      return absl::InvalidArgumentError(absl::StrCat(
          label[ql::BiasIndex(g)], " must be float32 of shape [", d.hidden,
          "] or a single value, got ", ElementTypeName(b.type()), " ", DimsToString(b.dims())));
    }
  }
  return d;
}

class QuantLstmCellKernel final : public Kernel {
 public:
  QuantLstmCellKernel(Labels labels, CellAttrs attrs, std::unique_ptr<UnaryOpRunner> sigmoid,
                      std::unique_ptr<UnaryOpRunner> tanh)
      : labels_(std::move(labels)),
        attrs_(std::move(attrs)),
        sigmoid_(std::move(sigmoid)),
        tanh_(std::move(tanh)) {}

  absl::Status Run(KernelContext& ctx) override {
    ASSIGN_OR_RETURN(CellDims d, ValidateInputs(labels_, attrs_, ctx));
    for (int q = 0; q < ql::kNumQuantizers; ++q) {
      ASSIGN_OR_RETURN(
          quant_[q],
          MakeQuantizer(labels_, q, attrs_.quantizers[q], *ctx.input(ql::ScaleIndex(q)),
                        *ctx.input(ql::ZeroPointIndex(q)), *ctx.input(ql::BitWidthIndex(q))));
    }
    const int64_t bh = d.batch * d.hidden;
    // Wᵀ [I, H] and Uᵀ [H, H]: the right-hand operands of the per-step products x_t·Wᵀ, h·Uᵀ.
    for (int g = 0; g < ql::kNumGates; ++g) {
      Transpose(*ctx.input(ql::InputWeightIndex(g)), wt_[g]);
      Transpose(*ctx.input(ql::HiddenWeightIndex(g)), ut_[g]);
    }
    h_.assign(ctx.input(ql::kH0)->data<float>(), ctx.input(ql::kH0)->data<float>() + bh);
    c_.assign(ctx.input(ql::kC0)->data<float>(), ctx.input(ql::kC0)->data<float>() + bh);
    xt_.resize(d.batch * d.input);
    xw_.resize(bh);
    hu_.resize(bh);
    pre_.Resize(ElementType::kFloat, Dims{d.batch, d.hidden});
    act_.Resize(ElementType::kFloat, Dims{d.batch, d.hidden});
    for (auto& gate : gates_) gate.resize(bh);

    Tensor& y = *ctx.outputs[0];
    y.Resize(ElementType::kFloat,
             attrs_.batch_first ? Dims{d.batch, d.seq, d.hidden} : Dims{d.seq, d.batch, d.hidden});
    const Tensor& x = *ctx.input(ql::kX);
    // CIFG: f = Q_in_sig(1) - i (Brevitas quantizes a tensor of ones with the input sigmoid's
    // quantizer).
    const float one = quant_[ql::kInputSigmoid](1.0f);
    for (int64_t step = 0; step < d.seq; ++step) {
      const int64_t t = attrs_.reverse_input ? d.seq - 1 - step : step;
      // x_t [B, I], contiguous like the slice a Scan hands its body.
      for (int64_t b = 0; b < d.batch; ++b) {
        const int64_t row = attrs_.batch_first ? b * d.seq + t : t * d.batch + b;
        std::memcpy(xt_.data() + b * d.input, x.data<float>() + row * d.input,
                    sizeof(float) * d.input);
      }
      for (int g = 0; g < ql::kNumGates; ++g) {
        if (attrs_.cifg && g == ql::kForgetGate) continue;
        RETURN_IF_ERROR(Gate(ctx, d, g));
      }
      std::vector<float>& i_gate = gates_[ql::kInputGate];
      std::vector<float>& f_gate = gates_[ql::kForgetGate];
      if (attrs_.cifg) {
        for (int64_t k = 0; k < bh; ++k) f_gate[k] = one - i_gate[k];
      }
      const ScalarQuantizer& cell_q = quant_[ql::kCellState];
      float* pre = pre_.data<float>();
      for (int64_t k = 0; k < bh; ++k) {
        const float fc = cell_q(f_gate[k] * c_[k]);
        const float ig = cell_q(i_gate[k] * gates_[ql::kCellGate][k]);
        c_[k] = cell_q(fc + ig);
        pre[k] = c_[k];
      }
      RETURN_IF_ERROR(tanh_->Run(pre_, act_));
      const float* th = act_.data<float>();
      const ScalarQuantizer& tanh_q = quant_[ql::kHiddenStateTanh];
      const ScalarQuantizer& out_q = quant_[ql::kOutput];
      for (int64_t k = 0; k < bh; ++k) {
        h_[k] = out_q(gates_[ql::kOutputGate][k] * tanh_q(th[k]));
      }
      for (int64_t b = 0; b < d.batch; ++b) {
        const int64_t row = attrs_.batch_first ? b * d.seq + t : t * d.batch + b;
        std::memcpy(y.data<float>() + row * d.hidden, h_.data() + b * d.hidden,
                    sizeof(float) * d.hidden);
      }
    }
    if (ctx.outputs.size() > 1 && ctx.outputs[1] != nullptr) {
      ctx.outputs[1]->Resize(ElementType::kFloat, Dims{d.batch, d.hidden});
      std::memcpy(ctx.outputs[1]->data<float>(), h_.data(), sizeof(float) * bh);
    }
    if (ctx.outputs.size() > 2 && ctx.outputs[2] != nullptr) {
      ctx.outputs[2]->Resize(ElementType::kFloat, Dims{d.batch, d.hidden});
      std::memcpy(ctx.outputs[2]->data<float>(), c_.data(), sizeof(float) * bh);
    }
    return absl::OkStatus();
  }

 private:
  static void Transpose(const Tensor& m, std::vector<float>& out) {
    const int64_t rows = m.dim(0), cols = m.dim(1);
    out.resize(rows * cols);
    const float* src = m.data<float>();
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) out[c * rows + r] = src[r * cols + c];
    }
  }

  // gates_[g] = Q_act(act(Q_acc((x_t·Wᵀ + h·Uᵀ) + b))), the products computed like MatMul.
  absl::Status Gate(const KernelContext& ctx, const CellDims& d, int g) {
    const int64_t bh = d.batch * d.hidden;
    Gemm(d.batch, d.hidden, d.input, GemmOperand<float>{xt_.data(), d.input},
         GemmOperand<float>{wt_[g].data(), d.hidden}, xw_.data(), d.hidden);
    Gemm(d.batch, d.hidden, d.hidden, GemmOperand<float>{h_.data(), d.hidden},
         GemmOperand<float>{ut_[g].data(), d.hidden}, hu_.data(), d.hidden);
    const Tensor& bias = *ctx.input(ql::BiasIndex(g));
    const float* b = bias.data<float>();
    const bool per_unit = bias.size() != 1;
    const ScalarQuantizer& acc_q = quant_[ql::AccQuantizer(g)];
    float* pre = pre_.data<float>();
    for (int64_t k = 0; k < bh; ++k) {
      const float sum = xw_[k] + hu_[k];
      pre[k] = acc_q(sum + b[per_unit ? k % d.hidden : 0]);
    }
    UnaryOpRunner& act = g == ql::kCellGate ? *tanh_ : *sigmoid_;
    RETURN_IF_ERROR(act.Run(pre_, act_));
    const float* a = act_.data<float>();
    const ScalarQuantizer& act_q = quant_[ql::ActQuantizer(g)];
    std::vector<float>& out = gates_[g];
    for (int64_t k = 0; k < bh; ++k) out[k] = act_q(a[k]);
    return absl::OkStatus();
  }

  Labels labels_;
  CellAttrs attrs_;
  std::unique_ptr<UnaryOpRunner> sigmoid_, tanh_;
  std::array<ScalarQuantizer, ql::kNumQuantizers> quant_;
  std::array<std::vector<float>, ql::kNumGates> wt_, ut_, gates_;
  std::vector<float> h_, c_, xt_, xw_, hu_;
  Tensor pre_, act_;  // an activation's input and output, [B, H]
};

}  // namespace

OpSpec MakeQuantLSTMCellSpec() {
  OpSpec s;
  s.op_type = ql::kOpType;
  s.domain = kQonnxDomain;
  s.summary =
      "Brevitas' fully quantized LSTM layer (export_qonnx): one Quant per internal quantizer, "
      "bit-exact with QuantLSTM's forward.";
  s.min_inputs = ql::kNumInputs;
  s.max_inputs = ql::kNumInputs;
  s.min_outputs = 1;
  s.max_outputs = 3;
  s.attributes = CellAttrSpecs();
  s.foldable = false;
  s.infer = InferQuantLstmCell;
  s.compile = [](const Node& node, const CompileContext&) -> KernelOr {
    ASSIGN_OR_RETURN(CellAttrs attrs, ParseCellAttrs(node));
    ASSIGN_OR_RETURN(auto sigmoid, UnaryOpRunner::Create("Sigmoid"));
    ASSIGN_OR_RETURN(auto tanh, UnaryOpRunner::Create("Tanh"));
    return std::unique_ptr<Kernel>(new QuantLstmCellKernel(MakeLabels(node), std::move(attrs),
                                                           std::move(sigmoid), std::move(tanh)));
  };
  return s;
}

}  // namespace finngl
