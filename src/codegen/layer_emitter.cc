#include "src/codegen/layer_emitter.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "src/codegen/hls_types.h"

namespace finngl::codegen {

const LayerEmitter* FindLayerEmitter(const std::string& op_type) {
  static const auto* const kTable = new std::map<std::string, LayerEmitter>{
      {"MVAU", MvauEmitter()},
      {"Thresholding", ThresholdingEmitter()},
      {"ConvolutionInputGenerator", SlidingWindowEmitter()},
      {"StreamingMaxPool", MaxPoolEmitter()},
      {"ElementwiseAdd", EltwiseEmitter()},
      {"ElementwiseSub", EltwiseEmitter()},
      {"ElementwiseMul", EltwiseEmitter()},
      {"DuplicateStreams", DuplicateStreamsEmitter()},
      {"StreamingDataWidthConverter", DataWidthConverterEmitter()},
      {"LabelSelect", LabelSelectEmitter()},
      {"RecurrentLayer", RecurrentLayerEmitter()},
  };
  auto it = kTable->find(op_type);
  return it == kTable->end() ? nullptr : &it->second;
}

namespace {

void WriteLevel(Printer& p, const std::vector<int64_t>& dims, std::vector<int64_t>& idx,
                size_t level, const std::function<int64_t(const std::vector<int64_t>&)>& value,
                bool last) {
  const std::string comma = last ? "" : ",";
  if (level + 1 == dims.size()) {
    std::string row = "{";
    for (int64_t i = 0; i < dims[level]; ++i) {
      idx[level] = i;
      if (i > 0) row += ", ";
      row += IntLiteral(value(idx));
    }
    p.Line(row + "}" + comma);
    return;
  }
  p.Line("{");
  p.Indent();
  for (int64_t i = 0; i < dims[level]; ++i) {
    idx[level] = i;
    WriteLevel(p, dims, idx, level + 1, value, i + 1 == dims[level]);
  }
  p.Outdent();
  p.Line("}" + comma);
}

}  // namespace

void WriteConstArray(Printer& p, const std::string& type, const std::string& name,
                     const std::vector<int64_t>& dims,
                     const std::function<int64_t(const std::vector<int64_t>&)>& value) {
  std::string decl = absl::StrCat("static const ", type, " ", name);
  for (int64_t d : dims) absl::StrAppend(&decl, "[", d, "]");
  p.Line(decl + " = {");
  p.Indent();
  std::vector<int64_t> idx(dims.size(), 0);
  for (int64_t i = 0; i < dims[0]; ++i) {
    idx[0] = i;
    if (dims.size() == 1) {
      p.Line(IntLiteral(value(idx)) + (i + 1 == dims[0] ? "" : ","));
    } else {
      WriteLevel(p, dims, idx, 1, value, i + 1 == dims[0]);
    }
  }
  p.Outdent();
  p.Line("};");
}

}  // namespace finngl::codegen
