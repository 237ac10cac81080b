// Tests of the shape and data-movement ops: Flatten, Reshape, Transpose, Squeeze, Unsqueeze,
// Concat, Slice, Gather, Split, Pad, Shape, Constant, Expand.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <numeric>

#include "src/ir/datatype.h"
#include "src/ir/graph.h"
#include "src/ops/infer.h"
#include "tests/cpp/op_test_util.h"

namespace finngl {
namespace {

using ::finngl::testing::InferOp;
using ::finngl::testing::OpCall;
using ::finngl::testing::OpInput;
using ::finngl::testing::Run1;
using ::finngl::testing::RunError;
using ::finngl::testing::RunOp;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

// 0, 1, 2, ... in the given element type.
Tensor Iota(ElementType type, Dims dims) {
  Tensor t(type, dims);
  for (int64_t i = 0; i < t.size(); ++i) t.SetDouble(i, static_cast<double>(i));
  return t;
}
Tensor Ints(Dims dims, std::vector<int64_t> v) { return Tensor::FromVector<int64_t>(dims, v); }
Tensor Ints(std::vector<int64_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return Ints({n}, v);
}
Tensor Floats(Dims dims, std::vector<float> v) { return Tensor::FromVector<float>(dims, v); }

OpInput Runtime(Tensor t) {
  OpInput in;
  in.value = std::move(t);
  return in;
}
OpInput Const(Tensor t) {
  OpInput in = Runtime(std::move(t));
  in.constant = true;
  return in;
}

// A copyable (name, attribute) pair so tests can write attribute lists inline.
struct AttrArg {
  AttrArg(std::string n, Attribute a)
      : name(std::move(n)), value(std::make_shared<Attribute>(std::move(a))) {}
  std::string name;
  std::shared_ptr<Attribute> value;
};

OpCall Call(std::string op, std::vector<OpInput> inputs, std::vector<AttrArg> attrs = {}) {
  OpCall c;
  c.op_type = std::move(op);
  c.inputs = std::move(inputs);
  for (const AttrArg& a : attrs) c.attrs.emplace_back(a.name, a.value->Clone(nullptr));
  return c;
}
OpInput Omitted() {
  OpInput in;
  in.omitted = true;
  return in;
}

std::vector<double> Values(const Tensor& t) { return t.ToDoubles(); }

// Infers the single node with runtime input `index` given a (possibly symbolic) static shape.
absl::StatusOr<TensorType> InferWithShape(OpCall call, int index, Shape shape) {
  std::unique_ptr<Model> model = testing::BuildSingleOpModel(std::move(call));
  model->graph->FindValue(absl::StrCat("in", index))->type().shape = std::move(shape);
  absl::Status s = InferModelTypes(*model);
  if (!s.ok()) return s;
  return model->graph->outputs()[0]->type();
}

Shape Sym(std::initializer_list<Dim> dims) { return Shape(dims); }
Dim N() { return Dim{-1, "N"}; }
Dim K(int64_t v) { return Dim{v, ""}; }

// ============================================================================ Flatten

TEST(FlattenTest, AxesSplitTheDims) {
  for (auto [axis, a, b] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{
           {0, 1, 24}, {1, 2, 12}, {2, 6, 4}, {3, 24, 1}, {-1, 6, 4}}) {
    Tensor y = Run1(Call("Flatten", {Runtime(Iota(ElementType::kFloat, {2, 3, 4}))},
                         {{"axis", Attribute::Int(axis)}}));
    EXPECT_EQ(y.dims(), (Dims{a, b})) << axis;
    EXPECT_EQ(Values(y), Values(Iota(ElementType::kFloat, {24})));
  }
}

TEST(FlattenTest, KeepsElementTypeAndDataType) {
  OpInput x = Runtime(Iota(ElementType::kInt8, {2, 2, 2}));
  x.dtype = DataType::Int(4);
  auto types = InferOp(Call("Flatten", {x}));
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].elem, ElementType::kInt8);
  EXPECT_EQ((*types)[0].dtype, DataType::Int(4));
  EXPECT_EQ(ShapeToString(*(*types)[0].shape), "[2, 4]");
}

TEST(FlattenTest, SymbolicBatchPassesThrough) {
  auto t = InferWithShape(Call("Flatten", {Runtime(Iota(ElementType::kFloat, {1, 3, 4}))}), 0,
                          Sym({N(), K(3), K(4)}));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(ShapeToString(*t->shape), "[N, 12]");
}

TEST(FlattenTest, RejectsAxisOutOfRange) {
  EXPECT_THAT(RunError(Call("Flatten", {Runtime(Iota(ElementType::kFloat, {2, 3}))},
                            {{"axis", Attribute::Int(3)}})),
              HasSubstr("attribute 'axis' value 3 is out of range"));
}

// ============================================================================ Reshape

TEST(ReshapeTest, InfersMinusOneAndCopiesZeros) {
  Tensor x = Iota(ElementType::kFloat, {2, 3, 4});
  EXPECT_EQ(Run1(Call("Reshape", {Runtime(x), Const(Ints({4, -1}))})).dims(), (Dims{4, 6}));
  EXPECT_EQ(Run1(Call("Reshape", {Runtime(x), Const(Ints({0, -1}))})).dims(), (Dims{2, 12}));
  EXPECT_EQ(Run1(Call("Reshape", {Runtime(x), Const(Ints({0, 0, 2, 2}))})).dims(),
            (Dims{2, 3, 2, 2}));
  Tensor y = Run1(Call("Reshape", {Runtime(x), Const(Ints({-1}))}));
  EXPECT_EQ(Values(y), Values(Iota(ElementType::kFloat, {24})));
}

TEST(ReshapeTest, ShapeAsRuntimeInput) {
  Tensor y =
      Run1(Call("Reshape", {Runtime(Iota(ElementType::kUint8, {6})), Runtime(Ints({3, 2}))}));
  EXPECT_EQ(y.dims(), (Dims{3, 2}));
  EXPECT_EQ(y.type(), ElementType::kUint8);
  EXPECT_EQ(Values(y), (std::vector<double>{0, 1, 2, 3, 4, 5}));
}

TEST(ReshapeTest, AllowZeroKeepsZeroDims) {
  Tensor x(ElementType::kFloat, {0, 3});
  Tensor y =
      Run1(Call("Reshape", {Runtime(x), Const(Ints({3, 0}))}, {{"allowzero", Attribute::Int(1)}}));
  EXPECT_EQ(y.dims(), (Dims{3, 0}));
}

TEST(ReshapeTest, OldOpsetUsesShapeAttribute) {
  OpCall call = Call("Reshape", {Runtime(Iota(ElementType::kFloat, {2, 3}))},
                     {{"shape", Attribute::Ints({3, -1})}});
  call.opset = 4;
  EXPECT_EQ(Run1(std::move(call)).dims(), (Dims{3, 2}));
}

TEST(ReshapeTest, SymbolicInference) {
  auto t = InferWithShape(
      Call("Reshape", {Runtime(Iota(ElementType::kFloat, {1, 3, 4})), Const(Ints({0, -1}))}), 0,
      Sym({N(), K(3), K(4)}));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(ShapeToString(*t->shape), "[N, 12]");
  auto u = InferWithShape(
      Call("Reshape", {Runtime(Iota(ElementType::kFloat, {1, 3, 4})), Const(Ints({-1, 12}))}), 0,
      Sym({N(), K(3), K(4)}));
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(ShapeToString(*u->shape), "[?, 12]");
}

TEST(ReshapeTest, PreservesDataType) {
  OpInput x = Runtime(Iota(ElementType::kFloat, {2, 2}));
  x.dtype = DataType::UInt(3);
  auto types = InferOp(Call("Reshape", {x, Const(Ints({4}))}));
  ASSERT_TRUE(types.ok());
  EXPECT_EQ((*types)[0].dtype, DataType::UInt(3));
}

TEST(ReshapeTest, Errors) {
  Tensor x = Iota(ElementType::kFloat, {2, 3});
  EXPECT_THAT(RunError(Call("Reshape", {Runtime(x), Const(Ints({4, 2}))})),
              HasSubstr("cannot reshape input 'in0' of shape [2, 3]"));
  EXPECT_THAT(RunError(Call("Reshape", {Runtime(x), Const(Ints({-1, -1}))})),
              HasSubstr("more than one -1"));
  EXPECT_THAT(RunError(Call("Reshape", {Runtime(x), Runtime(Ints({5}))})),
              HasSubstr("cannot reshape"));
}

// ============================================================================ Transpose

// out[perm-permuted index] reference by a naive loop over a rank-3 tensor.
std::vector<double> NaiveTranspose3(const Tensor& x, const std::vector<int64_t>& perm) {
  const Dims& d = x.dims();
  Dims od = {d[perm[0]], d[perm[1]], d[perm[2]]};
  std::vector<double> out(x.size());
  for (int64_t i = 0; i < od[0]; ++i)
    for (int64_t j = 0; j < od[1]; ++j)
      for (int64_t k = 0; k < od[2]; ++k) {
        int64_t idx[3];
        idx[perm[0]] = i;
        idx[perm[1]] = j;
        idx[perm[2]] = k;
        out[(i * od[1] + j) * od[2] + k] = x.GetDouble((idx[0] * d[1] + idx[1]) * d[2] + idx[2]);
      }
  return out;
}

TEST(TransposeTest, AllPermutationsOfRank3) {
  Tensor x = Iota(ElementType::kFloat, {2, 3, 4});
  std::vector<int64_t> perm = {0, 1, 2};
  do {
    Tensor y = Run1(Call("Transpose", {Runtime(x)}, {{"perm", Attribute::Ints(perm)}}));
    EXPECT_EQ(y.dims(), (Dims{x.dim(perm[0]), x.dim(perm[1]), x.dim(perm[2])}));
    EXPECT_EQ(Values(y), NaiveTranspose3(x, perm));
  } while (std::next_permutation(perm.begin(), perm.end()));
}

TEST(TransposeTest, DefaultReversesAndWorksForInt16AndRank4) {
  Tensor x = Iota(ElementType::kInt16, {2, 3});
  Tensor y = Run1(Call("Transpose", {Runtime(x)}));
  EXPECT_EQ(y.dims(), (Dims{3, 2}));
  EXPECT_EQ(y.type(), ElementType::kInt16);
  EXPECT_EQ(Values(y), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  // NCHW -> NHWC
  Tensor z = Run1(Call("Transpose", {Runtime(Iota(ElementType::kFloat, {1, 2, 2, 2}))},
                       {{"perm", Attribute::Ints({0, 2, 3, 1})}}));
  EXPECT_EQ(Values(z), (std::vector<double>{0, 4, 1, 5, 2, 6, 3, 7}));
}

TEST(TransposeTest, RejectsBadPerm) {
  EXPECT_THAT(RunError(Call("Transpose", {Runtime(Iota(ElementType::kFloat, {2, 3}))},
                            {{"perm", Attribute::Ints({0, 0})}})),
              HasSubstr("attribute 'perm' [0, 0] is not a permutation"));
}

// ============================================================================ Squeeze / Unsqueeze

TEST(SqueezeTest, AxesAttributeBeforeOpset13) {
  OpCall call = Call("Squeeze", {Runtime(Iota(ElementType::kFloat, {1, 3, 1}))},
                     {{"axes", Attribute::Ints({0})}});
  call.opset = 11;
  EXPECT_EQ(Run1(std::move(call)).dims(), (Dims{3, 1}));
}

TEST(SqueezeTest, AxesInputFromOpset13AndDefault) {
  Tensor x = Iota(ElementType::kFloat, {1, 3, 1});
  EXPECT_EQ(Run1(Call("Squeeze", {Runtime(x), Const(Ints({-1}))})).dims(), (Dims{1, 3}));
  EXPECT_EQ(Run1(Call("Squeeze", {Runtime(x)})).dims(), (Dims{3}));
  EXPECT_EQ(Run1(Call("Squeeze", {Runtime(x), Runtime(Ints({0, 2}))})).dims(), (Dims{3}));
}

TEST(SqueezeTest, RejectsNonUnitAxis) {
  EXPECT_THAT(
      RunError(Call("Squeeze", {Runtime(Iota(ElementType::kFloat, {1, 3})), Const(Ints({1}))})),
      HasSubstr("cannot squeeze axis 1"));
}

TEST(UnsqueezeTest, AttributeAndInputForms) {
  OpCall old = Call("Unsqueeze", {Runtime(Iota(ElementType::kFloat, {2, 3}))},
                    {{"axes", Attribute::Ints({0, 3})}});
  old.opset = 11;
  EXPECT_EQ(Run1(std::move(old)).dims(), (Dims{1, 2, 3, 1}));
  Tensor x = Iota(ElementType::kInt32, {2, 3});
  EXPECT_EQ(Run1(Call("Unsqueeze", {Runtime(x), Const(Ints({-1}))})).dims(), (Dims{2, 3, 1}));
  EXPECT_EQ(Run1(Call("Unsqueeze", {Runtime(x), Const(Ints({1}))})).dims(), (Dims{2, 1, 3}));
  Tensor s = Run1(Call("Unsqueeze", {Runtime(Tensor::Scalar<float>(7)), Const(Ints({0}))}));
  EXPECT_EQ(s.dims(), (Dims{1}));
  EXPECT_EQ(s.GetDouble(0), 7);
}

TEST(UnsqueezeTest, RejectsDuplicateAxes) {
  EXPECT_THAT(
      RunError(Call("Unsqueeze", {Runtime(Iota(ElementType::kFloat, {2})), Const(Ints({0, 0}))})),
      HasSubstr("repeats axis 0"));
}

// ============================================================================ Concat

TEST(ConcatTest, ConcatenatesAlongAxis) {
  Tensor a = Floats({2, 1}, {0, 1});
  Tensor b = Floats({2, 2}, {10, 11, 12, 13});
  Tensor y = Run1(Call("Concat", {Runtime(a), Runtime(b)}, {{"axis", Attribute::Int(1)}}));
  EXPECT_EQ(y.dims(), (Dims{2, 3}));
  EXPECT_EQ(Values(y), (std::vector<double>{0, 10, 11, 1, 12, 13}));
  Tensor z = Run1(Call("Concat", {Runtime(b), Const(b)}, {{"axis", Attribute::Int(-2)}}));
  EXPECT_EQ(z.dims(), (Dims{4, 2}));
  EXPECT_EQ(Values(z), (std::vector<double>{10, 11, 12, 13, 10, 11, 12, 13}));
  Tensor w =
      Run1(Call("Concat", {Runtime(Iota(ElementType::kInt8, {3}))}, {{"axis", Attribute::Int(0)}}));
  EXPECT_EQ(Values(w), (std::vector<double>{0, 1, 2}));
}

TEST(ConcatTest, DataTypeIsSmallestHoldingAllInputs) {
  auto dtype_of = [](std::vector<DataType> dts) {
    OpCall call = Call("Concat", {}, {{"axis", Attribute::Int(0)}});
    for (const DataType& dt : dts) {
      OpInput in = Runtime(Floats({1}, {0}));
      in.dtype = dt;
      call.inputs.push_back(in);
    }
    auto t = InferOp(std::move(call));
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? (*t)[0].dtype.Name() : "";
  };
  EXPECT_EQ(dtype_of({DataType::Int(4), DataType::Int(4)}), "INT4");
  EXPECT_EQ(dtype_of({DataType::Int(4), DataType::UInt(4)}), "INT5");
  EXPECT_EQ(dtype_of({DataType::UInt(2), DataType::UInt(7)}), "UINT7");
  EXPECT_EQ(dtype_of({DataType::Bipolar(), DataType::Binary()}), "INT2");
  EXPECT_EQ(dtype_of({DataType::Int(4), DataType::Float32()}), "FLOAT32");
}

TEST(ConcatTest, RejectsMismatchedShapes) {
  EXPECT_THAT(
      RunError(Call("Concat", {Runtime(Floats({2, 1}, {0, 1})), Runtime(Floats({3, 1}, {0, 1, 2}))},
                    {{"axis", Attribute::Int(1)}})),
      HasSubstr("input 'in1' has shape [3, 1], incompatible with [2, 1]"));
}

// ============================================================================ Slice

Tensor SliceRun(const Tensor& x, std::vector<int64_t> starts, std::vector<int64_t> ends,
                std::vector<int64_t> axes = {}, std::vector<int64_t> steps = {}) {
  OpCall call = Call("Slice", {Runtime(x), Const(Ints(starts)), Const(Ints(ends))});
  call.inputs.push_back(axes.empty() ? Omitted() : Const(Ints(axes)));
  if (!steps.empty()) call.inputs.push_back(Const(Ints(steps)));
  return Run1(std::move(call));
}

TEST(SliceTest, BasicWindowAndClamping) {
  Tensor x = Iota(ElementType::kFloat, {3, 4});
  Tensor y = SliceRun(x, {1}, {3}, {1});
  EXPECT_EQ(y.dims(), (Dims{3, 2}));
  EXPECT_EQ(Values(y), (std::vector<double>{1, 2, 5, 6, 9, 10}));
  Tensor z = SliceRun(x, {-2, 0}, {1000, kInt64Max});
  EXPECT_EQ(z.dims(), (Dims{2, 4}));
  EXPECT_EQ(Values(z), (std::vector<double>{4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(SliceRun(x, {3}, {1}, {1}).dims(), (Dims{3, 0}));  // empty window
}

TEST(SliceTest, StepsIncludingNegative) {
  Tensor x = Iota(ElementType::kInt64, {6});
  EXPECT_EQ(Values(SliceRun(x, {0}, {6}, {0}, {2})), (std::vector<double>{0, 2, 4}));
  EXPECT_EQ(Values(SliceRun(x, {-1}, {kInt64Min}, {0}, {-1})),
            (std::vector<double>{5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(Values(SliceRun(x, {10}, {0}, {0}, {-2})), (std::vector<double>{5, 3, 1}));
  // onnxruntime: an end of INT64_MAX / INT32_MAX means "to the end" in either direction.
  EXPECT_EQ(Values(SliceRun(x, {-2}, {kInt64Max}, {0}, {-2})), (std::vector<double>{4, 2, 0}));
  EXPECT_EQ(Values(SliceRun(x, {3}, {std::numeric_limits<int32_t>::max()}, {0}, {-1})),
            (std::vector<double>{3, 2, 1, 0}));
  EXPECT_EQ(Values(SliceRun(x, {4}, {-100}, {0}, {-3})), (std::vector<double>{4, 1}));
  Tensor m = Iota(ElementType::kFloat, {2, 3});
  EXPECT_EQ(Values(SliceRun(m, {-1, -1}, {kInt64Min, kInt64Min}, {0, 1}, {-1, -2})),
            (std::vector<double>{5, 3, 2, 0}));
}

TEST(SliceTest, AttributesBeforeOpset10) {
  OpCall call = Call("Slice", {Runtime(Iota(ElementType::kFloat, {3, 4}))},
                     {{"starts", Attribute::Ints({1})},
                      {"ends", Attribute::Ints({-1})},
                      {"axes", Attribute::Ints({0})}});
  call.opset = 9;
  Tensor y = Run1(std::move(call));
  EXPECT_EQ(y.dims(), (Dims{1, 4}));
  EXPECT_EQ(Values(y), (std::vector<double>{4, 5, 6, 7}));
}

TEST(SliceTest, InfersStaticShapeAndRejectsZeroStep) {
  auto t = InferOp(Call("Slice", {Runtime(Iota(ElementType::kFloat, {5, 7})), Const(Ints({1})),
                                  Const(Ints({7})), Const(Ints({1})), Const(Ints({3}))}));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(ShapeToString(*(*t)[0].shape), "[5, 2]");
  EXPECT_THAT(RunError(Call("Slice", {Runtime(Iota(ElementType::kFloat, {5})), Const(Ints({0})),
                                      Const(Ints({5})), Const(Ints({0})), Const(Ints({0}))})),
              HasSubstr("'steps' must not contain 0"));
}

// ============================================================================ Gather

TEST(GatherTest, Axis0WithNegativeIndices) {
  Tensor x = Iota(ElementType::kFloat, {3, 2});
  Tensor y = Run1(Call("Gather", {Runtime(x), Const(Ints({2}, {-1, 0}))}));
  EXPECT_EQ(y.dims(), (Dims{2, 2}));
  EXPECT_EQ(Values(y), (std::vector<double>{4, 5, 0, 1}));
  Tensor s = Run1(Call("Gather", {Runtime(x), Const(Tensor::Scalar<int64_t>(1))}));
  EXPECT_EQ(s.dims(), (Dims{2}));
  EXPECT_EQ(Values(s), (std::vector<double>{2, 3}));
}

TEST(GatherTest, Axis1WithInt32Indices2D) {
  Tensor x = Iota(ElementType::kUint8, {2, 3});
  Tensor idx = Tensor::FromVector<int32_t>({2, 2}, {2, 0, 1, 1});
  Tensor y = Run1(Call("Gather", {Runtime(x), Runtime(idx)}, {{"axis", Attribute::Int(-1)}}));
  EXPECT_EQ(y.dims(), (Dims{2, 2, 2}));
  EXPECT_EQ(Values(y), (std::vector<double>{2, 0, 1, 1, 5, 3, 4, 4}));
}

TEST(GatherTest, RejectsOutOfRangeIndex) {
  EXPECT_THAT(RunError(Call("Gather", {Runtime(Iota(ElementType::kFloat, {3})), Const(Ints({3}))})),
              HasSubstr("value 3 is out of range for axis 0 of size 3"));
  EXPECT_THAT(
      RunError(Call("Gather", {Runtime(Iota(ElementType::kFloat, {3})), Const(Floats({1}, {0}))})),
      HasSubstr("expected int32 or int64"));
}

// ============================================================================ Split

std::vector<Tensor> RunN(OpCall call) {
  auto out = RunOp(std::move(call));
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::vector<Tensor>{};
}

TEST(SplitTest, SplitInputFromOpset13) {
  OpCall call = Call("Split", {Runtime(Iota(ElementType::kFloat, {2, 3})), Const(Ints({1, 2}))},
                     {{"axis", Attribute::Int(1)}});
  call.num_outputs = 2;
  auto outs = RunN(std::move(call));
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[0].dims(), (Dims{2, 1}));
  EXPECT_EQ(Values(outs[0]), (std::vector<double>{0, 3}));
  EXPECT_EQ(Values(outs[1]), (std::vector<double>{1, 2, 4, 5}));
}

TEST(SplitTest, EqualSplitAndAttributeForm) {
  OpCall eq = Call("Split", {Runtime(Iota(ElementType::kInt8, {6}))});
  eq.num_outputs = 3;
  auto outs = RunN(std::move(eq));
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_EQ(Values(outs[2]), (std::vector<double>{4, 5}));
  OpCall old = Call("Split", {Runtime(Iota(ElementType::kFloat, {5}))},
                    {{"split", Attribute::Ints({4, 1})}});
  old.opset = 11;
  old.num_outputs = 2;
  outs = RunN(std::move(old));
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(Values(outs[1]), (std::vector<double>{4}));
}

TEST(SplitTest, NumOutputsOpset18LastPieceSmaller) {
  OpCall call = Call("Split", {Runtime(Iota(ElementType::kFloat, {7}))},
                     {{"num_outputs", Attribute::Int(3)}});
  call.opset = 18;
  call.num_outputs = 3;
  auto outs = RunN(std::move(call));
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_EQ(outs[0].dims(), (Dims{3}));
  EXPECT_EQ(outs[2].dims(), (Dims{1}));
  EXPECT_EQ(Values(outs[2]), (std::vector<double>{6}));
}

TEST(SplitTest, Errors) {
  OpCall uneven = Call("Split", {Runtime(Iota(ElementType::kFloat, {5}))});
  uneven.num_outputs = 2;
  EXPECT_THAT(RunError(std::move(uneven)), HasSubstr("cannot be split evenly into 2 outputs"));
  OpCall bad = Call("Split", {Runtime(Iota(ElementType::kFloat, {5})), Const(Ints({1, 1}))});
  bad.num_outputs = 2;
  EXPECT_THAT(RunError(std::move(bad)), HasSubstr("sum to 2, but axis 0 has size 5"));
}

// ============================================================================ Pad

Tensor PadRun(const Tensor& x, std::vector<int64_t> pads, const std::string& mode,
              std::optional<Tensor> value = std::nullopt) {
  OpCall call = Call("Pad", {Runtime(x), Const(Ints(pads))}, {{"mode", Attribute::String(mode)}});
  if (value) call.inputs.push_back(Const(*value));
  return Run1(std::move(call));
}

TEST(PadTest, ConstantMode) {
  Tensor x = Floats({2, 2}, {1, 2, 3, 4});
  Tensor y = PadRun(x, {0, 1, 1, 0}, "constant", Tensor::Scalar<float>(9));
  EXPECT_EQ(y.dims(), (Dims{3, 3}));
  EXPECT_EQ(Values(y), (std::vector<double>{9, 1, 2, 9, 3, 4, 9, 9, 9}));
  Tensor z = PadRun(x, {1, 0, 0, 0}, "constant");
  EXPECT_EQ(Values(z), (std::vector<double>{0, 0, 1, 2, 3, 4}));
}

TEST(PadTest, ReflectEdgeWrap) {
  Tensor x = Floats({4}, {1, 2, 3, 4});
  EXPECT_EQ(Values(PadRun(x, {2, 2}, "reflect")), (std::vector<double>{3, 2, 1, 2, 3, 4, 3, 2}));
  EXPECT_EQ(Values(PadRun(x, {2, 1}, "edge")), (std::vector<double>{1, 1, 1, 2, 3, 4, 4}));
  OpCall wrap =
      Call("Pad", {Runtime(x), Const(Ints({1, 2}))}, {{"mode", Attribute::String("wrap")}});
  wrap.opset = 19;
  EXPECT_EQ(Values(Run1(std::move(wrap))), (std::vector<double>{4, 1, 2, 3, 4, 1, 2}));
  Tensor m = Iota(ElementType::kInt32, {2, 3});
  Tensor r = PadRun(m, {1, 1, 1, 1}, "reflect");
  EXPECT_EQ(r.dims(), (Dims{4, 5}));
  EXPECT_EQ(Values(r),
            (std::vector<double>{4, 3, 4, 5, 4, 1, 0, 1, 2, 1, 4, 3, 4, 5, 4, 1, 0, 1, 2, 1}));
}

TEST(PadTest, NegativePadsCrop) {
  Tensor x = Iota(ElementType::kFloat, {5});
  EXPECT_EQ(Values(PadRun(x, {-1, -2}, "constant")), (std::vector<double>{1, 2}));
  EXPECT_EQ(Values(PadRun(x, {-2, 1}, "edge")), (std::vector<double>{2, 3, 4, 4}));
}

TEST(PadTest, AttributesBeforeOpset11AndAxesOpset18) {
  OpCall old = Call("Pad", {Runtime(Floats({2}, {1, 2}))},
                    {{"pads", Attribute::Ints({1, 1})}, {"value", Attribute::Float(-1)}});
  old.opset = 2;
  EXPECT_EQ(Values(Run1(std::move(old))), (std::vector<double>{-1, 1, 2, -1}));
  OpCall axes = Call("Pad", {Runtime(Iota(ElementType::kFloat, {2, 2})), Const(Ints({1, 0})),
                             Omitted(), Const(Ints({-1}))});
  axes.opset = 18;
  Tensor y = Run1(std::move(axes));
  EXPECT_EQ(y.dims(), (Dims{2, 3}));
  EXPECT_EQ(Values(y), (std::vector<double>{0, 0, 1, 0, 2, 3}));
}

TEST(PadTest, Errors) {
  EXPECT_THAT(RunError(Call("Pad", {Runtime(Iota(ElementType::kFloat, {2})), Const(Ints({1}))})),
              HasSubstr("'pads' has 1 values, expected 2"));
  EXPECT_THAT(
      RunError(Call("Pad", {Runtime(Iota(ElementType::kFloat, {2})), Const(Ints({-2, -1}))})),
      HasSubstr("negative"));
  EXPECT_THAT(RunError(Call("Pad", {Runtime(Iota(ElementType::kFloat, {2})), Const(Ints({1, 1}))},
                            {{"mode", Attribute::String("mirror")}})),
              HasSubstr("'mirror' is not one of"));
}

// ============================================================================ Shape / Constant /
// Expand

TEST(ShapeTest, DimsWithStartEnd) {
  Tensor x = Iota(ElementType::kFloat, {2, 3, 4});
  Tensor y = Run1(Call("Shape", {Runtime(x)}));
  EXPECT_EQ(y.type(), ElementType::kInt64);
  EXPECT_EQ(Values(y), (std::vector<double>{2, 3, 4}));
  EXPECT_EQ(Values(Run1(Call("Shape", {Runtime(x)}, {{"start", Attribute::Int(1)}}))),
            (std::vector<double>{3, 4}));
  EXPECT_EQ(Values(Run1(Call("Shape", {Runtime(x)},
                             {{"start", Attribute::Int(-2)}, {"end", Attribute::Int(-1)}}))),
            (std::vector<double>{3}));
  EXPECT_EQ(Run1(Call("Shape", {Runtime(x)}, {{"start", Attribute::Int(5)}})).dims(), (Dims{0}));
}

// Shape -> Gather -> Unsqueeze -> Concat -> Reshape: the constant recorded by Shape lets the
// Reshape's output shape resolve statically.
TEST(ShapeTest, ConstantPropagatesIntoReshape) {
  Model m;
  m.opset_imports.push_back({"", 17});
  Graph& g = *m.graph;
  TensorType t;
  t.elem = ElementType::kFloat;
  t.shape = ShapeFromDims(Dims{2, 3, 4});
  Value* x = *g.AddValue("x", t);
  g.AddInput(x);
  Value* idx = *g.AddInitializer("idx", Tensor::Scalar<int64_t>(0));
  Value* axes = *g.AddInitializer("axes", Ints({0}));
  Value* minus1 = *g.AddInitializer("minus1", Ints({-1}));
  Node* shape = *g.AddNodeWithNewOutputs("Shape", "", "shape", {x}, {"s"});
  Node* gather = *g.AddNodeWithNewOutputs("Gather", "", "gather", {shape->output(0), idx}, {"n"});
  Node* unsq = *g.AddNodeWithNewOutputs("Unsqueeze", "", "unsq", {gather->output(0), axes}, {"n1"});
  Node* cat = *g.AddNodeWithNewOutputs("Concat", "", "cat", {unsq->output(0), minus1}, {"target"});
  cat->SetAttr("axis", Attribute::Int(0));
  Node* rs = *g.AddNodeWithNewOutputs("Reshape", "", "reshape", {x, cat->output(0)}, {"y"});
  g.AddOutput(rs->output(0));
  ASSERT_TRUE(InferModelTypes(m).ok());
  EXPECT_EQ(ShapeToString(*rs->output(0)->type().shape), "[2, 12]");
}

TEST(ConstantTest, AllValueForms) {
  Tensor v = Floats({2}, {1.5, -2});
  Tensor y = Run1(Call("Constant", {}, {{"value", Attribute::FromTensor(v)}}));
  EXPECT_TRUE(y.SameContents(v));
  EXPECT_EQ(Values(Run1(Call("Constant", {}, {{"value_floats", Attribute::Floats({1, 2, 3})}}))),
            (std::vector<double>{1, 2, 3}));
  Tensor i = Run1(Call("Constant", {}, {{"value_int", Attribute::Int(7)}}));
  EXPECT_EQ(i.type(), ElementType::kInt64);
  EXPECT_EQ(i.rank(), 0);
  EXPECT_EQ(Run1(Call("Constant", {}, {{"value_ints", Attribute::Ints({4, 5})}})).dims(),
            (Dims{2}));
  EXPECT_EQ(Run1(Call("Constant", {}, {{"value_float", Attribute::Float(0.25)}})).GetDouble(0),
            0.25);
  EXPECT_THAT(RunError(Call("Constant", {}, {})), HasSubstr("exactly one of 'value'"));
}

TEST(ExpandTest, BroadcastsToShape) {
  Tensor x = Floats({3, 1}, {1, 2, 3});
  Tensor y = Run1(Call("Expand", {Runtime(x), Const(Ints({2, 1, 4}))}));
  EXPECT_EQ(y.dims(), (Dims{2, 3, 4}));
  std::vector<double> want;
  for (int r = 0; r < 2; ++r)
    for (int i = 1; i <= 3; ++i)
      for (int k = 0; k < 4; ++k) want.push_back(i);
  EXPECT_EQ(Values(y), want);
  // A shape smaller than the input keeps the input's dims.
  Tensor z = Run1(Call("Expand", {Runtime(Iota(ElementType::kInt8, {2, 2})), Const(Ints({1}))}));
  EXPECT_EQ(z.dims(), (Dims{2, 2}));
  EXPECT_THAT(RunError(Call("Expand", {Runtime(x), Const(Ints({2, 2}))})),
              HasSubstr("cannot be broadcast"));
}

TEST(ShapeOpsTest, DataMovementPreservesDataType) {
  {
    OpInput x = Runtime(Iota(ElementType::kFloat, {2, 2}));
    x.dtype = DataType::Bipolar();
    auto t = InferOp(Call("Transpose", {x}));
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ((*t)[0].dtype, DataType::Bipolar());
  }
  OpInput x = Runtime(Iota(ElementType::kFloat, {4}));
  x.dtype = DataType::Int(3);
  OpCall split = Call("Split", {x});
  split.num_outputs = 2;
  auto t = InferOp(std::move(split));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)[1].dtype, DataType::Int(3));
  auto g = InferOp(Call("Gather", {x, Const(Ints({0}))}));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ((*g)[0].dtype, DataType::Int(3));
  auto p = InferOp(Call("Pad", {x, Const(Ints({1, 1}))}));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)[0].dtype, DataType::Int(3));
  EXPECT_EQ(ShapeToString(*(*p)[0].shape), "[6]");
}

}  // namespace
}  // namespace finngl
