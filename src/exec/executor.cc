#include "src/exec/executor.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/exec/graph_plan.h"
#include "src/ops/infer.h"

namespace finngl {

Executor::~Executor() = default;

absl::StatusOr<std::unique_ptr<Executor>> Executor::Create(const Model& model,
                                                           ExecOptions options) {
  std::unique_ptr<Executor> exe(new Executor());
  exe->model_ = model.Clone();
  RETURN_IF_ERROR(InferModelTypes(*exe->model_));
  ASSIGN_OR_RETURN(exe->plan_, GraphPlan::Compile(*exe->model_->graph, *exe->model_));
  exe->plan_->EnableProfiling(options.profile);
  return exe;
}

std::vector<std::string> Executor::input_names() const {
  std::vector<std::string> out;
  for (Value* v : model_->graph->inputs()) out.push_back(v->name());
  return out;
}

std::vector<std::string> Executor::output_names() const {
  std::vector<std::string> out;
  for (Value* v : model_->graph->outputs()) out.push_back(v->name());
  return out;
}

absl::Status CheckInputTensor(const Value& declared, const Tensor& given) {
  const TensorType& t = declared.type();
  auto expected = [&] { return t.ToString(); };
  if (t.elem != ElementType::kUndefined && t.elem != given.type()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input '", declared.name(), "': expected element type ", ElementTypeName(t.elem), " (",
        expected(), "), got ", ElementTypeName(given.type()), DimsToString(given.dims())));
  }
  if (t.shape) {
    bool ok = static_cast<int64_t>(t.shape->size()) == given.rank();
    for (size_t i = 0; ok && i < t.shape->size(); ++i) {
      const Dim& d = (*t.shape)[i];
      ok = !d.known() || d.value == given.dim(i);
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", declared.name(), "': expected shape ", ShapeToString(*t.shape), ", got ",
          DimsToString(given.dims())));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Tensor>> Executor::Run(const std::vector<Tensor>& inputs) {
  const auto& graph_inputs = model_->graph->inputs();
  if (inputs.size() != graph_inputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat("expected ", graph_inputs.size(),
                                                   " inputs, got ", inputs.size()));
  }
  std::vector<const Tensor*> ins;
  for (size_t i = 0; i < inputs.size(); ++i) {
    RETURN_IF_ERROR(CheckInputTensor(*graph_inputs[i], inputs[i]));
    ins.push_back(&inputs[i]);
  }
  std::vector<Tensor> outs(model_->graph->outputs().size());
  std::vector<Tensor*> out_ptrs;
  for (Tensor& t : outs) out_ptrs.push_back(&t);
  RETURN_IF_ERROR(plan_->Run(ins, out_ptrs, nullptr));
  return outs;
}

absl::StatusOr<std::map<std::string, Tensor>> Executor::Run(
    const std::map<std::string, Tensor>& inputs) {
  std::vector<Tensor> ordered;
  for (const std::string& name : input_names()) {
    auto it = inputs.find(name);
    if (it == inputs.end()) {
      return absl::InvalidArgumentError(absl::StrCat("missing input '", name, "'"));
    }
    ordered.push_back(it->second);
  }
  for (const auto& [name, t] : inputs) {
    bool known = false;
    for (const std::string& n : input_names()) known |= n == name;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat("the model has no input named '", name, "'"));
    }
  }
  ASSIGN_OR_RETURN(std::vector<Tensor> outs, Run(ordered));
  std::map<std::string, Tensor> named;
  std::vector<std::string> names = output_names();
  for (size_t i = 0; i < outs.size(); ++i) named[names[i]] = std::move(outs[i]);
  return named;
}

std::vector<std::pair<std::string, double>> Executor::Profile() const {
  std::vector<std::pair<std::string, double>> out;
  plan_->CollectProfile(out);
  std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.second > b.second; });
  return out;
}

const Tensor* Executor::Intermediate(const std::string& name) const {
  return plan_->ValueTensor(name);
}

}  // namespace finngl
