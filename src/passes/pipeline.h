// Pipelines as data: a pipeline is a list of steps, each running a list of passes once or
// repeating it until no pass in it changes anything (a fixed point).
//
//   std::vector<PipelineStep> cleanup = {
//       Once({"infer-types"}),
//       FixedPoint({"fold-constants", "remove-identity", "remove-dead-code"}),
//       Once({"give-readable-names"})};
#ifndef FINNGL_SRC_PASSES_PIPELINE_H_
#define FINNGL_SRC_PASSES_PIPELINE_H_

#include <string>
#include <vector>

namespace finngl {

struct PipelineStep {
  std::vector<std::string> passes;
  // Repeat `passes` until an iteration changes nothing; more than `max_iterations` iterations
  // is a bug (passes undoing each other) and fails the run.
  bool fixed_point = false;
  int max_iterations = 1;
};

inline constexpr int kDefaultMaxFixedPointIterations = 16;

// Runs each pass once, in order.
inline PipelineStep Once(std::vector<std::string> passes) {
  return PipelineStep{std::move(passes), false, 1};
}

// Repeats the passes, in order, until none of them changes the model.
inline PipelineStep FixedPoint(std::vector<std::string> passes,
                               int max_iterations = kDefaultMaxFixedPointIterations) {
  return PipelineStep{std::move(passes), true, max_iterations};
}

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_PIPELINE_H_
