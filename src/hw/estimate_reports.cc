#include "src/hw/estimate_reports.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/base/status.h"

namespace finngl::hw {
namespace {

using nlohmann::json;

// A fraction of a LUT or a BRAM is a whole one on the device: every layer is rounded up, and
// the totals are the sums of the rounded layers, so the reports add up.
Resources RoundedUp(const Resources& r) {
  return Resources{std::ceil(r.lut), std::ceil(r.ff), std::ceil(r.bram18), std::ceil(r.uram),
                   std::ceil(r.dsp)};
}

json ResourcesJson(const Resources& r) {
  // Rounded up: a fraction of a LUT or a BRAM is a whole one on the device.
  return json{{"BRAM_18K", static_cast<int64_t>(std::ceil(r.bram18))},
              {"BRAM_efficiency", 1},
              {"LUT", static_cast<int64_t>(std::ceil(r.lut))},
              {"URAM", static_cast<int64_t>(std::ceil(r.uram))},
              {"URAM_efficiency", 1},
              {"DSP", static_cast<int64_t>(std::ceil(r.dsp))},
              {"FF", static_cast<int64_t>(std::ceil(r.ff))}};
}

std::string FoldString(const LayerEstimate& l) {
  if (l.pe == 0 && l.simd == 0) return "-";
  if (l.simd == 0) return absl::StrCat(l.pe, "/-");
  if (l.pe == 0) return absl::StrCat("-/", l.simd);
  return absl::StrCat(l.pe, "/", l.simd);
}

std::string Percent(double used, double budget) {
  if (budget <= 0) return used > 0 ? "n/a!" : "-";
  return absl::StrFormat("%.1f%%", 100.0 * used / budget);
}

absl::Status WriteJson(const std::filesystem::path& path, const json& j) {
  std::ofstream out(path);
  out << j.dump(2) << "\n";
  if (!out) return absl::InternalError(absl::StrCat("cannot write '", path.string(), "'"));
  return absl::OkStatus();
}

}  // namespace

EstimateReports MakeEstimateReports(const NetworkEstimate& net, double clk_period_ns,
                                    const Device* device) {
  EstimateReports r;
  r.layer_cycles = json::object();
  r.layer_resources = json::object();
  r.op_and_param_counts = json::object();
  json total_counts = json::object();
  std::map<std::string, int64_t> totals;
  Resources total;
  for (const LayerEstimate& l : net.layers) total += RoundedUp(l.res);
  for (const LayerEstimate& l : net.layers) {
    r.layer_cycles[l.name] = l.cycles;
    r.layer_resources[l.name] = ResourcesJson(l.res);
    json counts = json::object();
    for (const auto& [k, v] : l.counts) {
      counts[k] = v;
      totals[k] += v;
    }
    r.op_and_param_counts[l.name] = counts;
  }
  r.layer_resources["total"] = ResourcesJson(total);
  for (const auto& [k, v] : totals) total_counts[k] = v;
  r.op_and_param_counts["total"] = total_counts;
  r.network_performance = json{{"critical_path_cycles", net.critical_path_cycles},
                               {"max_cycles", net.max_cycles},
                               {"max_cycles_node_name", net.max_cycles_node_name},
                               {"estimated_throughput_fps", net.ThroughputFps(clk_period_ns)},
                               {"estimated_latency_ns", net.LatencyNs(clk_period_ns)},
                               // finngl's addition: layers overlapping (network_estimate.h)
                               {"pipelined_latency_cycles", net.pipelined_latency_cycles},
                               {"estimated_pipelined_latency_ns",
                                net.PipelinedLatencyNs(clk_period_ns)}};

  std::string& s = r.summary;
  size_t name_w = 5;
  for (const LayerEstimate& l : net.layers) name_w = std::max(name_w, l.name.size());
  const int w = static_cast<int>(name_w);
  auto line = [&](const std::string& a, const std::string& b, const std::string& c,
                  const std::string& d, const std::string& e, const std::string& f,
                  const std::string& g, const std::string& h) {
    s += absl::StrFormat("%-*s  %-28s %9s %12s %10s %8s %8s %6s\n", w, a, b, c, d, e, f, g, h);
  };
  line("layer", "op", "PE/SIMD", "cycles", "LUT", "FF", "BRAM18", "DSP");
  auto num = [](double v) { return absl::StrCat(static_cast<int64_t>(std::ceil(v))); };
  for (const LayerEstimate& l : net.layers) {
    line(l.name, l.op_type, FoldString(l), absl::StrCat(l.cycles),
                         num(l.res.lut), num(l.res.ff), num(l.res.bram18), num(l.res.dsp));
  }
  line("total", "", "", "", num(total.lut), num(total.ff),
                       num(total.bram18), num(total.dsp));
  if (device != nullptr) {
    line("budget", device->part, "", "", num(device->budget.lut),
                         num(device->budget.ff), num(device->budget.bram18),
                         num(device->budget.dsp));
    line("used", "", "", "", Percent(total.lut, device->budget.lut),
                         Percent(total.ff, device->budget.ff),
                         Percent(total.bram18, device->budget.bram18),
                         Percent(total.dsp, device->budget.dsp));
    if (total.uram > 0 || device->budget.uram > 0) {
      s += absl::StrFormat("URAM: %s of %s (%s)\n", num(total.uram), num(device->budget.uram),
                           Percent(total.uram, device->budget.uram));
    }
  }
  s += absl::StrFormat(
      "slowest layer %s: %d cycles/frame -> %.1f frames/s at %.3g ns; critical path %d cycles "
      "= %.1f ns (FINN's rule, no overlap); pipelined latency %d cycles = %.1f ns\n",
      net.max_cycles_node_name, net.max_cycles, net.ThroughputFps(clk_period_ns), clk_period_ns,
      net.critical_path_cycles, net.LatencyNs(clk_period_ns), net.pipelined_latency_cycles,
      net.PipelinedLatencyNs(clk_period_ns));
  return r;
}

absl::StatusOr<std::string> WriteEstimateReports(const Graph& graph, double clk_period_ns,
                                                 const Device* device,
                                                 const std::string& report_dir) {
  ASSIGN_OR_RETURN(NetworkEstimate net, EstimateNetwork(graph));
  EstimateReports r = MakeEstimateReports(net, clk_period_ns, device);
  std::error_code ec;
  std::filesystem::create_directories(report_dir, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create report directory '", report_dir, "': ", ec.message()));
  }
  const std::filesystem::path dir(report_dir);
  RETURN_IF_ERROR(WriteJson(dir / "estimate_layer_cycles.json", r.layer_cycles));
  RETURN_IF_ERROR(WriteJson(dir / "estimate_layer_resources.json", r.layer_resources));
  RETURN_IF_ERROR(WriteJson(dir / "estimate_network_performance.json", r.network_performance));
  RETURN_IF_ERROR(WriteJson(dir / "op_and_param_counts.json", r.op_and_param_counts));
  return r.summary;
}

}  // namespace finngl::hw
