// Bit-width minimisation after folding (FINN's MinimizeWeightBitWidth and
// MinimizeAccumulatorWidth, finn.md 4.2), exact and range-based:
//  - MVAU weights: weightDataType := the smallest INT/UINT type holding every weight value;
//  - MVAU accumulator: from the exact per-column ranges over the input datatype's range,
//      max_j = sum_i W_ij * (W_ij > 0 ? in.max : in.min),  min_j likewise with min/max swapped,
//    extended to include every threshold value; accDataType := the smallest type holding
//    [min_j min_j, max_j max_j] (UINTn when that is >= 0, else INTn); with noActivation the
//    output is the accumulator, so outputDataType (and the output's annotation) follow;
//  - Thresholding: weightDataType := the smallest type holding both the input range and every
//    threshold.
// Annotations of the weight/threshold initializers follow their datatype attributes, and a
// narrowed output datatype is propagated to the consumers' input datatype attributes (through
// DWCs, FIFOs and DuplicateStreams). Unlike FINN, a graph output's type is not rounded up to a
// multiple of 8 bits (the top-level port is, see docs/hw_layers.md). Runs in RecurrentLayer
// bodies too. Types never widen: a computed type wider than the current one is kept as is.
#ifndef FINNGL_SRC_HW_MINIMIZE_BITWIDTHS_H_
#define FINNGL_SRC_HW_MINIMIZE_BITWIDTHS_H_

#include "absl/status/statusor.h"
#include "src/ir/graph.h"

namespace finngl::hw {

// Returns the number of attributes changed.
absl::StatusOr<int> MinimizeBitwidths(Graph& graph);

}  // namespace finngl::hw

#endif  // FINNGL_SRC_HW_MINIMIZE_BITWIDTHS_H_
