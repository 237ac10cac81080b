// collapse-repeated-add: two biases in a row become one.
//
//   before:  t = Add(x, B1)         B1, B2: constants
//            y = Add(t, B2)
//   after:   y = Add(x, B12)        B12 = B1 + B2 (the Add kernel on the constants)
//
// Preconditions: B1 and B2 are float32 constants; t is read by the second Add only.
// Float-inexact: fl(fl(x + B1) + B2) vs fl(x + fl(B1 + B2)); exact for integer x, B1, B2 below
// 2^24. Streamlining absorbs each Add into a following MultiThreshold exactly, so a pipeline should
// run absorb-add-into-multithreshold before this pass.
#ifndef FINNGL_SRC_PASSES_COLLAPSE_REPEATED_ADD_H_
#define FINNGL_SRC_PASSES_COLLAPSE_REPEATED_ADD_H_

#include "src/passes/pass.h"

namespace finngl {

class CollapseRepeatedAddPass final : public NamedPass<CollapseRepeatedAddPass> {
 public:
  static constexpr const char kName[] = "collapse-repeated-add";
  static constexpr const char kDescription[] =
      "merge two consecutive Adds of constants into one (float-inexact)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_COLLAPSE_REPEATED_ADD_H_
