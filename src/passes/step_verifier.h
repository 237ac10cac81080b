// Execution-equivalence checking of a pass pipeline, step by step (`finngl opt --verify`).
//
// The verifier runs the original model once on a fixed set of input samples (given .npy files or
// random inputs drawn from each input's datatype, src/exec/random_inputs.h) and keeps its
// outputs. After every pass that changed the model it runs the new model on the same samples and
// compares each graph output with the previous step's (what this pass changed) and with the
// original's (what the pipeline changed so far): the number of elements that are not identical
// (-0.0 equals 0.0, NaN equals NaN) and the largest absolute difference. Integer-typed outputs
// and the integers of quantized outputs must match exactly for a pass to be exact; float
// outputs of passes documented as float-inexact show small differences here.
#ifndef FINNGL_SRC_PASSES_STEP_VERIFIER_H_
#define FINNGL_SRC_PASSES_STEP_VERIFIER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"

namespace finngl {

// How one output differs between two runs over all samples.
struct OutputDifference {
  std::string output;
  int64_t elements = 0;
  int64_t mismatches = 0;
  double max_abs_difference = 0;
};

// What one pass changed, as seen by execution.
struct StepCheck {
  std::string pass;
  bool changed = false;
  std::vector<OutputDifference> vs_previous;  // empty when the pass changed nothing
  std::vector<OutputDifference> vs_original;
};

// Compares two tensors elementwise. Tensors of different shapes count every element as a
// mismatch with an infinite difference.
OutputDifference CompareTensors(const std::string& output, const Tensor& want, const Tensor& got);

class StepVerifier {
 public:
  // One inner vector per sample, holding the model's runtime inputs in graph order.
  using Samples = std::vector<std::vector<Tensor>>;

  // `count` samples of random inputs for `model`, reproducible from `seed`.
  static absl::StatusOr<Samples> RandomSamples(const Model& model, int count, uint32_t seed);

  // Runs the original model on the samples. Errors are the model's (user errors).
  static absl::StatusOr<std::unique_ptr<StepVerifier>> Create(const Model& original,
                                                              Samples samples);

  // Records the step after pass `pass`; runs the model only if `changed`. A model that no longer
  // executes, or whose inputs/outputs changed, is an Internal error naming the pass.
  absl::Status Check(const Model& model, const std::string& pass, bool changed);

  const std::vector<StepCheck>& checks() const { return checks_; }
  // Mismatching elements of the last step against the original, summed over outputs.
  int64_t FinalMismatches() const;
  int num_samples() const { return static_cast<int>(samples_.size()); }

 private:
  StepVerifier() = default;
  absl::StatusOr<std::vector<std::vector<Tensor>>> RunAll(const Model& model) const;
  static std::vector<OutputDifference> Compare(const std::vector<std::string>& names,
                                               const std::vector<std::vector<Tensor>>& want,
                                               const std::vector<std::vector<Tensor>>& got);

  Samples samples_;
  std::vector<std::string> input_names_;
  std::vector<std::string> output_names_;
  std::vector<std::vector<Tensor>> original_;  // [sample][output]
  std::vector<std::vector<Tensor>> previous_;
  std::vector<StepCheck> checks_;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_STEP_VERIFIER_H_
