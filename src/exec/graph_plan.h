// A compiled graph: topological order, one kernel per node, one reusable tensor per node output.
// Used for the main graph and, nested, for Scan bodies (as a SubgraphRunner).
//
// Activation fusion: a Relu whose input has no other use (and is not a graph output) is folded
// into the kernel producing that input when the kernel can apply it exactly (ActivationFusion,
// src/ops/activation_fusion.h), e.g. Conv + Relu: the product's epilogue writes max(y, 0) straight
// into the Relu's output and the Relu's pass over the tensor disappears. The pre-activation value
// is then not computed by Run, but it stays observable: ValueTensor (and outer-scope lookups from
// nested graphs) materialise it on first access after a run by running a second, unfused kernel
// of the producer on the producer's inputs, which by construction are initializers or outputs of
// this plan and hence unchanged after the run.
#ifndef FINNGL_SRC_EXEC_GRAPH_PLAN_H_
#define FINNGL_SRC_EXEC_GRAPH_PLAN_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "src/ir/graph.h"
#include "src/ops/op_spec.h"

namespace finngl {

class GraphPlan final : public SubgraphRunner {
 public:
  static absl::StatusOr<std::unique_ptr<GraphPlan>> Compile(const Graph& graph, const Model& model);

  absl::Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs,
                   const OuterScope* outer) override;

  const Graph& graph() const { return graph_; }
  // Per-node wall time accumulated over all runs while profiling is on (nested plans included,
  // keyed by "graph/node").
  void EnableProfiling(bool on) { profiling_ = on; }
  void CollectProfile(std::vector<std::pair<std::string, double>>& out,
                      const std::string& prefix = "") const;
  // The tensor currently bound to a value of this graph (valid after Run), or nullptr.
  const Tensor* ValueTensor(const std::string& name) const;

 private:
  struct Step {
    const Node* node;
    const Node* fused = nullptr;  // an activation folded into this step's kernel
    std::unique_ptr<Kernel> kernel;
    std::vector<int> input_ids;   // -1 for omitted inputs
    std::vector<int> output_ids;  // -1 for omitted outputs
    std::vector<const Tensor*> ins;  // scratch, sized once
    std::vector<Tensor*> outs;
    double seconds = 0;  // accumulated while profiling
  };
  // A pre-activation value that Run leaves uncomputed (see the header comment).
  struct Deferred {
    const Node* producer;
    std::unique_ptr<Kernel> kernel;  // the producer's unfused kernel
    std::vector<int> input_ids;
    std::vector<const Tensor*> ins;
    std::vector<Tensor*> outs;  // the value's own tensor
    bool ready = false;         // materialised since the last Run
  };
  explicit GraphPlan(const Graph& graph) : graph_(graph) {}
  static absl::StatusOr<std::unique_ptr<Kernel>> CompileNode(const Node& node, const Model& model,
                                                             CompileContext& cctx);
  absl::Status FuseActivations(const Model& model, CompileContext& cctx);
  // Whether value `v` keeps its contents after a run: an initializer or an output of this plan.
  bool IsStable(const Value* v) const;
  const Tensor* Resolve(const std::string& name) const;
  // The tensor bound to value `id`, materialising a deferred value first; nullptr on failure.
  const Tensor* Bound(int id) const;

  const Graph& graph_;
  absl::flat_hash_map<std::string, int> ids_;
  std::vector<const Tensor*> bound_;   // per value id: the tensor it reads from now
  std::vector<std::unique_ptr<Tensor>> owned_;  // per value id: storage for node outputs
  std::vector<int> input_ids_;
  std::vector<int> output_ids_;
  std::vector<std::pair<int, std::string>> outer_refs_;
  std::vector<Step> steps_;
  // Keyed by value id. Mutable: materialising on access is invisible to callers (a cache).
  mutable absl::flat_hash_map<int, Deferred> deferred_;
  const OuterScope* outer_ = nullptr;
  OuterScope scope_;  // resolves names visible inside this graph (for nested subgraphs)
  bool profiling_ = false;
};

}  // namespace finngl

#endif  // FINNGL_SRC_EXEC_GRAPH_PLAN_H_
