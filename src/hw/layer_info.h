// What finngl knows about each hardware layer for folding and costing (docs/hw_layers.md,
// finn.md 3): its folding attributes and their legality, the width of every stream it reads and
// writes, its expected cycles per frame (FINN get_exp_cycles), a pipeline depth, resources
// (LUT/FF/BRAM18/URAM/DSP from the FINN-R closed forms) and op/parameter counts in FINN's keys.
//
// Everything here is per frame (N = 1): reps = prod(numInputVectors). The models are analytical
// and uncalibrated; where finngl departs from FINN's formula the function comment says so. All
// estimates read node attributes only (weights are not inspected), except that the MVAU's
// threshold count comes from the thresholds initializer's shape.
#ifndef FINNGL_SRC_HW_LAYER_INFO_H_
#define FINNGL_SRC_HW_LAYER_INFO_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/hw/resources.h"
#include "src/ir/graph.h"

namespace finngl::hw {

struct LayerEstimate {
  std::string name;
  std::string op_type;
  int64_t pe = 0;    // 0 when the op has no PE attribute
  int64_t simd = 0;  // 0 when the op has no SIMD attribute
  // Per node input / output index: bits per beat of that stream, 0 for an input that is not a
  // stream (an initializer or an omitted optional input).
  std::vector<int64_t> in_widths;
  std::vector<int64_t> out_widths;
  // Beats per frame on each stream (same indexing; 0 for non-streams).
  std::vector<int64_t> in_beats;
  std::vector<int64_t> out_beats;
  // Initiation-interval-bound cycles per frame (what limits throughput).
  int64_t cycles = 0;
  // Pipeline depth: cycles from the last input beat to the last output beat beyond `cycles`.
  int64_t depth = 0;
  int64_t latency() const { return cycles + depth; }
  // For the pipelined latency (network_estimate.h): the cycles of one unit of work (an output
  // vector of an MVAU or Thresholding, an output row of a sliding window or pool, a time step
  // of a recurrent layer, a beat of a FIFO), and the cycles spent filling buffers before the
  // first unit can start. unit_cycles 0 means "the whole frame" (no overlap assumed).
  int64_t unit_cycles = 0;
  int64_t fill_cycles = 0;
  int64_t UnitCycles() const { return unit_cycles > 0 ? unit_cycles : cycles; }
  Resources res;
  // FINN's op_and_param_counts keys (op_mac_4bx8b, param_weight_4b, param_threshold_16b, ...).
  std::map<std::string, int64_t> counts;
};

// Whether the node is a hardware layer (domain finn.custom_op.fpgadataflow).
bool IsHwNode(const Node& node);
// Whether finngl has a cost model for this HW op type.
bool IsKnownHwOp(const std::string& op_type);

// The folding attributes of an op type: {"PE"}, {"SIMD"}, {"PE", "SIMD"} or {} (DWC, FIFO,
// RecurrentLayer, whose folding lives in its body).
std::vector<std::string> FoldingAttrs(const std::string& op_type);
// The value a folding attribute must divide (MW for an MVAU's SIMD, MH for its PE, channels
// otherwise); InvalidArgument naming the node if its attributes are missing.
absl::StatusOr<int64_t> FoldingBound(const Node& node, const std::string& attr);
// The legal values of a folding attribute: the divisors of FoldingBound, ascending.
absl::StatusOr<std::vector<int64_t>> LegalFoldValues(const Node& node, const std::string& attr);

// Checks the node's folding: every folding attribute present, positive and dividing its bound.
// Errors read "node 'MVAU_0' (MVAU): MH=64 is not divisible by PE=5".
absl::Status CheckFolding(const Node& node);

// The full estimate of one layer (checks folding first). A RecurrentLayer's cycles are
// T x (critical path of one body step + kRecurrentStepOverhead) + kRecurrentFillDrain, its
// resources the sum over its body's layers, its op counts the body's ops times T.
absl::StatusOr<LayerEstimate> EstimateLayer(const Node& node);

// Per step, a recurrent layer reads its states from on-chip arrays and writes them back.
inline constexpr int64_t kRecurrentStepOverhead = 2;
// Loading the initial state and handing the last outputs on.
inline constexpr int64_t kRecurrentFillDrain = 8;

// FINN-R's BRAM18 count for a memory of `depth` words of `width` bits (finn.md 3.2).
int64_t BramCount(int64_t depth, int64_t width);
// URAM count for such a memory (72 x 4096 blocks).
int64_t UramCount(int64_t depth, int64_t width);

}  // namespace finngl::hw

#endif  // FINNGL_SRC_HW_LAYER_INFO_H_
