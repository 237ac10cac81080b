// The reference executor: runs a model on named input tensors.
//
// Executor::Create plans once (type inference, topological order, one compiled kernel per node,
// one reusable tensor per node output); Run then executes any number of samples without
// re-planning. Scan bodies are compiled once into nested plans whose tensors are reused across
// iterations, so a recurrent loop does not allocate per step.
#ifndef FINNGL_SRC_EXEC_EXECUTOR_H_
#define FINNGL_SRC_EXEC_EXECUTOR_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"
#include "src/ops/op_spec.h"

namespace finngl {

class GraphPlan;

struct ExecOptions {
  // Accumulate wall time per node of the main graph (a Scan's time includes its body).
  bool profile = false;
};

class Executor {
 public:
  // Copies the model, infers its types and compiles it. Errors name the node and op.
  static absl::StatusOr<std::unique_ptr<Executor>> Create(const Model& model,
                                                          ExecOptions options = {});
  ~Executor();

  // Runtime (non-initializer) inputs and the outputs, in graph order.
  std::vector<std::string> input_names() const;
  std::vector<std::string> output_names() const;
  const Model& model() const { return *model_; }

  // Runs on named inputs (every runtime input must be given, with the declared element type and
  // rank, and known dimensions equal). Returns the graph outputs by name.
  absl::StatusOr<std::map<std::string, Tensor>> Run(const std::map<std::string, Tensor>& inputs);
  // Positional variant: inputs in input_names() order; outputs in output_names() order.
  absl::StatusOr<std::vector<Tensor>> Run(const std::vector<Tensor>& inputs);
  // The value of any tensor of the main graph after the last Run (node outputs are kept).
  const Tensor* Intermediate(const std::string& name) const;
  // With ExecOptions::profile: (node, seconds) over all runs so far, slowest first.
  std::vector<std::pair<std::string, double>> Profile() const;

 private:
  Executor() = default;
  std::unique_ptr<Model> model_;
  std::unique_ptr<GraphPlan> plan_;
};

// Checks a runtime input against its declared type; the message names the tensor.
absl::Status CheckInputTensor(const Value& declared, const Tensor& given);

}  // namespace finngl

#endif  // FINNGL_SRC_EXEC_EXECUTOR_H_
