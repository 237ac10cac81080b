// Dataflow plan of a graph of HW layers: which streams connect which layer calls, with what beat
// width and FIFO depth, in what order the layers are called, and how the graph's inputs and
// outputs reach them. The top function (and each RecurrentLayer step) is printed from this plan.
//
// Rules: every HW node but StreamingFIFO has an emitter; a StreamingFIFO is no call of its own but
// the depth of the stream it sits on (depths of chained FIFOs add up; 2 otherwise). Every edge must
// carry the same beat width on both sides (src/hw inserts DWCs): otherwise an Internal error
// naming the edge. A stream has one reader: fan-out goes through DuplicateStreams.
#ifndef FINNGL_SRC_CODEGEN_DATAFLOW_H_
#define FINNGL_SRC_CODEGEN_DATAFLOW_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/codegen/layer_emitter.h"
#include "src/ir/graph.h"

namespace finngl::codegen {

// Hands out unique C identifiers (node functions, streams) deterministically, in request order.
class NameTable {
 public:
  std::string Unique(const std::string& base);

 private:
  std::set<std::string> used_;
};

struct PlannedStream {
  std::string name;   // C identifier
  int64_t width = 0;  // bits per beat
  int64_t depth = 2;
  int count = 0;      // > 0: an array of `count` streams (DuplicateStreams outputs)
  std::string comment;
};

struct PlannedLayer {
  const Node* node = nullptr;
  LayerContext ctx;
  std::vector<std::string> args;  // C expressions for its stream parameters, inputs then outputs
};

// A graph input or output and the stream that carries it inside the dataflow region.
struct PlannedPort {
  const Value* value = nullptr;
  std::string port;         // parameter name (in0, out0, ...)
  DataType dtype;           // element datatype
  int64_t fold = 0;         // elements per beat
  int64_t width = 0;        // beat width inside
  int64_t port_width = 0;   // width on the port (top: rounded up to a multiple of 8)
  std::vector<int64_t> frame_shape;
  int64_t beats_per_frame = 0;
  std::string inner;        // stream expression the layers use; == port when no adapter is needed
  bool adapter = false;     // a width/copy stage sits between port and inner
  int tee = -1;             // outputs: index into DataflowPlan::tees when the tensor is shared
};

// Several graph outputs that are the same tensor: one stream copied to each of their ports.
struct PlannedTee {
  std::string fn;           // name of the generated copy function
  std::string inner;        // the stream the producer writes
  int64_t width = 0;
  std::vector<int> outputs; // indices into DataflowPlan::outputs
  int64_t beats_per_frame = 0;
};

struct DataflowPlan {
  std::vector<PlannedPort> inputs;
  std::vector<PlannedPort> outputs;
  std::vector<PlannedStream> streams;
  std::vector<PlannedLayer> layers;  // in topological order
  std::vector<PlannedTee> tees;
};

struct PlanOptions {
  // Top-level ports are AXI-Stream words (multiples of 8 bits); recurrent step ports are internal
  // and keep the layer width.
  bool round_ports_to_bytes = true;
  // A frame is the whole tensor (graphs with a RecurrentLayer, whose sequences [T, 1, F] are one
  // frame each, and recurrent bodies); otherwise a frame is one index of the batch axis 0.
  bool whole_tensor_frames = false;
  // Prepended to layer function names (a recurrent body's layers live in its layer's file).
  std::string fn_prefix;
};

absl::StatusOr<DataflowPlan> PlanDataflow(const Graph& graph, NameTable& names,
                                          const PlanOptions& options);

// The frame shape of a value under the plan's frame convention.
absl::StatusOr<std::vector<int64_t>> PlanFrameShape(const Value& value, bool whole_tensor_frames);

// The emitter-derived interface of a HW node other than StreamingFIFO (error when none exists).
absl::StatusOr<LayerIo> NodeIo(const Node& node);

}  // namespace finngl::codegen

#endif  // FINNGL_SRC_CODEGEN_DATAFLOW_H_
