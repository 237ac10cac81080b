// move-add-past-fork: a bias whose result forks is duplicated, one copy per reader, so each copy
// can move on along its own branch.
//
//   before:  t = Add(x, B)          B: constant; t read by P and Q
//            p = P(t)   q = Q(t)
//   after:   p = P(Add(x, B))   q = Q(Add_fork(x, B))
//
// Exact (the same computation, twice). A graph output keeps the original Add.
// Preconditions: B is a float32 constant; t has at least two readers (node inputs or the graph
// output) and no Scan body reads it.
#ifndef FINNGL_SRC_PASSES_MOVE_ADD_PAST_FORK_H_
#define FINNGL_SRC_PASSES_MOVE_ADD_PAST_FORK_H_

#include "src/passes/pass.h"

namespace finngl {

class MoveAddPastForkPass final : public NamedPass<MoveAddPastForkPass> {
 public:
  static constexpr const char kName[] = "move-add-past-fork";
  static constexpr const char kDescription[] =
      "duplicate an Add of a constant whose result is read several times onto each reader (exact)";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_MOVE_ADD_PAST_FORK_H_
