#include "tools/input_args.h"

#include <map>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/exec/frame_runner.h"
#include "src/ir/npy.h"

namespace finngl::cli {
namespace {

// Maps each model input to its file; see LoadInputArgs for the errors.
absl::StatusOr<std::map<std::string, std::string>> ParseInputArgs(
    const std::vector<std::string>& args, const std::vector<std::string>& model_inputs,
    const std::string& model_path, const std::string& flag) {
  std::map<std::string, std::string> files;
  for (const std::string& arg : args) {
    size_t eq = arg.find('=');
    std::string name, file;
    if (eq == std::string::npos) {
      if (model_inputs.size() != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            flag, " '", arg, "': the model '", model_path, "' has ", model_inputs.size(),
            " inputs, so each ", flag, " must be NAME=FILE.npy"));
      }
      name = model_inputs[0];
      file = arg;
    } else {
      name = arg.substr(0, eq);
      file = arg.substr(eq + 1);
    }
    bool known = false;
    for (const std::string& n : model_inputs) known |= n == name;
    if (!known) {
      std::string list;
      for (const std::string& n : model_inputs) {
        absl::StrAppend(&list, list.empty() ? "" : ", ", "'", n, "'");
      }
      return absl::InvalidArgumentError(absl::StrCat(model_path, ": ", flag, " '", arg,
                                                     "': the model has no input named '", name,
                                                     "' (inputs: ", list, ")"));
    }
    if (files.count(name)) {
      return absl::InvalidArgumentError(absl::StrCat("input '", name, "' is given twice"));
    }
    files[name] = file;
  }
  for (const std::string& n : model_inputs) {
    if (!files.count(n)) {
      return absl::InvalidArgumentError(
          absl::StrCat(model_path, ": no ", flag, " given for model input '", n, "'"));
    }
  }
  return files;
}

}  // namespace

absl::StatusOr<std::vector<Tensor>> LoadInputArgs(const std::vector<std::string>& args,
                                                  const Executor& exe,
                                                  const std::string& model_path,
                                                  const std::string& flag) {
  ASSIGN_OR_RETURN(auto files, ParseInputArgs(args, exe.input_names(), model_path, flag));
  std::vector<Tensor> inputs;
  for (const std::string& name : exe.input_names()) {
    auto t = ReadNpy(files[name]);
    if (!t.ok()) return Annotate(t.status(), absl::StrCat("input '", name, "': "));
    const Value* declared = exe.model().graph->FindValue(name);
    // A model built for one frame (a batch dimension of 1, as hardware graphs are) also takes B
    // frames along that axis: RunFrames runs them one at a time, so one frame is what must fit.
    const std::optional<int64_t> axis = FrameAxis(declared->type().shape, t->dims());
    absl::Status s = CheckInputTensor(*declared, axis ? FrameOf(*t, 0, *axis) : *t);
    if (!s.ok()) return Annotate(s, absl::StrCat(model_path, ": ", files[name], ": "));
    inputs.push_back(std::move(t).value());
  }
  return inputs;
}

}  // namespace finngl::cli
