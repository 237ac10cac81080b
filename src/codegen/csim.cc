#include "src/codegen/csim.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"
#include "src/base/status.h"
#include "src/ir/datatype.h"

namespace finngl::codegen {
namespace {

namespace fs = std::filesystem;

// Frames per run of the simulation binary (see CSimulate): about 70 MB on the case study.
constexpr int64_t kFramesPerRun = 32;

std::string Quote(const std::string& s) {
  return "'" + absl::StrReplaceAll(s, {{"'", "'\\''"}}) + "'";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The last `max` characters: compiler output can be long, the end names the failure.
std::string Tail(const std::string& s, size_t max = 6000) {
  return s.size() <= max ? s : "..." + s.substr(s.size() - max);
}

// A fingerprint of every generated source under `dir` (csim/ excluded): a binary is reused only
// when both the command and the sources are unchanged.
std::string SourceFingerprint(const fs::path& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const fs::path rel = fs::relative(it->path(), dir, ec);
    if (rel.begin() != rel.end() && *rel.begin() == "csim") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) files.push_back(rel.generic_string());
  }
  std::sort(files.begin(), files.end());
  size_t h = 0;
  for (const std::string& f : files) {
    h = h * 1000003u ^ std::hash<std::string>{}(f);
    h = h * 1000003u ^ std::hash<std::string>{}(ReadFile(dir / f));
  }
  return absl::StrCat(files.size(), " files, hash ", absl::Hex(h));
}

// Compiles with paths relative to the project directory, so csim/command.txt stays valid
// wherever the project is moved (`cd PROJECT && <command>`).
absl::Status Compile(const fs::path& dir, const CSimOptions& options) {
  const fs::path bin_dir = dir / "csim";
  std::vector<std::string> sources = {"testbench.cpp", "top_axis.cpp", "top.cpp"};
  std::vector<std::string> layers;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir / "layers", ec)) {
    if (entry.path().extension() == ".cpp") layers.push_back("layers/" + entry.path().filename().string());
  }
  std::sort(layers.begin(), layers.end());
  sources.insert(sources.end(), layers.begin(), layers.end());
  std::vector<std::string> cmd = {Quote(options.compiler), "-std=c++20", "-O2", "-Ihlslib/sim",
                                  "-I."};
  for (const std::string& f : options.flags) cmd.push_back(Quote(f));
  for (const std::string& s : sources) cmd.push_back(Quote(s));
  cmd.push_back("-o");
  cmd.push_back("csim/csim");
  const std::string command = absl::StrJoin(cmd, " ");
  const std::string stamp_text =
      absl::StrCat("# run in the project directory\n", command, "\n# sources: ",
                   SourceFingerprint(dir), "\n");

  const fs::path stamp = bin_dir / "command.txt";
  if (fs::exists(bin_dir / "csim") && ReadFile(stamp) == stamp_text) return absl::OkStatus();
  fs::remove(bin_dir / "csim", ec);
  const fs::path log = bin_dir / "compile.log";
  const std::string shell =
      absl::StrCat("cd ", Quote(dir.string()), " && ", command, " > csim/compile.log 2>&1");
  const int rc = std::system(shell.c_str());
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("C simulation: compiling ", dir.string(),
                                            " failed:\n", command, "\n", Tail(ReadFile(log))));
  }
  std::ofstream(stamp, std::ios::binary | std::ios::trunc) << stamp_text;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::map<std::string, Tensor>> CSimulate(const std::string& project_dir,
                                                        const std::map<std::string, Tensor>& inputs,
                                                        const CSimOptions& options) {
  const fs::path dir = fs::absolute(project_dir);
  const std::string io_text = ReadFile(dir / "io.json");
  if (io_text.empty()) {
    return absl::NotFoundError(absl::StrCat(project_dir, ": no io.json (not a generated project?)"));
  }
  nlohmann::json io = nlohmann::json::parse(io_text, nullptr, /*allow_exceptions=*/false);
  if (io.is_discarded()) return absl::InternalError(absl::StrCat(project_dir, "/io.json is not JSON"));
  const fs::path bin_dir = dir / "csim";
  std::error_code ec;
  fs::create_directories(bin_dir, ec);

  // Inputs: each must hold the same number of frames, of values of the port's datatype.
  int64_t frames = -1;
  std::vector<std::pair<const Tensor*, int64_t>> ins;  // per input port: tensor, frame elements
  for (const auto& port : io["inputs"]) {
    const std::string name = port["name"];
    auto it = inputs.find(name);
    if (it == inputs.end()) {
      return absl::InvalidArgumentError(absl::StrCat("C simulation: missing input '", name, "'"));
    }
    const Tensor& t = it->second;
    const int64_t frame = NumElementsOf(port["frame_shape"].get<std::vector<int64_t>>());
    if (frame == 0 || t.size() % frame != 0 || (frames >= 0 && t.size() / frame != frames)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "C simulation: input '", name, "' has ", t.size(), " elements, not ",
          frames >= 0 ? absl::StrCat(frames) : std::string("a whole number of"), " frames of ",
          frame));
    }
    frames = t.size() / frame;
    ASSIGN_OR_RETURN(DataType dt, DataType::Parse(port["datatype"].get<std::string>()));
    for (int64_t i = 0; i < t.size(); ++i) {
      const double v = t.GetDouble(i);
      if (!dt.Allowed(v) || std::nearbyint(v) != v) {
        return absl::InvalidArgumentError(absl::StrCat("C simulation: input '", name, "' element ",
                                                       i, " = ", v, " is not a ", dt.Name(),
                                                       " value"));
      }
    }
    ins.emplace_back(&t, frame);
  }
  if (frames < 0) frames = 1;

  RETURN_IF_ERROR(Compile(dir, options));
  std::map<std::string, Tensor> outputs;
  for (const auto& port : io["outputs"]) {
    std::vector<int64_t> dims = {frames};
    for (int64_t d : port["frame_shape"].get<std::vector<int64_t>>()) dims.push_back(d);
    outputs[port["name"].get<std::string>()] = Tensor(ElementType::kFloat, dims);
  }

  // The simulated top runs its layers one after the other over all the frames it is given, so
  // every stream between two layers buffers all of them (about 2.2 MB a frame on the case study):
  // the binary runs on chunks of frames, bounding its memory by the chunk.
  int64_t begin = 0;
  do {  // once even for 0 frames, as the binary was always run
    const int64_t end = std::min(frames, begin + kFramesPerRun);
    const int64_t count = end - begin;
    size_t p = 0;
    for (const auto& port : io["inputs"]) {
      const auto& [t, frame] = ins[p++];
      std::vector<int64_t> values(static_cast<size_t>(count * frame));
      for (int64_t i = 0; i < count * frame; ++i) {
        const int64_t k = begin * frame + i;
        values[i] = t->type() == ElementType::kInt64 ? t->GetInt64(k)
                                                      : static_cast<int64_t>(t->GetDouble(k));
      }
      std::ofstream out(bin_dir / port["file"].get<std::string>(),
                        std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(int64_t));
      if (!out) return absl::InternalError("C simulation: cannot write input files");
    }
    for (const auto& port : io["outputs"]) fs::remove(bin_dir / port["file"].get<std::string>(), ec);
    const fs::path log = bin_dir / "run.log";
    const std::string run = absl::StrCat("cd ", Quote(bin_dir.string()), " && ./csim ", count,
                                         " . > ", Quote(log.string()), " 2>&1");
    if (std::system(run.c_str()) != 0) {
      return absl::InternalError(
          absl::StrCat("C simulation of ", project_dir, " failed:\n", Tail(ReadFile(log))));
    }
    for (const auto& port : io["outputs"]) {
      Tensor& t = outputs[port["name"].get<std::string>()];
      const int64_t frame = t.size() / std::max<int64_t>(frames, 1);
      const std::string bytes = ReadFile(bin_dir / port["file"].get<std::string>());
      const size_t want = static_cast<size_t>(count * frame) * sizeof(int64_t);
      if (bytes.size() != want) {
        return absl::InternalError(absl::StrCat("C simulation: output file ",
                                                port["file"].get<std::string>(), " has ",
                                                bytes.size(), " bytes, expected ", want));
      }
      std::vector<int64_t> v(count * frame);
      std::memcpy(v.data(), bytes.data(), bytes.size());
      for (int64_t i = 0; i < count * frame; ++i) {
        t.SetDouble(begin * frame + i, static_cast<double>(v[i]));
      }
    }
    begin = end;
  } while (begin < frames);
  return outputs;
}

}  // namespace finngl::codegen
