// MatMul and Gemm: ONNX matrix products.
//
// Float tensors multiply through Eigen in float32 (like onnxruntime). When every operand is
// integer-typed (quantization datatype or element type), products are exact: see
// ChooseAccumulator in gemm_kernel.h; the output datatype is then the smallest integer type
// holding every possible result (int_range.h).
#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/broadcast.h"
#include "src/ops/gemm_kernel.h"
#include "src/ops/int_range.h"
#include "src/ops/linalg_common.h"
#include "src/ops/registry.h"

namespace finngl {
namespace {

int64_t ProductOf(std::span<const Dim> dims) {
  int64_t p = 1;
  for (const Dim& d : dims) {
    if (!d.known()) return -1;
    p *= d.value;
  }
  return p;
}

// Range of one entry of op(A) * op(B), where op(A) is [M, K] and op(B) is [K, N]; both operands are
// integer-typed. A constant operand bounds it per output row/column. nullopt if unbounded.
// Layout of the stored operands: A is [batch_a..., rows_a, cols_a] (rows_a = M unless trans_a),
// B likewise.
std::optional<ValueRange> ProductRange(const InferContext& ctx, const Shape& a, bool trans_a,
                                       const Shape& b, bool trans_b) {
  std::optional<ValueRange> ra = RangeOfType(ctx.input_type(0));
  std::optional<ValueRange> rb = RangeOfType(ctx.input_type(1));
  if (!ra || !rb) return std::nullopt;
  auto matrix = [](const Shape& s) -> std::pair<int64_t, int64_t> {  // stored rows, cols
    if (s.size() == 1) return {s[0].value, 1};
    return {s[s.size() - 2].value, s.back().value};
  };
  const int64_t batch_a = ProductOf(std::span(a).first(a.size() > 2 ? a.size() - 2 : 0));
  const int64_t batch_b = ProductOf(std::span(b).first(b.size() > 2 ? b.size() - 2 : 0));
  auto [a_rows, a_cols] = matrix(a);
  auto [b_rows, b_cols] = matrix(b);
  if (a.size() == 1) std::tie(a_rows, a_cols) = std::pair<int64_t, int64_t>{1, a[0].value};
  if (auto w = ConstantValues(ctx, 1); w && batch_b > 0 && b_rows > 0 && b_cols > 0) {
    // Vectors are the columns of op(B).
    const int64_t k = trans_b ? b_cols : b_rows;
    const int64_t n = trans_b ? b_rows : b_cols;
    return DotRangeWithConstant(*w, batch_b, b_rows * b_cols, n, trans_b ? b_cols : 1, k,
                                trans_b ? 1 : b_cols, *ra);
  }
  if (auto w = ConstantValues(ctx, 0); w && batch_a > 0 && a_rows > 0 && a_cols > 0) {
    // Vectors are the rows of op(A).
    const int64_t m = trans_a ? a_cols : a_rows;
    const int64_t k = trans_a ? a_rows : a_cols;
    return DotRangeWithConstant(*w, batch_a, a_rows * a_cols, m, trans_a ? 1 : a_cols, k,
                                trans_a ? a_cols : 1, *rb);
  }
  int64_t k = trans_a ? a_rows : a_cols;
  if (k < 0) k = trans_b ? b_cols : b_rows;
  if (k < 0) return std::nullopt;
  return RangeScale(RangeProduct(*ra, *rb), static_cast<double>(k));
}

// ---------------------------------------------------------------- MatMul

absl::Status InferMatMul(InferContext& ctx) {
  const Node& node = ctx.node();
  RETURN_IF_ERROR(CheckOperandTypes(ctx, {0, 1}));
  const TensorType& ta = ctx.input_type(0);
  const TensorType& tb = ctx.input_type(1);
  std::optional<Shape> out;
  if (ta.shape && tb.shape) {
    const Shape& a = *ta.shape;
    const Shape& b = *tb.shape;
    for (int i : {0, 1}) {
      if ((i == 0 ? a : b).empty()) {
        return ctx.Error(
            absl::StrCat("input '", InputName(node, i), "' is a scalar; MatMul needs rank >= 1"));
      }
    }
    const Dim& ka = a.back();
    const Dim& kb = b.size() == 1 ? b[0] : b[b.size() - 2];
    if (ka.known() && kb.known() && ka.value != kb.value) {
      return ctx.Error(absl::StrCat("inner dimensions differ: input '", InputName(node, 0),
                                    "' has shape ", ShapeToString(a), " and input '",
                                    InputName(node, 1), "' has shape ", ShapeToString(b)));
    }
    Shape batch_a(a.begin(), a.size() > 2 ? a.end() - 2 : a.begin());
    Shape batch_b(b.begin(), b.size() > 2 ? b.end() - 2 : b.begin());
    std::vector<Shape> batches{batch_a, batch_b};
    auto batch = BroadcastShapes(batches);
    if (!batch.ok()) {
      return ctx.Error(absl::StrCat("batch dimensions of inputs '", InputName(node, 0), "' ",
                                    ShapeToString(a), " and '", InputName(node, 1), "' ",
                                    ShapeToString(b), " do not broadcast"));
    }
    out = *batch;
    if (a.size() >= 2) out->push_back(a[a.size() - 2]);
    if (b.size() >= 2) out->push_back(b.back());
  }
  DataType dtype = DataType::Float32();
  if (IsIntegerTyped(ta) && IsIntegerTyped(tb)) {
    std::optional<ValueRange> range;
    if (ta.shape && tb.shape) range = ProductRange(ctx, *ta.shape, false, *tb.shape, false);
    dtype = range ? DataTypeForRange(*range, ta.elem) : DataTypeOfElementType(ta.elem);
  }
  ctx.SetOutput(0, ta.elem, out, dtype);
  return absl::OkStatus();
}

class MatMulKernel final : public Kernel {
 public:
  MatMulKernel(const Node& node, bool exact)
      : a_name_(InputName(node, 0)),
        b_name_(InputName(node, 1)),
        exact_(exact),
        bounds_{MaxMagnitude(node.input(0)), MaxMagnitude(node.input(1)), 0},
        a_(node.input(0) != nullptr && node.input(0)->is_initializer()),
        b_(node.input(1) != nullptr && node.input(1)->is_initializer()) {}

  absl::Status Run(KernelContext& ctx) override {
    const Tensor* a = ctx.input(0);
    const Tensor* b = ctx.input(1);
    if (a == nullptr || b == nullptr) return absl::InvalidArgumentError("MatMul needs two inputs");
    if (a->type() != b->type()) {
      return absl::InvalidArgumentError(
          absl::StrCat("input '", a_name_, "' has element type ", ElementTypeName(a->type()),
                       " but input '", b_name_, "' has ", ElementTypeName(b->type())));
    }
    const int64_t ra = a->rank(), rb = b->rank();
    if (ra == 0 || rb == 0) {
      return absl::InvalidArgumentError(absl::StrCat("input '", ra == 0 ? a_name_ : b_name_,
                                                     "' is a scalar; MatMul needs rank >= 1"));
    }
    m_ = ra == 1 ? 1 : a->dim(ra - 2);
    k_ = a->dim(ra - 1);
    n_ = rb == 1 ? 1 : b->dim(rb - 1);
    if ((rb == 1 ? b->dim(0) : b->dim(rb - 2)) != k_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "inner dimensions differ: input '", a_name_, "' has shape ", DimsToString(a->dims()),
          " and input '", b_name_, "' has shape ", DimsToString(b->dims())));
    }
    batch_a_.assign(a->dims().begin(), a->dims().end() - std::min<int64_t>(ra, 2));
    batch_b_.assign(b->dims().begin(), b->dims().end() - std::min<int64_t>(rb, 2));
    // Common case (x . W, W without batch dims): A's batch folds into its rows.
    shared_b_ = NumElementsOf(batch_b_) == 1 && batch_b_.size() <= batch_a_.size();
    if (shared_b_) {
      out_dims_ = batch_a_;
    } else {
      std::array<Dims, 2> batches{batch_a_, batch_b_};
      auto batch = BroadcastDims(batches);
      if (!batch.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("batch dimensions of inputs '", a_name_, "' ", DimsToString(a->dims()),
                         " and '", b_name_, "' ", DimsToString(b->dims()), " do not broadcast"));
      }
      out_dims_ = *batch;
    }
    batch_out_ = out_dims_;
    if (ra >= 2) out_dims_.push_back(m_);
    if (rb >= 2) out_dims_.push_back(n_);
    Tensor& y = *ctx.outputs[0];
    y.Resize(a->type(), out_dims_);
    switch (ChooseAccumulator(a->type(), exact_, k_, bounds_)) {
      case Accumulator::kFloat:
        Compute<float>(*a, *b, y);
        break;
      case Accumulator::kDouble:
        Compute<double>(*a, *b, y);
        break;
      case Accumulator::kInt64:
        Compute<int64_t>(*a, *b, y);
        break;
    }
    return absl::OkStatus();
  }

 private:
  template <typename Acc>
  void Compute(const Tensor& a, const Tensor& b, Tensor& y) {
    const Acc* pa = a_.Get<Acc>(a);
    const Acc* pb = b_.Get<Acc>(b);
    const bool direct = y.type() == ElementTypeOf<Acc>();
    Acc* pc = direct ? y.data<Acc>() : out_.Get<Acc>(y.size());
    if (shared_b_) {
      Gemm(NumElementsOf(batch_a_) * m_, n_, k_, GemmOperand<Acc>{pa, k_}, GemmOperand<Acc>{pb, n_},
           pc, n_);
    } else {
      const std::array<std::vector<int64_t>, 2> strides{BroadcastStrides(batch_a_, batch_out_),
                                                        BroadcastStrides(batch_b_, batch_out_)};
      const int64_t sa = m_ * k_, sb = k_ * n_, sc = m_ * n_;
      ForEachBroadcast<2>(batch_out_, strides, [&](int64_t i, const std::array<int64_t, 2>& off) {
        Gemm(m_, n_, k_, GemmOperand<Acc>{pa + off[0] * sa, k_},
             GemmOperand<Acc>{pb + off[1] * sb, n_}, pc + i * sc, n_);
      });
    }
    if (!direct) StoreElements<Acc>(pc, y.size(), y.type(), y.raw());
  }

  std::string a_name_, b_name_;
  bool exact_;
  MagnitudeBounds bounds_;
  OperandBuffer a_, b_;
  Scratch out_;
  // Per-run shape bookkeeping, kept as members so steady-state runs do not allocate.
  int64_t m_ = 0, k_ = 0, n_ = 0;
  bool shared_b_ = false;
  Dims batch_a_, batch_b_, batch_out_, out_dims_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CompileMatMul(const Node& node, const CompileContext&) {
  const bool exact = node.input(0) != nullptr && node.input(1) != nullptr &&
                     IsIntegerTyped(node.input(0)->type()) && IsIntegerTyped(node.input(1)->type());
  return std::unique_ptr<Kernel>(std::make_unique<MatMulKernel>(node, exact));
}

// ---------------------------------------------------------------- Gemm

struct GemmAttrs {
  float alpha = 1;
  float beta = 1;
  bool trans_a = false;
  bool trans_b = false;
};

absl::StatusOr<GemmAttrs> ParseGemmAttrs(const Node& node) {
  GemmAttrs g;
  for (const char* name : {"alpha", "beta"}) {
    if (const Attribute* a = node.attr(name)) {
      if (a->type() != Attribute::Type::kFloat) {
        return absl::InvalidArgumentError(absl::StrCat(
            "attribute '", name, "' has type ", AttributeTypeName(a->type()), ", expected float"));
      }
      (std::string(name) == "alpha" ? g.alpha : g.beta) = a->f();
    }
  }
  for (const char* name : {"transA", "transB"}) {
    if (const Attribute* a = node.attr(name)) {
      if (a->type() != Attribute::Type::kInt || (a->i() != 0 && a->i() != 1)) {
        return absl::InvalidArgumentError(
            absl::StrCat("attribute '", name, "' must be the int 0 or 1"));
      }
      (std::string(name) == "transA" ? g.trans_a : g.trans_b) = a->i() == 1;
    }
  }
  return g;
}

absl::Status InferGemm(InferContext& ctx) {
  const Node& node = ctx.node();
  auto attrs = ParseGemmAttrs(node);
  if (!attrs.ok()) return ctx.Error(std::string(attrs.status().message()));
  RETURN_IF_ERROR(CheckOperandTypes(ctx, {0, 1, 2}));
  const TensorType& ta = ctx.input_type(0);
  const TensorType& tb = ctx.input_type(1);
  const bool has_c = ctx.has_input(2);
  for (int i : {0, 1}) {
    const TensorType& t = ctx.input_type(i);
    if (t.shape && t.shape->size() != 2) {
      return ctx.Error(absl::StrCat("input '", InputName(node, i), "' has rank ", t.shape->size(),
                                    ", expected 2"));
    }
  }
  std::optional<Shape> out;
  if (ta.shape && tb.shape) {
    const Shape& a = *ta.shape;
    const Shape& b = *tb.shape;
    const Dim& m = attrs->trans_a ? a[1] : a[0];
    const Dim& ka = attrs->trans_a ? a[0] : a[1];
    const Dim& kb = attrs->trans_b ? b[1] : b[0];
    const Dim& n = attrs->trans_b ? b[0] : b[1];
    if (ka.known() && kb.known() && ka.value != kb.value) {
      return ctx.Error(absl::StrCat("inner dimensions differ: input '", InputName(node, 0),
                                    "' has shape ", ShapeToString(a), " (transA=", attrs->trans_a,
                                    ") and input '", InputName(node, 1), "' has shape ",
                                    ShapeToString(b), " (transB=", attrs->trans_b, ")"));
    }
    out = Shape{m, n};
    if (has_c && ctx.input_type(2).shape) {
      const Shape& c = *ctx.input_type(2).shape;
      bool ok = c.size() <= 2;
      for (size_t i = 0; ok && i < c.size(); ++i) {
        const Dim& target = (*out)[2 - c.size() + i];
        ok = !c[i].known() || c[i].value == 1 || !target.known() || c[i].value == target.value;
      }
      if (!ok) {
        return ctx.Error(absl::StrCat("input '", InputName(node, 2), "' has shape ",
                                      ShapeToString(c), ", which does not broadcast to ",
                                      ShapeToString(*out)));
      }
    }
  }
  DataType dtype = DataType::Float32();
  const bool exact =
      IsIntegerTyped(ta) && IsIntegerTyped(tb) && (!has_c || IsIntegerTyped(ctx.input_type(2)));
  if (exact && IsIntegral(attrs->alpha) && IsIntegral(attrs->beta)) {
    std::optional<ValueRange> range;
    if (ta.shape && tb.shape) {
      range = ProductRange(ctx, *ta.shape, attrs->trans_a, *tb.shape, attrs->trans_b);
    }
    if (range) {
      range = RangeScale(*range, attrs->alpha);
      if (has_c && attrs->beta != 0) {
        std::optional<ValueRange> rc = RangeOfType(ctx.input_type(2));
        if (auto values = ConstantValues(ctx, 2)) rc = RangeOfValues(*values);
        range = rc ? std::optional(RangeSum(*range, RangeScale(*rc, attrs->beta))) : std::nullopt;
      }
    }
    dtype = range ? DataTypeForRange(*range, ta.elem) : DataTypeOfElementType(ta.elem);
  } else if (IsIntegerElementType(ta.elem)) {
    dtype = DataTypeOfElementType(ta.elem);
  }
  ctx.SetOutput(0, ta.elem, out, dtype);
  return absl::OkStatus();
}

class GemmKernel final : public Kernel {
 public:
  GemmKernel(const Node& node, GemmAttrs attrs, bool exact)
      : attrs_(attrs),
        exact_(exact),
        bounds_(Bounds(node, attrs)),
        names_{InputName(node, 0), InputName(node, 1), InputName(node, 2)},
        a_(node.input(0) != nullptr && node.input(0)->is_initializer()),
        b_(node.input(1) != nullptr && node.input(1)->is_initializer()),
        c_(node.input(2) != nullptr && node.input(2)->is_initializer()) {}

  absl::Status Run(KernelContext& ctx) override {
    const Tensor* a = ctx.input(0);
    const Tensor* b = ctx.input(1);
    const Tensor* c = ctx.input(2);
    if (a == nullptr || b == nullptr)
      return absl::InvalidArgumentError("Gemm needs inputs A and B");
    for (int i = 0; i < 3; ++i) {
      const Tensor* t = ctx.input(i);
      if (t == nullptr) continue;
      if (t->type() != a->type()) {
        return absl::InvalidArgumentError(
            absl::StrCat("input '", names_[i], "' has element type ", ElementTypeName(t->type()),
                         " but input '", names_[0], "' has ", ElementTypeName(a->type())));
      }
      if (i < 2 && t->rank() != 2) {
        return absl::InvalidArgumentError(absl::StrCat(
            "input '", names_[i], "' has shape ", DimsToString(t->dims()), ", expected rank 2"));
      }
    }
    m_ = attrs_.trans_a ? a->dim(1) : a->dim(0);
    k_ = attrs_.trans_a ? a->dim(0) : a->dim(1);
    n_ = attrs_.trans_b ? b->dim(0) : b->dim(1);
    if ((attrs_.trans_b ? b->dim(1) : b->dim(0)) != k_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "inner dimensions differ: input '", names_[0], "' has shape ", DimsToString(a->dims()),
          " (transA=", attrs_.trans_a, ") and input '", names_[1], "' has shape ",
          DimsToString(b->dims()), " (transB=", attrs_.trans_b, ")"));
    }
    c_rows_ = c_cols_ = 1;
    if (c != nullptr) {
      const int64_t rc = c->rank();
      if (rc >= 1) c_cols_ = c->dim(rc - 1);
      if (rc == 2) c_rows_ = c->dim(0);
      if (rc > 2 || (c_rows_ != 1 && c_rows_ != m_) || (c_cols_ != 1 && c_cols_ != n_)) {
        return absl::InvalidArgumentError(
            absl::StrCat("input '", names_[2], "' has shape ", DimsToString(c->dims()),
                         ", which does not broadcast to [", m_, ", ", n_, "]"));
      }
    }
    Tensor& y = *ctx.outputs[0];
    const int64_t out_dims[2] = {m_, n_};
    y.Resize(a->type(), out_dims);
    switch (ChooseAccumulator(a->type(), exact_, k_, bounds_)) {
      case Accumulator::kFloat:
        Compute<float>(*a, *b, c, y);
        break;
      case Accumulator::kDouble:
        Compute<double>(*a, *b, c, y);
        break;
      case Accumulator::kInt64:
        Compute<int64_t>(*a, *b, c, y);
        break;
    }
    return absl::OkStatus();
  }

 private:
  template <typename Acc>
  void Compute(const Tensor& a, const Tensor& b, const Tensor* c, Tensor& y) {
    const bool direct = y.type() == ElementTypeOf<Acc>();
    Acc* py = direct ? y.data<Acc>() : out_.Get<Acc>(y.size());
    Gemm(m_, n_, k_, GemmOperand<Acc>{a_.Get<Acc>(a), a.dim(1), attrs_.trans_a},
         GemmOperand<Acc>{b_.Get<Acc>(b), b.dim(1), attrs_.trans_b}, py, n_);
    const Acc* pc = c != nullptr && attrs_.beta != 0 ? c_.Get<Acc>(*c) : nullptr;
    if (pc != nullptr || attrs_.alpha != 1) Epilogue(py, pc);
    if (!direct) StoreElements<Acc>(py, y.size(), y.type(), y.raw());
  }

  // y = alpha * y + beta * C (C broadcast), in the accumulator's arithmetic.
  template <typename Acc>
  void Epilogue(Acc* y, const Acc* c) {
    const int64_t row_step = c_rows_ == 1 ? 0 : c_cols_;
    const int64_t col_step = c_cols_ == 1 ? 0 : 1;
    for (int64_t i = 0; i < m_; ++i) {
      Acc* row = y + i * n_;
      const Acc* crow = c != nullptr ? c + i * row_step : nullptr;
      for (int64_t j = 0; j < n_; ++j) {
        const Acc cv = crow != nullptr ? crow[j * col_step] : Acc{0};
        if constexpr (std::is_same_v<Acc, int64_t>) {
          row[j] = IntegerEpilogue(row[j], cv);
        } else {
          row[j] = static_cast<Acc>(attrs_.alpha) * row[j] + static_cast<Acc>(attrs_.beta) * cv;
        }
      }
    }
  }

  int64_t IntegerEpilogue(int64_t acc, int64_t cv) const {
    if (IsIntegral(attrs_.alpha) && IsIntegral(attrs_.beta)) {
      // Wrapping arithmetic, like the product itself.
      const uint64_t r =
          static_cast<uint64_t>(static_cast<int64_t>(attrs_.alpha)) * static_cast<uint64_t>(acc) +
          static_cast<uint64_t>(static_cast<int64_t>(attrs_.beta)) * static_cast<uint64_t>(cv);
      return static_cast<int64_t>(r);
    }
    const double r = static_cast<double>(attrs_.alpha) * static_cast<double>(acc) +
                     static_cast<double>(attrs_.beta) * static_cast<double>(cv);
    return static_cast<int64_t>(std::clamp(r, -9.2233720368547758e18, 9.2233720368547748e18));
  }

  // Bounds of alpha * A.B + beta * C; with a non-integral alpha or beta the results are not
  // integers, so no bound makes float32 exact.
  static MagnitudeBounds Bounds(const Node& node, const GemmAttrs& attrs) {
    if (!IsIntegral(attrs.alpha) || !IsIntegral(attrs.beta)) return MagnitudeBounds{};
    MagnitudeBounds m{std::max(1.0f, std::fabs(attrs.alpha)) * MaxMagnitude(node.input(0)),
                      MaxMagnitude(node.input(1)), 0};
    if (node.input(2) != nullptr && attrs.beta != 0) {
      m.bias = std::fabs(attrs.beta) * MaxMagnitude(node.input(2));
    }
    return m;
  }

  GemmAttrs attrs_;
  bool exact_;
  MagnitudeBounds bounds_;
  std::string names_[3];
  OperandBuffer a_, b_, c_;
  Scratch out_;
  int64_t m_ = 0, k_ = 0, n_ = 0, c_rows_ = 1, c_cols_ = 1;
};

absl::StatusOr<std::unique_ptr<Kernel>> CompileGemm(const Node& node, const CompileContext&) {
  ASSIGN_OR_RETURN(GemmAttrs attrs, ParseGemmAttrs(node));
  bool exact = node.input(0) != nullptr && node.input(1) != nullptr &&
               IsIntegerTyped(node.input(0)->type()) && IsIntegerTyped(node.input(1)->type());
  if (node.input(2) != nullptr) exact = exact && IsIntegerTyped(node.input(2)->type());
  return std::unique_ptr<Kernel>(std::make_unique<GemmKernel>(node, attrs, exact));
}

absl::Status CheckZeroOrOne(const Attribute& a) { return CheckAttrIn(a, {"0", "1"}); }

}  // namespace

OpSpec MakeMatMulSpec() {
  OpSpec s;
  s.op_type = "MatMul";
  s.since_version = 13;
  s.summary = "Matrix product with NumPy semantics (1-D operands, broadcast batch dims)";
  s.min_inputs = s.max_inputs = 2;
  s.infer = InferMatMul;
  s.compile = CompileMatMul;
  return s;
}

OpSpec MakeGemmSpec() {
  OpSpec s;
  s.op_type = "Gemm";
  s.since_version = 13;
  s.summary = "Y = alpha * op(A) * op(B) + beta * C, C broadcast to [M, N]";
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.attributes = {
      {"alpha", Attribute::Type::kFloat, false, nullptr},
      {"beta", Attribute::Type::kFloat, false, nullptr},
      {"transA", Attribute::Type::kInt, false, CheckZeroOrOne},
      {"transB", Attribute::Type::kInt, false, CheckZeroOrOne},
  };
  s.infer = InferGemm;
  s.compile = CompileGemm;
  return s;
}

}  // namespace finngl
