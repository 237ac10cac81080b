// Shared machinery of lower-lstm-to-scan and lower-gru-to-scan: checking that an ONNX LSTM/GRU
// node can be lowered, building nodes in the outer graph and in Scan bodies (opset-aware
// spellings of Unsqueeze/Split/Clip; operations on constants evaluated at once through the op
// kernels), one Scan per direction, and reassembling the node's outputs Y / Y_h / Y_c from the
// per-direction Scans.
//
// The per-direction Scan (num_scan_inputs = 1) reads the states [h, c] and X along its time axis
// (axis 0 for layout 0, 1 for layout 1; reversed for the reverse direction, whose stacked outputs
// are prepended so Y stays in input time order). Its body, built by the pass, sees the per-step
// input x_t [B, I] and the states [B, H], and reads the per-direction weights (transposed for
// row-vector products), biases and peepholes as outer-scope references to outer-graph values.
// Those values are computed from W/R/B/P in the outer graph (Gather/Reshape/Transpose/Add),
// as constants when W/R/B/P are constants, and as nodes otherwise, so weight quantizers
// (DequantizeLinear or Quant nodes feeding W/R/B) stay in the outer graph, unchanged.
#ifndef FINNGL_SRC_PASSES_RNN_LOWERING_H_
#define FINNGL_SRC_PASSES_RNN_LOWERING_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"
#include "src/ops/rnn_common.h"
#include "src/passes/pass.h"

namespace finngl {

using AttrList = std::vector<std::pair<std::string, Attribute>>;

// Adds nodes to one graph, named "<prefix>_<role>" and remembering the lowered node as origin.
// An op whose inputs are all constants is evaluated through its kernel and becomes an
// initializer instead, so constant weights arrive in the body already transposed and summed.
class RnnBuilder {
 public:
  RnnBuilder(Graph& graph, const Model& model, const Node& origin, std::string prefix);

  Graph& graph() { return graph_; }
  int64_t opset() const { return opset_; }

  absl::StatusOr<Value*> Op(const std::string& op_type, const std::vector<Value*>& inputs,
                            const std::string& role, AttrList attrs = {});
  absl::StatusOr<std::vector<Value*>> OpN(const std::string& op_type,
                                          const std::vector<Value*>& inputs, int num_outputs,
                                          const std::string& role, AttrList attrs = {});
  absl::StatusOr<Value*> Const(const std::string& role, Tensor data);
  absl::StatusOr<Value*> Int64s(const std::string& role, std::vector<int64_t> values);

  // t[index] along `axis` (the axis is removed).
  absl::StatusOr<Value*> Take(Value* t, int64_t index, int64_t axis, const std::string& role);
  absl::StatusOr<Value*> Reshape(Value* t, std::vector<int64_t> shape, const std::string& role);
  // [M, N] -> [N, M].
  absl::StatusOr<Value*> Transpose(Value* t, const std::string& role);
  absl::StatusOr<Value*> Unsqueeze(Value* t, int64_t axis, const std::string& role);
  // `n` equal parts along `axis`.
  absl::StatusOr<std::vector<Value*>> SplitEqual(Value* t, int64_t axis, int n,
                                                 const std::string& role);
  // min(max(t, -bound), bound).
  absl::StatusOr<Value*> ClipSymmetric(Value* t, float bound, const std::string& role);
  absl::StatusOr<Value*> Activation(const RnnActivation& act, Value* t, const std::string& role);

 private:
  Graph& graph_;
  const Model& model_;
  const Node& origin_;
  std::string prefix_;
  int64_t opset_;
};

// What a lowering needs to know about one LSTM/GRU node, checked by AnalyzeRnn.
struct RnnNodeInfo {
  Node* node = nullptr;
  RnnAttrs attrs;
  int gates = 4;         // 4 for LSTM, 3 for GRU
  bool has_cell = true;  // LSTM
  int64_t hidden = 0;
  int64_t input = 0;
  Dim seq, batch;        // of X
  Value* x = nullptr;
  Value* w = nullptr;
  Value* r = nullptr;
  Value* b = nullptr;          // optional
  Value* initial_h = nullptr;  // optional
  Value* initial_c = nullptr;  // optional (LSTM)
  Value* peepholes = nullptr;  // optional (LSTM)
  std::vector<bool> needed;    // per node output: present and read
};

// Kind-specific part of a lowering.
struct RnnKind {
  const char* op_type;               // "LSTM" / "GRU"
  int gates;                         // 4 / 3
  bool has_cell;                     // LSTM
  std::vector<std::string> default_activations;  // per direction
};

// The node's lowering description, or nullopt when no output of the node is read (nothing to
// do). A FailedPrecondition status explains why the node cannot be lowered (a warning).
absl::StatusOr<std::optional<RnnNodeInfo>> AnalyzeRnn(Node& node, const Model& model,
                                                      const RnnKind& kind);

// The body-side values of one direction's step: inputs and the outer values it may read.
struct RnnStepInputs {
  Value* h = nullptr;  // [B, H]
  Value* c = nullptr;  // [B, H] (LSTM)
  Value* x = nullptr;  // [B, I]
};
// Builds the step in `body` from `in`; returns the new states [h, (c)].
using RnnStepBuilder =
    std::function<absl::StatusOr<std::vector<Value*>>(RnnBuilder& body, const RnnStepInputs& in)>;

// A body-side reference to an outer-graph value (an outer-scope reference of the body).
absl::StatusOr<Value*> OuterRef(Graph& body, Value* outer);

// The outer graph's per-direction view of W / R / B / P and of the initial states.
struct RnnDirectionOuter {
  Value* wt = nullptr;  // W_d transposed [I, G*H]
  Value* r = nullptr;   // R_d [G*H, H] (callers slice and transpose it)
  Value* b = nullptr;   // B_d reshaped [2, G, H] (Wb; Rb), or nullptr
  Value* p = nullptr;   // P_d reshaped [3, H], or nullptr
  Value* h0 = nullptr;  // [B, H]
  Value* c0 = nullptr;  // [B, H] (LSTM)
};
// `zeros` [B, H] stands in for a missing initial state.
absl::StatusOr<RnnDirectionOuter> DirectionOuterValues(RnnBuilder& outer, const RnnNodeInfo& info,
                                                       int direction, Value* zeros);

// Lowers `info.node`: per direction, `make_step` prepares what the step needs in the outer graph
// (from the direction's W/R/B/P views) and returns the builder of the Scan body's step; then Y /
// Y_h / Y_c are reassembled from the Scans and replace the node's outputs.
using RnnStepFactory = std::function<absl::StatusOr<RnnStepBuilder>(
    RnnBuilder& outer, const RnnDirectionOuter& dir, int direction)>;
absl::Status LowerRnn(Graph& graph, const Model& model, const RnnNodeInfo& info,
                      const RnnStepFactory& make_step);

// Drives a lowering pass over one graph: every node of `kind` is analysed and lowered, or left
// with a warning naming it.
absl::StatusOr<bool> LowerRnnNodes(
    Graph& graph, PassContext& ctx, const RnnKind& kind, absl::string_view pass_name,
    const std::function<absl::StatusOr<RnnStepBuilder>(
        const RnnNodeInfo& info, RnnBuilder& outer, const RnnDirectionOuter& dir, int direction)>&
        make_step);

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_RNN_LOWERING_H_
