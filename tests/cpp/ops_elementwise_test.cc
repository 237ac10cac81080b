// Tests of the elementwise, activation and normalization op families, run through the real
// executor on one-node models: values against hand-derived results or naive reference loops,
// inferred shapes and DataTypes, and error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "src/exec/executor.h"
#include "src/ops/infer.h"
#include "tests/cpp/op_test_util.h"

namespace finngl {
namespace {

using ::finngl::testing::InferOp;
using ::finngl::testing::OpCall;
using ::finngl::testing::OpInput;
using ::finngl::testing::Run1;
using ::finngl::testing::RunError;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// ---------------------------------------------------------------------------- helpers

Tensor F(Dims dims, std::vector<float> v) { return Tensor::FromVector<float>(std::move(dims), v); }
template <typename T>
Tensor Typed(Dims dims, std::vector<T> v) {
  return Tensor::FromVector<T>(std::move(dims), v);
}
// std::vector<bool> has no contiguous storage, so bool tensors are filled one by one.
Tensor Bools(Dims dims, std::vector<int> v) {
  Tensor t(ElementType::kBool, std::move(dims));
  for (size_t i = 0; i < v.size(); ++i) t.data<bool>()[i] = v[i] != 0;
  return t;
}

OpInput In(Tensor t, std::optional<DataType> dtype = std::nullopt) {
  OpInput in;
  in.value = std::move(t);
  in.dtype = dtype;
  return in;
}
OpInput Const(Tensor t) {
  OpInput in;
  in.value = std::move(t);
  in.constant = true;
  return in;
}
OpInput Omitted() {
  OpInput in;
  in.omitted = true;
  return in;
}

OpCall Call(std::string op, std::vector<OpInput> inputs, int64_t opset = 17) {
  OpCall c;
  c.op_type = std::move(op);
  c.inputs = std::move(inputs);
  c.opset = opset;
  return c;
}
OpCall With(OpCall c, const std::string& name, Attribute a) {
  c.attrs.emplace_back(name, std::move(a));
  return c;
}

TensorType Infer1(OpCall call) {
  auto r = InferOp(std::move(call));
  if (!r.ok()) {
    ADD_FAILURE() << r.status();
    return TensorType();
  }
  return (*r)[0];
}

std::string InferError(OpCall call) {
  auto r = InferOp(std::move(call));
  return r.ok() ? "(no error)" : std::string(r.status().message());
}

std::string DtypeOf(OpCall call) { return Infer1(std::move(call)).dtype.Name(); }

template <typename T>
std::vector<T> Values(const Tensor& t) {
  EXPECT_EQ(t.type(), ElementTypeOf<T>());
  if (t.type() != ElementTypeOf<T>()) return {};
  auto s = t.span<T>();
  return {s.begin(), s.end()};
}

// Element-wise closeness with onnxruntime's tolerance (rtol 1e-5, atol 1e-6).
void ExpectClose(const Tensor& t, const std::vector<double>& want) {
  ASSERT_EQ(t.size(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    const double got = t.GetDouble(i);
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got)) << "at " << i;
      continue;
    }
    EXPECT_NEAR(got, want[i], 1e-6 + 1e-5 * std::fabs(want[i])) << "at " << i;
  }
}

std::vector<float> RandomFloats(int64_t n, uint32_t seed, float lo = -3, float hi = 3) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Naive NumPy broadcasting: the offset into `in` for output multi-index `idx`.
int64_t BroadcastOffset(const Dims& in, const Dims& out, const std::vector<int64_t>& idx) {
  int64_t off = 0;
  const size_t shift = out.size() - in.size();
  for (size_t k = 0; k < in.size(); ++k) {
    off = off * in[k] + (in[k] == 1 ? 0 : idx[k + shift]);
  }
  return off;
}

// ---------------------------------------------------------------------------- Add/Sub/Mul/Div

TEST(BinaryTest, SameShapeFloat) {
  Tensor a = F({2, 2}, {1, 2, 3, 4}), b = F({2, 2}, {0.5f, -1, 10, 0.25f});
  EXPECT_THAT(Values<float>(Run1(Call("Add", {In(a), In(b)}))), ElementsAre(1.5f, 1, 13, 4.25f));
  EXPECT_THAT(Values<float>(Run1(Call("Sub", {In(a), In(b)}))), ElementsAre(0.5f, 3, -7, 3.75f));
  EXPECT_THAT(Values<float>(Run1(Call("Mul", {In(a), In(b)}))), ElementsAre(0.5f, -2, 30, 1));
  EXPECT_THAT(Values<float>(Run1(Call("Div", {In(a), In(b)}))), ElementsAre(2, -2, 0.3f, 16));
}

TEST(BinaryTest, ScalarOperandOnEitherSide) {
  Tensor a = F({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor s = Tensor::Scalar<float>(2);
  Tensor out = Run1(Call("Sub", {In(a), In(s)}));
  EXPECT_EQ(out.dims(), (Dims{2, 3}));
  EXPECT_THAT(Values<float>(out), ElementsAre(-1, 0, 1, 2, 3, 4));
  out = Run1(Call("Div", {In(s), In(a)}));
  EXPECT_EQ(out.dims(), (Dims{2, 3}));
  EXPECT_THAT(Values<float>(out), ElementsAre(2, 1, 2.0f / 3, 0.5f, 0.4f, 2.0f / 6));
  out = Run1(Call("Mul", {In(F({1}, {3})), Const(F({2, 1}, {1, -1}))}));
  EXPECT_EQ(out.dims(), (Dims{2, 1}));
  EXPECT_THAT(Values<float>(out), ElementsAre(3, -3));
}

TEST(BinaryTest, PerChannelAndOuterBroadcast) {
  // [N, C, H, W] * [C, 1, 1]: the per-channel case inside conv-style models.
  Tensor x = F({2, 3, 2, 2}, RandomFloats(24, 1));
  Tensor c = F({3, 1, 1}, {2, -1, 0.5f});
  Tensor out = Run1(Call("Mul", {In(x), Const(c)}));
  ASSERT_EQ(out.dims(), (Dims{2, 3, 2, 2}));
  for (int64_t i = 0; i < 24; ++i) {
    EXPECT_EQ(out.data<float>()[i], x.data<float>()[i] * c.data<float>()[(i / 4) % 3]) << i;
  }
  // [3, 1] - [1, 4] -> [3, 4]: both operands broadcast.
  out = Run1(Call("Sub", {In(F({3, 1}, {10, 20, 30})), In(F({1, 4}, {1, 2, 3, 4}))}));
  ASSERT_EQ(out.dims(), (Dims{3, 4}));
  EXPECT_THAT(Values<float>(out), ElementsAre(9, 8, 7, 6, 19, 18, 17, 16, 29, 28, 27, 26));
}

TEST(BinaryTest, GeneralBroadcastMatchesNaiveLoop) {
  const std::vector<std::pair<Dims, Dims>> cases = {
      {{2, 1, 3, 1}, {4, 1, 5}}, {{1, 4, 1}, {3, 1, 2}}, {{5}, {3, 1}},   {{2, 3, 4}, {2, 3, 4}},
      {{2, 3, 4}, {4}},          {{2, 3, 4}, {3, 1}},    {{}, {2, 2}},    {{1, 1}, {1}},
      {{0, 3}, {1, 3}},          {{2, 1, 1, 3}, {1, 2, 3}},              {{7, 1}, {1, 1}}};
  int seed = 10;
  for (const auto& [da, db] : cases) {
    Tensor a = F(da, RandomFloats(NumElementsOf(da), seed++));
    Tensor b = F(db, RandomFloats(NumElementsOf(db), seed++));
    Tensor out = Run1(Call("Add", {In(a), In(b)}));
    const size_t rank = std::max(da.size(), db.size());
    Dims od(rank);
    for (size_t k = 0; k < rank; ++k) {
      int64_t x = k + da.size() >= rank ? da[k + da.size() - rank] : 1;
      int64_t y = k + db.size() >= rank ? db[k + db.size() - rank] : 1;
      od[k] = x == 1 ? y : x;
    }
    ASSERT_EQ(out.dims(), od) << DimsToString(da) << " + " << DimsToString(db);
    std::vector<int64_t> idx(rank, 0);
    for (int64_t i = 0; i < NumElementsOf(od); ++i) {
      int64_t rem = i;
      for (size_t k = rank; k-- > 0;) {
        idx[k] = rem % od[k];
        rem /= od[k];
      }
      const float want = a.data<float>()[BroadcastOffset(da, od, idx)] +
                         b.data<float>()[BroadcastOffset(db, od, idx)];
      ASSERT_EQ(out.data<float>()[i], want) << DimsToString(da) << " + " << DimsToString(db)
                                            << " at " << i;
    }
  }
}

TEST(BinaryTest, IntegerSemantics) {
  // Division truncates toward zero, like C++ and onnxruntime.
  Tensor a = Typed<int32_t>({4}, {7, -7, 7, -7}), b = Typed<int32_t>({4}, {2, 2, -2, -2});
  EXPECT_THAT(Values<int32_t>(Run1(Call("Div", {In(a), In(b)}))), ElementsAre(3, -3, -3, 3));
  EXPECT_THAT(Values<int64_t>(Run1(Call("Div", {In(Typed<int64_t>({2}, {9, -1})),
                                                In(Typed<int64_t>({}, {4}))}))),
              ElementsAre(2, 0));
  // Integer overflow wraps in two's complement.
  EXPECT_THAT(Values<int8_t>(Run1(Call("Add", {In(Typed<int8_t>({2}, {100, -128})),
                                               In(Typed<int8_t>({2}, {100, -1}))}))),
              ElementsAre(-56, 127));
  EXPECT_THAT(Values<int8_t>(Run1(Call("Div", {In(Typed<int8_t>({1}, {-128})),
                                               In(Typed<int8_t>({1}, {-1}))}))),
              ElementsAre(-128));
  EXPECT_THAT(Values<uint8_t>(Run1(Call("Mul", {In(Typed<uint8_t>({2}, {16, 3})),
                                                In(Typed<uint8_t>({2}, {16, 5}))}))),
              ElementsAre(0, 15));
  EXPECT_THAT(Values<uint8_t>(Run1(Call("Sub", {In(Typed<uint8_t>({1}, {1})),
                                                In(Typed<uint8_t>({1}, {2}))}))),
              ElementsAre(255));
  EXPECT_THAT(Values<int32_t>(Run1(Call("Mul", {In(Typed<int32_t>({1}, {65536})),
                                                In(Typed<int32_t>({1}, {65536}))}))),
              ElementsAre(0));
  EXPECT_THAT(Values<double>(Run1(Call("Mul", {In(Typed<double>({2}, {1.5, 2})),
                                               In(Typed<double>({1}, {0.1}))}))),
              ElementsAre(1.5 * 0.1, 0.2));
}

TEST(BinaryTest, Errors) {
  EXPECT_THAT(RunError(Call("Div", {In(Typed<int32_t>({2}, {1, 2})),
                                    In(Typed<int32_t>({2}, {1, 0}))})),
              HasSubstr("integer division by zero (input 'in1')"));
  EXPECT_THAT(InferError(Call("Add", {In(F({2, 3}, std::vector<float>(6))),
                                      In(F({4}, std::vector<float>(4)))})),
              HasSubstr("node 'node0' (Add): inputs 'in0' and 'in1': shapes [2, 3] and [4] "
                        "cannot be broadcast together"));
  EXPECT_THAT(InferError(Call("Mul", {In(F({2}, {1, 2})), In(Typed<int32_t>({2}, {1, 2}))})),
              HasSubstr("input 'in1' has element type int32 but input 'in0' has float"));
  EXPECT_THAT(InferError(Call("Add", {In(Bools({1}, {1})), In(Bools({1}, {1}))})),
              HasSubstr("input 'in0' has element type bool, expected one of {float, double"));
}

// A model whose first input has a symbolic batch dim "N" (the op test helper makes all dims
// known).
std::unique_ptr<Model> WithBatchParam(OpCall call) {
  std::unique_ptr<Model> m = testing::BuildSingleOpModel(std::move(call));
  (*m->graph->inputs()[0]->type().shape)[0] = Dim{-1, "N"};
  return m;
}

TEST(BinaryTest, SymbolicDimsAndShapeChangesBetweenRuns) {
  auto m = WithBatchParam(
      Call("Add", {In(F({2, 3}, std::vector<float>(6))), Const(F({3}, {1, 2, 3}))}));
  ASSERT_TRUE(InferModelTypes(*m).ok());
  const TensorType& t = m->graph->outputs()[0]->type();
  ASSERT_TRUE(t.shape.has_value());
  EXPECT_EQ(ShapeToString(*t.shape), "[N, 3]");
  auto exe = Executor::Create(*m);
  ASSERT_TRUE(exe.ok()) << exe.status();
  // Same kernel, different runtime batch sizes: the cached broadcast plan must follow.
  for (int64_t n : {1, 3, 2}) {
    std::vector<float> x(n * 3, 10.0f);
    auto out = (*exe)->Run(std::vector<Tensor>{F({n, 3}, x)});
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_EQ((*out)[0].dims(), (Dims{n, 3}));
    for (int64_t i = 0; i < n * 3; ++i) EXPECT_EQ((*out)[0].data<float>()[i], 11 + i % 3);
  }
}

TEST(BinaryTest, RuntimeBroadcastMismatchIsAnError) {
  auto m = WithBatchParam(Call("Add", {In(F({2, 3}, std::vector<float>(6))),
                                       In(F({2, 3}, std::vector<float>(6)))}));
  auto exe = Executor::Create(*m);
  ASSERT_TRUE(exe.ok()) << exe.status();
  auto out = (*exe)->Run(std::vector<Tensor>{F({4, 3}, std::vector<float>(12)),
                                             F({2, 3}, std::vector<float>(6))});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()),
              HasSubstr("node 'node0' (Add): inputs 'in0' and 'in1': shapes [4, 3] and [2, 3] "
                        "cannot be broadcast together"));
}

TEST(BinaryTest, LegacyAxisBroadcastBeforeOpset7) {
  // Opset 6: B of shape [3] aligned at axis 1 of A [2, 3, 2].
  OpCall c = Call("Add", {In(F({2, 3, 2}, std::vector<float>(12))), Const(F({3}, {1, 2, 3}))}, 6);
  c = With(std::move(c), "broadcast", Attribute::Int(1));
  c = With(std::move(c), "axis", Attribute::Int(1));
  Tensor out = Run1(std::move(c));
  ASSERT_EQ(out.dims(), (Dims{2, 3, 2}));
  EXPECT_THAT(Values<float>(out), ElementsAre(1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3));
}

TEST(BinaryTest, OutputDataTypes) {
  const Tensor f4 = F({4}, std::vector<float>(4));
  EXPECT_EQ(DtypeOf(Call("Add", {In(f4, DataType::Int(4)), In(f4, DataType::Int(4))})), "INT5");
  EXPECT_EQ(DtypeOf(Call("Sub", {In(f4, DataType::UInt(4)), In(f4, DataType::UInt(4))})), "INT5");
  EXPECT_EQ(DtypeOf(Call("Add", {In(f4, DataType::UInt(4)), In(f4, DataType::UInt(4))})), "UINT5");
  // [0, 15] * [-4, 3] = [-60, 45].
  EXPECT_EQ(DtypeOf(Call("Mul", {In(f4, DataType::UInt(4)), In(f4, DataType::Int(3))})), "INT7");
  EXPECT_EQ(DtypeOf(Call("Mul", {In(f4, DataType::Bipolar()), In(f4, DataType::Bipolar())})),
            "INT2");
  // Initializers count with their actual values: [-128, 127] + [1, 3] = [-127, 130].
  EXPECT_EQ(DtypeOf(Call("Add", {In(f4, DataType::Int(8)), Const(F({4}, {1, 2, 3, 1}))})), "INT9");
  EXPECT_EQ(DtypeOf(Call("Mul", {In(f4, DataType::UInt(2)), Const(F({1}, {4}))})), "UINT4");
  EXPECT_EQ(DtypeOf(Call("Add", {In(f4, DataType::Int(4)), Const(F({1}, {0.5f}))})), "FLOAT32");
  EXPECT_EQ(DtypeOf(Call("Add", {In(f4), In(f4)})), "FLOAT32");
  EXPECT_EQ(DtypeOf(Call("Div", {In(f4, DataType::Int(4)), In(f4, DataType::Int(4))})), "FLOAT32");
  // Integer containers: the container's range, or the result range when tighter.
  const Tensor i8 = Typed<int8_t>({2}, {0, 0});
  EXPECT_EQ(DtypeOf(Call("Add", {In(i8), In(i8)})), "INT8");
  EXPECT_EQ(DtypeOf(Call("Add", {In(i8, DataType::Int(3)), In(i8, DataType::Int(3))})), "INT4");
  EXPECT_EQ(DtypeOf(Call("Div", {In(i8, DataType::Int(4)), Const(Typed<int8_t>({1}, {2}))})),
            "INT4");
  EXPECT_EQ(DtypeOf(Call("Add", {In(Typed<int64_t>({1}, {0})), In(Typed<int64_t>({1}, {0}))})),
            "INT64");
}

// ---------------------------------------------------------------------------- unary ops

TEST(UnaryTest, ReluAndLeakyRelu) {
  EXPECT_THAT(Values<float>(Run1(Call("Relu", {In(F({2, 2}, {-1, 0, 2.5f, -0.1f}))}))),
              ElementsAre(0, 0, 2.5f, 0));
  EXPECT_THAT(Values<int8_t>(Run1(Call("Relu", {In(Typed<int8_t>({3}, {-128, 5, 127}))}))),
              ElementsAre(0, 5, 127));
  EXPECT_THAT(Values<float>(Run1(Call("LeakyRelu", {In(F({3}, {-1, 0, 2}))}))),
              ElementsAre(-0.01f, 0, 2));
  Tensor out =
      Run1(With(Call("LeakyRelu", {In(F({2}, {-3, 4}))}), "alpha", Attribute::Float(0.2f)));
  EXPECT_THAT(Values<float>(out), ElementsAre(-3 * 0.2f, 4));
  const Tensor f2 = F({2}, {0, 0});
  EXPECT_EQ(DtypeOf(Call("Relu", {In(f2, DataType::Int(4))})), "UINT3");
  EXPECT_EQ(DtypeOf(Call("Relu", {In(f2, DataType::UInt(4))})), "UINT4");
  EXPECT_EQ(DtypeOf(Call("Relu", {In(f2, DataType::Int(1))})), "BINARY");
  EXPECT_EQ(DtypeOf(Call("Relu", {In(f2)})), "FLOAT32");
  EXPECT_EQ(DtypeOf(Call("Relu", {In(Typed<int32_t>({1}, {0}))})), "UINT31");
  EXPECT_EQ(DtypeOf(Call("LeakyRelu", {In(f2, DataType::Int(4))})), "FLOAT32");
}

TEST(UnaryTest, SigmoidAndTanhAreAccurateEverywhere) {
  std::vector<float> x = {-100, -30, -10, -1, -1e-3f, 0, 1e-3f, 0.5f, 1, 10, 30, 100};
  Tensor sig = Run1(Call("Sigmoid", {In(F({12}, x))}));
  Tensor th = Run1(Call("Tanh", {In(F({3, 4}, x))}));
  std::vector<double> want_sig, want_tanh;
  for (float v : x) {
    want_sig.push_back(1.0 / (1.0 + std::exp(-static_cast<double>(v))));
    want_tanh.push_back(std::tanh(static_cast<double>(v)));
  }
  ExpectClose(sig, want_sig);
  ExpectClose(th, want_tanh);
  EXPECT_EQ(th.dims(), (Dims{3, 4}));
  // Relative accuracy in the far negative tail too (no overflow to NaN, no flush to 0 early).
  EXPECT_NEAR(sig.data<float>()[1] / 9.357622968840175e-14, 1.0, 1e-5);
  EXPECT_EQ(sig.data<float>()[11], 1.0f);
  Tensor sd = Run1(Call("Sigmoid", {In(Typed<double>({2}, {-2, 3}))}));
  EXPECT_DOUBLE_EQ(sd.data<double>()[0], std::exp(-2.0) / (1 + std::exp(-2.0)));
  EXPECT_DOUBLE_EQ(sd.data<double>()[1], 1 / (1 + std::exp(-3.0)));
}

TEST(UnaryTest, ExpSqrtNegAbsSign) {
  ExpectClose(Run1(Call("Exp", {In(F({3}, {0, 1, -2}))})), {1, std::exp(1.0), std::exp(-2.0)});
  ExpectClose(Run1(Call("Sqrt", {In(F({3}, {4, 2, -1}))})), {2, std::sqrt(2.0), NAN});
  EXPECT_THAT(Values<float>(Run1(Call("Neg", {In(F({2}, {1.5f, -2}))}))), ElementsAre(-1.5f, 2));
  EXPECT_THAT(Values<int8_t>(Run1(Call("Neg", {In(Typed<int8_t>({3}, {5, -128, 0}))}))),
              ElementsAre(-5, -128, 0));
  EXPECT_THAT(Values<float>(Run1(Call("Abs", {In(F({3}, {-1.5f, 2, -0.0f}))}))),
              ElementsAre(1.5f, 2, 0));
  EXPECT_THAT(Values<int32_t>(Run1(Call("Abs", {In(Typed<int32_t>({2}, {-7, 7}))}))),
              ElementsAre(7, 7));
  EXPECT_THAT(Values<uint8_t>(Run1(Call("Abs", {In(Typed<uint8_t>({1}, {200}))}))),
              ElementsAre(200));
  EXPECT_THAT(Values<float>(Run1(Call("Sign", {In(F({4}, {-3, 0, 0.1f, 7}))}))),
              ElementsAre(-1, 0, 1, 1));
  EXPECT_THAT(Values<int64_t>(Run1(Call("Sign", {In(Typed<int64_t>({3}, {-9, 0, 4}))}))),
              ElementsAre(-1, 0, 1));
  const Tensor f2 = F({2}, {0, 0});
  EXPECT_EQ(DtypeOf(Call("Neg", {In(f2, DataType::Int(4))})), "INT5");
  EXPECT_EQ(DtypeOf(Call("Neg", {In(f2, DataType::UInt(3))})), "INT4");
  EXPECT_EQ(DtypeOf(Call("Abs", {In(f2, DataType::Int(4))})), "UINT4");
  EXPECT_EQ(DtypeOf(Call("Abs", {In(f2, DataType::Bipolar())})), "BINARY");
  EXPECT_EQ(DtypeOf(Call("Sign", {In(f2, DataType::Int(2))})), "TERNARY");
  EXPECT_EQ(DtypeOf(Call("Sign", {In(f2, DataType::Bipolar())})), "TERNARY");
  EXPECT_EQ(DtypeOf(Call("Sign", {In(f2)})), "TERNARY");
  EXPECT_EQ(DtypeOf(Call("Sign", {In(f2, DataType::UInt(4))})), "BINARY");
  EXPECT_EQ(DtypeOf(Call("Exp", {In(f2, DataType::Int(4))})), "FLOAT32");
}

TEST(UnaryTest, FloorCeilRound) {
  const std::vector<float> x = {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 2.7f, -2.2f};
  EXPECT_THAT(Values<float>(Run1(Call("Floor", {In(F({8}, x))}))),
              ElementsAre(-3, -2, -1, 0, 1, 2, 2, -3));
  EXPECT_THAT(Values<float>(Run1(Call("Ceil", {In(F({8}, x))}))),
              ElementsAre(-2, -1, -0.0f, 1, 2, 3, 3, -2));
  // Halves round to even.
  EXPECT_THAT(Values<float>(Run1(Call("Round", {In(F({8}, x))}))),
              ElementsAre(-2, -2, -0.0f, 0, 2, 2, 3, -2));
  const Tensor f2 = F({2}, {0, 0});
  EXPECT_EQ(DtypeOf(Call("Round", {In(f2, DataType::Int(5))})), "INT5");
  // FIXED<8,3> spans [-4, 3.96875]: Floor gives [-4, 3], Ceil [-4, 4].
  EXPECT_EQ(DtypeOf(Call("Floor", {In(f2, DataType::Fixed(8, 3))})), "INT3");
  EXPECT_EQ(DtypeOf(Call("Ceil", {In(f2, DataType::Fixed(8, 3))})), "INT4");
  EXPECT_EQ(DtypeOf(Call("Floor", {In(f2)})), "FLOAT32");
}

TEST(UnaryTest, IdentityKeepsTypeAndDataType) {
  Tensor b = Bools({3}, {1, 0, 1});
  EXPECT_TRUE(Run1(Call("Identity", {In(b)})).SameContents(b));
  Tensor f = F({2, 1}, {1, -2});
  EXPECT_TRUE(Run1(Call("Identity", {In(f)})).SameContents(f));
  EXPECT_EQ(DtypeOf(Call("Identity", {In(f, DataType::Int(3))})), "INT3");
  EXPECT_EQ(DtypeOf(Call("Identity", {In(f, DataType::Fixed(6, 2))})), "FIXED<6,2>");
}

TEST(UnaryTest, ElementTypeErrors) {
  EXPECT_THAT(InferError(Call("Sigmoid", {In(Typed<int32_t>({1}, {1}))})),
              HasSubstr("node 'node0' (Sigmoid): input 'in0' has element type int32, expected "
                        "one of {float, double}"));
  EXPECT_THAT(InferError(Call("Neg", {In(Typed<uint8_t>({1}, {1}))})),
              HasSubstr("input 'in0' has element type uint8"));
  EXPECT_THAT(InferError(Call("Relu", {In(Bools({1}, {1}))})),
              HasSubstr("input 'in0' has element type bool"));
}

// ---------------------------------------------------------------------------- Clip

TEST(ClipTest, AttributesBeforeOpset11) {
  OpCall c = Call("Clip", {In(F({5}, {-3, -1, 0, 1, 3}))}, 6);
  c = With(std::move(c), "min", Attribute::Float(-1.5f));
  c = With(std::move(c), "max", Attribute::Float(2));
  EXPECT_THAT(Values<float>(Run1(std::move(c))), ElementsAre(-1.5f, -1, 0, 1, 2));
  // Defaults: unbounded.
  EXPECT_THAT(Values<float>(Run1(Call("Clip", {In(F({2}, {-1e30f, 1e30f}))}, 6))),
              ElementsAre(-1e30f, 1e30f));
}

TEST(ClipTest, OptionalInputsFromOpset11) {
  const Tensor x = F({2, 3}, {-3, -1, 0, 1, 3, 6});
  EXPECT_THAT(Values<float>(Run1(Call("Clip", {In(x), Const(Tensor::Scalar<float>(0)),
                                               Const(Tensor::Scalar<float>(2))}))),
              ElementsAre(0, 0, 0, 1, 2, 2));
  // Only max (min omitted), given as a runtime input.
  EXPECT_THAT(Values<float>(Run1(Call("Clip", {In(x), Omitted(), In(Tensor::Scalar<float>(1))}))),
              ElementsAre(-3, -1, 0, 1, 1, 1));
  EXPECT_THAT(Values<float>(Run1(Call("Clip", {In(x), In(F({1}, {-2}))}, 11))),
              ElementsAre(-2, -1, 0, 1, 3, 6));
  EXPECT_THAT(Values<float>(Run1(Call("Clip", {In(x)}))), ElementsAre(-3, -1, 0, 1, 3, 6));
  // min > max: every value becomes max, as onnxruntime computes min(max(x, lo), hi).
  EXPECT_THAT(Values<float>(Run1(Call("Clip", {In(F({2}, {-5, 5})), Const(Tensor::Scalar<float>(2)),
                                               Const(Tensor::Scalar<float>(1))}))),
              ElementsAre(1, 1));
  EXPECT_THAT(Values<int8_t>(Run1(Call("Clip", {In(Typed<int8_t>({4}, {-128, -3, 4, 127})),
                                                Const(Tensor::Scalar<int8_t>(-4)),
                                                Const(Tensor::Scalar<int8_t>(3))}))),
              ElementsAre(-4, -3, 3, 3));
}

TEST(ClipTest, DataTypesAndErrors) {
  const Tensor f2 = F({2}, {0, 0});
  auto scalar = [](float v) { return Const(Tensor::Scalar<float>(v)); };
  EXPECT_EQ(DtypeOf(Call("Clip", {In(f2, DataType::Int(8)), scalar(0), scalar(15)})), "UINT4");
  EXPECT_EQ(DtypeOf(Call("Clip", {In(f2, DataType::Int(8)), scalar(-4), scalar(3)})), "INT3");
  // A bound outside the input's range does not widen it.
  EXPECT_EQ(DtypeOf(Call("Clip", {In(f2, DataType::Int(4)), scalar(-100), scalar(100)})), "INT4");
  EXPECT_EQ(DtypeOf(Call("Clip", {In(f2, DataType::Int(4)), Omitted(), scalar(0)})), "INT4");
  EXPECT_EQ(DtypeOf(Call("Clip", {In(f2, DataType::Int(4)), scalar(0)})), "UINT3");
  EXPECT_EQ(DtypeOf(Call("Clip", {In(f2, DataType::Int(4)), scalar(0.5f), scalar(3)})), "FLOAT32");
  EXPECT_EQ(DtypeOf(Call("Clip", {In(f2), scalar(0), scalar(6)})), "FLOAT32");
  EXPECT_EQ(DtypeOf(Call("Clip", {In(f2, DataType::Int(4)), In(Tensor::Scalar<float>(0))})),
            "FLOAT32");  // runtime bound: unknown
  EXPECT_EQ(DtypeOf(Call("Clip", {In(Typed<uint8_t>({1}, {0})),
                                  Const(Tensor::Scalar<uint8_t>(0)),
                                  Const(Tensor::Scalar<uint8_t>(6))})),
            "UINT3");
  OpCall old = With(Call("Clip", {In(f2, DataType::Int(8))}, 6), "min", Attribute::Float(0));
  old = With(std::move(old), "max", Attribute::Float(3));
  EXPECT_EQ(DtypeOf(std::move(old)), "UINT2");
  EXPECT_THAT(InferError(Call("Clip", {In(f2), Const(F({2}, {0, 1}))})),
              HasSubstr("input 'in1' must be a scalar, has shape [2]"));
  EXPECT_THAT(InferError(Call("Clip", {In(f2), Const(Tensor::Scalar<double>(0))})),
              HasSubstr("input 'in1' has element type double but input 'in0' has float"));
}

// ---------------------------------------------------------------------------- Cast

OpCall CastTo(Tensor x, ElementType to, std::optional<DataType> dtype = std::nullopt) {
  return With(Call("Cast", {In(std::move(x), dtype)}), "to",
              Attribute::Int(static_cast<int64_t>(to)));
}

TEST(CastTest, Conversions) {
  const Tensor f = F({5}, {-1.7f, 2.9f, 0.5f, -0.5f, 100.0f});
  EXPECT_THAT(Values<int32_t>(Run1(CastTo(f, ElementType::kInt32))), ElementsAre(-1, 2, 0, 0, 100));
  EXPECT_THAT(Values<int64_t>(Run1(CastTo(f, ElementType::kInt64))), ElementsAre(-1, 2, 0, 0, 100));
  EXPECT_THAT(Values<uint8_t>(Run1(CastTo(F({2}, {3.9f, 255}), ElementType::kUint8))),
              ElementsAre(3, 255));
  EXPECT_THAT(Values<bool>(Run1(CastTo(F({3}, {0, -0.5f, 2}), ElementType::kBool))),
              ElementsAre(false, true, true));
  EXPECT_THAT(Values<float>(Run1(CastTo(Bools({2}, {1, 0}), ElementType::kFloat))),
              ElementsAre(1, 0));
  EXPECT_THAT(Values<float>(Run1(CastTo(Typed<int32_t>({2}, {-7, 16777217}), ElementType::kFloat))),
              ElementsAre(-7, 16777216.0f));
  // Integer narrowing wraps like a C cast.
  EXPECT_THAT(Values<int8_t>(Run1(CastTo(Typed<int64_t>({2}, {300, -129}), ElementType::kInt8))),
              ElementsAre(44, 127));
  EXPECT_THAT(Values<float>(Run1(CastTo(Typed<double>({1}, {0.1}), ElementType::kFloat))),
              ElementsAre(0.1f));
  Tensor same = Run1(CastTo(f, ElementType::kFloat));
  EXPECT_TRUE(same.SameContents(f));
  // float16 round trip: 1/3 rounds to the nearest half (0x3555).
  Tensor h = Run1(CastTo(F({3}, {1.0f / 3, -2, 65504}), ElementType::kFloat16));
  ASSERT_EQ(h.type(), ElementType::kFloat16);
  EXPECT_EQ(h.data<uint16_t>()[0], 0x3555);
  EXPECT_THAT(Values<float>(Run1(CastTo(h, ElementType::kFloat))),
              ElementsAre(HalfToFloat(0x3555), -2, 65504));
  EXPECT_THAT(Values<int32_t>(Run1(CastTo(h, ElementType::kInt32))), ElementsAre(0, -2, 65504));
}

TEST(CastTest, DataTypesAndErrors) {
  const Tensor f2 = F({2}, {0, 0});
  EXPECT_EQ(DtypeOf(CastTo(f2, ElementType::kInt8, DataType::Int(4))), "INT4");
  EXPECT_EQ(DtypeOf(CastTo(f2, ElementType::kInt8)), "INT8");
  EXPECT_EQ(DtypeOf(CastTo(f2, ElementType::kUint8)), "UINT8");
  EXPECT_EQ(DtypeOf(CastTo(f2, ElementType::kInt8, DataType::Int(12))), "INT8");
  EXPECT_EQ(DtypeOf(CastTo(f2, ElementType::kBool)), "BINARY");
  EXPECT_EQ(DtypeOf(CastTo(Typed<int8_t>({1}, {0}), ElementType::kFloat)), "INT8");
  EXPECT_EQ(DtypeOf(CastTo(Typed<int32_t>({1}, {0}), ElementType::kFloat)), "FLOAT32");
  EXPECT_EQ(DtypeOf(CastTo(f2, ElementType::kDouble, DataType::Fixed(8, 3))), "FIXED<8,3>");
  EXPECT_EQ(Infer1(CastTo(f2, ElementType::kInt64)).elem, ElementType::kInt64);
  EXPECT_THAT(InferError(CastTo(f2, ElementType::kString)),
              HasSubstr("attribute 'to': value 8 (string) is not a supported element type"));
  EXPECT_THAT(InferError(Call("Cast", {In(f2)})), HasSubstr("required attribute 'to' is missing"));
}

// ---------------------------------------------------------------------------- BatchNormalization

struct BnCase {
  Dims x_dims;
  std::vector<float> scale, bias, mean, var;
  float epsilon;
};

std::vector<double> NaiveBatchNorm(const Tensor& x, const BnCase& c) {
  const int64_t n = x.dim(0), ch = x.dim(1), inner = x.size() / (n * ch);
  std::vector<double> out;
  for (int64_t i = 0; i < x.size(); ++i) {
    const int64_t k = (i / inner) % ch;
    out.push_back((x.data<float>()[i] - c.mean[k]) / std::sqrt(c.var[k] + double{c.epsilon}) *
                      c.scale[k] + c.bias[k]);
  }
  return out;
}

OpCall BnCall(const Tensor& x, const BnCase& c, int64_t opset = 15) {
  const int64_t ch = c.scale.size();
  return Call("BatchNormalization",
              {In(x), Const(F({ch}, c.scale)), Const(F({ch}, c.bias)), Const(F({ch}, c.mean)),
               Const(F({ch}, c.var))},
              opset);
}

TEST(BatchNormTest, MatchesFormulaOverRanks) {
  const std::vector<BnCase> cases = {
      {{4, 3}, {1, 2, 0.5f}, {0, 1, -1}, {0.5f, -1, 2}, {1, 0.25f, 4}, 1e-5f},
      {{2, 3, 5}, {1, -2, 0.5f}, {0.1f, 0, 3}, {0, 1, -2}, {0.5f, 2, 0.01f}, 1e-3f},
      {{2, 2, 3, 2}, {1.5f, 0.7f}, {-0.5f, 0.25f}, {1, -1}, {3, 0}, 1e-5f},
      {{1, 4, 2, 2, 2}, {1, 1, 1, 1}, {0, 0, 0, 0}, {0, 1, 2, 3}, {1, 1, 1, 1}, 0.1f}};
  uint32_t seed = 100;
  for (const BnCase& c : cases) {
    Tensor x = F(c.x_dims, RandomFloats(NumElementsOf(c.x_dims), seed++));
    OpCall call = With(BnCall(x, c), "epsilon", Attribute::Float(c.epsilon));
    Tensor y = Run1(std::move(call));
    EXPECT_EQ(y.dims(), c.x_dims);
    ExpectClose(y, NaiveBatchNorm(x, c));
  }
}

TEST(BatchNormTest, DefaultEpsilonMomentumAndOldOpsets) {
  BnCase c{{1, 2, 2}, {1, 1}, {0, 0}, {0, 0}, {1, 4}, 1e-5f};
  Tensor x = F({1, 2, 2}, {1, 2, 3, 4});
  OpCall call = With(BnCall(x, c, 9), "momentum", Attribute::Float(0.9f));
  ExpectClose(Run1(std::move(call)), NaiveBatchNorm(x, c));
  ExpectClose(Run1(BnCall(x, c, 7)), NaiveBatchNorm(x, c));
  // Opset 7, spatial=0: parameters per (channel, position), shaped like X without N.
  Tensor x2 = F({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  OpCall ns = Call("BatchNormalization",
                   {In(x2), Const(F({2, 2}, {1, 2, 3, 4})), Const(F({2, 2}, {0, 0, 0, 1})),
                    Const(F({2, 2}, {1, 1, 1, 1})), Const(F({2, 2}, {1, 1, 1, 1}))},
                   7);
  ns = With(std::move(ns), "spatial", Attribute::Int(0));
  const double s = 1 / std::sqrt(1 + 1e-5);
  ExpectClose(Run1(std::move(ns)),
              {0, 2 * s, 6 * s, 12 * s + 1, 4 * s, 10 * s, 18 * s, 28 * s + 1});
}

TEST(BatchNormTest, Errors) {
  BnCase c{{1, 2, 2}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, 1e-5f};
  Tensor x = F({1, 2, 2}, {1, 2, 3, 4});
  EXPECT_THAT(InferError(With(BnCall(x, c), "training_mode", Attribute::Int(1))),
              HasSubstr("training_mode=1 is not supported (inference only)"));
  BnCase bad = c;
  bad.mean = {0, 0, 0};
  OpCall call = Call("BatchNormalization",
                     {In(x), Const(F({2}, c.scale)), Const(F({2}, c.bias)), Const(F({3}, bad.mean)),
                      Const(F({2}, c.var))});
  EXPECT_THAT(InferError(std::move(call)),
              HasSubstr("input 'in3' (input_mean) has shape [3], expected [2] (the channel count "
                        "of input 'in0')"));
  EXPECT_THAT(InferError(BnCall(F({4}, {1, 2, 3, 4}), BnCase{{4}, {1}, {0}, {0}, {1}, 0})),
              HasSubstr("input 'in0' has rank 1, expected at least 2"));
}

// ---------------------------------------------------------------------------- Softmax

// Softmax over groups of `n` elements `inner` apart, in double.
std::vector<double> NaiveSoftmax(const Tensor& x, int64_t outer, int64_t n, int64_t inner) {
  std::vector<double> out(x.size());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < inner; ++j) {
      double m = -INFINITY, sum = 0;
      for (int64_t k = 0; k < n; ++k) m = std::max(m, x.GetDouble((o * n + k) * inner + j));
      for (int64_t k = 0; k < n; ++k) sum += std::exp(x.GetDouble((o * n + k) * inner + j) - m);
      for (int64_t k = 0; k < n; ++k) {
        const int64_t i = (o * n + k) * inner + j;
        out[i] = std::exp(x.GetDouble(i) - m) / sum;
      }
    }
  }
  return out;
}

TEST(SoftmaxTest, Opset13SingleAxis) {
  Tensor x = F({2, 3, 4}, RandomFloats(24, 7, -5, 5));
  ExpectClose(Run1(Call("Softmax", {In(x)})), NaiveSoftmax(x, 6, 4, 1));  // default axis -1
  ExpectClose(Run1(With(Call("Softmax", {In(x)}), "axis", Attribute::Int(1))),
              NaiveSoftmax(x, 2, 3, 4));
  ExpectClose(Run1(With(Call("Softmax", {In(x)}), "axis", Attribute::Int(0))),
              NaiveSoftmax(x, 1, 2, 12));
  ExpectClose(Run1(With(Call("Softmax", {In(x)}), "axis", Attribute::Int(-2))),
              NaiveSoftmax(x, 2, 3, 4));
  // Large logits stay finite thanks to the max subtraction.
  ExpectClose(Run1(Call("Softmax", {In(F({1, 3}, {1000, 1001, 1002}))})),
              NaiveSoftmax(F({1, 3}, {0, 1, 2}), 1, 3, 1));
  Tensor xd = Typed<double>({2, 2}, {1, 2, 3, 5});
  ExpectClose(Run1(Call("Softmax", {In(xd)})), NaiveSoftmax(xd, 2, 2, 1));
}

TEST(SoftmaxTest, BeforeOpset13CoercesTo2D) {
  Tensor x = F({2, 3, 4}, RandomFloats(24, 8, -5, 5));
  // Default axis 1: softmax over the 12 trailing values of each batch entry.
  ExpectClose(Run1(Call("Softmax", {In(x)}, 11)), NaiveSoftmax(x, 2, 12, 1));
  ExpectClose(Run1(With(Call("Softmax", {In(x)}, 11), "axis", Attribute::Int(2))),
              NaiveSoftmax(x, 6, 4, 1));
  ExpectClose(Run1(With(Call("Softmax", {In(x)}, 1), "axis", Attribute::Int(0))),
              NaiveSoftmax(x, 1, 24, 1));
}

TEST(SoftmaxTest, Errors) {
  EXPECT_THAT(InferError(With(Call("Softmax", {In(F({2, 3}, std::vector<float>(6)))}), "axis",
                              Attribute::Int(2))),
              HasSubstr("attribute 'axis' = 2 is out of range for input 'in0' of rank 2"));
  EXPECT_THAT(InferError(Call("Softmax", {In(Typed<int32_t>({2}, {1, 2}))})),
              HasSubstr("input 'in0' has element type int32"));
}

// ---------------------------------------------------------------------------- ArgMax

TEST(ArgMaxTest, AxesKeepdimsAndTies) {
  Tensor x = F({2, 3}, {1, 5, 5, 7, 0, 7});
  Tensor out = Run1(Call("ArgMax", {In(x)}));  // axis 0, keepdims
  EXPECT_EQ(out.dims(), (Dims{1, 3}));
  EXPECT_THAT(Values<int64_t>(out), ElementsAre(1, 0, 1));
  out = Run1(With(With(Call("ArgMax", {In(x)}), "axis", Attribute::Int(1)), "keepdims",
                  Attribute::Int(0)));
  EXPECT_EQ(out.dims(), (Dims{2}));
  EXPECT_THAT(Values<int64_t>(out), ElementsAre(1, 0));
  out = Run1(With(With(Call("ArgMax", {In(x)}), "axis", Attribute::Int(-1)), "select_last_index",
                  Attribute::Int(1)));
  EXPECT_EQ(out.dims(), (Dims{2, 1}));
  EXPECT_THAT(Values<int64_t>(out), ElementsAre(2, 2));
  // Rank 3, middle axis, integer input.
  Tensor xi = Typed<int8_t>({2, 3, 2}, {1, 9, 3, 2, -5, 9, 0, 0, 4, -1, 4, 7});
  out = Run1(With(Call("ArgMax", {In(xi)}), "axis", Attribute::Int(1)));
  EXPECT_EQ(out.dims(), (Dims{2, 1, 2}));
  EXPECT_THAT(Values<int64_t>(out), ElementsAre(1, 0, 1, 2));
  out = Run1(With(With(Call("ArgMax", {In(xi)}), "axis", Attribute::Int(1)), "select_last_index",
                  Attribute::Int(1)));
  EXPECT_THAT(Values<int64_t>(out), ElementsAre(1, 2, 2, 2));
  Tensor scalar_row = Run1(With(Call("ArgMax", {In(F({4}, {0, 3, 1, 3}))}), "keepdims",
                                Attribute::Int(0)));
  EXPECT_EQ(scalar_row.dims(), (Dims{}));
  EXPECT_THAT(Values<int64_t>(scalar_row), ElementsAre(1));
}

TEST(ArgMaxTest, TypesAndErrors) {
  TensorType t = Infer1(With(Call("ArgMax", {In(F({2, 10}, std::vector<float>(20)))}), "axis",
                             Attribute::Int(1)));
  EXPECT_EQ(t.elem, ElementType::kInt64);
  EXPECT_EQ(ShapeToString(*t.shape), "[2, 1]");
  EXPECT_EQ(t.dtype.Name(), "UINT4");
  EXPECT_THAT(InferError(With(Call("ArgMax", {In(F({2, 3}, std::vector<float>(6)))}), "axis",
                              Attribute::Int(-3))),
              HasSubstr("attribute 'axis' = -3 is out of range for input 'in0' of rank 2"));
  EXPECT_THAT(InferError(Call("ArgMax", {In(F({0, 3}, {}))})),
              HasSubstr("input 'in0' has an empty axis 0"));
}

}  // namespace
}  // namespace finngl
