// fold-constants: evaluates every node whose inputs are all constant and replaces its outputs by
// initializers holding the results.
//
//   before:  wt = Transpose<perm = [1, 0]>(w)     w: initializer [4, 3]
//            y = MatMul(x, wt)
//   after:   y = MatMul(x, wt)                    wt: initializer [3, 4]
//
// The values come from the op's own kernel (OpSpec::compile + Kernel::Run), the code the executor
// runs, so folding never changes a result. Preconditions, each a reason to leave a node alone:
//  - every input is an initializer (in a subgraph also an outer-scope reference that resolves to
//    one); nodes without inputs (Constant) qualify; so does Shape of a value whose dimensions
//    are all known;
//  - the op is foldable: quantizers (Quant, QuantizeLinear, ...) have OpSpec::foldable == false
//    because later passes rewrite them into thresholds and integer weights;
//  - the node has no subgraph (Scan);
//  - no output is a graph output (the graph's interface stays a computed tensor);
//  - some output is read (dead nodes are remove-dead-code's job).
// Folded values keep their names and datatype annotations; a narrower inferred datatype (e.g. a
// Transpose of an INT4 weight) is recorded as an annotation so it survives on the initializer.
#ifndef FINNGL_SRC_PASSES_FOLD_CONSTANTS_H_
#define FINNGL_SRC_PASSES_FOLD_CONSTANTS_H_

#include "src/passes/pass.h"

namespace finngl {

class FoldConstantsPass final : public NamedPass<FoldConstantsPass> {
 public:
  static constexpr const char kName[] = "fold-constants";
  static constexpr const char kDescription[] =
      "evaluate nodes whose inputs are all constant (except quantizers) into initializers";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_FOLD_CONSTANTS_H_
