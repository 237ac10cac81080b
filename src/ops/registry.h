// The op registry: finds the OpSpec for (domain, op type, opset version).
//
// Built on first use by calling every factory in op_list.h explicitly (no static initialisers).
#ifndef FINNGL_SRC_OPS_REGISTRY_H_
#define FINNGL_SRC_OPS_REGISTRY_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "src/ops/op_list.h"
#include "src/ops/op_spec.h"

namespace finngl {

#define FINNGL_DECLARE_OP_FACTORY(Id, File) OpSpec Make##Id##Spec();
FINNGL_FOR_EACH_OP(FINNGL_DECLARE_OP_FACTORY)
#undef FINNGL_DECLARE_OP_FACTORY

// The opset version that governs `node` in `model` (-1 if unknown).
int64_t EffectiveOpset(const Node& node, const Model* model);

class OpRegistry {
 public:
  static const OpRegistry& Get();

  // The spec with the highest since_version <= `opset` (any version if opset < 0), or nullptr.
  // `domain` may be any alias; it is canonicalised.
  const OpSpec* Find(const std::string& domain, const std::string& op_type, int64_t opset) const;
  // Spec for a node of `model` (opset looked up from the model's imports).
  const OpSpec* FindForNode(const Node& node, const Model* model) const;
  std::vector<const OpSpec*> All() const;

 private:
  OpRegistry();
  std::map<std::pair<std::string, std::string>, std::vector<OpSpec>> specs_;
};

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_REGISTRY_H_
