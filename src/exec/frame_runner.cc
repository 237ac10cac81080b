#include "src/exec/frame_runner.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"
#include "src/ir/element_type.h"
#include "src/ops/scan_layout.h"

namespace finngl {
namespace {

std::string DimsText(const Dims& dims) { return absl::StrCat("[", absl::StrJoin(dims, ", "), "]"); }

}  // namespace

std::optional<int64_t> FrameAxis(const std::optional<Shape>& declared, const Dims& given) {
  if (!declared || declared->size() != given.size()) return std::nullopt;
  std::optional<int64_t> axis;
  for (size_t d = 0; d < given.size(); ++d) {
    const Dim& want = (*declared)[d];
    if (!want.known() || want.value == given[d]) continue;
    // The first mismatch may be the batch axis; any other mismatch means the tensor is not a
    // stack of frames of this input (and then no axis qualifies).
    if (want.value == 1 && given[d] > 1 && !axis) {
      axis = static_cast<int64_t>(d);
      continue;
    }
    return std::nullopt;
  }
  return axis;
}

std::optional<int64_t> OutputFrameAxis(const Dims& frame, std::optional<int64_t> input_axis) {
  if (input_axis && *input_axis < static_cast<int64_t>(frame.size()) && frame[*input_axis] == 1) {
    return input_axis;
  }
  for (size_t d = 0; d < frame.size(); ++d) {
    if (frame[d] == 1) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

Tensor FrameOf(const Tensor& t, int64_t b, int64_t axis) {
  Dims dims = t.dims();
  dims[axis] = 1;
  Tensor frame(t.type(), dims);
  // Frame b is a slice along `axis`: the same [outer, B, chunk] view a Scan cuts its steps with.
  ChunkLayout::Of(t.dims(), axis, ElementSize(t.type())).Extract(t.raw(), b, frame.raw());
  return frame;
}

absl::StatusOr<Tensor> StackFrames(const std::vector<Tensor>& frames, const std::string& name,
                                   int64_t axis) {
  if (frames.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("output '", name, "': no frames to stack"));
  }
  Dims dims = frames.front().dims();
  if (axis < 0 || axis >= static_cast<int64_t>(dims.size()) || dims[axis] != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("output '", name, "' ", DimsText(dims), " has no batch dimension of 1 at axis ",
                     axis, "; cannot run frame by frame"));
  }
  for (const Tensor& f : frames) {
    if (f.dims() != frames.front().dims() || f.type() != frames.front().type()) {
      return absl::InvalidArgumentError(
          absl::StrCat("output '", name, "' changes shape between frames"));
    }
  }
  dims[axis] = static_cast<int64_t>(frames.size());
  Tensor out(frames.front().type(), dims);
  const ChunkLayout layout = ChunkLayout::Of(dims, axis, ElementSize(out.type()));
  for (size_t b = 0; b < frames.size(); ++b) {
    layout.Insert(frames[b].raw(), static_cast<int64_t>(b), out.raw());
  }
  return out;
}

Tensor FramesFirst(const Tensor& t, int64_t axis) {
  Dims dims = t.dims();
  const int64_t count = dims[axis];
  dims[axis] = 1;
  dims.insert(dims.begin(), count);
  Tensor out(t.type(), dims);
  const ChunkLayout layout = ChunkLayout::Of(t.dims(), axis, ElementSize(t.type()));
  const size_t frame_bytes = out.byte_size() / static_cast<size_t>(std::max<int64_t>(count, 1));
  for (int64_t b = 0; b < count; ++b) {
    layout.Extract(t.raw(), b, static_cast<char*>(out.raw()) + b * frame_bytes);
  }
  return out;
}

absl::StatusOr<Tensor> FramesAlong(const Tensor& frames_first, const Dims& dims, int64_t axis) {
  Tensor out(frames_first.type(), dims);
  if (axis < 0 || axis >= static_cast<int64_t>(dims.size()) || out.size() != frames_first.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot place ", frames_first.size(), " elements as frames along axis ", axis, " of ",
        DimsText(dims)));
  }
  const int64_t count = dims[axis];
  const ChunkLayout layout = ChunkLayout::Of(dims, axis, ElementSize(out.type()));
  const size_t frame_bytes = out.byte_size() / static_cast<size_t>(std::max<int64_t>(count, 1));
  for (int64_t b = 0; b < count; ++b) {
    layout.Insert(static_cast<const char*>(frames_first.raw()) + b * frame_bytes, b, out.raw());
  }
  return out;
}

absl::StatusOr<std::optional<FrameSplit>> FindFrames(const Graph& graph,
                                                     const std::vector<std::string>& names,
                                                     const std::vector<Tensor>& inputs) {
  if (inputs.size() != names.size()) return std::nullopt;
  std::vector<std::optional<int64_t>> axes;
  int first = -1;  // the first input holding frames
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value* declared = graph.FindValue(names[i]);
    if (declared == nullptr) return std::nullopt;
    axes.push_back(FrameAxis(declared->type().shape, inputs[i].dims()));
    if (axes.back() && first < 0) first = static_cast<int>(i);
  }
  if (first < 0) return std::nullopt;

  // Frames are run together: every input must hold the same number of them.
  FrameSplit split;
  split.count = inputs[first].dim(*axes[first]);
  split.common = axes[first];
  const std::string first_holds =
      absl::StrCat("input '", names[first], "' ", DimsText(inputs[first].dims()), " holds ",
                   split.count, " frames along axis ", *axes[first]);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!axes[i]) {
      return absl::InvalidArgumentError(absl::StrCat(
          first_holds, " but input '", names[i], "' ", DimsText(inputs[i].dims()),
          " does not hold frames of its declared shape; give every input the same frames"));
    }
    if (inputs[i].dim(*axes[i]) != split.count) {
      return absl::InvalidArgumentError(absl::StrCat(
          first_holds, " but input '", names[i], "' ", DimsText(inputs[i].dims()), " holds ",
          inputs[i].dim(*axes[i]), " along axis ", *axes[i]));
    }
    if (axes[i] != split.common) split.common.reset();
    split.input_axes.push_back(*axes[i]);
  }
  return split;
}

absl::StatusOr<std::vector<Tensor>> RunFrames(Executor& executor,
                                              const std::vector<Tensor>& inputs) {
  const std::vector<std::string> names = executor.input_names();
  if (inputs.size() != names.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the model has ", names.size(),
                                                   " runtime inputs, ", inputs.size(), " given"));
  }
  ASSIGN_OR_RETURN(std::optional<FrameSplit> split,
                   FindFrames(*executor.model().graph, names, inputs));
  if (!split) return executor.Run(inputs);

  std::vector<std::vector<Tensor>> per_output;
  for (int64_t b = 0; b < split->count; ++b) {
    std::vector<Tensor> frame;
    for (size_t i = 0; i < inputs.size(); ++i) {
      frame.push_back(FrameOf(inputs[i], b, split->input_axes[i]));
    }
    absl::StatusOr<std::vector<Tensor>> out = executor.Run(frame);
    if (!out.ok()) return out.status();
    per_output.resize(out->size());
    for (size_t o = 0; o < out->size(); ++o) per_output[o].push_back(std::move((*out)[o]));
  }
  std::vector<Tensor> stacked;
  const std::vector<std::string> out_names = executor.output_names();
  for (size_t o = 0; o < per_output.size(); ++o) {
    const Dims& frame_dims = per_output[o].front().dims();
    const std::optional<int64_t> axis = split->OutputAxis(frame_dims);
    if (!axis) {
      return absl::InvalidArgumentError(
          absl::StrCat("output '", out_names[o], "' ", DimsText(frame_dims),
                       " has no dimension of 1 to stack the frames along; cannot run frame by "
                       "frame"));
    }
    ASSIGN_OR_RETURN(Tensor s, StackFrames(per_output[o], out_names[o], *axis));
    stacked.push_back(std::move(s));
  }
  return stacked;
}

}  // namespace finngl
