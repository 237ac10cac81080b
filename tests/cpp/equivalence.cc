#include "tests/cpp/equivalence.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/exec/executor.h"

namespace finngl::testing {
namespace {

// Integer inputs of wide element types stay small enough that arithmetic on them is meaningful
// (wrapping is deterministic, but huge values mostly test overflow).
constexpr double kWideIntegerLimit = 1 << 20;

// The closed range of integers an input of this type may hold, for integer-valued types.
std::pair<double, double> IntegerRange(const TensorType& type) {
  double lo = -kWideIntegerLimit, hi = kWideIntegerLimit;
  if (type.dtype.IsInteger()) {
    lo = std::max(lo, type.dtype.Min());
    hi = std::min(hi, type.dtype.Max());
  }
  switch (type.elem) {
    case ElementType::kBool: return {0, 1};
    case ElementType::kInt8: return {std::max(lo, -128.0), std::min(hi, 127.0)};
    case ElementType::kUint8: return {std::max(lo, 0.0), std::min(hi, 255.0)};
    case ElementType::kInt16: return {std::max(lo, -32768.0), std::min(hi, 32767.0)};
    case ElementType::kUint16:
    case ElementType::kUint32:
    case ElementType::kUint64: return {std::max(lo, 0.0), hi};
    default: return {lo, hi};
  }
}

double RandomElement(const TensorType& type, std::mt19937& rng) {
  const DataType& dt = type.dtype;
  if (dt.kind() == DataType::Kind::kBipolar) {
    return std::uniform_int_distribution<int>(0, 1)(rng) == 0 ? -1.0 : 1.0;
  }
  if (dt.IsFixedPoint()) {
    const double step = std::ldexp(1.0, -(dt.bit_width() - dt.int_bits()));
    const auto k = std::uniform_int_distribution<int64_t>(std::llround(dt.Min() / step),
                                                          std::llround(dt.Max() / step))(rng);
    return static_cast<double>(k) * step;
  }
  if (dt.IsInteger() || IsIntegerElementType(type.elem)) {
    const auto [lo, hi] = IntegerRange(type);
    return static_cast<double>(std::uniform_int_distribution<int64_t>(
        static_cast<int64_t>(lo), static_cast<int64_t>(hi))(rng));
  }
  return std::uniform_real_distribution<double>(-2.0, 2.0)(rng);
}

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
  const TensorType& type = input.type();
  Dims dims;
  if (type.shape) {
    for (const Dim& d : *type.shape) dims.push_back(d.known() ? d.value : 2);
  }
  Tensor t(type.elem, dims);
  for (int64_t i = 0; i < t.size(); ++i) t.SetDouble(i, RandomElement(type, rng));
  return t;
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
      inputs.push_back(RandomInput(*graph.FindValue(name), rng));
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
