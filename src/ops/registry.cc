#include "src/ops/registry.h"

#include <algorithm>

namespace finngl {

OpRegistry::OpRegistry() {
  std::vector<OpSpec> all;
#define FINNGL_REGISTER_OP(Id, File) all.push_back(Make##Id##Spec());
  FINNGL_FOR_EACH_OP(FINNGL_REGISTER_OP)
#undef FINNGL_REGISTER_OP
  for (OpSpec& spec : all) {
    auto& versions = specs_[{CanonicalDomain(spec.domain), spec.op_type}];
    versions.push_back(std::move(spec));
  }
  for (auto& [key, versions] : specs_) {
    std::sort(versions.begin(), versions.end(),
              [](const OpSpec& a, const OpSpec& b) { return a.since_version < b.since_version; });
  }
}

const OpRegistry& OpRegistry::Get() {
  static const OpRegistry* registry = new OpRegistry();
  return *registry;
}

const OpSpec* OpRegistry::Find(const std::string& domain, const std::string& op_type,
                               int64_t opset) const {
  auto it = specs_.find({CanonicalDomain(domain), op_type});
  if (it == specs_.end()) return nullptr;
  const std::vector<OpSpec>& versions = it->second;
  if (opset < 0) return &versions.back();
  const OpSpec* best = nullptr;
  for (const OpSpec& spec : versions) {
    if (spec.since_version <= opset) best = &spec;
  }
  // A model importing an older opset than our first version still gets our first version.
  return best != nullptr ? best : &versions.front();
}

int64_t EffectiveOpset(const Node& node, const Model* model) {
  if (model == nullptr) return -1;
  int64_t opset = model->OpsetVersion(node.domain());
  // qonnx executes a custom-domain node whose domain the model does not import at opset 1
  // (so `Trunc` means Trunc v1 there); do the same.
  if (opset < 0 && CanonicalDomain(node.domain()) == kQonnxDomain) opset = 1;
  return opset;
}

const OpSpec* OpRegistry::FindForNode(const Node& node, const Model* model) const {
  return Find(node.domain(), node.op_type(), EffectiveOpset(node, model));
}

std::vector<const OpSpec*> OpRegistry::All() const {
  std::vector<const OpSpec*> out;
  for (const auto& [key, versions] : specs_) {
    for (const OpSpec& spec : versions) out.push_back(&spec);
  }
  return out;
}

}  // namespace finngl
