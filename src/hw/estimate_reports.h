// FINN's estimate reports (finn.md 1.3) for a dataflow graph of hardware layers, plus a
// human-readable summary table:
//   estimate_layer_cycles.json        {"<node>": cycles, ...}
//   estimate_layer_resources.json     {"<node>": {"BRAM_18K", "BRAM_efficiency", "LUT", "URAM",
//                                      "URAM_efficiency", "DSP", "FF"}, ..., "total": {...}}
//   estimate_network_performance.json {critical_path_cycles, max_cycles, max_cycles_node_name,
//                                      estimated_throughput_fps, estimated_latency_ns}
//   op_and_param_counts.json          {"<node>": {"op_mac_4bx8b": n, ...}, ..., "total": {...}}
// Efficiencies are not modelled (reported as 1, FINN's value when no block memory is used).
#ifndef FINNGL_SRC_HW_ESTIMATE_REPORTS_H_
#define FINNGL_SRC_HW_ESTIMATE_REPORTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "src/hw/device.h"
#include "src/hw/network_estimate.h"
#include "src/ir/graph.h"

namespace finngl::hw {

struct EstimateReports {
  nlohmann::json layer_cycles;
  nlohmann::json layer_resources;
  nlohmann::json network_performance;
  nlohmann::json op_and_param_counts;
  std::string summary;  // the table
};

// Builds the reports from an estimate; `device` (may be null) adds the budget rows.
EstimateReports MakeEstimateReports(const NetworkEstimate& net, double clk_period_ns,
                                    const Device* device);

// Estimates `graph` and writes the four JSON files into `report_dir` (created if needed).
// Returns the summary table.
absl::StatusOr<std::string> WriteEstimateReports(const Graph& graph, double clk_period_ns,
                                                 const Device* device,
                                                 const std::string& report_dir);

}  // namespace finngl::hw

#endif  // FINNGL_SRC_HW_ESTIMATE_REPORTS_H_
