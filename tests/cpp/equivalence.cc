#include "tests/cpp/equivalence.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/exec/executor.h"
#include "src/exec/random_inputs.h"

namespace finngl::testing {
namespace {

bool IsIntegerOutput(const TensorType& type) {
  return IsIntegerElementType(type.elem) || type.dtype.IsInteger();
}

// Compares one output; returns "" when equal, else a description of the first difference.
std::string Difference(const Tensor& want, const Tensor& got, bool integer,
                       FloatTolerance tolerance) {
  if (want.type() != got.type() || want.dims() != got.dims()) {
    return absl::StrCat("type/shape ", ElementTypeName(got.type()), DimsToString(got.dims()),
                        " instead of ", ElementTypeName(want.type()), DimsToString(want.dims()));
  }
  if (want.SameContents(got)) return "";
  for (int64_t i = 0; i < want.size(); ++i) {
    const double a = want.GetDouble(i), b = got.GetDouble(i);
    bool same;
    if (integer || !IsFloatElementType(want.type())) {
      same = a == b;
    } else if (std::isnan(a) || std::isnan(b)) {
      same = std::isnan(a) && std::isnan(b);
    } else {
      same = a == b || std::fabs(a - b) <= tolerance.atol + tolerance.rtol * std::fabs(a);
    }
    if (!same) {
      return absl::StrCat("element ", i, " is ", b, " instead of ", a,
                          integer ? " (integer output: must be bit-identical)" : "");
    }
  }
  return "";
}

}  // namespace

Tensor RandomInput(const Value& input, std::mt19937& rng) {
  return finngl::RandomInput(input, rng);
}

void ExpectEquivalent(const Model& before, const Model& after, int samples,
                      FloatTolerance tolerance) {
  auto reference = Executor::Create(before);
  ASSERT_TRUE(reference.ok()) << "model before the pass: " << reference.status();
  auto rewritten = Executor::Create(after);
  ASSERT_TRUE(rewritten.ok()) << "model after the pass: " << rewritten.status();
  ASSERT_EQ((*reference)->input_names(), (*rewritten)->input_names());
  ASSERT_EQ((*reference)->output_names(), (*rewritten)->output_names());
  const Graph& graph = *(*reference)->model().graph;
  std::mt19937 rng(20240611);
  for (int sample = 0; sample < samples; ++sample) {
    std::vector<Tensor> inputs;
    for (const std::string& name : (*reference)->input_names()) {
      inputs.push_back(testing::RandomInput(*graph.FindValue(name), rng));
    }
    auto want = (*reference)->Run(inputs);
    ASSERT_TRUE(want.ok()) << "model before the pass, sample " << sample << ": " << want.status();
    auto got = (*rewritten)->Run(inputs);
    ASSERT_TRUE(got.ok()) << "model after the pass, sample " << sample << ": " << got.status();
    for (size_t i = 0; i < want->size(); ++i) {
      const bool integer = IsIntegerOutput(graph.outputs()[i]->type());
      const std::string diff = Difference((*want)[i], (*got)[i], integer, tolerance);
      if (!diff.empty()) {
        ADD_FAILURE() << "output '" << graph.outputs()[i]->name() << "', sample " << sample << ": "
                      << diff;
        return;
      }
    }
  }
}

}  // namespace finngl::testing
