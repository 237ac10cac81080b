#include "src/exec/graph_plan.h"

#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/activation_fusion.h"
#include "src/ops/registry.h"

namespace finngl {

absl::StatusOr<std::unique_ptr<GraphPlan>> GraphPlan::Compile(const Graph& graph,
                                                              const Model& model) {
  std::unique_ptr<GraphPlan> plan(new GraphPlan(graph));
  std::vector<Value*> values = graph.values();
  plan->bound_.assign(values.size(), nullptr);
  plan->owned_.resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    Value* v = values[i];
    plan->ids_[v->name()] = static_cast<int>(i);
    if (v->is_initializer()) plan->bound_[i] = v->initializer();
    if (v->is_outer_ref()) plan->outer_refs_.emplace_back(static_cast<int>(i), v->name());
    if (v->producer() != nullptr) {
      plan->owned_[i] = std::make_unique<Tensor>();
      plan->bound_[i] = plan->owned_[i].get();
    }
  }
  for (Value* v : graph.inputs()) plan->input_ids_.push_back(plan->ids_.at(v->name()));
  for (Value* v : graph.outputs()) plan->output_ids_.push_back(plan->ids_.at(v->name()));

  ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
  CompileContext cctx;
  cctx.model = &model;
  cctx.compile_subgraph =
      [&model](const Graph& body) -> absl::StatusOr<std::unique_ptr<SubgraphRunner>> {
    ASSIGN_OR_RETURN(std::unique_ptr<GraphPlan> sub, GraphPlan::Compile(body, model));
    return std::unique_ptr<SubgraphRunner>(std::move(sub));
  };
  for (Node* node : order) {
    Step step;
    step.node = node;
    ASSIGN_OR_RETURN(step.kernel, CompileNode(*node, model, cctx));
    for (Value* in : node->inputs()) {
      if (in == nullptr) {
        step.input_ids.push_back(-1);
        continue;
      }
      auto it = plan->ids_.find(in->name());
      RET_CHECK(it != plan->ids_.end());
      step.input_ids.push_back(it->second);
    }
    for (Value* out : node->outputs()) {
      step.output_ids.push_back(out == nullptr ? -1 : plan->ids_.at(out->name()));
    }
    step.ins.resize(step.input_ids.size());
    step.outs.resize(step.output_ids.size());
    for (size_t k = 0; k < step.output_ids.size(); ++k) {
      int id = step.output_ids[k];
      if (id < 0) {
        // Omitted outputs still need somewhere to go.
        plan->owned_.push_back(std::make_unique<Tensor>());
        step.outs[k] = plan->owned_.back().get();
      } else {
        step.outs[k] = plan->owned_[id].get();
      }
    }
    plan->steps_.push_back(std::move(step));
  }
  RETURN_IF_ERROR(plan->FuseActivations(model, cctx));
  GraphPlan* self = plan.get();
  plan->scope_ = [self](const std::string& name) { return self->Resolve(name); };
  return plan;
}

absl::StatusOr<std::unique_ptr<Kernel>> GraphPlan::CompileNode(const Node& node,
                                                               const Model& model,
                                                               CompileContext& cctx) {
  const OpSpec* spec = OpRegistry::Get().FindForNode(node, &model);
  if (spec == nullptr) {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": unsupported op '",
                                                 node.domain().empty() ? "" : node.domain() + "::",
                                                 node.op_type(), "'"));
  }
  cctx.opset = EffectiveOpset(node, &model);
  auto kernel = spec->compile(node, cctx);
  if (!kernel.ok()) {
    // Kernels report attribute problems without the node; add it here once.
    std::string msg(kernel.status().message());
    if (msg.find(node.name()) == std::string::npos) {
      return absl::Status(kernel.status().code(), absl::StrCat(node.Describe(), ": ", msg));
    }
  }
  return kernel;
}

bool GraphPlan::IsStable(const Value* v) const {
  return v == nullptr || v->is_initializer() || (v->producer() != nullptr && v->graph() == &graph_);
}

absl::Status GraphPlan::FuseActivations(const Model& model, CompileContext& cctx) {
  absl::flat_hash_map<const Node*, size_t> step_of;
  for (size_t i = 0; i < steps_.size(); ++i) step_of[steps_[i].node] = i;
  std::vector<bool> removed(steps_.size(), false);
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Node& act = *steps_[i].node;
    if (act.op_type() != "Relu" || !act.domain().empty() || act.num_inputs() != 1 ||
        act.num_outputs() != 1 || act.output(0) == nullptr || steps_[i].output_ids[0] < 0) {
      continue;
    }
    const Value* v = act.input(0);
    if (v == nullptr || v->producer() == nullptr || v->uses().size() != 1 ||
        v->is_graph_output() || v->producer()->num_outputs() != 1) {
      continue;
    }
    const Node& producer = *v->producer();
    auto it = step_of.find(&producer);
    if (it == step_of.end()) continue;
    Step& target = steps_[it->second];
    auto* fusable = dynamic_cast<ActivationFusion*>(target.kernel.get());
    if (fusable == nullptr) continue;
    bool stable_inputs = true;
    for (const Value* in : producer.inputs()) stable_inputs = stable_inputs && IsStable(in);
    if (!stable_inputs) continue;
    ASSIGN_OR_RETURN(std::unique_ptr<Kernel> unfused, CompileNode(producer, model, cctx));
    if (!fusable->FuseActivation(FusedActivation::kRelu)) continue;
    const int value_id = target.output_ids[0];
    Deferred d;
    d.producer = &producer;
    d.kernel = std::move(unfused);
    d.input_ids = target.input_ids;
    d.ins.resize(d.input_ids.size());
    d.outs = {owned_[value_id].get()};
    deferred_[value_id] = std::move(d);
    target.output_ids[0] = steps_[i].output_ids[0];
    target.outs[0] = steps_[i].outs[0];
    target.fused = &act;
    removed[i] = true;
  }
  std::vector<Step> kept;
  for (size_t i = 0; i < steps_.size(); ++i) {
    if (!removed[i]) kept.push_back(std::move(steps_[i]));
  }
  steps_ = std::move(kept);
  return absl::OkStatus();
}

void GraphPlan::CollectProfile(std::vector<std::pair<std::string, double>>& out,
                               const std::string& prefix) const {
  for (const Step& step : steps_) {
    if (step.fused != nullptr) {
      out.emplace_back(absl::StrCat(prefix, step.node->name(), "+", step.fused->name(), " (",
                                    step.node->op_type(), "+", step.fused->op_type(), ")"),
                       step.seconds);
    } else {
      out.emplace_back(absl::StrCat(prefix, step.node->name(), " (", step.node->op_type(), ")"),
                       step.seconds);
    }
  }
}

const Tensor* GraphPlan::Bound(int id) const {
  auto it = deferred_.find(id);
  if (it != deferred_.end() && !it->second.ready) {
    Deferred& d = it->second;
    for (size_t k = 0; k < d.input_ids.size(); ++k) {
      d.ins[k] = d.input_ids[k] < 0 ? nullptr : Bound(d.input_ids[k]);
    }
    KernelContext ctx{d.ins, d.outs, &scope_};
    if (!d.kernel->Run(ctx).ok()) return nullptr;
    d.ready = true;
  }
  return bound_[id];
}

const Tensor* GraphPlan::Resolve(const std::string& name) const {
  auto it = ids_.find(name);
  if (it != ids_.end() && bound_[it->second] != nullptr) return Bound(it->second);
  return outer_ != nullptr ? (*outer_)(name) : nullptr;
}

const Tensor* GraphPlan::ValueTensor(const std::string& name) const {
  auto it = ids_.find(name);
  return it == ids_.end() ? nullptr : Bound(it->second);
}

absl::Status GraphPlan::Run(std::span<const Tensor* const> inputs,
                            std::span<Tensor* const> outputs, const OuterScope* outer) {
  RET_CHECK(inputs.size() == input_ids_.size());
  outer_ = outer;
  for (auto& [id, d] : deferred_) d.ready = false;
  for (size_t i = 0; i < inputs.size(); ++i) bound_[input_ids_[i]] = inputs[i];
  for (const auto& [id, name] : outer_refs_) {
    const Tensor* t = outer != nullptr ? (*outer)(name) : nullptr;
    if (t == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graph '", graph_.name(), "': outer-scope tensor '", name, "' is not available"));
    }
    bound_[id] = t;
  }
  for (Step& step : steps_) {
    for (size_t k = 0; k < step.input_ids.size(); ++k) {
      int id = step.input_ids[k];
      step.ins[k] = id < 0 ? nullptr : bound_[id];
    }
    KernelContext ctx{step.ins, step.outs, &scope_};
    auto start = profiling_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    absl::Status s = step.kernel->Run(ctx);
    if (profiling_) {
      step.seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    if (!s.ok()) {
      std::string msg(s.message());
      if (msg.find(step.node->name()) != std::string::npos) return s;
      return absl::Status(s.code(), absl::StrCat(step.node->Describe(), ": ", msg));
    }
  }
  for (size_t i = 0; i < outputs.size() && i < output_ids_.size(); ++i) {
    const Tensor* src = bound_[output_ids_[i]];
    RET_CHECK(src != nullptr);
    if (outputs[i] != src) {
      outputs[i]->Resize(src->type(), src->dims());
      std::memcpy(outputs[i]->raw(), src->raw(), src->byte_size());
    }
  }
  return absl::OkStatus();
}

}  // namespace finngl
