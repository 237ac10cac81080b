// Shared by the QONNX -> FINN-ONNX passes (fold-quant-weights, quant-act-to-multithreshold,
// activation-to-multithreshold, trunc-to-multithreshold): reading the constant parameters of a
// quantizer, finding the channel axis a scale tensor varies along, enumerating the finitely many
// values a quantized tensor can hold, and building the FINN-ONNX replacement chain
//
//   y = Mul(Add(MultiThreshold(x, T), bias), scale)        (Add omitted for bias 0, Mul for 1)
//
// together with a check that runs the chain through the op kernels (MultiThreshold, Add, Mul) on
// probe inputs and compares it with what the replaced nodes compute there. Every conversion pass
// places its thresholds first and then proves them with that check before touching the graph, so
// a threshold that is off by one ulp is never committed.
#ifndef FINNGL_SRC_PASSES_QUANT_THRESHOLDS_H_
#define FINNGL_SRC_PASSES_QUANT_THRESHOLDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"
#include "src/ops/rounding.h"

namespace finngl {

// Removes the initializers among `values` that nothing reads any more (the parameters of a
// replaced quantizer). Values listed twice are removed once.
absl::Status RemoveUnusedConstants(Graph& graph, const std::vector<Value*>& values);

// Whether `node` is a QONNX Quant, IntQuant or BipolarQuant.
bool IsQuantizer(const Node& node);

// The constant parameters of a Quant / IntQuant / BipolarQuant.
struct QuantizerParams {
  bool bipolar_op = false;          // BipolarQuant
  const Tensor* scale = nullptr;
  const Tensor* zeropt = nullptr;   // nullptr for BipolarQuant
  const Tensor* bits = nullptr;     // nullptr for BipolarQuant
  int64_t bit_width = 1;
  bool is_signed = true;
  bool narrow = false;
  RoundingMode mode = RoundingMode::kHalfEven;
  // The integer levels, lo..hi; a bipolar quantizer (BipolarQuant, or signed 1-bit Quant) gives
  // only -1 and +1.
  int64_t lo = 0;
  int64_t hi = 0;
  bool bipolar() const { return bipolar_op || (is_signed && bit_width == 1); }
  // INT<b> / UINT<b>, BIPOLAR for bipolar quantizers, BINARY for unsigned 1-bit (narrow is not
  // encoded, as in qonnx).
  DataType IntegerType() const;
};

// Reads the parameters of a quantizer whose scale, zero point and bit width are constants with an
// integral bit width in [1, 32]. Otherwise nullopt, with the reason in `why_not`.
std::optional<QuantizerParams> ReadQuantizerParams(const Node& node, std::string* why_not);

// Where a parameter tensor varies when it broadcasts against data of rank `rank`: nowhere
// (axis -1, per tensor) or along one axis with `channels` entries.
struct ChannelParam {
  int64_t axis = -1;
  int64_t channels = 1;
};
// nullopt when the parameter varies along several axes or has more dims than the data.
std::optional<ChannelParam> ChannelOfParam(const Tensor& param, int64_t rank);
// The common channel axis of two parameters: equal, or one of them per tensor.
std::optional<ChannelParam> CombineChannels(const ChannelParam& a, const ChannelParam& b);
// Element `c` of a parameter that varies along at most one axis (element 0 of a one-element one).
double ChannelValue(const Tensor& param, int64_t c);

// The data_layout of a MultiThreshold whose channels lie on `axis` of rank-`rank` data ("NCHW" for
// rank 4 and axis 1, "NC" for rank 2 and axis 1, "NHWC" for axis 3 of 4, ...); axis -1 (per-tensor
// thresholds) takes axis 1. Other ranks get letters from "NDHW" with 'C' on the channel axis.
std::string ThresholdLayout(int64_t rank, int64_t axis);

// A tensor of rank `rank` that is 1 everywhere except `axis` (size = per_channel.size()), holding
// per-channel values; a rank-0 scalar when the values are all equal.
Tensor ChannelTensor(const std::vector<double>& per_channel, int64_t rank, int64_t axis);

// Probe tensors: rank `rank`, channel c on `ch.axis` (size ch.channels; per tensor: one channel),
// sample m on another axis; every other dim is 1. They broadcast against per-channel parameters
// like the data does.
Tensor MakeProbe(const std::vector<std::vector<float>>& values, int64_t rank,
                 const ChannelParam& ch);
// Element (c, m) of a probe-shaped tensor with `samples` samples per channel.
int64_t ProbeIndex(int64_t rank, const ChannelParam& ch, int64_t samples, int64_t c, int64_t m);

// The FINN-ONNX chain that replaces a quantizer: MultiThreshold -> Add(bias) -> Mul(scale).
struct ThresholdChain {
  Tensor thresholds;  // float32 [C or 1, N], rows ascending
  DataType count_type = DataType::Float32();  // out_dtype of the MultiThreshold
  float out_scale = 1.0f;
  float out_bias = 0.0f;
  std::string layout;
  std::optional<Tensor> bias;   // Add operand, broadcasting against the data
  std::optional<Tensor> scale;  // Mul operand
};

// Runs the chain on `input` through the kernels of MultiThreshold, Add and Mul.
absl::StatusOr<Tensor> EvaluateChain(const ThresholdChain& chain, const Tensor& input,
                                     const Model& model);

// Runs `node` with `probe` as its input `runtime_index` and its constant inputs elsewhere.
absl::StatusOr<Tensor> EvaluateOnProbe(const Node& node, int runtime_index, const Tensor& probe,
                                       const Model& model);

// Whether `a` and `b` have the same dims and numerically equal elements (NaN equals NaN, -0
// equals 0). On a difference, `where` describes the first one.
bool SameValues(const Tensor& a, const Tensor& b, std::string* where);

// Inserts the chain reading `input`; nodes are named after `replaced` and remember its origin.
// Returns the chain's last value (a fresh value, for SubstituteNode).
absl::StatusOr<Value*> InsertChain(Graph& graph, const Node& replaced, Value* input,
                                   ThresholdChain chain);

// The values a tensor can hold, when there are finitely many per channel.
struct KnownLevels {
  int64_t rank = 0;
  ChannelParam channels;
  std::vector<std::vector<float>> values;  // per channel (one row if per tensor), ascending
};

// The levels of `value` when it is produced by
//  - a Quant / IntQuant / BipolarQuant with constant parameters and zero point 0 (its kernel is
//    run on inputs that reach every integer level), or
//  - a MultiThreshold with constant thresholds, optionally followed by an Add and then a Mul with
//    constant per-tensor or per-channel operands (a quantizer already converted),
// with at most `max_levels` values per channel. nullopt otherwise, with the reason in `why_not`.
absl::StatusOr<std::optional<KnownLevels>> LevelsOf(const Value& value, const Model& model,
                                                    int64_t max_levels, std::string* why_not);

// The level rows for the channels `ch` of rank-`rank` data: one row per channel (the levels'
// own rows, or their single row repeated when they are per tensor), each padded to the width of
// the longest by repeating its last value. Requires the levels' channels to combine with `ch`.
std::vector<std::vector<float>> LevelRows(const KnownLevels& levels, const ChannelParam& ch);

// Turns a monotone map over known levels into a chain. `rows` are the input's levels (LevelRows,
// probed with MakeProbe(rows, rank, ch)); `outputs` is what the replaced nodes compute on that
// probe; `unit` is the output quantizer's scale, per tensor or along ch.axis, and becomes the Mul
// operand. Output level = output / unit must be an integer that never decreases along the levels.
// Threshold j of a channel is the smallest level whose output level is at least j above the
// output level of the lowest input level, which becomes the bias. nullopt (with `why_not`) when
// the map decreases somewhere, is off the unit's grid or is constant. The caller verifies the
// chain with EvaluateChain on the same probe before using it.
std::optional<ThresholdChain> ChainFromLevelTable(const std::vector<std::vector<float>>& rows,
                                                  int64_t rank, const ChannelParam& ch,
                                                  const Tensor& outputs, const Tensor& unit,
                                                  std::string* why_not);

// The common channel axis of `levels` and of every constant input of the `path` nodes, for data of
// the levels' rank; nullopt when they vary along different axes, or when the channel count does
// not match `data`'s known dim on that axis.
std::optional<ChannelParam> PathChannels(const KnownLevels& levels,
                                         const std::vector<const Node*>& path, const Value& data);

// The chain that reproduces `path` (elementwise nodes applied in order, each reading the previous
// result at input 0 and constants elsewhere) on every value in `levels`, with `unit` (the last
// node's output scale) as Mul operand: built by ChainFromLevelTable and verified through the
// kernels on every level. nullopt with `why_not` when the path is not monotone over the levels or
// the chain does not reproduce it exactly.
absl::StatusOr<std::optional<ThresholdChain>> ChainOverLevels(const KnownLevels& levels,
                                                              const ChannelParam& ch,
                                                              const std::vector<const Node*>& path,
                                                              const Tensor& unit,
                                                              const Model& model,
                                                              std::string* why_not);

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_QUANT_THRESHOLDS_H_
