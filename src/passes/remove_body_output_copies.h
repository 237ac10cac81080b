// remove-body-output-copies: in a loop (Scan) body, an Identity that only returns a value once
// more is dropped; the body returns the value itself in both output slots.
//
//   before:  body(h, c, x_t) => (h_next, c_next, y_t) { ... h_next = ...; y_t = Identity(h_next) }
//   after:   body(h, c, x_t) => (h_next, c_next, h_next) { ... h_next = ... }
//
// hoist-scan-scales returns a value that is both the next state and the scan output through such
// a copy (an LSTM's h). An Identity has no hardware mapping, so it would keep the whole loop on the
// host; without it, the body can become a RecurrentLayer, and infer-duplicate-streams forks the
// stream explicitly, one copy per output slot. Preconditions: the Identity's output is a body
// output, nothing in the body reads it, and it copies a value computed or received by the body
// (not a constant). The body's outputs are positional, so nothing that reads
// the loop's results changes; the copy only renames a value.
#ifndef FINNGL_SRC_PASSES_REMOVE_BODY_OUTPUT_COPIES_H_
#define FINNGL_SRC_PASSES_REMOVE_BODY_OUTPUT_COPIES_H_

#include "src/passes/pass.h"

namespace finngl {

class RemoveBodyOutputCopiesPass final : public NamedPass<RemoveBodyOutputCopiesPass> {
 public:
  static constexpr const char kName[] = "remove-body-output-copies";
  static constexpr const char kDescription[] =
      "return a value twice from a loop body instead of through an Identity copy";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_REMOVE_BODY_OUTPUT_COPIES_H_
