// FINN folding configurations (JSON) read and written against a finngl graph (finn.md 1.2):
//   {"Defaults": {"ram_style": ["block", ["MVAU"]], "resType": ["lut", "all"]},
//    "MVAU_0": {"PE": 4, "SIMD": 8, "ram_style": "block", "resType": "dsp"}, ...}
// Nodes are keyed by name; nodes inside RecurrentLayer bodies by their own name too, or by
// "<recurrent node>/<body node>" when the plain name is not unique in the model (the writer uses
// that form only then). Defaults entries are [value, ["op", ...]] or [value, "all"] as in qonnx's
// ApplyConfig, and apply only to nodes whose op has that attribute.
#ifndef FINNGL_SRC_HW_FOLDING_CONFIG_H_
#define FINNGL_SRC_HW_FOLDING_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "src/ir/graph.h"

namespace finngl::hw {

// Applies a folding config. Errors (nothing is changed then): an unknown node name, a value of
// the wrong type, an unknown memory/multiplier style, an illegal fold (the legality message).
// Attributes finngl does not model (FINN's mem_mode, runtime_writeable_weights, ...) are skipped
// and reported in the returned warnings.
absl::StatusOr<std::vector<std::string>> ApplyFoldingConfig(Graph& graph,
                                                           const nlohmann::json& config);
absl::StatusOr<std::vector<std::string>> ApplyFoldingConfigFile(Graph& graph,
                                                               const std::string& path);

// The graph's current folding in the same format (every HW node that has folding or style
// attributes; FIFOs with their depth), "Defaults" empty.
nlohmann::json FoldingConfigOf(const Graph& graph);
absl::Status WriteFoldingConfigFile(const Graph& graph, const std::string& path);

}  // namespace finngl::hw

#endif  // FINNGL_SRC_HW_FOLDING_CONFIG_H_
