#include "src/hw/layer_info.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"
#include "src/hw/network_estimate.h"
#include "src/ir/datatype.h"

namespace finngl::hw {
namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t CeilLog2(int64_t v) {
  int64_t bits = 0;
  while ((int64_t{1} << bits) < v) ++bits;
  return bits;
}
int64_t Product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t x : v) p *= x;
  return p;
}

// Reads node attributes, remembering the first missing or malformed one so a model function
// can read everything and check once.
class AttrReader {
 public:
  explicit AttrReader(const Node& node) : node_(node) {}

  int64_t Int(const std::string& name) {
    const Attribute* a = node_.attr(name);
    if (a == nullptr || a->type() != Attribute::Type::kInt) {
      Fail(absl::StrCat("missing integer attribute '", name, "'"));
      return 1;
    }
    return a->i();
  }
  int64_t Int(const std::string& name, int64_t def) { return node_.GetInt(name, def); }
  std::vector<int64_t> Ints(const std::string& name, size_t size) {
    const Attribute* a = node_.attr(name);
    if (a == nullptr || a->type() != Attribute::Type::kInts || a->ints().size() != size) {
      Fail(absl::StrCat("missing attribute '", name, "' (", size, " integers)"));
      return std::vector<int64_t>(size, 1);
    }
    return a->ints();
  }
  std::vector<int64_t> Ints(const std::string& name, std::vector<int64_t> def) {
    return node_.GetInts(name, std::move(def));
  }
  std::string Str(const std::string& name, const std::string& def) {
    return node_.GetString(name, def);
  }
  // A datatype attribute ("INT4"); falls back to the annotation of `fallback` if given.
  DataType Type(const std::string& name, const Value* fallback) {
    const Attribute* a = node_.attr(name);
    if (a != nullptr && a->type() == Attribute::Type::kString) {
      absl::StatusOr<DataType> t = DataType::Parse(a->s());
      if (t.ok() && t->IsInteger()) return *t;
      Fail(absl::StrCat("attribute '", name, "' = '", a->s(), "' is not an integer datatype"));
      return DataType::Int(8);
    }
    if (fallback != nullptr && fallback->type().dtype.IsInteger()) return fallback->type().dtype;
    Fail(absl::StrCat("missing datatype attribute '", name, "'"));
    return DataType::Int(8);
  }
  absl::Status status() const { return status_; }

 private:
  void Fail(const std::string& msg) {
    if (status_.ok()) status_ = absl::InvalidArgumentError(absl::StrCat(node_.Describe(), ": ", msg));
  }
  const Node& node_;
  absl::Status status_;
};

absl::Status CheckDivisible(const Node& node, const std::string& what, int64_t bound,
                            const std::string& attr, int64_t fold) {
  if (fold <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": ", attr, "=", fold, " must be positive"));
  }
  if (bound % fold != 0) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": ", what, "=", bound,
                                                   " is not divisible by ", attr, "=", fold));
  }
  return absl::OkStatus();
}

// The attribute holding the dimension a folding attribute must divide.
std::string BoundAttr(const std::string& op_type, const std::string& fold_attr) {
  if (op_type == "MVAU") return fold_attr == "PE" ? "MH" : "MW";
  if (op_type == "ConvolutionInputGenerator") return "IFMChannels";
  if (op_type == "LabelSelect") return "Labels";
  return "NumChannels";
}

void InitStreams(const Node& node, LayerEstimate& e) {
  e.in_widths.assign(node.num_inputs(), 0);
  e.in_beats.assign(node.num_inputs(), 0);
  e.out_widths.assign(node.num_outputs(), 0);
  e.out_beats.assign(node.num_outputs(), 0);
}
void SetIn(LayerEstimate& e, int i, int64_t width, int64_t beats) {
  if (i < static_cast<int>(e.in_widths.size())) {
    e.in_widths[i] = width;
    e.in_beats[i] = beats;
  }
}
void SetOut(LayerEstimate& e, int i, int64_t width, int64_t beats) {
  if (i < static_cast<int>(e.out_widths.size())) {
    e.out_widths[i] = width;
    e.out_beats[i] = beats;
  }
}
bool IsStream(const Node& node, int i) {
  const Value* v = node.input(i);
  return v != nullptr && !v->is_initializer();
}

// Multiplier of a-bit by b-bit operands in LUTs (FINN-R: (2 ceil((a+b)/6) - 1) (a+b)).
double MultLuts(int64_t a, int64_t b) {
  return static_cast<double>((2 * CeilDiv(a + b, 6) - 1) * (a + b));
}

std::string MacKey(const std::string& op, int64_t a, int64_t b) {
  return absl::StrCat("op_", op, "_", std::min(a, b), "bx", std::max(a, b), "b");
}

// ---- MVAU (finn.md 3.1, 3.2).
// Memory styles: ram_style block -> BRAM18 by the FINN-R table, distributed -> LUTRAM (FINN's c2
// term), ultra -> URAM; auto -> distributed when the weight memory depth (MW*MH/(PE*SIMD)) is at
// most 128 words (FINN's embedded-weights rule), else block. resType dsp puts the multipliers in
// DSPs (P*Q*ceil((W+A)/48)); lut and auto count them in LUTs as FINN's HLS model does. Thresholds
// use ram_style_thresholds (default distributed): FINN counts 2^B - 1 thresholds per channel, we
// count the actual numSteps (equal for full-range activations). FF is finngl's own rough model.
// Param counts: param_threshold counts MH * numSteps values (FINN reports MH).
absl::Status EstimateMvau(const Node& node, LayerEstimate& e) {
  AttrReader r(node);
  const int64_t mw = r.Int("MW"), mh = r.Int("MH"), pe = r.Int("PE"), simd = r.Int("SIMD");
  const DataType idt = r.Type("inputDataType", node.input(0));
  const DataType wdt = r.Type("weightDataType", node.input(1));
  const DataType odt = r.Type("outputDataType", node.output(0));
  const DataType adt = r.Type("accDataType", nullptr);
  const int64_t no_act = r.Int("noActivation", 0);
  const int64_t nvec = Product(r.Ints("numInputVectors", std::vector<int64_t>{}));
  const std::string ram_style = r.Str("ram_style", "auto");
  const std::string thr_style = r.Str("ram_style_thresholds", "distributed");
  const std::string res_type = r.Str("resType", "auto");
  RETURN_IF_ERROR(r.status());
  RETURN_IF_ERROR(CheckDivisible(node, "MH", mh, "PE", pe));
  RETURN_IF_ERROR(CheckDivisible(node, "MW", mw, "SIMD", simd));
  const bool has_thr = no_act == 0 && node.input(2) != nullptr;
  int64_t steps = 0;
  if (has_thr) {
    const Value* t = node.input(2);
    if (!t->type().shape || t->type().shape->size() != 2 || !(*t->type().shape)[1].known()) {
      return absl::InvalidArgumentError(absl::StrCat(
          node.Describe(), ": thresholds '", t->name(), "' need a static shape [MH or 1, steps]"));
    }
    steps = (*t->type().shape)[1].value;
  }
  const int64_t A = idt.bit_width(), W = wdt.bit_width(), B = odt.bit_width();
  const int64_t P = pe, Q = simd;
  e.pe = P;
  e.simd = Q;
  e.cycles = nvec * (mh / P) * (mw / Q);
  e.unit_cycles = (mh / P) * (mw / Q);
  e.depth = 3 + CeilLog2(Q) + (has_thr ? 1 + CeilLog2(steps + 1) : 0);
  SetIn(e, 0, Q * A, nvec * mw / Q);
  SetOut(e, 0, P * B, nvec * mh / P);

  const int64_t wmem = mw * mh / (P * Q);
  const int64_t wwidth = P * Q * W;
  std::string style = ram_style;
  if (style == "auto") style = wmem <= 128 ? "distributed" : "block";
  double c2 = 0;
  if (style == "distributed") {
    c2 = static_cast<double>(P * Q * W * CeilDiv(wmem, 64));
  } else if (style == "ultra") {
    e.res.uram += UramCount(wmem, wwidth);
  } else {
    e.res.bram18 += BramCount(wmem, wwidth);
  }
  const bool dsp = res_type == "dsp";
  const double mult = dsp ? 0 : Q * MultLuts(W, A);
  const double adder = static_cast<double>((W + A) * (2 * Q - 1));
  const double alpha = std::log2(static_cast<double>(mw)) + W + A - 1 - (idt.Signed() ? 1 : 0);
  const int64_t acc_bits = std::min<int64_t>(
      adt.bit_width(),
      static_cast<int64_t>(std::ceil(alpha + std::log2(1 + std::pow(2.0, -alpha)) + 1)));
  double thr = 0, comp = 0;
  const int64_t tmem = mh / P;
  if (has_thr) {
    comp = static_cast<double>(steps * acc_bits);
    if (thr_style == "distributed" || thr_style == "auto") {
      thr = static_cast<double>(steps * acc_bits * CeilDiv(tmem, 64));
    } else if (thr_style == "ultra") {
      e.res.uram += UramCount(tmem, P * steps * acc_bits);
    } else {
      e.res.bram18 += BramCount(tmem, P * steps * acc_bits);
    }
  }
  e.res.lut += 300 + 1.1 * P * (mult + adder + acc_bits + thr + comp) + c2;
  e.res.dsp += dsp ? static_cast<double>(P * Q * CeilDiv(W + A, 48)) : 0;
  e.res.ff += 150 + P * (acc_bits + B) + Q * A + P * Q * (W + A) / 2.0;

  e.counts[MacKey("mac", A, W)] += mw * mh * nvec;
  e.counts[absl::StrCat("param_weight_", W, "b")] += mw * mh;
  if (has_thr) e.counts[absl::StrCat("param_threshold_", adt.bit_width(), "b")] += mh * steps;
  return absl::OkStatus();
}

// ---- Thresholding (finn.md 3.3, HLS). FINN's model counts one threshold of input width per
// channel; finngl scales the comparators and the threshold memory by numSteps and uses the
// threshold width T (weightDataType), which equals FINN's for numSteps = 1 and T = A.
absl::Status EstimateThresholding(const Node& node, LayerEstimate& e) {
  AttrReader r(node);
  const int64_t c = r.Int("NumChannels"), pe = r.Int("PE"), steps = r.Int("numSteps");
  const DataType idt = r.Type("inputDataType", node.input(0));
  const DataType tdt = r.Type("weightDataType", node.input(1));
  const DataType odt = r.Type("outputDataType", node.output(0));
  const int64_t nvec = Product(r.Ints("numInputVectors", std::vector<int64_t>{}));
  const std::string style = r.Str("ram_style", "distributed");
  RETURN_IF_ERROR(r.status());
  RETURN_IF_ERROR(CheckDivisible(node, "NumChannels", c, "PE", pe));
  const int64_t A = idt.bit_width(), T = tdt.bit_width(), B = odt.bit_width(), P = pe;
  e.pe = P;
  e.cycles = nvec * c / P;
  e.unit_cycles = c / P;
  e.depth = 2 + CeilLog2(steps + 1);
  SetIn(e, 0, P * A, nvec * c / P);
  SetOut(e, 0, P * B, nvec * c / P);
  const int64_t tmem = c / P;
  e.res.lut += static_cast<double>(T * P * steps);
  if (tmem > 1) {
    if (style == "block") {
      e.res.bram18 += static_cast<double>(CeilDiv(T * P * steps, 16) * CeilDiv(tmem, 1024));
    } else if (style == "ultra") {
      e.res.uram += UramCount(tmem, T * P * steps);
    } else {
      e.res.lut += static_cast<double>(P * T * steps * CeilDiv(tmem, 64));
    }
  }
  e.res.ff += 50 + P * (A + B);
  e.counts[absl::StrCat("param_threshold_", T, "b")] += c * steps;
  return absl::OkStatus();
}

// ---- ConvolutionInputGenerator: FINN's HLS 2D cycle formula over the padded image (finngl folds
// padding into the generator); a line buffer of ((KH-1)*DH + 1) padded rows, SIMD*A bits wide,
// in BRAM (block, or auto above 128 words), LUTRAM (FINN's RTL SWG model 300 + w*ceil(depth/38))
// or URAM.
absl::Status EstimateSwg(const Node& node, LayerEstimate& e) {
  AttrReader r(node);
  const std::vector<int64_t> k = r.Ints("ConvKernelDim", 2), ifm = r.Ints("IFMDim", 2),
                             ofm = r.Ints("OFMDim", 2);
  const std::vector<int64_t> stride = r.Ints("Stride", std::vector<int64_t>{1, 1});
  const std::vector<int64_t> dil = r.Ints("Dilation", std::vector<int64_t>{1, 1});
  const std::vector<int64_t> pad = r.Ints("Padding", std::vector<int64_t>{0, 0, 0, 0});
  const int64_t c = r.Int("IFMChannels"), simd = r.Int("SIMD");
  const DataType idt = r.Type("inputDataType", node.input(0));
  const DataType odt = r.Type("outputDataType", node.output(0));
  const std::string ram_style = r.Str("ram_style", "auto");
  RETURN_IF_ERROR(r.status());
  if (stride.size() != 2 || dil.size() != 2 || pad.size() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": Stride/Dilation need 2 values, Padding 4"));
  }
  RETURN_IF_ERROR(CheckDivisible(node, "IFMChannels", c, "SIMD", simd));
  const int64_t Q = simd, cf = c / Q, A = idt.bit_width();
  const int64_t wp = ifm[1] + pad[1] + pad[3];
  e.simd = Q;
  const int64_t write_block = ofm[1] * k[1] * k[0] * cf;
  const int64_t read_block = stride[1] * wp * cf;
  e.cycles = wp * k[0] * dil[0] * cf + ofm[0] * std::max(write_block, read_block);
  e.fill_cycles = wp * k[0] * dil[0] * cf;
  e.unit_cycles = std::max(write_block, read_block);
  e.depth = 2;
  SetIn(e, 0, Q * A, ifm[0] * ifm[1] * cf);
  SetOut(e, 0, Q * odt.bit_width(), ofm[0] * ofm[1] * k[0] * k[1] * cf);
  const int64_t buf_depth = ((k[0] - 1) * dil[0] + 1) * wp * cf;
  const int64_t width = Q * A;
  std::string style = ram_style;
  if (style == "auto") style = buf_depth <= 128 ? "distributed" : "block";
  e.res.lut += 300;
  if (style == "distributed") {
    e.res.lut += static_cast<double>(width * CeilDiv(buf_depth, 38));
  } else if (style == "ultra") {
    e.res.uram += UramCount(buf_depth, width);
  } else {
    e.res.bram18 += BramCount(buf_depth, width);
  }
  e.res.ff += 100 + 2 * width;
  return absl::OkStatus();
}

// ---- StreamingMaxPool: cycles (H*W + OH*OW) * C/PE, FINN's 2D model IFM^2 (1 + 1/k^2)
// generalised to strides and PE; one output row of partial maxima in LUTRAM.
absl::Status EstimateMaxPool(const Node& node, LayerEstimate& e) {
  AttrReader r(node);
  const std::vector<int64_t> img = r.Ints("ImgDim", 2), pool = r.Ints("PoolDim", 2);
  const std::vector<int64_t> stride = r.Ints("Stride", pool);
  const int64_t c = r.Int("NumChannels"), pe = r.Int("PE", 1);
  const DataType dt = r.Type("dataType", node.input(0));
  RETURN_IF_ERROR(r.status());
  RETURN_IF_ERROR(CheckDivisible(node, "NumChannels", c, "PE", pe));
  if (stride.size() != 2 || stride[0] <= 0 || stride[1] <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": Stride needs 2 positive values"));
  }
  const int64_t oh = (img[0] - pool[0]) / stride[0] + 1, ow = (img[1] - pool[1]) / stride[1] + 1;
  const int64_t P = pe, A = dt.bit_width(), cf = c / P;
  e.pe = P;
  e.cycles = (img[0] * img[1] + oh * ow) * cf;
  e.unit_cycles = (stride[0] * img[1] + ow) * cf;  // the input rows of one output row
  e.depth = 2;
  SetIn(e, 0, P * A, img[0] * img[1] * cf);
  SetOut(e, 0, P * A, oh * ow * cf);
  e.res.lut += 100 + static_cast<double>(P * A) + static_cast<double>(P * A * CeilDiv(ow * cf, 64));
  e.res.ff += 50 + 2 * P * A;
  return absl::OkStatus();
}

// ---- ElementwiseAdd/Sub/Mul: one result per PE lane per cycle; adders P*out bits, multipliers by
// the FINN-R LUT formula; a per-channel constant sits in LUTRAM.
absl::Status EstimateElementwise(const Node& node, LayerEstimate& e) {
  AttrReader r(node);
  const int64_t c = r.Int("NumChannels"), pe = r.Int("PE");
  const DataType lhs = r.Type("lhsDataType", node.input(0));
  const DataType rhs = r.Type("rhsDataType", node.input(1));
  const DataType out = r.Type("outDataType", node.output(0));
  const int64_t nvec = Product(r.Ints("numInputVectors", std::vector<int64_t>{}));
  RETURN_IF_ERROR(r.status());
  RETURN_IF_ERROR(CheckDivisible(node, "NumChannels", c, "PE", pe));
  const int64_t P = pe, La = lhs.bit_width(), Lb = rhs.bit_width(), Lo = out.bit_width();
  const bool mul = node.op_type() == "ElementwiseMul";
  e.pe = P;
  e.cycles = nvec * c / P;
  e.unit_cycles = c / P;
  e.depth = mul ? 3 : 2;
  SetIn(e, 0, P * La, nvec * c / P);
  if (IsStream(node, 1)) SetIn(e, 1, P * Lb, nvec * c / P);
  SetOut(e, 0, P * Lo, nvec * c / P);
  e.res.lut += 50 + P * (mul ? MultLuts(La, Lb) : static_cast<double>(Lo));
  const Value* b = node.input(1);
  if (b != nullptr && b->is_initializer() && b->initializer()->size() > 1 && c / P > 1) {
    e.res.lut += static_cast<double>(P * Lb * CeilDiv(c / P, 64));
    e.counts[absl::StrCat("param_const_", Lb, "b")] += c;
  }
  e.res.ff += 50 + P * (La + Lb + Lo);
  const std::string op = mul ? "mul" : (node.op_type() == "ElementwiseAdd" ? "add" : "sub");
  e.counts[MacKey(op, La, Lb)] += nvec * c;
  return absl::OkStatus();
}

absl::Status EstimateDuplicate(const Node& node, LayerEstimate& e) {
  AttrReader r(node);
  const int64_t c = r.Int("NumChannels"), pe = r.Int("PE");
  const int64_t n_out = r.Int("NumOutputStreams", node.num_outputs());
  const DataType dt = r.Type("inputDataType", node.input(0));
  const int64_t nvec = Product(r.Ints("numInputVectors", std::vector<int64_t>{}));
  RETURN_IF_ERROR(r.status());
  RETURN_IF_ERROR(CheckDivisible(node, "NumChannels", c, "PE", pe));
  const int64_t w = pe * dt.bit_width(), beats = nvec * c / pe;
  e.pe = pe;
  e.cycles = beats;
  e.unit_cycles = 1;
  e.depth = 1;
  SetIn(e, 0, w, beats);
  for (int i = 0; i < node.num_outputs(); ++i) SetOut(e, i, w, beats);
  e.res.lut += static_cast<double>(10 * n_out);
  e.res.ff += static_cast<double>(n_out * w);
  return absl::OkStatus();
}

// ---- StreamingDataWidthConverter: the kernel re-packs each channel vector (last dimension of
// `shape`, the tensor shape) from inWidth- to outWidth-bit beats. LUTs: FINN's shift model over lcm(in, out).
absl::Status EstimateDwc(const Node& node, LayerEstimate& e) {
  AttrReader r(node);
  const int64_t in_w = r.Int("inWidth"), out_w = r.Int("outWidth");
  const std::vector<int64_t> shape = r.Ints("shape", std::vector<int64_t>{});
  const DataType dt = r.Type("dataType", node.input(0));
  RETURN_IF_ERROR(r.status());
  if (in_w <= 0 || out_w <= 0 || shape.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": needs positive inWidth/outWidth and a shape"));
  }
  const int64_t vec_bits = shape.back() * dt.bit_width();
  // In hardware N = 1, so the vectors per frame are the product of the leading dims (this also
  // counts the T steps of a [T, N, F] scan tensor).
  int64_t vectors = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i) vectors *= std::max<int64_t>(1, shape[i]);
  const int64_t in_beats = vectors * CeilDiv(vec_bits, in_w);
  const int64_t out_beats = vectors * CeilDiv(vec_bits, out_w);
  e.cycles = std::max(in_beats, out_beats);
  e.unit_cycles = CeilDiv(e.cycles, vectors);
  e.depth = 1;
  SetIn(e, 0, in_w, in_beats);
  SetOut(e, 0, out_w, out_beats);
  const int64_t l = std::lcm(in_w, out_w);
  double lut = 0;
  if (in_w != l) lut += static_cast<double>(CeilLog2(l / in_w) + l);
  if (out_w != l) lut += static_cast<double>(CeilLog2(l / out_w) + l);
  e.res.lut += lut;
  e.res.ff += static_cast<double>(l);
  return absl::OkStatus();
}

// ---- StreamingFIFO: SRL-based (auto up to 256 deep, or distributed) with FINN's LUT model
// 2 ceil(log2 D) + ceil(D/32) ceil(w/2); block / ultra by the memory tables.
absl::Status EstimateFifo(const Node& node, LayerEstimate& e) {
  AttrReader r(node);
  const int64_t depth = r.Int("depth");
  const std::vector<int64_t> folded = r.Ints("foldedShape", std::vector<int64_t>{});
  const DataType dt = r.Type("dataType", node.input(0));
  const std::string ram_style = r.Str("ram_style", "auto");
  RETURN_IF_ERROR(r.status());
  if (depth <= 0 || folded.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": needs a positive depth and a foldedShape"));
  }
  const int64_t w = folded.back() * dt.bit_width();
  const int64_t beats = Product(std::vector<int64_t>(folded.begin(), folded.end() - 1));
  e.cycles = beats;
  e.unit_cycles = 1;
  e.depth = 1;
  SetIn(e, 0, w, beats);
  SetOut(e, 0, w, beats);
  std::string style = ram_style;
  if (style == "auto") style = depth <= 256 ? "distributed" : "block";
  const double ctrl = static_cast<double>(2 * CeilLog2(std::max<int64_t>(depth, 2)));
  if (style == "block") {
    e.res.bram18 += BramCount(depth, w);
    e.res.lut += ctrl + 20;
  } else if (style == "ultra") {
    e.res.uram += UramCount(depth, w);
    e.res.lut += ctrl + 20;
  } else {
    e.res.lut += ctrl + static_cast<double>(CeilDiv(depth, 32) * CeilDiv(w, 2));
  }
  e.res.ff += static_cast<double>(w) + ctrl;
  return absl::OkStatus();
}

// ---- LabelSelect: FINN's Labels/PE cycles; the K outputs leave in the pipeline depth.
absl::Status EstimateLabelSelect(const Node& node, LayerEstimate& e) {
  AttrReader r(node);
  const int64_t labels = r.Int("Labels"), pe = r.Int("PE"), k = r.Int("K");
  const DataType idt = r.Type("inputDataType", node.input(0));
  const DataType odt = r.Type("outputDataType", node.output(0));
  RETURN_IF_ERROR(r.status());
  RETURN_IF_ERROR(CheckDivisible(node, "Labels", labels, "PE", pe));
  const int64_t A = idt.bit_width(), idx_bits = std::max<int64_t>(1, CeilLog2(labels));
  e.pe = pe;
  e.cycles = labels / pe;
  e.depth = k + 2;
  SetIn(e, 0, pe * A, labels / pe);
  SetOut(e, 0, odt.bit_width(), k);
  e.res.lut += static_cast<double>(100 + 2 * k * (A + idx_bits) + pe * A);
  e.res.ff += static_cast<double>(k * (A + idx_bits));
  return absl::OkStatus();
}

// ---- RecurrentLayer: see layer_info.h. Stream widths are the body's: a scan input's beat is
// what the body layer reading that body input takes, T times per frame.
absl::Status EstimateRecurrent(const Node& node, LayerEstimate& e) {
  const Attribute* body_attr = node.attr("body");
  if (body_attr == nullptr || body_attr->type() != Attribute::Type::kGraph) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": missing graph attribute 'body'"));
  }
  const Graph& body = *body_attr->g();
  const int64_t num_scan = node.GetInt("num_scan_inputs", -1);
  if (num_scan <= 0 || num_scan > node.num_inputs()) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": num_scan_inputs must be in [1, #inputs]"));
  }
  const int first_scan = node.num_inputs() - static_cast<int>(num_scan);
  const Value* x = node.input(first_scan);
  const std::vector<int64_t> axes = node.GetInts("scan_input_axes", {});
  const int64_t axis = axes.empty() ? 0 : axes[0];
  if (x == nullptr || !x->type().shape || axis < 0 ||
      axis >= static_cast<int64_t>(x->type().shape->size()) ||
      !(*x->type().shape)[axis].known()) {
    return absl::InvalidArgumentError(absl::StrCat(
        node.Describe(), ": the sequence length T needs a static shape of the first scan input"));
  }
  const int64_t steps = (*x->type().shape)[axis].value;
  ASSIGN_OR_RETURN(NetworkEstimate step, EstimateNetwork(body));
  e.cycles = steps * (step.critical_path_cycles + kRecurrentStepOverhead) + kRecurrentFillDrain;
  e.unit_cycles = step.critical_path_cycles + kRecurrentStepOverhead;
  e.fill_cycles = kRecurrentFillDrain;
  e.depth = 0;
  e.res = step.total;
  e.res.lut += 100;  // time loop and state-array control
  for (const LayerEstimate& l : step.layers) {
    for (const auto& [key, count] : l.counts) {
      e.counts[key] += key.rfind("op_", 0) == 0 ? count * steps : count;
    }
  }
  InitStreams(node, e);
  // Body inputs map one to one onto node inputs (states first, then scan inputs).
  for (int i = 0; i < node.num_inputs() && i < static_cast<int>(body.inputs().size()); ++i) {
    if (!IsStream(node, i)) continue;
    const int64_t reps = i >= first_scan ? steps : 1;
    for (const Use& u : body.inputs()[i]->uses()) {
      const auto it = std::find_if(step.layers.begin(), step.layers.end(),
                                   [&](const LayerEstimate& l) { return l.name == u.node->name(); });
      if (it != step.layers.end() && u.input_index < static_cast<int>(it->in_widths.size())) {
        SetIn(e, i, it->in_widths[u.input_index], reps * it->in_beats[u.input_index]);
        break;
      }
    }
  }
  const int num_states = first_scan;
  for (int o = 0; o < node.num_outputs() && o < static_cast<int>(body.outputs().size()); ++o) {
    if (node.output(o) == nullptr) continue;  // left out: never streamed
    const Value* bo = body.outputs()[o];
    const Node* p = bo->producer();
    if (p == nullptr) continue;
    const auto it = std::find_if(step.layers.begin(), step.layers.end(),
                                 [&](const LayerEstimate& l) { return l.name == p->name(); });
    if (it == step.layers.end()) continue;
    const int64_t reps = o >= num_states ? steps : 1;
    SetOut(e, o, it->out_widths[bo->producer_index()], reps * it->out_beats[bo->producer_index()]);
  }
  return absl::OkStatus();
}

using EstimateFn = absl::Status (*)(const Node&, LayerEstimate&);
struct OpModel {
  std::vector<std::string> fold_attrs;
  EstimateFn estimate;
};

const std::map<std::string, OpModel>& Models() {
  static const std::map<std::string, OpModel>* models = new std::map<std::string, OpModel>{
      {"MVAU", {{"PE", "SIMD"}, EstimateMvau}},
      {"Thresholding", {{"PE"}, EstimateThresholding}},
      {"ConvolutionInputGenerator", {{"SIMD"}, EstimateSwg}},
      {"StreamingMaxPool", {{"PE"}, EstimateMaxPool}},
      {"ElementwiseAdd", {{"PE"}, EstimateElementwise}},
      {"ElementwiseSub", {{"PE"}, EstimateElementwise}},
      {"ElementwiseMul", {{"PE"}, EstimateElementwise}},
      {"DuplicateStreams", {{"PE"}, EstimateDuplicate}},
      {"StreamingDataWidthConverter", {{}, EstimateDwc}},
      {"StreamingFIFO", {{}, EstimateFifo}},
      {"LabelSelect", {{"PE"}, EstimateLabelSelect}},
      {"RecurrentLayer", {{}, EstimateRecurrent}},
  };
  return *models;
}

}  // namespace

bool IsHwNode(const Node& node) { return node.domain() == kHwDomain; }
bool IsKnownHwOp(const std::string& op_type) { return Models().count(op_type) > 0; }

std::vector<std::string> FoldingAttrs(const std::string& op_type) {
  const auto it = Models().find(op_type);
  return it == Models().end() ? std::vector<std::string>{} : it->second.fold_attrs;
}

absl::StatusOr<int64_t> FoldingBound(const Node& node, const std::string& attr) {
  const std::string bound = BoundAttr(node.op_type(), attr);
  const Attribute* a = node.attr(bound);
  if (a == nullptr || a->type() != Attribute::Type::kInt || a->i() <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        node.Describe(), ": missing positive integer attribute '", bound, "' (bounds ", attr, ")"));
  }
  return a->i();
}

absl::StatusOr<std::vector<int64_t>> LegalFoldValues(const Node& node, const std::string& attr) {
  ASSIGN_OR_RETURN(int64_t bound, FoldingBound(node, attr));
  std::vector<int64_t> out;
  for (int64_t d = 1; d <= bound; ++d) {
    if (bound % d == 0) out.push_back(d);
  }
  return out;
}

absl::Status CheckFolding(const Node& node) {
  for (const std::string& attr : FoldingAttrs(node.op_type())) {
    ASSIGN_OR_RETURN(int64_t bound, FoldingBound(node, attr));
    const Attribute* a = node.attr(attr);
    if (a == nullptr || a->type() != Attribute::Type::kInt) {
      return absl::InvalidArgumentError(
          absl::StrCat(node.Describe(), ": missing integer folding attribute '", attr, "'"));
    }
    RETURN_IF_ERROR(CheckDivisible(node, BoundAttr(node.op_type(), attr), bound, attr, a->i()));
  }
  if (node.op_type() == "RecurrentLayer") {
    const Attribute* body = node.attr("body");
    if (body != nullptr && body->type() == Attribute::Type::kGraph) {
      for (const Node* n : body->g()->nodes()) RETURN_IF_ERROR(CheckFolding(*n));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<LayerEstimate> EstimateLayer(const Node& node) {
  const auto it = Models().find(node.op_type());
  if (!IsHwNode(node) || it == Models().end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": not a hardware layer finngl can cost (domain '",
                     node.domain(), "')"));
  }
  RETURN_IF_ERROR(CheckFolding(node));
  LayerEstimate e;
  e.name = node.name();
  e.op_type = node.op_type();
  InitStreams(node, e);
  RETURN_IF_ERROR(it->second.estimate(node, e));
  return e;
}

int64_t BramCount(int64_t depth, int64_t width) {
  if (depth <= 0 || width <= 0) return 0;
  if (width == 1) return CeilDiv(depth, 16384);
  if (width == 2) return CeilDiv(depth, 8192);
  if (width <= 4) return CeilDiv(depth, 4096) * CeilDiv(width, 4);
  if (width <= 9) return CeilDiv(depth, 2048) * CeilDiv(width, 9);
  if (width <= 18 || depth > 512) return CeilDiv(depth, 1024) * CeilDiv(width, 18);
  return CeilDiv(depth, 512) * CeilDiv(width, 36);
}

int64_t UramCount(int64_t depth, int64_t width) {
  if (depth <= 0 || width <= 0) return 0;
  return CeilDiv(width, 72) * CeilDiv(depth, 4096);
}

}  // namespace finngl::hw
