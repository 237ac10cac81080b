// The folder: chooses PE/SIMD (and, where left "auto", the MVAU multiplier style) for every
// hardware layer so the network meets a target frame rate at a given clock, and/or a latency
// bound, at the lowest estimated cost inside a device budget (docs/hardware.md). Like FINN's
// SetFolding it works per layer from a cycle target, but it never proposes an illegal fold (only
// divisors are enumerated), it balances the whole pipeline to the achieved bottleneck (FINN's
// two-pass relaxation) and it checks the budget.
//
// Algorithm. For each layer, every legal option (PE x SIMD x resType) is costed with the layer
// model; the cost of an option is the sum over resources of usage / budget. For a per-layer cycle
// cap t, each layer takes its cheapest option with cycles <= t (its fastest if none): raising t
// can only make layers cheaper. The folder evaluates t over every achievable cycle count and
//  1. if some t meets the target (slowest layer <= target cycles, critical path <= latency bound)
//     within the budget, returns the cheapest such folding;
//  2. otherwise returns, among the foldings within budget, the one with the fewest cycles in its
//     slowest layer (cheapest among equals: every other layer relaxed to the bottleneck), and
//     says what binds: a layer whose PE/SIMD are at maximum, or a resource (with its largest
//     user) when the folding that would meet the target does not fit.
// A RecurrentLayer is folded through its body: its options are the body foldings obtained with a
// uniform per-step cap on the body's layers.
#ifndef FINNGL_SRC_HW_AUTO_FOLDER_H_
#define FINNGL_SRC_HW_AUTO_FOLDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/hw/device.h"
#include "src/hw/resources.h"
#include "src/ir/graph.h"

namespace finngl::hw {

struct FolderOptions {
  double clk_period_ns = 10.0;
  std::optional<double> target_fps;      // frames per second
  std::optional<double> max_latency_ns;  // bound on the critical path
  Device device;
  // Part of the budget the folder may use (headroom for the shell, DMA, FIFOs, routing).
  double budget_fraction = 1.0;
  // Let the folder choose lut/dsp for MVAUs whose resType is "auto" or unset.
  bool choose_res_type = true;
};

struct FolderReport {
  bool met = false;
  int64_t target_cycles = 0;  // per frame, from target_fps (0 if none)
  int64_t max_cycles = 0;     // achieved, slowest layer
  std::string max_cycles_node;
  int64_t critical_path_cycles = 0;
  Resources total;
  Resources budget;  // after budget_fraction
  // What limits the result when the target is not met (empty when met).
  std::vector<std::string> binding;
  // The chosen fold per layer, "MVAU_0: PE=4 SIMD=8 resType=lut" (body layers as "rec/node").
  std::vector<std::string> choices;
  std::string ToString() const;
};

// Folds the graph in place (top-level nodes must all be hardware layers) and reports.
absl::StatusOr<FolderReport> AutoFold(Graph& graph, const FolderOptions& options);

}  // namespace finngl::hw

#endif  // FINNGL_SRC_HW_AUTO_FOLDER_H_
