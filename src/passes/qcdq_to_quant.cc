#include "src/passes/qcdq_to_quant.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/passes/evaluate.h"
#include "src/passes/rewrite_util.h"

namespace finngl {
namespace {

// A closed integer range [lo, hi].
struct IntRange {
  int64_t lo = 0;
  int64_t hi = 0;
};

// The attributes and bit width of a Quant node.
struct QuantForm {
  int bits = 8;
  bool is_signed = true;
  bool narrow = false;
};

std::string RangeString(const IntRange& r) { return absl::StrCat("[", r.lo, ", ", r.hi, "]"); }

// The values a quantized element type holds (the types QuantizeLinear/DequantizeLinear accept).
std::optional<IntRange> ElementRange(ElementType t) {
  switch (t) {
    case ElementType::kInt8: return IntRange{-128, 127};
    case ElementType::kUint8: return IntRange{0, 255};
    case ElementType::kInt16: return IntRange{-32768, 32767};
    case ElementType::kUint16: return IntRange{0, 65535};
    case ElementType::kInt32:
      return IntRange{std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    default: return std::nullopt;
  }
}

// b with 2^b == v, or -1.
int Log2Exact(int64_t v) {
  if (v <= 0 || (v & (v - 1)) != 0) return -1;
  int b = 0;
  while ((int64_t{1} << b) != v) ++b;
  return b;
}

// The Quant whose integer range is exactly `r`, if there is one.
std::optional<QuantForm> ExactForm(const IntRange& r) {
  if (r.lo == 0) {
    if (int b = Log2Exact(r.hi + 1); b >= 1) return QuantForm{b, false, false};
    if (int b = Log2Exact(r.hi + 2); b >= 2) return QuantForm{b, false, true};
    return std::nullopt;
  }
  if (r.lo > 0) return std::nullopt;
  // Signed 1-bit would be Quant's bipolar special case, not [-1, 0].
  if (int b = Log2Exact(r.hi + 1); b >= 1 && -r.lo == r.hi + 1) {
    return QuantForm{b + 1, true, false};
  }
  if (int b = Log2Exact(r.hi + 1); b >= 1 && -r.lo == r.hi) return QuantForm{b + 1, true, true};
  return std::nullopt;
}

// The narrowest Quant whose range contains `r` (used for constants, whose rewrite is verified on
// the constant itself, so a wider range than the Clip's is still exact).
QuantForm CoveringForm(const IntRange& r) {
  if (r.lo >= 0) {
    int b = 1;
    while (b < 63 && (int64_t{1} << b) - 1 < r.hi) ++b;
    return QuantForm{b, false, false};
  }
  int b = 2;
  while (b < 63 && ((int64_t{1} << (b - 1)) - 1 < r.hi || -(int64_t{1} << (b - 1)) > r.lo)) ++b;
  const bool narrow = r.lo > -(int64_t{1} << (b - 1));
  return QuantForm{b, true, narrow};
}

// A reason to leave a chain unchanged (turned into a warning), as opposed to an error.
absl::Status Reject(std::string reason) { return absl::FailedPreconditionError(std::move(reason)); }
bool IsRejection(const absl::Status& s) {
  return s.code() == absl::StatusCode::kFailedPrecondition;
}

bool IsOp(const Node* node, const char* op_type) {
  return node != nullptr && node->op_type() == op_type && node->domain().empty();
}

std::string Quoted(const Value* v) { return absl::StrCat("'", v->name(), "'"); }

// Whether two constant tensors hold the same values (element types equal; shapes may differ
// when both have one element, e.g. a scalar and a [1] tensor).
bool SameValues(const Tensor& a, const Tensor& b) {
  if (a.type() != b.type() || a.size() != b.size()) return false;
  if (a.dims() != b.dims() && a.size() != 1) return false;
  return std::memcmp(a.raw(), b.raw(), a.byte_size()) == 0;
}

// One quantize/dequantize chain ending in `dq`, with everything the rewrite needs.
struct Chain {
  Node* dq = nullptr;
  Node* clip = nullptr;          // optional
  Node* q = nullptr;             // nullptr: DequantizeLinear of an integer constant
  Value* x = nullptr;            // Q's float input, or the integer constant
  const Tensor* scale = nullptr;
  const Tensor* zero_point = nullptr;  // nullptr: 0
  ElementType qtype = ElementType::kUndefined;
  IntRange range;                // what the chain can produce: type range cut by the Clip
  int64_t rank = -1;             // rank of x (-1 unknown)
  int64_t axis = -1;             // normalised quantization axis, -1 per tensor
  int64_t channels = 1;
};

// The Quant replacing a chain: its form and constant inputs.
struct Plan {
  Chain chain;
  QuantForm form;
  Tensor scale;       // reshaped to broadcast against x
  Tensor zero_point;  // float32, same shape as scale
  bool zero = true;   // zero point all 0
  std::optional<Tensor> dequantized;  // DQ-of-constant: the float constant replacing the integers
};

absl::StatusOr<std::vector<Tensor>> Evaluate(const Node& node, std::vector<const Tensor*> inputs,
                                             const Model& model) {
  inputs.resize(node.num_inputs(), nullptr);
  return EvaluateNode(node, inputs, model);
}

// The constant inputs of `node` from index 1 on (nullptr for omitted ones), after `first`.
std::vector<const Tensor*> WithConstantOperands(const Node& node, const Tensor* first) {
  std::vector<const Tensor*> in = {first};
  for (int i = 1; i < node.num_inputs(); ++i) in.push_back(ConstantData(node.input(i)));
  return in;
}

// Runs the original chain on `x` through the op kernels.
absl::StatusOr<Tensor> EvaluateChain(const Chain& c, const Tensor& x, const Model& model) {
  Tensor q = x;
  if (c.q != nullptr) {
    ASSIGN_OR_RETURN(auto out, Evaluate(*c.q, WithConstantOperands(*c.q, &x), model));
    q = std::move(out[0]);
  }
  if (c.clip != nullptr) {
    ASSIGN_OR_RETURN(auto out, Evaluate(*c.clip, WithConstantOperands(*c.clip, &q), model));
    q = std::move(out[0]);
  }
  ASSIGN_OR_RETURN(auto out, Evaluate(*c.dq, WithConstantOperands(*c.dq, &q), model));
  return std::move(out[0]);
}

// Runs Quant with the plan's parameters on `x` through its kernel.
absl::StatusOr<Tensor> EvaluateQuant(const Plan& p, const Tensor& x, const Model& model) {
  Graph scratch("qcdq_to_quant_check");
  std::vector<Value*> in;
  int i = 0;
  for (const Tensor* t : {&x, &p.scale, &p.zero_point}) {
    ASSIGN_OR_RETURN(Value * v, scratch.AddInitializer(absl::StrCat("in", i++), *t));
    in.push_back(v);
  }
  const float bit_width = static_cast<float>(p.form.bits);
  ASSIGN_OR_RETURN(Value * bits, scratch.AddInitializer("bits", Tensor::Scalar<float>(bit_width)));
  in.push_back(bits);
  ASSIGN_OR_RETURN(Node * node, scratch.AddNodeWithNewOutputs("Quant", kQonnxDomain, "quant", in,
                                                              {"out"}));
  node->SetAttr("signed", Attribute::Int(p.form.is_signed));
  node->SetAttr("narrow", Attribute::Int(p.form.narrow));
  node->SetAttr("rounding_mode", Attribute::String("ROUND"));
  std::vector<const Tensor*> tensors;
  for (Value* v : in) tensors.push_back(v->initializer());
  ASSIGN_OR_RETURN(auto out, EvaluateNode(*node, tensors, model));
  return std::move(out[0]);
}

// Compares two evaluations; numbers must be equal (-0.0 equals 0.0), NaN only matches NaN.
absl::Status CompareOutputs(const Tensor& want, const Tensor& got, const Tensor& x,
                            const std::string& what) {
  if (want.dims() != got.dims() || got.type() != ElementType::kFloat ||
      want.type() != ElementType::kFloat) {
    return Reject(absl::StrCat("Quant's output (", DimsToString(got.dims()),
                               ") does not have the chain's shape ", DimsToString(want.dims()),
                               " and type"));
  }
  for (int64_t i = 0; i < want.size(); ++i) {
    const float a = want.data<float>()[i], b = got.data<float>()[i];
    if (a == b || (std::isnan(a) && std::isnan(b))) continue;
    return Reject(absl::StrCat("the equivalent Quant differs on ", what, ": x = ",
                               x.GetDouble(i), " gives ", b, " instead of ", a));
  }
  return absl::OkStatus();
}

// Input values that probe a quantizer channel with scale s and integer range r: every integer
// step k*s (or a selection for wide ranges), the midpoints between steps, their float32
// neighbours, values beyond the range, zeros and infinities.
std::vector<float> ChannelSamples(float s, const IntRange& r) {
  std::vector<int64_t> ks;
  if (r.hi - r.lo <= 1024) {
    for (int64_t k = r.lo - 2; k <= r.hi + 2; ++k) ks.push_back(k);
  } else {
    for (int64_t d = -2; d <= 2; ++d) {
      ks.push_back(r.lo + d);
      ks.push_back(d);
      ks.push_back(r.hi + d);
    }
    for (int j = 1; j < 64; ++j) ks.push_back(r.lo + (r.hi - r.lo) / 64 * j);
  }
  std::vector<float> v;
  const float inf = std::numeric_limits<float>::infinity();
  auto add_with_neighbours = [&](double exact) {
    const float f = static_cast<float>(exact);
    v.push_back(f);
    v.push_back(std::nextafter(f, inf));
    v.push_back(std::nextafter(f, -inf));
  };
  for (int64_t k : ks) {
    add_with_neighbours(static_cast<double>(k) * s);
    add_with_neighbours((static_cast<double>(k) + 0.5) * s);
  }
  for (float f : {0.0f, -0.0f, inf, -inf, std::numeric_limits<float>::max(),
                  std::numeric_limits<float>::lowest(), std::numeric_limits<float>::denorm_min(),
                  -std::numeric_limits<float>::denorm_min()}) {
    v.push_back(f);
  }
  return v;
}

// Evaluates the chain and the Quant on representative inputs of x's rank (see ChannelSamples).
absl::Status CheckOnSamples(const Plan& p, const Model& model) {
  const Chain& c = p.chain;
  const int64_t channels = c.axis >= 0 ? c.channels : 1;
  std::vector<std::vector<float>> per_channel;
  size_t k = 0;
  for (int64_t ch = 0; ch < channels; ++ch) {
    per_channel.push_back(ChannelSamples(static_cast<float>(c.scale->GetDouble(ch)), c.range));
    k = std::max(k, per_channel.back().size());
  }
  for (auto& v : per_channel) v.resize(k, v.back());
  const int64_t kk = static_cast<int64_t>(k);
  // Layout: per tensor [K]; per axis, x's rank with C at the axis and K on another dim (or K
  // separate evaluations of [C] for rank-1 inputs).
  std::vector<std::pair<Dims, std::vector<float>>> batches;
  if (c.axis < 0) {
    batches.push_back({Dims{kk}, per_channel[0]});
  } else if (c.rank == 1) {
    for (int64_t j = 0; j < kk; ++j) {
      std::vector<float> v;
      for (int64_t ch = 0; ch < channels; ++ch) v.push_back(per_channel[ch][j]);
      batches.push_back({Dims{channels}, std::move(v)});
    }
  } else {
    Dims dims(c.rank, 1);
    const int64_t sample_axis = c.axis == c.rank - 1 ? 0 : c.rank - 1;
    dims[c.axis] = channels;
    dims[sample_axis] = kk;
    const int64_t ch_stride = NumElementsOf(std::span(dims).subspan(c.axis + 1));
    const int64_t k_stride = NumElementsOf(std::span(dims).subspan(sample_axis + 1));
    std::vector<float> v(channels * kk);
    for (int64_t ch = 0; ch < channels; ++ch) {
      for (int64_t j = 0; j < kk; ++j) v[ch * ch_stride + j * k_stride] = per_channel[ch][j];
    }
    batches.push_back({dims, std::move(v)});
  }
  for (auto& [dims, values] : batches) {
    const Tensor x = Tensor::FromVector<float>(dims, values);
    absl::StatusOr<Tensor> want = EvaluateChain(c, x, model);
    if (!want.ok()) {
      return Reject(absl::StrCat("evaluating the chain failed: ", want.status().message()));
    }
    absl::StatusOr<Tensor> got = EvaluateQuant(p, x, model);
    if (!got.ok()) return Reject(absl::StrCat("evaluating Quant failed: ", got.status().message()));
    RETURN_IF_ERROR(CompareOutputs(*want, *got, x, "a probe input"));
  }
  return absl::OkStatus();
}

// Reads the pattern ending in `dq`. Rejections say why the chain cannot be rewritten.
absl::StatusOr<Chain> MatchChain(Node* dq, const Model& model) {
  Chain c;
  c.dq = dq;
  if (dq->num_inputs() < 2 || dq->num_outputs() != 1) return Reject("unexpected arity");
  if (dq->GetInt("block_size", 0) != 0) return Reject("blocked quantization (block_size)");
  Value* dq_in = dq->input(0);
  Value* scale = dq->input(1);
  c.scale = ConstantData(scale);
  if (c.scale == nullptr) {
    return Reject(absl::StrCat("scale ", Quoted(scale), " is not a constant"));
  }
  if (c.scale->type() != ElementType::kFloat) {
    return Reject(absl::StrCat("scale ", Quoted(scale), " is ", ElementTypeName(c.scale->type()),
                               "; Quant computes in float32"));
  }
  for (int64_t i = 0; i < c.scale->size(); ++i) {
    const double s = c.scale->GetDouble(i);
    if (!(s > 0) || !std::isfinite(s)) {
      return Reject(absl::StrCat("scale ", Quoted(scale), " holds ", s,
                                 "; only positive finite scales are converted"));
    }
  }
  if (Value* zp = dq->input(2); zp != nullptr) {
    c.zero_point = ConstantData(zp);
    if (c.zero_point == nullptr) {
      return Reject(absl::StrCat("zero point ", Quoted(zp), " is not a constant"));
    }
  }
  // The chain upstream of the DequantizeLinear.
  Node* producer = dq_in->producer();
  Value* q_out = dq_in;
  if (IsOp(producer, "Clip")) {
    c.clip = producer;
    for (int i = 1; i < c.clip->num_inputs(); ++i) {
      if (c.clip->input(i) != nullptr && ConstantData(c.clip->input(i)) == nullptr) {
        return Reject(absl::StrCat("the bound ", Quoted(c.clip->input(i)), " of ",
                                   c.clip->Describe(), " is not a constant"));
      }
    }
    q_out = c.clip->input(0);
    producer = q_out->producer();
  }
  if (IsOp(producer, "QuantizeLinear")) {
    c.q = producer;
    c.x = c.q->input(0);
  } else if (const Tensor* k = ConstantData(q_out);
             k != nullptr && IsIntegerElementType(k->type())) {
    c.x = q_out;
  } else {
    return Reject(absl::StrCat("its input ", Quoted(q_out),
                               " is neither produced by QuantizeLinear nor an integer constant"));
  }
  c.qtype = q_out->type().elem;
  if (c.q == nullptr) c.qtype = ConstantData(q_out)->type();
  std::optional<IntRange> type_range = ElementRange(c.qtype);
  if (!type_range) {
    return Reject(absl::StrCat("quantized element type ", ElementTypeName(c.qtype),
                               " is not supported"));
  }
  c.range = *type_range;
  if (c.clip != nullptr) {
    // Clip is monotone, so the range it leaves is the image of the type's extremes; evaluating
    // it covers bounds given as inputs or (before opset 11) attributes, and fractional bounds.
    Tensor ends(c.qtype, {2});
    ends.SetDouble(0, static_cast<double>(c.range.lo));
    ends.SetDouble(1, static_cast<double>(c.range.hi));
    absl::StatusOr<std::vector<Tensor>> clipped =
        Evaluate(*c.clip, WithConstantOperands(*c.clip, &ends), model);
    if (!clipped.ok()) {
      return Reject(absl::StrCat("evaluating ", c.clip->Describe(),
                                 " failed: ", clipped.status().message()));
    }
    c.range = IntRange{(*clipped)[0].GetInt64(0), (*clipped)[0].GetInt64(1)};
  }
  // Quantization axis.
  const TensorType& xt = c.x->type();
  if (xt.shape) c.rank = static_cast<int64_t>(xt.shape->size());
  if (c.q == nullptr) c.rank = ConstantData(c.x)->rank();
  const bool per_tensor = c.scale->size() == 1 && c.scale->rank() <= 1;
  if (!per_tensor) {
    if (c.rank < 0) return Reject("per-axis quantization of an input of unknown rank");
    int64_t axis = dq->GetInt("axis", 1);
    if (axis < 0) axis += c.rank;
    if (axis < 0 || axis >= c.rank || c.scale->rank() != 1) {
      return Reject("per-axis scale does not match the input's rank");
    }
    c.axis = axis;
    c.channels = c.scale->size();
  }
  if (c.zero_point != nullptr && c.zero_point->size() != c.scale->size()) {
    return Reject("zero point and scale have different sizes");
  }
  return c;
}

// Checks the QuantizeLinear half of a chain: same scale, zero point and axis as the DQ.
absl::Status CheckQuantizeMatches(const Chain& c) {
  const Node& q = *c.q;
  const std::string pair = absl::StrCat(q.Describe(), " and the DequantizeLinear");
  if (q.GetInt("block_size", 0) != 0) return Reject(absl::StrCat(q.Describe(), " is blocked"));
  const Tensor* q_scale = ConstantData(q.input(1));
  if (q_scale == nullptr) {
    return Reject(absl::StrCat("scale ", Quoted(q.input(1)), " of ", q.Describe(),
                               " is not a constant"));
  }
  if (q.input(1) != c.dq->input(1) && !SameValues(*q_scale, *c.scale)) {
    return Reject(absl::StrCat(pair, " use different scales (", Quoted(q.input(1)), " vs ",
                               Quoted(c.dq->input(1)), ")"));
  }
  const Tensor* q_zp = q.input(2) != nullptr ? ConstantData(q.input(2)) : nullptr;
  if (q.input(2) != nullptr && q_zp == nullptr) {
    return Reject(absl::StrCat("zero point ", Quoted(q.input(2)), " of ", q.Describe(),
                               " is not a constant"));
  }
  const bool same_zp_value = q.input(2) == c.dq->input(2) ||
                             (q_zp != nullptr && c.zero_point != nullptr &&
                              SameValues(*q_zp, *c.zero_point)) ||
                             (q_zp == nullptr && c.zero_point == nullptr) ||
                             (q_zp == nullptr && AllElementsEqual(*c.zero_point, 0)) ||
                             (c.zero_point == nullptr && AllElementsEqual(*q_zp, 0));
  if (!same_zp_value) return Reject(absl::StrCat(pair, " use different zero points"));
  if (c.axis >= 0) {
    int64_t axis = q.GetInt("axis", 1);
    if (axis < 0) axis += c.rank;
    if (axis != c.axis) return Reject(absl::StrCat(pair, " quantize along different axes"));
  }
  const ElementType x_elem = c.x->type().elem;
  if (x_elem != ElementType::kFloat) {
    return Reject(absl::StrCat("the quantized input ", Quoted(c.x), " is ",
                               ElementTypeName(x_elem), "; Quant reproduces QuantizeLinear "
                               "exactly only for float32"));
  }
  return absl::OkStatus();
}

// Builds the Quant for a matched chain and proves it equal to the chain.
absl::StatusOr<Plan> MakePlan(Chain c, const Model& model) {
  Plan p;
  p.chain = c;
  p.zero = c.zero_point == nullptr || AllElementsEqual(*c.zero_point, 0);
  const Tensor* x_const = ConstantData(c.x);
  if (c.q != nullptr) {
    RETURN_IF_ERROR(CheckQuantizeMatches(c));
    if (!p.zero && x_const == nullptr) {
      return Reject(
          "the zero point is not 0: Quant adds it before rounding, in float32, which can round "
          "differently from QuantizeLinear");
    }
  }
  if (c.range.lo > c.range.hi) return Reject("empty integer range");
  std::optional<QuantForm> form = ExactForm(c.range);
  if (!form) {
    const std::string where = c.clip != nullptr ? absl::StrCat(" left by ", c.clip->Describe())
                                                : std::string();
    if (x_const == nullptr) {
      return Reject(absl::StrCat("the integer range ", RangeString(c.range), where,
                                 " is not the range of any Quant (bit width, signed, narrow)"));
    }
    form = CoveringForm(c.range);
  }
  p.form = *form;
  // Scale and zero point shaped to broadcast against x: scalars per tensor, [1,..,C,..,1] per axis.
  Dims dims;
  if (c.axis >= 0) {
    dims.assign(c.rank, 1);
    dims[c.axis] = c.channels;
  }
  p.scale = Tensor(ElementType::kFloat, dims);
  p.zero_point = Tensor(ElementType::kFloat, dims);
  for (int64_t i = 0; i < p.scale.size(); ++i) {
    p.scale.data<float>()[i] = c.scale->data<float>()[i];
    p.zero_point.data<float>()[i] =
        c.zero_point != nullptr ? static_cast<float>(c.zero_point->GetDouble(i)) : 0.0f;
  }
  // Proof of equality through the kernels.
  if (c.q == nullptr) {
    // DequantizeLinear of a constant: the float constant is the chain's own output, and Quant
    // must give it back unchanged.
    absl::StatusOr<Tensor> w = EvaluateChain(c, *x_const, model);
    if (!w.ok()) return Reject(absl::StrCat("evaluating the chain failed: ", w.status().message()));
    absl::StatusOr<Tensor> got = EvaluateQuant(p, *w, model);
    if (!got.ok()) return Reject(absl::StrCat("evaluating Quant failed: ", got.status().message()));
    RETURN_IF_ERROR(CompareOutputs(*w, *got, *w, "the dequantized constant"));
    p.dequantized = std::move(*w);
  } else if (x_const != nullptr) {
    absl::StatusOr<Tensor> want = EvaluateChain(c, *x_const, model);
    if (!want.ok()) {
      return Reject(absl::StrCat("evaluating the chain failed: ", want.status().message()));
    }
    absl::StatusOr<Tensor> got = EvaluateQuant(p, *x_const, model);
    if (!got.ok()) return Reject(absl::StrCat("evaluating Quant failed: ", got.status().message()));
    RETURN_IF_ERROR(CompareOutputs(*want, *got, *x_const, "the constant input"));
  } else {
    RETURN_IF_ERROR(CheckOnSamples(p, model));
  }
  return p;
}

// Constants shared by the Quant nodes this run creates in one graph.
class SharedConstants {
 public:
  explicit SharedConstants(Graph& graph) : graph_(graph) {}
  absl::StatusOr<Value*> BitWidth(int bits) {
    Value*& v = bit_widths_[bits];
    if (v == nullptr) {
      ASSIGN_OR_RETURN(v, AddConstant(graph_, absl::StrCat("quant_bitwidth_", bits),
                                      Tensor::Scalar<float>(static_cast<float>(bits))));
    }
    return v;
  }
  absl::StatusOr<Value*> Zero() {
    if (zero_ == nullptr) {
      ASSIGN_OR_RETURN(zero_, AddConstant(graph_, "quant_zeropt_0", Tensor::Scalar<float>(0.0f)));
    }
    return zero_;
  }

 private:
  Graph& graph_;
  std::map<int, Value*> bit_widths_;
  Value* zero_ = nullptr;
};

// Removes `v` if it is a constant of this graph (or an outer-scope reference) nobody reads.
absl::Status RemoveIfDeadConstant(Graph& graph, Value* v) {
  if (v == nullptr || v->graph() != &graph || v->producer() != nullptr) return absl::OkStatus();
  if (!v->is_initializer() && !v->is_outer_ref()) return absl::OkStatus();
  if (v->is_graph_input() || !IsUnused(*v)) return absl::OkStatus();
  return graph.RemoveValue(v);
}

absl::Status Apply(Graph& graph, Plan& p, SharedConstants& shared) {
  Chain& c = p.chain;
  Node* dq = c.dq;
  Value* x = c.x;
  if (p.dequantized) {
    ASSIGN_OR_RETURN(x, AddConstant(graph, absl::StrCat(c.x->name(), "_float"),
                                    std::move(*p.dequantized)));
  }
  Value* scale = dq->input(1);
  if (!(scale->initializer() != nullptr || scale->is_outer_ref()) ||
      ConstantData(scale)->dims() != p.scale.dims()) {
    ASSIGN_OR_RETURN(scale, AddConstant(graph, absl::StrCat(dq->input(1)->name(), "_quant"),
                                        p.scale));
  }
  Value* zero_point = nullptr;
  if (p.zero && p.zero_point.rank() == 0) {
    ASSIGN_OR_RETURN(zero_point, shared.Zero());
  } else {
    const std::string base = dq->input(2) != nullptr ? dq->input(2)->name() : "quant_zeropt";
    ASSIGN_OR_RETURN(zero_point, AddConstant(graph, absl::StrCat(base, "_quant"), p.zero_point));
  }
  ASSIGN_OR_RETURN(Value * bits, shared.BitWidth(p.form.bits));
  const std::string name = graph.UniqueNodeName(absl::StrCat(dq->name(), "_quant"));
  ASSIGN_OR_RETURN(Node * quant,
                   graph.AddNodeWithNewOutputs("Quant", kQonnxDomain, name,
                                               {x, scale, zero_point, bits},
                                               {absl::StrCat(dq->output(0)->name(), "_quant")}));
  quant->SetAttr("signed", Attribute::Int(p.form.is_signed));
  quant->SetAttr("narrow", Attribute::Int(p.form.narrow));
  quant->SetAttr("rounding_mode", Attribute::String("ROUND"));
  quant->set_origin(dq->origin());
  // Later chains of this run may read the new value before types are re-inferred.
  quant->output(0)->type().elem = dq->output(0)->type().elem;
  quant->output(0)->type().shape = dq->output(0)->type().shape;
  // Constants the removed nodes read may become dead; values with producers are freed with
  // their nodes, so only constants are remembered.
  std::set<Value*> dead;
  auto remember_constants = [&](const Node& n) {
    for (Value* v : n.inputs()) {
      if (v != nullptr && v->producer() == nullptr && ConstantData(v) != nullptr) dead.insert(v);
    }
  };
  remember_constants(*dq);
  RETURN_IF_ERROR(SubstituteNode(graph, dq, {quant->output(0)}));
  for (Node* n : {c.clip, c.q}) {
    if (n == nullptr) continue;
    std::set<Value*> before = dead;
    remember_constants(*n);
    ASSIGN_OR_RETURN(bool removed, RemoveIfUnused(graph, n));
    if (!removed) dead = std::move(before);
  }
  for (Value* v : dead) RETURN_IF_ERROR(RemoveIfDeadConstant(graph, v));
  return absl::OkStatus();
}

void EnsureQonnxImport(Model& model) {
  if (model.OpsetVersion(kQonnxDomain) >= 0) return;
  model.opset_imports.push_back(OpsetImport{kQonnxDomain, 1});
}

}  // namespace

absl::StatusOr<bool> QcdqToQuantPass::RunOnGraph(Graph& graph, PassContext& ctx) const {
  RET_CHECK(ctx.model != nullptr);
  const Model& model = *ctx.model;
  // DequantizeLinear nodes anchor the chains; only the current one and unused Clip/Q nodes are
  // removed while iterating, so the list stays valid.
  std::vector<Node*> dqs;
  for (Node* n : graph.nodes()) {
    if (IsOp(n, "DequantizeLinear")) dqs.push_back(n);
  }
  SharedConstants shared(graph);
  bool changed = false;
  for (Node* dq : dqs) {
    absl::StatusOr<Plan> plan = [&]() -> absl::StatusOr<Plan> {
      ASSIGN_OR_RETURN(Chain chain, MatchChain(dq, model));
      return MakePlan(std::move(chain), model);
    }();
    if (!plan.ok()) {
      if (!IsRejection(plan.status())) return plan.status();
      ctx.Warn(absl::StrCat(kName, ": ", dq->Describe(), " left unchanged: ",
                            plan.status().message()));
      continue;
    }
    RETURN_IF_ERROR(Apply(graph, *plan, shared));
    changed = true;
  }
  if (changed) EnsureQonnxImport(*ctx.model);
  return changed;
}

}  // namespace finngl
