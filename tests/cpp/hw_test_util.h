// Test helpers for src/hw: builds graphs of hardware layers through the IR API (values with
// shapes and datatype annotations, initializers, HW nodes with FINN attributes).
#ifndef FINNGL_TESTS_CPP_HW_TEST_UTIL_H_
#define FINNGL_TESTS_CPP_HW_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "src/ir/datatype.h"
#include "src/ir/graph.h"

namespace finngl::hw::testing {

inline TensorType Ty(std::vector<int64_t> dims, DataType dt) {
  TensorType t;
  t.elem = ElementType::kFloat;
  t.shape = ShapeFromDims(dims);
  t.dtype = dt;
  t.dtype_annotated = true;
  return t;
}

inline Value* NewValue(Graph& g, const std::string& name, std::vector<int64_t> dims, DataType dt) {
  absl::StatusOr<Value*> v = g.AddValue(name, Ty(std::move(dims), dt));
  EXPECT_TRUE(v.ok()) << v.status();
  return *v;
}

inline Value* NewInit(Graph& g, const std::string& name, const std::vector<int64_t>& dims,
                      const std::vector<float>& data, DataType dt) {
  absl::StatusOr<Value*> v = g.AddInitializer(name, Tensor::FromVector<float>(dims, data));
  EXPECT_TRUE(v.ok()) << v.status();
  (*v)->type().dtype = dt;
  (*v)->type().dtype_annotated = true;
  return *v;
}

// A copyable attribute value (Attribute is move-only, initializer lists copy), converted to an
// Attribute where one is needed.
struct AttrV {
  std::variant<int64_t, std::string, std::vector<int64_t>> v;
  operator Attribute() const {  // NOLINT(google-explicit-constructor)
    if (std::holds_alternative<int64_t>(v)) return Attribute::Int(std::get<int64_t>(v));
    if (std::holds_alternative<std::string>(v)) return Attribute::String(std::get<std::string>(v));
    return Attribute::Ints(std::get<std::vector<int64_t>>(v));
  }
};
inline AttrV I(int64_t v) { return {v}; }
inline AttrV S(std::string v) { return {std::move(v)}; }
inline AttrV Is(std::vector<int64_t> v) { return {std::move(v)}; }

inline Node* NewNode(Graph& g, const std::string& op, const std::string& name,
                     std::vector<Value*> ins, std::vector<Value*> outs,
                     const std::vector<std::pair<std::string, AttrV>>& attrs) {
  absl::StatusOr<Node*> n = g.AddNode(op, kHwDomain, name, ins, outs);
  EXPECT_TRUE(n.ok()) << n.status();
  for (const auto& [k, a] : attrs) (*n)->SetAttr(k, a);
  return *n;
}

// An MVAU reading `x` ([1, ..., mw]) with an all-`w` weight matrix; returns the node. `thr_steps`
// > 0 adds a thresholds initializer [mh, thr_steps] (ascending 0, 1, ...).
inline Node* AddMvau(Graph& g, const std::string& name, Value* x, Value* y, int64_t mw, int64_t mh,
                     int64_t pe, int64_t simd, DataType idt, DataType wdt, DataType odt,
                     DataType adt, int64_t thr_steps = 0, std::vector<int64_t> nvec = {},
                     float w = 1) {
  Value* wv = NewInit(g, name + "_W", {mw, mh}, std::vector<float>(mw * mh, w), wdt);
  std::vector<Value*> ins = {x, wv};
  if (thr_steps > 0) {
    std::vector<float> t;
    for (int64_t c = 0; c < mh; ++c) {
      for (int64_t s = 0; s < thr_steps; ++s) t.push_back(static_cast<float>(s));
    }
    ins.push_back(NewInit(g, name + "_T", {mh, thr_steps}, t, adt));
  }
  return NewNode(g, "MVAU", name, ins, {y},
                 {{"MW", I(mw)},
                  {"MH", I(mh)},
                  {"PE", I(pe)},
                  {"SIMD", I(simd)},
                  {"inputDataType", S(idt.Name())},
                  {"weightDataType", S(wdt.Name())},
                  {"outputDataType", S(odt.Name())},
                  {"accDataType", S(adt.Name())},
                  {"noActivation", I(thr_steps > 0 ? 0 : 1)},
                  {"ActVal", I(0)},
                  {"numInputVectors", Is(nvec)}});
}

// A three-layer MLP: MVAU(mw0 -> mh0, thresholds to UINT4) -> MVAU(-> mh1, thresholds) ->
// MVAU(-> mh2, no activation), all folds 1. Inputs UINT4, weights INT4.
inline std::unique_ptr<Model> Mlp3(int64_t in, int64_t h0, int64_t h1, int64_t out) {
  auto m = std::make_unique<Model>();
  m->graph = std::make_unique<Graph>("mlp");
  Graph& g = *m->graph;
  const DataType u4 = DataType::UInt(4), i4 = DataType::Int(4), i16 = DataType::Int(16),
                 i32 = DataType::Int(32);
  Value* x = NewValue(g, "x", {1, in}, u4);
  Value* a = NewValue(g, "a", {1, h0}, u4);
  Value* b = NewValue(g, "b", {1, h1}, u4);
  Value* y = NewValue(g, "y", {1, out}, i32);
  g.AddInput(x);
  AddMvau(g, "MVAU_0", x, a, in, h0, 1, 1, u4, i4, u4, i16, 15);
  AddMvau(g, "MVAU_1", a, b, h0, h1, 1, 1, u4, i4, u4, i16, 15);
  AddMvau(g, "MVAU_2", b, y, h1, out, 1, 1, u4, i4, i32, i32, 0);
  g.AddOutput(y);
  return m;
}

}  // namespace finngl::hw::testing

#endif  // FINNGL_TESTS_CPP_HW_TEST_UTIL_H_
