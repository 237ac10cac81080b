#include "src/exec/frame_runner.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace finngl {

Tensor FrameOf(const Tensor& t, int64_t b) {
  Dims dims = t.dims();
  dims[0] = 1;
  Tensor frame(t.type(), dims);
  const size_t bytes = frame.byte_size();
  std::memcpy(frame.raw(), static_cast<const char*>(t.raw()) + b * bytes, bytes);
  return frame;
}

absl::StatusOr<Tensor> StackFrames(const std::vector<Tensor>& frames, const std::string& name) {
  Dims dims = frames.front().dims();
  if (dims.empty() || dims[0] != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "output '", name, "' has no leading batch dimension of 1; cannot run frame by frame"));
  }
  dims[0] = static_cast<int64_t>(frames.size());
  Tensor out(frames.front().type(), dims);
  const size_t bytes = frames.front().byte_size();
  for (size_t b = 0; b < frames.size(); ++b) {
    if (frames[b].byte_size() != bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("output '", name, "' changes size between frames"));
    }
    std::memcpy(static_cast<char*>(out.raw()) + b * bytes, frames[b].raw(), bytes);
  }
  return out;
}

absl::StatusOr<std::vector<Tensor>> RunFrames(Executor& executor,
                                              const std::vector<Tensor>& inputs) {
  const Graph& g = *executor.model().graph;
  const std::vector<std::string> names = executor.input_names();
  if (inputs.size() != names.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the model has ", names.size(),
                                                   " runtime inputs, ", inputs.size(), " given"));
  }
  int64_t batch = -1;
  bool split = !inputs.empty();
  for (size_t i = 0; i < inputs.size() && split; ++i) {
    const Value* declared = g.FindValue(names[i]);
    if (declared == nullptr) return executor.Run(inputs);
    const auto& shape = declared->type().shape;
    const bool batch_one = shape && !shape->empty() && shape->front().known() &&
                           shape->front().value == 1 &&
                           inputs[i].rank() == static_cast<int64_t>(shape->size());
    const int64_t given = inputs[i].rank() > 0 ? inputs[i].dim(0) : -1;
    if (!batch_one || given <= 1 || (batch >= 0 && given != batch)) split = false;
    batch = given;
  }
  if (!split) return executor.Run(inputs);
  std::vector<std::vector<Tensor>> per_output;
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<Tensor> frame;
    for (const Tensor& t : inputs) frame.push_back(FrameOf(t, b));
    absl::StatusOr<std::vector<Tensor>> out = executor.Run(frame);
    if (!out.ok()) return out.status();
    per_output.resize(out->size());
    for (size_t o = 0; o < out->size(); ++o) per_output[o].push_back(std::move((*out)[o]));
  }
  std::vector<Tensor> stacked;
  const std::vector<std::string> out_names = executor.output_names();
  for (size_t o = 0; o < per_output.size(); ++o) {
    absl::StatusOr<Tensor> s = StackFrames(per_output[o], out_names[o]);
    if (!s.ok()) return s.status();
    stacked.push_back(*std::move(s));
  }
  return stacked;
}

}  // namespace finngl
