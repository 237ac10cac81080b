// Runs a batch-1 model (hardware graphs: one frame at a time, see set-batch-one) on inputs that
// hold several frames, frame by frame, and stacks the per-frame outputs. Models whose inputs
// accept the given batch are simply run once.
//
// Where the frames are. A model input declared with a known 1 at axis a (the batch axis of one
// frame) holds B > 1 frames along a when the given tensor has the declared rank, B at axis a and
// the declared size at every other known axis: [B, F] for a declared [1, F]; [T, B, F] for a
// time-major sequence declared [T, 1, F] (ONNX LSTM and Brevitas' QuantLSTM with
// batch_first=False); [B, T, F] for a batch-first [1, T, F]. At most one axis can qualify (a
// second declared 1 must then be given as 1), so the split is never ambiguous; FrameAxis finds it.
//
// Where the outputs go. Per-frame outputs are stacked along the inputs' batch axis when all
// inputs share it and the per-frame output has a 1 there, and otherwise along the output's first
// axis of size 1. For a time-major LSTM (inputs split along axis 1) the sequence Y [T, 1, H]
// becomes [T, B, H] and the final states [1, 1, H] become [1, B, H], as the batched model
// returns them; a final state [1, H] becomes [B, H]. For inputs split along axis 0 every output
// with a leading 1 is stacked along axis 0, as before. An output with no axis of size 1 (e.g. a
// flattened [F]) cannot be stacked: an error naming it.
#ifndef FINNGL_SRC_EXEC_FRAME_RUNNER_H_
#define FINNGL_SRC_EXEC_FRAME_RUNNER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/exec/executor.h"
#include "src/ir/graph.h"
#include "src/ir/tensor.h"

namespace finngl {

// The axis along which `given` holds B > 1 frames of a model input declared `declared` (see the
// file comment), or nullopt when it does not (a single frame, a batch the model accepts as it is,
// or a shape that does not fit).
std::optional<int64_t> FrameAxis(const std::optional<Shape>& declared, const Dims& given);

// The axis along which per-frame outputs of dims `frame` are stacked when the inputs' frames lie
// along `input_axis` (nullopt: the inputs do not share one); nullopt when `frame` has no 1.
std::optional<int64_t> OutputFrameAxis(const Dims& frame, std::optional<int64_t> input_axis);

// Inputs and outputs in the executor's positional order. Splitting happens when every runtime
// input holds frames (FrameAxis) and all hold the same number B > 1. When some inputs hold frames
// and others do not, or the counts differ, the error names them (the batch-1 model could not run
// them either).
absl::StatusOr<std::vector<Tensor>> RunFrames(Executor& executor,
                                              const std::vector<Tensor>& inputs);

// Where the frames lie in a run's inputs and outputs (the rules above).
struct FrameSplit {
  int64_t count = 0;                // B
  std::vector<int64_t> input_axes;  // per input
  std::optional<int64_t> common;    // the input axis when all inputs share it

  // The axis the frames of an output with per-frame dims `frame` are stacked along.
  std::optional<int64_t> OutputAxis(const Dims& frame) const {
    return OutputFrameAxis(frame, common);
  }
};

// How RunFrames splits `inputs` (positional, named `names`) of the model `graph`: nullopt when
// they are run as given, an error naming the inputs when only some hold frames or their counts
// differ. For callers that move frames elsewhere (the build's C simulation streams them one
// after the other: FramesFirst, FramesAlong).
absl::StatusOr<std::optional<FrameSplit>> FindFrames(const Graph& graph,
                                                     const std::vector<std::string>& names,
                                                     const std::vector<Tensor>& inputs);

// Frame `b` of `t` along `axis`, with a dimension of 1 there.
Tensor FrameOf(const Tensor& t, int64_t b, int64_t axis = 0);
// Stacks tensors with a dimension of 1 at `axis` along that axis; `name` names the output in
// errors.
absl::StatusOr<Tensor> StackFrames(const std::vector<Tensor>& frames, const std::string& name,
                                   int64_t axis = 0);

// The frames of `t` along `axis`, one after the other: dims [B, frame dims...] (a frame's dims
// have a 1 at `axis`). The order a streaming accelerator consumes them in.
Tensor FramesFirst(const Tensor& t, int64_t axis);
// The inverse: `frames_first` holds B frames one after the other (any dims, B * frame elements);
// returns them stacked along `axis` of `dims` (dims[axis] is B).
absl::StatusOr<Tensor> FramesAlong(const Tensor& frames_first, const Dims& dims, int64_t axis);

}  // namespace finngl

#endif  // FINNGL_SRC_EXEC_FRAME_RUNNER_H_
