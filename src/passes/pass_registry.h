// The pass registry: every pass and named pipeline by its kebab-case name, with the one-line
// description `finngl opt --list` prints.
//
// PassRegistry::Builtin() is built on first use from the explicit list in pass_registry.cc (no
// static initialisers): adding a pass means adding one line there. Tests copy the builtin
// registry and add passes of their own.
#ifndef FINNGL_SRC_PASSES_PASS_REGISTRY_H_
#define FINNGL_SRC_PASSES_PASS_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/passes/pass.h"
#include "src/passes/pipeline.h"

namespace finngl {

struct PassInfo {
  std::string name;
  std::string description;
  std::function<std::unique_ptr<GraphPass>()> create;
};

struct PipelineInfo {
  std::string name;
  std::string description;
  std::vector<PipelineStep> steps;
};

class PassRegistry {
 public:
  static const PassRegistry& Builtin();

  // Registers pass type P (a NamedPass with kName and kDescription).
  template <typename P>
  void AddPass() {
    AddPass(PassInfo{P::kName, P::kDescription, [] { return std::make_unique<P>(); }});
  }
  void AddPass(PassInfo info);
  void AddPipeline(PipelineInfo info);

  const PassInfo* FindPass(const std::string& name) const;          // nullptr if unknown
  const PipelineInfo* FindPipeline(const std::string& name) const;  // nullptr if unknown
  // As Find*, but an unknown name is an InvalidArgument error that lists the valid names.
  absl::StatusOr<std::unique_ptr<GraphPass>> CreatePass(const std::string& name) const;
  absl::StatusOr<const PipelineInfo*> GetPipeline(const std::string& name) const;

  // In registration order.
  const std::vector<PassInfo>& passes() const { return passes_; }
  const std::vector<PipelineInfo>& pipelines() const { return pipelines_; }

 private:
  std::vector<PassInfo> passes_;
  std::vector<PipelineInfo> pipelines_;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_PASS_REGISTRY_H_
