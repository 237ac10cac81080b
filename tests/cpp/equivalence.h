// Execution-equivalence guard for pass tests: runs a model before and after a rewrite on the same
// random inputs through the reference executor and compares every output.
//
// Inputs are drawn from each graph input's datatype (integers within range for integer-typed
// inputs, values on the grid for fixed-point ones, +-1 for BIPOLAR, uniform floats in [-2, 2]
// otherwise), with unknown dims set to 2. Integer outputs (integer element type or integer
// datatype) must be bit-identical. Float outputs must be identical (-0.0 equals 0.0) unless a
// tolerance is given, for rewrites documented as float-inexact.
#ifndef FINNGL_TESTS_CPP_EQUIVALENCE_H_
#define FINNGL_TESTS_CPP_EQUIVALENCE_H_

#include <random>

#include "src/ir/graph.h"

namespace finngl::testing {

// |after - before| <= atol + rtol * |before| for every float output element.
struct FloatTolerance {
  double rtol = 0;
  double atol = 0;
};

// Reports a gtest failure naming the output, sample and element of the first difference.
void ExpectEquivalent(const Model& before, const Model& after, int samples,
                      FloatTolerance tolerance = {});

// A random value for a runtime graph input, drawn as described above.
Tensor RandomInput(const Value& input, std::mt19937& rng);

}  // namespace finngl::testing

#endif  // FINNGL_TESTS_CPP_EQUIVALENCE_H_
