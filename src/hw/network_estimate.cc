#include "src/hw/network_estimate.h"

#include <algorithm>
#include <map>

#include "src/base/status.h"

namespace finngl::hw {

double NetworkEstimate::ThroughputFps(double clk_period_ns) const {
  if (max_cycles <= 0) return 0;
  return 1e9 / clk_period_ns / static_cast<double>(max_cycles);
}

double NetworkEstimate::LatencyNs(double clk_period_ns) const {
  return static_cast<double>(critical_path_cycles) * clk_period_ns;
}

double NetworkEstimate::PipelinedLatencyNs(double clk_period_ns) const {
  return static_cast<double>(pipelined_latency_cycles) * clk_period_ns;
}

absl::StatusOr<NetworkEstimate> EstimateNetwork(const Graph& graph) {
  ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
  NetworkEstimate net;
  std::map<const Node*, int64_t> done_at;
  struct Pipelined {
    int64_t first_out = 0;  // when the first unit of output is out
    int64_t done = 0;       // when the last output beat is out
  };
  std::map<const Node*, Pipelined> pipelined;
  for (const Node* node : order) {
    ASSIGN_OR_RETURN(LayerEstimate e, EstimateLayer(*node));
    int64_t start = 0, p_start = 0, p_last_in = 0;
    for (const Value* in : node->inputs()) {
      if (in == nullptr || in->producer() == nullptr) continue;
      const auto it = done_at.find(in->producer());
      if (it != done_at.end()) start = std::max(start, it->second);
      const auto p = pipelined.find(in->producer());
      if (p != pipelined.end()) {
        p_start = std::max(p_start, p->second.first_out);
        p_last_in = std::max(p_last_in, p->second.done);
      }
    }
    const int64_t end = start + e.latency();
    done_at[node] = end;
    net.critical_path_cycles = std::max(net.critical_path_cycles, end);
    Pipelined& pl = pipelined[node];
    pl.first_out = p_start + e.fill_cycles + e.UnitCycles() + e.depth;
    pl.done = std::max(p_start + e.latency(), p_last_in + e.UnitCycles() + e.depth);
    net.pipelined_latency_cycles = std::max(net.pipelined_latency_cycles, pl.done);
    if (e.cycles > net.max_cycles || net.max_cycles_node_name.empty()) {
      if (e.cycles >= net.max_cycles) {
        net.max_cycles = e.cycles;
        net.max_cycles_node_name = e.name;
      }
    }
    net.total += e.res;
    net.layers.push_back(std::move(e));
  }
  return net;
}

}  // namespace finngl::hw
