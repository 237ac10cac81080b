// Test helpers for src/codegen: build small hardware graphs through the IR API, draw random
// integer inputs, and run a model both through the executor and through generated HLS C++ in C
// simulation.
#ifndef FINNGL_TESTS_CPP_CODEGEN_TEST_UTIL_H_
#define FINNGL_TESTS_CPP_CODEGEN_TEST_UTIL_H_

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "src/ir/graph.h"

namespace finngl::codegen::testing {

// A model under construction: HW nodes in kHwDomain, every tensor float32 with a datatype.
class HwGraph {
 public:
  HwGraph() : model_(std::make_unique<Model>()) {
    model_->opset_imports = {{"", 17}, {kHwDomain, 1}};
    model_->graph = std::make_unique<Graph>("hw_graph");
  }
  Graph& g() { return *model_->graph; }

  Value* Input(const std::string& name, const Dims& dims, DataType dt) {
    Value* v = *g().AddValue(name, Type(dims, dt));
    g().AddInput(v);
    return v;
  }
  Value* Const(const std::string& name, const Dims& dims, const std::vector<int64_t>& values,
               DataType dt) {
    std::vector<float> f(values.begin(), values.end());
    Value* v = *g().AddInitializer(name, Tensor::FromVector<float>(dims, f));
    v->type().dtype = dt;
    v->type().dtype_annotated = true;
    return v;
  }
  // A node with fresh outputs named <name>_out<i>.
  Node* Add(const std::string& op, const std::string& name, const std::vector<Value*>& inputs,
            int num_outputs = 1) {
    std::vector<std::string> outs;
    for (int i = 0; i < num_outputs; ++i) outs.push_back(name + "_out" + std::to_string(i));
    return *g().AddNodeWithNewOutputs(op, kHwDomain, name, inputs, outs);
  }
  void Output(Value* v) { g().AddOutput(v); }
  std::unique_ptr<Model> Take() { return std::move(model_); }

  static TensorType Type(const Dims& dims, DataType dt) {
    TensorType t;
    t.elem = ElementType::kFloat;
    t.shape = ShapeFromDims(dims);
    t.dtype = dt;
    t.dtype_annotated = true;
    return t;
  }

 private:
  std::unique_ptr<Model> model_;
};

inline void SetI(Node* n, const std::string& k, int64_t v) { n->SetAttr(k, Attribute::Int(v)); }
inline void SetS(Node* n, const std::string& k, const std::string& v) {
  n->SetAttr(k, Attribute::String(v));
}
inline void SetInts(Node* n, const std::string& k, std::vector<int64_t> v) {
  n->SetAttr(k, Attribute::Ints(std::move(v)));
}

// An MVAU's folding and datatype attributes (datatypes by name, e.g. "INT4").
inline void SetMvau(Node* n, int64_t mw, int64_t mh, int64_t pe, int64_t simd,
                    const std::string& in, const std::string& weight, const std::string& acc,
                    const std::string& out, int64_t no_activation) {
  SetI(n, "MW", mw);
  SetI(n, "MH", mh);
  SetI(n, "PE", pe);
  SetI(n, "SIMD", simd);
  SetS(n, "inputDataType", in);
  SetS(n, "weightDataType", weight);
  SetS(n, "accDataType", acc);
  SetS(n, "outputDataType", out);
  SetI(n, "noActivation", no_activation);
}

inline std::vector<int64_t> RandomValues(std::mt19937_64& rng, size_t n, DataType dt) {
  std::uniform_int_distribution<int64_t> dist(dt.MinInt(), static_cast<int64_t>(dt.Max()));
  std::vector<int64_t> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}
inline Tensor RandomTensor(std::mt19937_64& rng, const Dims& dims, DataType dt) {
  std::vector<int64_t> v = RandomValues(rng, NumElementsOf(dims), dt);
  return Tensor::FromVector<float>(dims, std::vector<float>(v.begin(), v.end()));
}
// `rows` ascending rows of `steps` thresholds drawn from [lo, hi].
inline std::vector<int64_t> RandomThresholds(std::mt19937_64& rng, int64_t rows, int64_t steps,
                                             int64_t lo, int64_t hi) {
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<int64_t> t(rows * steps);
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<int64_t> row(steps);
    for (auto& x : row) x = dist(rng);
    std::sort(row.begin(), row.end());
    std::copy(row.begin(), row.end(), t.begin() + r * steps);
  }
  return t;
}

// A fresh scratch directory for one test.
inline std::string TestDir(const std::string& name) {
  std::filesystem::path p = std::filesystem::temp_directory_path() /
                            ("finngl_codegen_" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

}  // namespace finngl::codegen::testing

#endif  // FINNGL_TESTS_CPP_CODEGEN_TEST_UTIL_H_
