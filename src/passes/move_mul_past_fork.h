// move-mul-past-fork: a scale whose result forks is duplicated, one copy per reader, so each copy
// can move on along its own branch (moves stop at forks: a fork's other readers would change).
//
//   before:  t = Mul(x, A)          A: constant; t read by P and Q
//            p = P(t)   q = Q(t)
//   after:   p = P(Mul(x, A))   q = Q(Mul_fork(x, A))
//
// Exact (the same computation, twice). A graph output keeps the original Mul.
// Preconditions: A is a float32 constant; t has at least two readers (node inputs or the graph
// output) and no Scan body reads it.
#ifndef FINNGL_SRC_PASSES_MOVE_MUL_PAST_FORK_H_
#define FINNGL_SRC_PASSES_MOVE_MUL_PAST_FORK_H_

#include "src/passes/pass.h"

namespace finngl {

class MoveMulPastForkPass final : public NamedPass<MoveMulPastForkPass> {
 public:
  static constexpr const char kName[] = "move-mul-past-fork";
  static constexpr const char kDescription[] =
      "duplicate a Mul by a constant whose result is read several times onto each reader (exact)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_MOVE_MUL_PAST_FORK_H_
