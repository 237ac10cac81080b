// Runs a batch-1 model (hardware graphs: one frame at a time, see set-batch-one) on inputs that
// hold several frames along axis 0, frame by frame, and stacks the per-frame outputs along axis 0.
// Models whose inputs accept the given batch are simply run once.
#ifndef FINNGL_SRC_EXEC_FRAME_RUNNER_H_
#define FINNGL_SRC_EXEC_FRAME_RUNNER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "src/exec/executor.h"

namespace finngl {

// Inputs and outputs in the executor's positional order. Splitting happens when every runtime
// input is declared with a leading dimension of 1 and all given inputs share a leading
// dimension B > 1; every per-frame output must then have a leading dimension of 1 (an output
// with its batch elsewhere, e.g. a Scan's [T, N, F], is an error naming it).
absl::StatusOr<std::vector<Tensor>> RunFrames(Executor& executor,
                                              const std::vector<Tensor>& inputs);

// Frame `b` of `t` (axis 0), with a leading dimension of 1.
Tensor FrameOf(const Tensor& t, int64_t b);
// Stacks tensors with a leading dimension of 1 along axis 0.
absl::StatusOr<Tensor> StackFrames(const std::vector<Tensor>& frames, const std::string& name);

}  // namespace finngl

#endif  // FINNGL_SRC_EXEC_FRAME_RUNNER_H_
