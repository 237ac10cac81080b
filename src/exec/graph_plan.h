// A compiled graph: topological order, one kernel per node, one reusable tensor per node output.
// Used for the main graph and, nested, for Scan bodies (as a SubgraphRunner).
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
    std::unique_ptr<Kernel> kernel;
    std::vector<int> input_ids;   // -1 for omitted inputs
    std::vector<int> output_ids;  // -1 for omitted outputs
    std::vector<const Tensor*> ins;  // scratch, sized once
    std::vector<Tensor*> outs;
    double seconds = 0;  // accumulated while profiling
  };
  explicit GraphPlan(const Graph& graph) : graph_(graph) {}
  const Tensor* Resolve(const std::string& name) const;

  const Graph& graph_;
  absl::flat_hash_map<std::string, int> ids_;
  std::vector<const Tensor*> bound_;   // per value id: the tensor it reads from now
  std::vector<std::unique_ptr<Tensor>> owned_;  // per value id: storage for node outputs
  std::vector<int> input_ids_;
  std::vector<int> output_ids_;
  std::vector<std::pair<int, std::string>> outer_refs_;
  std::vector<Step> steps_;
  const OuterScope* outer_ = nullptr;
  OuterScope scope_;  // resolves names visible inside this graph (for nested subgraphs)
  bool profiling_ = false;
};

}  // namespace finngl

#endif  // FINNGL_SRC_EXEC_GRAPH_PLAN_H_
