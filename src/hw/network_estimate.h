// Whole-graph performance and resource estimate of a dataflow graph of hardware layers (FINN's
// dataflow_performance and res_estimation analyses, finn.md 1.4): every layer's estimate, the
// slowest layer (throughput), the critical path (latency) and the resource totals.
//
// The critical path follows FINN's pessimistic rule (a layer starts when its slowest producer has
// finished: latency_at_output(n) = latency(n) + max over producers), but counts each layer's
// cycles plus its pipeline depth, so that recurrent steps built from short layers are not
// underestimated.
//
// The pipelined latency is finngl's estimate of the time from a frame's first input beat to its
// last output beat when the layers overlap, as streaming layers do: a layer starts once every
// producer has delivered its first unit of work (LayerEstimate::unit_cycles), delivers its own
// first unit fill + unit + depth cycles later, and finishes neither before start + latency nor
// before one more unit (plus depth) after its last producer finished. Analytical, like the
// rest: a layer needing more than one producer unit before its first output is undercounted by
// the difference, one needing the whole frame (LabelSelect) is counted exactly.
#ifndef FINNGL_SRC_HW_NETWORK_ESTIMATE_H_
#define FINNGL_SRC_HW_NETWORK_ESTIMATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/hw/layer_info.h"
#include "src/hw/resources.h"
#include "src/ir/graph.h"

namespace finngl::hw {

struct NetworkEstimate {
  std::vector<LayerEstimate> layers;  // topological order
  int64_t critical_path_cycles = 0;
  int64_t pipelined_latency_cycles = 0;
  int64_t max_cycles = 0;
  std::string max_cycles_node_name;
  Resources total;

  // FINN's estimated_throughput_fps = fclk / max_cycles and estimated_latency_ns.
  double ThroughputFps(double clk_period_ns) const;
  double LatencyNs(double clk_period_ns) const;
  double PipelinedLatencyNs(double clk_period_ns) const;
};

// Estimates every node of `graph` (all must be hardware layers; the error names the first that
// is not, or whose folding is illegal).
absl::StatusOr<NetworkEstimate> EstimateNetwork(const Graph& graph);

}  // namespace finngl::hw

#endif  // FINNGL_SRC_HW_NETWORK_ESTIMATE_H_
