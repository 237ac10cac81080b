// The dataflow partition: which part of the converted graph becomes the accelerator.
//
// After convert-to-hw the graph is host work (typically the float input quantizer and layout
// transpose in front, the float output scale/bias behind), then a connected region of hardware
// layers. The region must be convex - no path may leave it and come back - because the
// accelerator is one streaming pipeline; what lies outside is reported by name and runs on the
// host (the driver side). The model is cut into three standalone models: pre (graph inputs ->
// accelerator inputs), hw (the accelerator) and post (accelerator outputs -> graph outputs), so
// each can be executed and the generated C++ compared with exactly the part it implements.
#ifndef FINNGL_SRC_FLOW_PARTITION_H_
#define FINNGL_SRC_FLOW_PARTITION_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"

namespace finngl::flow {

// Reshape/Flatten/Squeeze/Unsqueeze between hardware layers that remove-stream-reshapes had to
// keep (the readers' shapes depend on them) become StreamingDataWidthConverters whose `shape`
// attribute carries the reshape: the stream itself is unchanged. Returns how many.
absl::StatusOr<int> ConvertStreamReshapes(Graph& graph);

struct DataflowPartition {
  std::vector<std::string> hw_inputs;   // values entering the accelerator
  std::vector<std::string> hw_outputs;  // values leaving it
  std::vector<std::string> host_nodes;  // "name (op)" of every node outside it
  std::unique_ptr<Model> pre;   // nullptr when the graph inputs feed the accelerator directly
  std::unique_ptr<Model> hw;
  std::unique_ptr<Model> post;  // nullptr when the accelerator's outputs are the graph outputs
};

absl::StatusOr<DataflowPartition> CreateDataflowPartition(const Model& model);

// A standalone copy of the part of `model` that computes `outputs` from `inputs` (value names);
// InvalidArgument if the outputs need a graph input that is not among `inputs`.
absl::StatusOr<std::unique_ptr<Model>> ExtractSubmodel(const Model& model,
                                                       const std::vector<std::string>& inputs,
                                                       const std::vector<std::string>& outputs);

}  // namespace finngl::flow

#endif  // FINNGL_SRC_FLOW_PARTITION_H_
