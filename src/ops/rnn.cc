// ONNX LSTM (opsets 7/14) and GRU (opsets 7/14): reference kernels in float32 (and double).
//
// Per direction, the input projection X·Wᵀ of all time steps is one GEMM; each step then adds
// H_{t-1}·Rᵀ (for float and batch 1, vector multiply-adds over a transposed copy of R) and applies
// the gates. The order of float operations follows onnxruntime's CPU kernels (projection,
// + recurrence, + peephole, + (Wb+Rb), clip, activation) so results agree to a few ulp. Rows
// whose sequence (sequence_lens) has ended are skipped; their Y entries are zero and Y_h/Y_c hold
// the state at their last valid step (zero for an empty sequence, as onnxruntime does).
#include <Eigen/Core>
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/packed_gemm.h"
#include "src/ops/registry.h"
#include "src/ops/rnn_common.h"

namespace finngl {
namespace {

template <typename T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using ConstMatrixMap = Eigen::Map<const RowMatrix<T>>;
template <typename T>
using MatrixMap = Eigen::Map<RowMatrix<T>>;

const RnnInputSpec kLstmInputs{4, 6, 7};
const RnnInputSpec kGruInputs{3, -1, -1};

// x = clamp(x + bias, -clip, clip) over n values; bias may be null and clip <= 0 means none.
template <typename T>
void AddBiasAndClip(const T* bias, T clip, T* x, int64_t n) {
  if (bias != nullptr) {
    for (int64_t i = 0; i < n; ++i) x[i] += bias[i];
  }
  if (clip > 0) {
    for (int64_t i = 0; i < n; ++i) x[i] = std::min(std::max(x[i], -clip), clip);
  }
}

// gates[batch, g] += h[batch, hs] · Rᵀ. For float with batch 1 (the streaming case), `rt` holds
// Rᵀ [hs, g] and the product is a chain of vector multiply-adds over its rows, whose column order
// alternates between steps (`odd_step`) so that part of Rᵀ, larger than L1, is still cached.
template <typename T>
void AddRecurrence(MatrixMap<T>& gm, const MatrixMap<T>& hm, const ConstMatrixMap<T>& r,
                   const T* rt, bool odd_step) {
  if constexpr (std::is_same_v<T, float>) {
    if (rt != nullptr) {
      AccumulateRowTimesMatrix(hm.data(), hm.cols(), rt, gm.cols(), gm.cols(), odd_step,
                               gm.data());
      return;
    }
  }
  gm.noalias() += hm * r.transpose();
}

// Output tensors of one call (nullptr where the node does not produce them).
Tensor* OptionalOutput(KernelContext& ctx, const std::vector<bool>& produced, int i) {
  return i < static_cast<int>(ctx.outputs.size()) && produced[i] ? ctx.outputs[i] : nullptr;
}

// State shared by the LSTM and GRU kernels: attributes, which outputs exist, scratch buffers.
template <typename T>
class RecurrentKernelBase {
 protected:
  // SIMD-aligned, so Eigen's vectorised activations start on a packet boundary instead of
  // computing a misaligned head element by element (through scalar libm calls).
  using Buffer = std::vector<T, Eigen::aligned_allocator<T>>;

  RecurrentKernelBase(RnnAttrs attrs, std::vector<bool> produced, bool r_constant)
      : a_(std::move(attrs)), produced_(std::move(produced)), r_constant_(r_constant) {}

  // R_dirᵀ [hidden, gates] (row-major), the layout of the batch-1 step's vector-matrix product.
  // A constant R (an initializer) is transposed once.
  const T* TransposedRecurrence(const Tensor& r, int dir, int64_t gates, int64_t hs) {
    if (!r_constant_ || r.data<T>() != rt_source_ || r.dims() != rt_dims_) {
      rt_.resize(r.size());
      for (int64_t dd = 0; dd < r.dim(0); ++dd) {
        ConstMatrixMap<T> rd(r.data<T>() + dd * gates * hs, gates, hs);
        MatrixMap<T>(rt_.data() + dd * gates * hs, hs, gates) = rd.transpose();
      }
      rt_source_ = r.data<T>();
      rt_dims_ = r.dims();
    }
    return rt_.data() + dir * gates * hs;
  }


  // Sizes outputs, zeroes Y when some sequences are shorter than X, and reads sequence_lens.
  void Prepare(KernelContext& ctx, const RnnDims& d, bool has_cell) {
    const int64_t nd = d.num_directions;
    y_ = OptionalOutput(ctx, produced_, 0);
    y_h_ = OptionalOutput(ctx, produced_, 1);
    y_c_ = has_cell ? OptionalOutput(ctx, produced_, 2) : nullptr;
    const ElementType elem = ElementTypeOf<T>();
    if (y_ != nullptr) {
      const int64_t y_dims0[] = {d.seq, nd, d.batch, d.hidden};
      const int64_t y_dims1[] = {d.batch, d.seq, nd, d.hidden};
      y_->Resize(elem, a_.layout == 0 ? std::span<const int64_t>(y_dims0) : y_dims1);
    }
    const int64_t s_dims0[] = {nd, d.batch, d.hidden};
    const int64_t s_dims1[] = {d.batch, nd, d.hidden};
    for (Tensor* t : {y_h_, y_c_}) {
      if (t != nullptr)
        t->Resize(elem, a_.layout == 0 ? std::span<const int64_t>(s_dims0) : s_dims1);
    }
    lens_.assign(d.batch, d.seq);
    if (const Tensor* l = ctx.input(4); l != nullptr) {
      for (int64_t b = 0; b < d.batch; ++b) lens_[b] = l->data<int32_t>()[b];
    }
    max_len_ = d.batch > 0 ? *std::max_element(lens_.begin(), lens_.end()) : 0;
    if (y_ != nullptr &&
        std::any_of(lens_.begin(), lens_.end(), [&](int64_t l) { return l < d.seq; })) {
      std::fill_n(y_->data<T>(), y_->size(), T(0));
    }
  }

  // X·W_dᵀ for every (time, batch) row of X.
  void ProjectInputs(const Tensor& x, const Tensor& w, int dir, const RnnDims& d, int64_t gates) {
    const int64_t rows = d.seq * d.batch;
    xw_.resize(rows * gates);
    ConstMatrixMap<T> xm(x.data<T>(), rows, d.input);
    ConstMatrixMap<T> wm(w.data<T>() + dir * gates * d.input, gates, d.input);
    MatrixMap<T> out(xw_.data(), rows, gates);
    out.noalias() = xm * wm.transpose();
  }

  // Copies the initial state of direction `dir` (or zeros) into `state` [batch, hidden].
  void LoadState(const Tensor* init, int dir, const RnnDims& d, Buffer& state) {
    state.assign(d.batch * d.hidden, T(0));
    if (init == nullptr) return;
    for (int64_t b = 0; b < d.batch; ++b) {
      std::memcpy(state.data() + b * d.hidden, init->data<T>() + StateOffset(d, a_.layout, dir, b),
                  d.hidden * sizeof(T));
    }
  }

  // Writes a final state; rows of empty sequences are zero (onnxruntime's convention).
  void StoreState(const Buffer& state, int dir, const RnnDims& d, Tensor* out) {
    if (out == nullptr) return;
    for (int64_t b = 0; b < d.batch; ++b) {
      T* dst = out->data<T>() + StateOffset(d, a_.layout, dir, b);
      if (lens_[b] == 0) {
        std::fill_n(dst, d.hidden, T(0));
      } else {
        std::memcpy(dst, state.data() + b * d.hidden, d.hidden * sizeof(T));
      }
    }
  }

  // Time index of step `s` for batch row b in direction `dir`, or -1 once its sequence ended.
  int64_t TimeOf(int dir, int64_t s, int64_t b) const {
    if (s >= lens_[b]) return -1;
    return a_.reverse(dir) ? lens_[b] - 1 - s : s;
  }

  // Gathers the projected inputs of step s into gates_ [batch, gates].
  void GatherStep(int dir, int64_t s, const RnnDims& d, int64_t gates) {
    for (int64_t b = 0; b < d.batch; ++b) {
      const int64_t t = TimeOf(dir, s, b);
      if (t < 0) continue;
      std::memcpy(gates_.data() + b * gates, xw_.data() + InputRow(d, a_.layout, t, b) * gates,
                  gates * sizeof(T));
    }
  }

  void StoreOutput(int dir, int64_t t, int64_t b, const RnnDims& d, const T* h) {
    if (y_ == nullptr) return;
    std::memcpy(y_->data<T>() + OutputOffset(d, a_.layout, t, dir, b), h, d.hidden * sizeof(T));
  }

  RnnAttrs a_;
  std::vector<bool> produced_;
  Tensor* y_ = nullptr;
  Tensor* y_h_ = nullptr;
  Tensor* y_c_ = nullptr;
  std::vector<int64_t> lens_;
  int64_t max_len_ = 0;
  // Scratch reused across steps and runs.
  Buffer xw_, gates_, h_, c_, tmp_, bias_;
  bool r_constant_;
  Buffer rt_;  // TransposedRecurrence, and what it was computed from
  const T* rt_source_ = nullptr;
  Dims rt_dims_;
};

template <typename T>
class LstmKernel final : public RecurrentKernelBase<T> {
  using Base = RecurrentKernelBase<T>;

 public:
  LstmKernel(RnnAttrs attrs, std::vector<bool> produced, bool r_constant)
      : Base(std::move(attrs), std::move(produced), r_constant) {}

  absl::Status Run(KernelContext& ctx) {
    ASSIGN_OR_RETURN(RnnDims d, ValidateRnnInputs(ctx, this->a_, kLstmInputs));
    this->Prepare(ctx, d, true);
    const int64_t hs = d.hidden, g4 = 4 * hs;
    const T clip = static_cast<T>(this->a_.clip);
    const Tensor* b_in = ctx.input(3);
    const Tensor* p_in = ctx.input(7);
    for (int dir = 0; dir < d.num_directions; ++dir) {
      this->ProjectInputs(*ctx.input(0), *ctx.input(1), dir, d, g4);
      const T* bias = nullptr;
      if (b_in != nullptr) {
        // Wb + Rb, summed once as onnxruntime does.
        const T* wb = b_in->data<T>() + dir * 2 * g4;
        this->bias_.resize(g4);
        for (int64_t j = 0; j < g4; ++j) this->bias_[j] = wb[j] + wb[g4 + j];
        bias = this->bias_.data();
      }
      const T* p = p_in != nullptr ? p_in->data<T>() + dir * 3 * hs : nullptr;
      const RnnActivation& f = this->a_.activations[dir * 3];
      const RnnActivation& g = this->a_.activations[dir * 3 + 1];
      const RnnActivation& h_act = this->a_.activations[dir * 3 + 2];
      this->LoadState(ctx.input(5), dir, d, this->h_);
      this->LoadState(ctx.input(6), dir, d, this->c_);
      this->gates_.resize(d.batch * g4);
      this->tmp_.resize(hs);
      ConstMatrixMap<T> r(ctx.input(2)->data<T>() + dir * g4 * hs, g4, hs);
      MatrixMap<T> gm(this->gates_.data(), d.batch, g4);
      MatrixMap<T> hm(this->h_.data(), d.batch, hs);
      const T* rt = std::is_same_v<T, float> && d.batch == 1
                        ? this->TransposedRecurrence(*ctx.input(2), dir, g4, hs)
                        : nullptr;
      for (int64_t s = 0; s < this->max_len_; ++s) {
        this->GatherStep(dir, s, d, g4);
        AddRecurrence(gm, hm, r, rt, s % 2 == 1);
        for (int64_t b = 0; b < d.batch; ++b) {
          const int64_t t = this->TimeOf(dir, s, b);
          if (t < 0) continue;
          T* gi = this->gates_.data() + b * g4;  // gate order i, o, f, c
          T* go = gi + hs;
          T* gf = gi + 2 * hs;
          T* gc = gi + 3 * hs;
          T* c = this->c_.data() + b * hs;
          T* h = this->h_.data() + b * hs;
          if (p != nullptr) {
            for (int64_t j = 0; j < hs; ++j) gi[j] += p[j] * c[j];
          }
          AddBiasAndClip(bias, clip, gi, hs);
          f.Apply(gi, hs);
          if (this->a_.input_forget) {
            for (int64_t j = 0; j < hs; ++j) gf[j] = T(1) - gi[j];
          } else {
            if (p != nullptr) {
              for (int64_t j = 0; j < hs; ++j) gf[j] += p[2 * hs + j] * c[j];
            }
            AddBiasAndClip(bias != nullptr ? bias + 2 * hs : nullptr, clip, gf, hs);
            f.Apply(gf, hs);
          }
          AddBiasAndClip(bias != nullptr ? bias + 3 * hs : nullptr, clip, gc, hs);
          g.Apply(gc, hs);
          for (int64_t j = 0; j < hs; ++j) c[j] = c[j] * gf[j] + gi[j] * gc[j];
          if (p != nullptr) {
            for (int64_t j = 0; j < hs; ++j) go[j] += p[hs + j] * c[j];
          }
          AddBiasAndClip(bias != nullptr ? bias + hs : nullptr, clip, go, hs);
          f.Apply(go, hs);
          std::memcpy(this->tmp_.data(), c, hs * sizeof(T));
          h_act.Apply(this->tmp_.data(), hs);
          for (int64_t j = 0; j < hs; ++j) h[j] = go[j] * this->tmp_[j];
          this->StoreOutput(dir, t, b, d, h);
        }
      }
      this->StoreState(this->h_, dir, d, this->y_h_);
      this->StoreState(this->c_, dir, d, this->y_c_);
    }
    return absl::OkStatus();
  }
};

template <typename T>
class GruKernel final : public RecurrentKernelBase<T> {
  using Base = RecurrentKernelBase<T>;

 public:
  GruKernel(RnnAttrs attrs, std::vector<bool> produced, bool r_constant)
      : Base(std::move(attrs), std::move(produced), r_constant) {}

  absl::Status Run(KernelContext& ctx) {
    ASSIGN_OR_RETURN(RnnDims d, ValidateRnnInputs(ctx, this->a_, kGruInputs));
    this->Prepare(ctx, d, false);
    const int64_t hs = d.hidden, g3 = 3 * hs;
    const T clip = static_cast<T>(this->a_.clip);
    const bool lbr = this->a_.linear_before_reset;
    const Tensor* b_in = ctx.input(3);
    for (int dir = 0; dir < d.num_directions; ++dir) {
      this->ProjectInputs(*ctx.input(0), *ctx.input(1), dir, d, g3);
      // bias_ = [Wbz+Rbz, Wbr+Rbr, Wbh (+ Rbh unless linear_before_reset)], then Rbh.
      const T* bias = nullptr;
      const T* rbh = nullptr;
      if (b_in != nullptr) {
        const T* wb = b_in->data<T>() + dir * 2 * g3;
        this->bias_.resize(g3);
        for (int64_t j = 0; j < g3; ++j) {
          this->bias_[j] = lbr && j >= 2 * hs ? wb[j] : wb[j] + wb[g3 + j];
        }
        bias = this->bias_.data();
        rbh = wb + g3 + 2 * hs;
      }
      const RnnActivation& f = this->a_.activations[dir * 2];
      const RnnActivation& g = this->a_.activations[dir * 2 + 1];
      this->LoadState(ctx.input(5), dir, d, this->h_);
      this->gates_.resize(d.batch * g3);
      this->tmp_.resize(d.batch * hs);  // r ⊙ H_{t-1}, or H_{t-1}·R_hᵀ (+ Rbh) when lbr
      const T* r_data = ctx.input(2)->data<T>() + dir * g3 * hs;
      ConstMatrixMap<T> r_zr(r_data, 2 * hs, hs);
      ConstMatrixMap<T> r_h(r_data + 2 * hs * hs, hs, hs);
      MatrixMap<T> gm(this->gates_.data(), d.batch, g3);
      MatrixMap<T> hm(this->h_.data(), d.batch, hs);
      MatrixMap<T> tm(this->tmp_.data(), d.batch, hs);
      for (int64_t s = 0; s < this->max_len_; ++s) {
        this->GatherStep(dir, s, d, g3);
        gm.leftCols(2 * hs).noalias() += hm * r_zr.transpose();
        if (lbr) {
          if (rbh != nullptr) {
            for (int64_t b = 0; b < d.batch; ++b) {
              std::memcpy(this->tmp_.data() + b * hs, rbh, hs * sizeof(T));
            }
            tm.noalias() += hm * r_h.transpose();
          } else {
            tm.noalias() = hm * r_h.transpose();
          }
        }
        // Reset gate, and what it multiplies.
        for (int64_t b = 0; b < d.batch; ++b) {
          if (this->TimeOf(dir, s, b) < 0) continue;
          T* gr = this->gates_.data() + b * g3 + hs;
          AddBiasAndClip(bias != nullptr ? bias + hs : nullptr, clip, gr, hs);
          f.Apply(gr, hs);
          T* tr = this->tmp_.data() + b * hs;
          const T* h = this->h_.data() + b * hs;
          for (int64_t j = 0; j < hs; ++j) tr[j] = gr[j] * (lbr ? tr[j] : h[j]);
        }
        if (lbr) {
          for (int64_t b = 0; b < d.batch; ++b) {
            if (this->TimeOf(dir, s, b) < 0) continue;
            T* gh = this->gates_.data() + b * g3 + 2 * hs;
            const T* tr = this->tmp_.data() + b * hs;
            for (int64_t j = 0; j < hs; ++j) gh[j] += tr[j];
          }
        } else {
          gm.rightCols(hs).noalias() += tm * r_h.transpose();
        }
        for (int64_t b = 0; b < d.batch; ++b) {
          const int64_t t = this->TimeOf(dir, s, b);
          if (t < 0) continue;
          T* gz = this->gates_.data() + b * g3;  // gate order z, r, h
          T* gh = gz + 2 * hs;
          T* h = this->h_.data() + b * hs;
          AddBiasAndClip(bias, clip, gz, hs);
          f.Apply(gz, hs);
          AddBiasAndClip(bias != nullptr ? bias + 2 * hs : nullptr, clip, gh, hs);
          g.Apply(gh, hs);
          for (int64_t j = 0; j < hs; ++j) h[j] = (T(1) - gz[j]) * gh[j] + gz[j] * h[j];
          this->StoreOutput(dir, t, b, d, h);
        }
      }
      this->StoreState(this->h_, dir, d, this->y_h_);
    }
    return absl::OkStatus();
  }
};

// Dispatches on X's element type to the float or double instantiation of a kernel template.
template <template <typename> class K>
class RecurrentKernel final : public Kernel {
 public:
  RecurrentKernel(const RnnAttrs& attrs, const std::vector<bool>& produced, bool r_constant)
      : f32_(attrs, produced, r_constant), f64_(attrs, produced, r_constant) {}
  absl::Status Run(KernelContext& ctx) override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return absl::InvalidArgumentError("input X is required");
    switch (x->type()) {
      case ElementType::kFloat:
        return f32_.Run(ctx);
      case ElementType::kDouble:
        return f64_.Run(ctx);
      default:
        return absl::InvalidArgumentError(absl::StrCat(
            "input X has element type ", ElementTypeName(x->type()), ", expected float or double"));
    }
  }

 private:
  K<float> f32_;
  K<double> f64_;
};

const std::vector<std::string>& LstmDefaults() {
  static const auto* v = new std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"};
  return *v;
}
const std::vector<std::string>& GruDefaults() {
  static const auto* v = new std::vector<std::string>{"Sigmoid", "Tanh"};
  return *v;
}

template <template <typename> class K>
absl::StatusOr<std::unique_ptr<Kernel>> CompileRecurrent(const Node& node,
                                                         const std::vector<std::string>& defaults) {
  auto attrs = ParseRnnAttrs(node, defaults);
  if (!attrs.ok()) {
    return absl::Status(attrs.status().code(),
                        absl::StrCat(node.Describe(), ": ", attrs.status().message()));
  }
  std::vector<bool> produced;
  for (int i = 0; i < node.num_outputs(); ++i) produced.push_back(node.output(i) != nullptr);
  const bool r_constant = node.input(2) != nullptr && node.input(2)->is_initializer();
  return std::unique_ptr<Kernel>(
      std::make_unique<RecurrentKernel<K>>(*attrs, produced, r_constant));
}

absl::Status InferRecurrent(InferContext& ctx, const std::vector<std::string>& defaults,
                            const RnnInputSpec& spec) {
  auto attrs = ParseRnnAttrs(ctx.node(), defaults);
  if (!attrs.ok()) {
    return absl::Status(attrs.status().code(),
                        absl::StrCat(ctx.node().Describe(), ": ", attrs.status().message()));
  }
  return InferRnn(ctx, *attrs, spec);
}

}  // namespace

OpSpec MakeLSTMSpec() {
  OpSpec s;
  s.op_type = "LSTM";
  s.since_version = 7;
  s.summary = "One-layer LSTM (gates i, o, f, c) over a sequence; forward, reverse or both";
  s.min_inputs = 3;
  s.max_inputs = 8;
  s.min_outputs = 0;
  s.max_outputs = 3;
  s.attributes = RnnAttrSpecs();
  s.attributes.push_back({"input_forget", Attribute::Type::kInt, false,
                          [](const Attribute& a) { return CheckAttrIn(a, {"0", "1"}); }});
  s.infer = [](InferContext& ctx) { return InferRecurrent(ctx, LstmDefaults(), kLstmInputs); };
  s.compile = [](const Node& node, const CompileContext&) {
    return CompileRecurrent<LstmKernel>(node, LstmDefaults());
  };
  return s;
}

OpSpec MakeGRUSpec() {
  OpSpec s;
  s.op_type = "GRU";
  s.since_version = 7;
  s.summary = "One-layer GRU (gates z, r, h) over a sequence; forward, reverse or both";
  s.min_inputs = 3;
  s.max_inputs = 6;
  s.min_outputs = 0;
  s.max_outputs = 2;
  s.attributes = RnnAttrSpecs();
  s.attributes.push_back({"linear_before_reset", Attribute::Type::kInt, false, nullptr});
  s.infer = [](InferContext& ctx) { return InferRecurrent(ctx, GruDefaults(), kGruInputs); };
  s.compile = [](const Node& node, const CompileContext&) {
    return CompileRecurrent<GruKernel>(node, GruDefaults());
  };
  return s;
}

}  // namespace finngl
