#include "src/passes/step_verifier.h"

#include <cmath>
#include <limits>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"
#include "src/exec/executor.h"
#include "src/exec/frame_runner.h"
#include "src/exec/random_inputs.h"

namespace finngl {

OutputDifference CompareTensors(const std::string& output, const Tensor& want, const Tensor& got) {
  OutputDifference d;
  d.output = output;
  d.elements = want.size();
  if (want.dims() != got.dims()) {
    d.mismatches = want.size();
    d.max_abs_difference = std::numeric_limits<double>::infinity();
    return d;
  }
  for (int64_t i = 0; i < want.size(); ++i) {
    const double a = want.GetDouble(i), b = got.GetDouble(i);
    if (a == b || (std::isnan(a) && std::isnan(b))) continue;
    ++d.mismatches;
    const double diff = std::isnan(a) || std::isnan(b) ? std::numeric_limits<double>::infinity()
                                                      : std::fabs(a - b);
    d.max_abs_difference = std::max(d.max_abs_difference, diff);
  }
  return d;
}

absl::StatusOr<StepVerifier::Samples> StepVerifier::RandomSamples(const Model& model, int count,
                                                                  uint32_t seed) {
  ASSIGN_OR_RETURN(std::unique_ptr<Executor> exe, Executor::Create(model));
  std::mt19937 rng(seed);
  Samples samples(count);
  for (std::vector<Tensor>& sample : samples) {
    for (const std::string& name : exe->input_names()) {
      sample.push_back(RandomInput(*exe->model().graph->FindValue(name), rng));
    }
  }
  return samples;
}

absl::StatusOr<std::unique_ptr<StepVerifier>> StepVerifier::Create(const Model& original,
                                                                   Samples samples) {
  std::unique_ptr<StepVerifier> v(new StepVerifier());
  v->samples_ = std::move(samples);
  ASSIGN_OR_RETURN(std::unique_ptr<Executor> exe, Executor::Create(original));
  v->input_names_ = exe->input_names();
  v->output_names_ = exe->output_names();
  ASSIGN_OR_RETURN(v->original_, v->RunAll(original));
  v->previous_ = v->original_;
  return v;
}

absl::StatusOr<std::vector<std::vector<Tensor>>> StepVerifier::RunAll(const Model& model) const {
  ASSIGN_OR_RETURN(std::unique_ptr<Executor> exe, Executor::Create(model));
  if (exe->input_names() != input_names_ || exe->output_names() != output_names_) {
    return absl::InternalError(absl::StrCat(
        "the model's interface changed: inputs (", absl::StrJoin(exe->input_names(), ", "),
        ") outputs (", absl::StrJoin(exe->output_names(), ", "), "), was inputs (",
        absl::StrJoin(input_names_, ", "), ") outputs (", absl::StrJoin(output_names_, ", "),
        ")"));
  }
  std::vector<std::vector<Tensor>> outputs;
  for (size_t s = 0; s < samples_.size(); ++s) {
    auto out = RunFrames(*exe, samples_[s]);
    if (!out.ok()) return Annotate(out.status(), absl::StrCat("sample ", s, ": "));
    outputs.push_back(std::move(out).value());
  }
  return outputs;
}

std::vector<OutputDifference> StepVerifier::Compare(
    const std::vector<std::string>& names, const std::vector<std::vector<Tensor>>& want,
    const std::vector<std::vector<Tensor>>& got) {
  std::vector<OutputDifference> diffs;
  for (size_t o = 0; o < names.size(); ++o) {
    OutputDifference total;
    total.output = names[o];
    for (size_t s = 0; s < want.size(); ++s) {
      const OutputDifference d = CompareTensors(names[o], want[s][o], got[s][o]);
      total.elements += d.elements;
      total.mismatches += d.mismatches;
      total.max_abs_difference = std::max(total.max_abs_difference, d.max_abs_difference);
    }
    diffs.push_back(std::move(total));
  }
  return diffs;
}

absl::Status StepVerifier::Check(const Model& model, const std::string& pass, bool changed) {
  StepCheck check;
  check.pass = pass;
  check.changed = changed;
  if (changed) {
    absl::StatusOr<std::vector<std::vector<Tensor>>> outputs = RunAll(model);
    if (!outputs.ok()) {
      return absl::InternalError(absl::StrCat("--verify: the model after pass '", pass,
                                              "' does not execute: ", outputs.status().message()));
    }
    check.vs_previous = Compare(output_names_, previous_, *outputs);
    previous_ = std::move(outputs).value();
  }
  check.vs_original = Compare(output_names_, original_, previous_);
  checks_.push_back(std::move(check));
  return absl::OkStatus();
}

int64_t StepVerifier::FinalMismatches() const {
  int64_t total = 0;
  for (const OutputDifference& d : Compare(output_names_, original_, previous_)) {
    total += d.mismatches;
  }
  return total;
}

}  // namespace finngl
