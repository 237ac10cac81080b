// Shared pieces of the ONNX recurrent ops (LSTM, GRU): their common attributes, the activation
// functions they allow, type inference and runtime validation of the W/R/B/sequence_lens/initial
// state inputs, and the index arithmetic of the two layouts.
//
// Layout 0 is ONNX's default: X [seq, batch, input], Y [seq, dirs, batch, hidden], states
// [dirs, batch, hidden]. Layout 1 (opset 14) is batch-first: X [batch, seq, input],
// Y [batch, seq, dirs, hidden], states [batch, dirs, hidden].
#ifndef FINNGL_SRC_OPS_RNN_COMMON_H_
#define FINNGL_SRC_OPS_RNN_COMMON_H_

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ops/op_spec.h"

namespace finngl {

// An activation of a recurrent cell. Only those our hardware flow handles are supported.
struct RnnActivation {
  enum class Kind { kSigmoid, kTanh, kRelu };
  Kind kind = Kind::kSigmoid;

  // Applies the activation in place. Eigen's vectorised exp/tanh are within a few ulp of libm
  // (and of onnxruntime's own approximations), far inside the 1e-5 tolerance, and several times
  // faster than scalar libm calls, which dominate a small LSTM step.
  template <typename T>
  void Apply(T* x, int64_t n) const {
    Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> a(x, n);
    switch (kind) {
      case Kind::kSigmoid:
        a = (T(1) + (-a).exp()).inverse();
        return;
      case Kind::kTanh:
        a = a.tanh();
        return;
      case Kind::kRelu:
        a = a.max(T(0));
        return;
    }
  }
};

struct RnnAttrs {
  enum class Direction { kForward, kReverse, kBidirectional };
  Direction direction = Direction::kForward;
  int num_directions = 1;
  int64_t hidden_size = -1;  // -1: not given (inferred from R)
  int64_t layout = 0;
  float clip = 0;  // <= 0: no clipping
  bool input_forget = false;
  bool linear_before_reset = false;
  // num_directions * activations-per-direction entries (f, g[, h] for each direction).
  std::vector<RnnActivation> activations;

  bool reverse(int d) const {
    return direction == Direction::kReverse || (direction == Direction::kBidirectional && d == 1);
  }
};

// Reads the attributes; `defaults` are the activation names of one direction (e.g. Sigmoid,
// Tanh, Tanh for LSTM). Unsupported activations are Unimplemented errors naming them; other
// problems are InvalidArgument. Messages do not name the node.
absl::StatusOr<RnnAttrs> ParseRnnAttrs(const Node& node, const std::vector<std::string>& defaults);

// The attribute schema shared by LSTM and GRU (without input_forget / linear_before_reset).
std::vector<AttrSpec> RnnAttrSpecs();

// Describes the op's inputs for validation: `gates` is 4 for LSTM and 3 for GRU.
struct RnnInputSpec {
  int gates = 4;
  int initial_c_index = -1;  // LSTM: 6
  int peephole_index = -1;   // LSTM: 7
};

// Type inference for LSTM/GRU: checks every input's rank, element type and known dims, and sets
// Y, Y_h (and Y_c for LSTM, output 2) from X's dims and the hidden size.
absl::Status InferRnn(InferContext& ctx, const RnnAttrs& attrs, const RnnInputSpec& spec);

// Runtime sizes of one call, after validation.
struct RnnDims {
  int64_t seq = 0;
  int64_t batch = 0;
  int64_t input = 0;
  int64_t hidden = 0;
  int num_directions = 1;
};

// Validates the runtime inputs (shapes, element types, sequence_lens values) against each other.
// Errors name the tensor by its input role ("W", "sequence_lens", ...).
absl::StatusOr<RnnDims> ValidateRnnInputs(const KernelContext& ctx, const RnnAttrs& attrs,
                                          const RnnInputSpec& spec);

// Element offset of state row (direction d, batch b) in an initial_h/Y_h style tensor.
inline int64_t StateOffset(const RnnDims& dims, int64_t layout, int d, int64_t b) {
  return layout == 0 ? (d * dims.batch + b) * dims.hidden
                     : (b * dims.num_directions + d) * dims.hidden;
}
// Element offset of row (time t, direction d, batch b) in Y.
inline int64_t OutputOffset(const RnnDims& dims, int64_t layout, int64_t t, int d, int64_t b) {
  return layout == 0 ? ((t * dims.num_directions + d) * dims.batch + b) * dims.hidden
                     : ((b * dims.seq + t) * dims.num_directions + d) * dims.hidden;
}
// Row of X (viewed as a [seq*batch, input] matrix) holding (time t, batch b).
inline int64_t InputRow(const RnnDims& dims, int64_t layout, int64_t t, int64_t b) {
  return layout == 0 ? t * dims.batch + b : b * dims.seq + t;
}

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_RNN_COMMON_H_
