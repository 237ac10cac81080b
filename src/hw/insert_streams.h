// Stream plumbing after folding (finn.md 4.3): StreamingDataWidthConverter where a producer's
// beat width differs from its consumer's, and StreamingFIFO between hardware layers. Both run on
// the graph and, recursively, inside RecurrentLayer bodies.
//
// FIFO depth rule (finngl's, analytical, no simulation):
//   depth = max(kMinFifoDepth,
//               rate backlog:   B * (1 - Cp / Cc) when the consumer is slower (Cc > Cp),
//               join skew:      for a consumer with several stream inputs, the beats this input's
//                               producer emits while the latest-arriving input is still on its way:
//                               (start_latest - start_this) * B / Cp)
//   capped at B (a whole frame of beats on that edge) and at max_depth, where B = beats per frame
//   on the edge, Cp / Cc = producer / consumer cycles per frame and start = the critical-path
//   arrival time of the producer's first beat (network_estimate.h). The backlog lets a fast
//   producer finish its frame without stalling; the skew keeps reconvergent paths (fork -> long
//   and short branch -> join) from deadlocking.
#ifndef FINNGL_SRC_HW_INSERT_STREAMS_H_
#define FINNGL_SRC_HW_INSERT_STREAMS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"

namespace finngl::hw {

inline constexpr int64_t kMinFifoDepth = 2;

// Inserts a StreamingDataWidthConverter on every HW-to-HW edge whose widths differ. Returns the
// number inserted.
absl::StatusOr<int> InsertDataWidthConverters(Graph& graph);

struct FifoOptions {
  // Use the depth rule above; false: every FIFO gets kMinFifoDepth.
  bool size_by_rate = true;
  int64_t max_depth = 32768;  // the AXI-Stream FIFO IP's limit
};

// Inserts a StreamingFIFO on every HW-to-HW edge (run InsertDataWidthConverters first: the two
// sides of an edge must have the same beat width). Returns the number inserted.
absl::StatusOr<int> InsertFifos(Graph& graph, const FifoOptions& options = {});

}  // namespace finngl::hw

#endif  // FINNGL_SRC_HW_INSERT_STREAMS_H_
