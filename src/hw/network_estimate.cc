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

absl::StatusOr<NetworkEstimate> EstimateNetwork(const Graph& graph) {
  ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
  NetworkEstimate net;
  std::map<const Node*, int64_t> done_at;
  for (const Node* node : order) {
    ASSIGN_OR_RETURN(LayerEstimate e, EstimateLayer(*node));
    int64_t start = 0;
    for (const Value* in : node->inputs()) {
      if (in == nullptr || in->producer() == nullptr) continue;
      const auto it = done_at.find(in->producer());
      if (it != done_at.end()) start = std::max(start, it->second);
    }
    const int64_t end = start + e.latency();
    done_at[node] = end;
    net.critical_path_cycles = std::max(net.critical_path_cycles, end);
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
