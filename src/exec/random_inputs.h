// Random runtime inputs drawn from a value's declared type, for execution-equivalence checks
// (`finngl opt --verify`, the pass tests' guard).
//
// Integer-typed inputs get integers within their datatype (and element type), at most 2^20 in
// magnitude for wide types; fixed-point inputs values on their grid; BIPOLAR +-1; anything else
// uniform floats in [-2, 2]. Unknown dims are set to 2.
#ifndef FINNGL_SRC_EXEC_RANDOM_INPUTS_H_
#define FINNGL_SRC_EXEC_RANDOM_INPUTS_H_

#include <random>

#include "src/ir/graph.h"

namespace finngl {

Tensor RandomInput(const Value& input, std::mt19937& rng);

}  // namespace finngl

#endif  // FINNGL_SRC_EXEC_RANDOM_INPUTS_H_
