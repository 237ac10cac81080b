// Tests of MatMul, Gemm, Conv, MaxPool, AveragePool and GlobalAveragePool: hand-derived cases,
// random sweeps over attribute combinations against naive reference loops written here, exactness
// with integer-typed tensors where float32 accumulation would be wrong, datatype inference and
// error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/exec/executor.h"
#include "src/ops/infer.h"
#include "tests/cpp/op_test_util.h"

namespace finngl {
namespace {

using ::finngl::testing::OpCall;
using ::finngl::testing::OpInput;
using ::testing::HasSubstr;

// ------------------------------------------------------------------ helpers

// A copyable attribute description (Attribute itself is move-only, so it cannot appear in brace
// initializer lists).
struct AttrDesc {
  std::string name;
  Attribute::Type type = Attribute::Type::kInt;
  int64_t i = 0;
  std::vector<int64_t> ints = {};
  float f = 0;
  std::string s = "";
  Attribute Make() const {
    switch (type) {
      case Attribute::Type::kInts:
        return Attribute::Ints(ints);
      case Attribute::Type::kFloat:
        return Attribute::Float(f);
      case Attribute::Type::kString:
        return Attribute::String(s);
      default:
        return Attribute::Int(i);
    }
  }
};
AttrDesc AInt(std::string name, int64_t v) { return {name, Attribute::Type::kInt, v}; }
AttrDesc AInts(std::string name, std::vector<int64_t> v) {
  return {name, Attribute::Type::kInts, 0, std::move(v)};
}
AttrDesc AFloat(std::string name, float v) { return {name, Attribute::Type::kFloat, 0, {}, v}; }
AttrDesc AString(std::string name, std::string v) {
  return {name, Attribute::Type::kString, 0, {}, 0, std::move(v)};
}

// OpCall with copyable attributes.
struct CallSpec {
  std::string op_type;
  std::string domain = "";
  std::vector<OpInput> inputs = {};
  std::vector<AttrDesc> attrs = {};
  int num_outputs = 1;
};

OpCall ToOpCall(const CallSpec& spec) {
  OpCall call;
  call.op_type = spec.op_type;
  call.domain = spec.domain;
  call.inputs = spec.inputs;
  for (const AttrDesc& a : spec.attrs) call.attrs.emplace_back(a.name, a.Make());
  call.num_outputs = spec.num_outputs;
  return call;
}
absl::StatusOr<std::vector<Tensor>> RunSpec(const CallSpec& spec) {
  return testing::RunOp(ToOpCall(spec));
}
absl::StatusOr<std::vector<TensorType>> Infer(const CallSpec& spec) {
  return testing::InferOp(ToOpCall(spec));
}
std::unique_ptr<Model> Build(const CallSpec& spec) {
  return testing::BuildSingleOpModel(ToOpCall(spec));
}

Tensor RandomFloats(Dims dims, std::mt19937& rng, float lo = -1, float hi = 1) {
  Tensor t(ElementType::kFloat, dims);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (float& v : t.span<float>()) v = dist(rng);
  return t;
}

// Integers in [lo, hi] stored with element type `type`.
Tensor RandomInts(Dims dims, std::mt19937& rng, int64_t lo, int64_t hi,
                  ElementType type = ElementType::kFloat) {
  Tensor t(type, dims);
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  for (int64_t i = 0; i < t.size(); ++i) t.SetDouble(i, static_cast<double>(dist(rng)));
  return t;
}

OpInput In(Tensor t) { return OpInput{std::move(t), false, std::nullopt, false}; }
OpInput Const(Tensor t) { return OpInput{std::move(t), true, std::nullopt, false}; }
OpInput Typed(Tensor t, DataType dt, bool constant = false) {
  return OpInput{std::move(t), constant, dt, false};
}

Tensor Floats(Dims dims, std::vector<float> v) { return Tensor::FromVector<float>(dims, v); }

// Runs and returns output 0, failing the test on error.
Tensor Run1(const CallSpec& call) {
  auto out = RunSpec(call);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok() || out->empty()) return Tensor();
  return (*out)[0];
}

void ExpectNear(const Tensor& got, const std::vector<double>& want, const Dims& dims,
                const std::string& what, double rtol = 1e-5, double atol = 1e-5) {
  ASSERT_EQ(got.dims(), dims) << what;
  ASSERT_EQ(got.size(), static_cast<int64_t>(want.size())) << what;
  for (int64_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got.GetDouble(i), want[i], atol + rtol * std::fabs(want[i]))
        << what << " at flat index " << i;
  }
}

void ExpectExact(const Tensor& got, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(got.size(), static_cast<int64_t>(want.size())) << what;
  for (int64_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got.GetDouble(i), want[i]) << what << " at flat index " << i;
  }
}

std::string ErrorOf(const CallSpec& call) {
  auto out = RunSpec(call);
  EXPECT_FALSE(out.ok());
  return out.ok() ? "" : std::string(out.status().message());
}

Dims Batch(const Dims& d, size_t keep_last) {
  return Dims(d.begin(), d.end() - std::min(d.size(), keep_last));
}

// ------------------------------------------------------------------ reference MatMul / Gemm

// numpy.matmul in double (or exact int64 when `exact_int`).
std::vector<double> RefMatMul(const Tensor& a, const Tensor& b, Dims* out_dims) {
  Dims ad = a.dims(), bd = b.dims();
  const bool a_vec = ad.size() == 1, b_vec = bd.size() == 1;
  if (a_vec) ad.insert(ad.begin(), 1);
  if (b_vec) bd.push_back(1);
  const int64_t m = ad[ad.size() - 2], k = ad.back(), n = bd.back();
  Dims ab = Batch(ad, 2), bb = Batch(bd, 2);
  const size_t rank = std::max(ab.size(), bb.size());
  ab.insert(ab.begin(), rank - ab.size(), 1);
  bb.insert(bb.begin(), rank - bb.size(), 1);
  Dims ob(rank);
  for (size_t i = 0; i < rank; ++i) ob[i] = std::max(ab[i], bb[i]);
  *out_dims = ob;
  if (!a_vec) out_dims->push_back(m);
  if (!b_vec) out_dims->push_back(n);
  const int64_t batches = NumElementsOf(ob);
  std::vector<double> out(batches * m * n);
  std::vector<double> av = a.ToDoubles(), bv = b.ToDoubles();
  for (int64_t bi = 0; bi < batches; ++bi) {
    // Unravel bi over ob; index into a and b batches with broadcasting.
    int64_t rem = bi, ao = 0, bo = 0, astride = 1, bstride = 1;
    for (int i = static_cast<int>(rank) - 1; i >= 0; --i) {
      const int64_t idx = rem % ob[i];
      rem /= ob[i];
      ao += (ab[i] == 1 ? 0 : idx) * astride;
      bo += (bb[i] == 1 ? 0 : idx) * bstride;
      astride *= ab[i];
      bstride *= bb[i];
    }
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t p = 0; p < k; ++p)
          s += av[ao * m * k + i * k + p] * bv[bo * k * n + p * n + j];
        out[(bi * m + i) * n + j] = s;
      }
    }
  }
  return out;
}

// Exact int64 matmul of 2-D operands.
std::vector<int64_t> RefMatMulInt(const Tensor& a, const Tensor& b) {
  const int64_t m = a.dim(0), k = a.dim(1), n = b.dim(1);
  std::vector<int64_t> av = a.ToInt64s(), bv = b.ToInt64s(), out(m * n, 0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p) out[i * n + j] += av[i * k + p] * bv[p * n + j];
  return out;
}

// ------------------------------------------------------------------ MatMul

TEST(MatMulTest, HandComputed) {
  Tensor a = Floats({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = Floats({3, 2}, {7, 8, 9, 10, 11, 12});
  Tensor y = Run1({"MatMul", "", {In(a), In(b)}});
  ExpectNear(y, {58, 64, 139, 154}, {2, 2}, "2x3 . 3x2");
  // 1-D operands: vector . matrix, matrix . vector, vector . vector.
  Tensor v = Floats({3}, {1, 0, -1});
  ExpectNear(Run1({"MatMul", "", {In(v), In(b)}}), {-4, -4}, {2}, "v . B");
  ExpectNear(Run1({"MatMul", "", {In(a), In(v)}}), {-2, -2}, {2}, "A . v");
  ExpectNear(Run1({"MatMul", "", {In(v), In(v)}}), {2}, {}, "v . v");
}

TEST(MatMulTest, RandomShapesMatchReference) {
  std::mt19937 rng(1);
  const std::vector<std::pair<Dims, Dims>> cases = {
      {{1, 320}, {320, 256}},
      {{5, 7}, {7, 3}},
      {{7}, {7, 4}},
      {{4, 7}, {7}},
      {{7}, {7}},
      {{2, 3, 4, 5}, {5, 6}},
      {{2, 1, 3, 4}, {5, 4, 2}},
      {{4}, {3, 4, 2}},
      {{3, 2, 4}, {4}},
      {{1, 3, 4}, {2, 1, 4, 5}},
      {{6, 0}, {0, 3}},
      {{2, 3, 4}, {2, 4, 5}},
      {{3, 4}, {1, 1, 4, 2}},
  };
  for (const auto& [ad, bd] : cases) {
    for (bool b_const : {false, true}) {
      Tensor a = RandomFloats(ad, rng), b = RandomFloats(bd, rng);
      Dims want_dims;
      std::vector<double> want = RefMatMul(a, b, &want_dims);
      Tensor y = Run1({"MatMul", "", {In(a), b_const ? Const(b) : In(b)}});
      ExpectNear(y, want, want_dims,
                 absl::StrCat(DimsToString(ad), " . ", DimsToString(bd), " const=", b_const));
    }
  }
}

TEST(MatMulTest, DoubleAndHalfElementTypes) {
  std::mt19937 rng(2);
  Tensor a = RandomFloats({3, 5}, rng), b = RandomFloats({5, 2}, rng);
  Dims dims;
  std::vector<double> want = RefMatMul(a, b, &dims);
  ExpectNear(
      Run1(
          {"MatMul", "", {In(a.CastTo(ElementType::kDouble)), In(b.CastTo(ElementType::kDouble))}}),
      want, dims, "double", 1e-12, 1e-12);
  Tensor yh = Run1(
      {"MatMul", "", {In(a.CastTo(ElementType::kFloat16)), In(b.CastTo(ElementType::kFloat16))}});
  EXPECT_EQ(yh.type(), ElementType::kFloat16);
  ExpectNear(yh, want, dims, "float16", 1e-2, 1e-2);
}

TEST(MatMulTest, ConstantWeightsReusedAcrossRuns) {
  // The executor runs the same kernel many times (as inside a Scan body); converted constant
  // operands are cached and runtime operands are not.
  std::mt19937 rng(3);
  Tensor w = RandomInts({16, 8}, rng, -7, 7);
  auto model = Build({"MatMul",
                      "",
                      {Typed(Tensor(ElementType::kFloat, {2, 16}), DataType::Int(4)),
                       Typed(w, DataType::Int(4), /*constant=*/true)}});
  auto exe = Executor::Create(*model);
  ASSERT_TRUE(exe.ok()) << exe.status();
  for (int run = 0; run < 3; ++run) {
    Tensor x = RandomInts({2, 16}, rng, -8, 7);
    auto out = (*exe)->Run(std::vector<Tensor>{x});
    ASSERT_TRUE(out.ok()) << out.status();
    std::vector<int64_t> want = RefMatMulInt(x, w);
    ExpectExact((*out)[0], std::vector<double>(want.begin(), want.end()),
                absl::StrCat("run ", run));
  }
}

TEST(MatMulTest, ExactForInt16TypedFloatsWhereFloat32AccumulationFails) {
  // INT16 values with K = 4096: sums reach ~4e12, far beyond float32's 24-bit mantissa; the result
  // must be the exact sum rounded once to float32.
  std::mt19937 rng(4);
  const int64_t k = 4096;
  Tensor a = RandomInts({3, k}, rng, 20000, 32767);
  Tensor b = RandomInts({k, 2}, rng, 20000, 32767);
  // Make the exact sum odd-sized so that a float32 accumulator provably drifts.
  Tensor y = Run1({"MatMul", "", {Typed(a, DataType::Int(16)), Typed(b, DataType::Int(16))}});
  std::vector<int64_t> exact = RefMatMulInt(a, b);
  bool float_acc_differs = false;
  for (int64_t i = 0; i < 6; ++i) {
    EXPECT_EQ(y.data<float>()[i], static_cast<float>(exact[i])) << i;
    float acc = 0;
    for (int64_t p = 0; p < k; ++p) {
      acc += a.data<float>()[(i / 2) * k + p] * b.data<float>()[p * 2 + i % 2];
    }
    float_acc_differs |= acc != static_cast<float>(exact[i]);
  }
  EXPECT_TRUE(float_acc_differs) << "test data does not exercise float32 rounding";
  // Without integer datatypes the float path is used (like onnxruntime), so it is only close.
  Tensor yf = Run1({"MatMul", "", {In(a), In(b)}});
  for (int64_t i = 0; i < 6; ++i) {
    EXPECT_NEAR(yf.data<float>()[i], static_cast<float>(exact[i]), 1e-5 * exact[i]);
  }
}

TEST(MatMulTest, ExactWhenSumsFitFloat32) {
  // INT8 x INT8 with K = 1000: every partial sum is below 1000 * 128 * 128 < 2^24, so the kernel
  // may accumulate in float32 and must still be exact; extreme values make rounding visible if not.
  std::mt19937 rng(16);
  Tensor a = RandomInts({4, 1000}, rng, -128, 127);
  Tensor b = RandomInts({1000, 3}, rng, -128, 127);
  for (int64_t i = 0; i < a.size(); ++i) a.data<float>()[i] = a.data<float>()[i] < 0 ? -128 : 127;
  Tensor y = Run1({"MatMul", "", {Typed(a, DataType::Int(8)), Typed(b, DataType::Int(8), true)}});
  std::vector<int64_t> want = RefMatMulInt(a, b);
  ExpectExact(y, std::vector<double>(want.begin(), want.end()), "INT8 K=1000");
}

TEST(MatMulTest, IntegerElementTypesAreExactAndWrap) {
  std::mt19937 rng(5);
  // int64: products up to 2^60, exact.
  Tensor a = RandomInts({2, 3}, rng, -(int64_t{1} << 30), int64_t{1} << 30, ElementType::kInt64);
  Tensor b = RandomInts({3, 2}, rng, -(int64_t{1} << 29), int64_t{1} << 29, ElementType::kInt64);
  Tensor y = Run1({"MatMul", "", {In(a), In(b)}});
  ASSERT_EQ(y.type(), ElementType::kInt64);
  std::vector<int64_t> want = RefMatMulInt(a, b);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y.data<int64_t>()[i], want[i]);
  // int32: the exact sum wraps to 32 bits like onnxruntime's int32 arithmetic.
  Tensor a32 = RandomInts({2, 64}, rng, 1 << 19, 1 << 20, ElementType::kInt32);
  Tensor b32 = RandomInts({64, 3}, rng, 1 << 19, 1 << 20, ElementType::kInt32);
  Tensor y32 = Run1({"MatMul", "", {In(a32), Const(b32)}});
  ASSERT_EQ(y32.type(), ElementType::kInt32);
  std::vector<int64_t> want32 = RefMatMulInt(a32, b32);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y32.data<int32_t>()[i], static_cast<int32_t>(want32[i]));
  // uint8 / int8 with large K go through the exact double accumulator.
  Tensor a8 = RandomInts({2, 300}, rng, 0, 255, ElementType::kUint8);
  Tensor b8 = RandomInts({300, 2}, rng, 0, 255, ElementType::kUint8);
  Tensor y8 = Run1({"MatMul", "", {In(a8), In(b8)}});
  std::vector<int64_t> want8 = RefMatMulInt(a8, b8);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y8.data<uint8_t>()[i], static_cast<uint8_t>(want8[i]));
}

TEST(MatMulTest, DatatypeFromRanges) {
  // Runtime x UINT2 (0..3) times constant W: column 0 in [0, 12], column 1 in [-6, 12].
  Tensor w = Floats({2, 2}, {1, -2, 3, 4});
  auto types = Infer({"MatMul",
                      "",
                      {Typed(Tensor(ElementType::kFloat, {1, 2}), DataType::UInt(2)),
                       Typed(w, DataType::Int(4), true)}});
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].dtype.Name(), "INT5");
  // Both runtime, INT4 x INT4 with K = 3: products in [-56, 64], sums in [-168, 192] -> INT9.
  types = Infer({"MatMul",
                 "",
                 {Typed(Tensor(ElementType::kFloat, {2, 3}), DataType::Int(4)),
                  Typed(Tensor(ElementType::kFloat, {3, 5}), DataType::Int(4))}});
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].dtype.Name(), "INT9");
  EXPECT_EQ(ShapeToString(*(*types)[0].shape), "[2, 5]");
  // Bipolar x bipolar, K = 4: [-4, 4] -> INT4.
  types = Infer({"MatMul",
                 "",
                 {Typed(Tensor(ElementType::kFloat, {4}), DataType::Bipolar()),
                  Typed(Tensor(ElementType::kFloat, {4, 2}), DataType::Bipolar())}});
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].dtype.Name(), "INT4");
  // Integer element types: the range exceeds int8, so the container's INT8.
  types = Infer({"MatMul",
                 "",
                 {In(Tensor(ElementType::kInt8, {2, 3})), In(Tensor(ElementType::kInt8, {3, 2}))}});
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].dtype.Name(), "INT8");
  // A float operand makes the result FLOAT32.
  types = Infer({"MatMul",
                 "",
                 {Typed(Tensor(ElementType::kFloat, {2, 3}), DataType::Int(4)),
                  In(Tensor(ElementType::kFloat, {3, 2}))}});
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].dtype.Name(), "FLOAT32");
}

TEST(MatMulTest, SymbolicBatchDimensions) {
  auto model = Build({"MatMul",
                      "",
                      {In(Tensor(ElementType::kFloat, {1, 5, 4})),
                       Const(Floats({4, 2}, {1, 2, 3, 4, 5, 6, 7, 8}))}});
  Value* x = model->graph->inputs()[0];
  (*x->type().shape)[0] = Dim{-1, "N"};
  ASSERT_TRUE(InferModelTypes(*model).ok());
  const Shape& out = *model->graph->outputs()[0]->type().shape;
  EXPECT_EQ(ShapeToString(out), "[N, 5, 2]");
  auto exe = Executor::Create(*model);
  ASSERT_TRUE(exe.ok()) << exe.status();
  std::mt19937 rng(6);
  for (int64_t n : {1, 3, 2}) {
    Tensor xin = RandomFloats({n, 5, 4}, rng);
    auto y = (*exe)->Run(std::vector<Tensor>{xin});
    ASSERT_TRUE(y.ok()) << y.status();
    Dims dims;
    ExpectNear((*y)[0], RefMatMul(xin, Floats({4, 2}, {1, 2, 3, 4, 5, 6, 7, 8}), &dims), dims,
               absl::StrCat("batch ", n));
  }
}

TEST(MatMulTest, Errors) {
  EXPECT_THAT(
      ErrorOf({"MatMul",
               "",
               {In(Tensor(ElementType::kFloat, {2, 3})), In(Tensor(ElementType::kFloat, {4, 2}))}}),
      HasSubstr("inner dimensions differ: input 'in0' has shape [2, 3] and input 'in1' "
                "has shape [4, 2]"));
  EXPECT_THAT(
      ErrorOf({"MatMul",
               "",
               {In(Tensor(ElementType::kFloat, {2, 3})), In(Tensor(ElementType::kInt8, {3, 2}))}}),
      HasSubstr("input 'in1' has element type int8 but input 'in0' has float"));
  EXPECT_THAT(
      ErrorOf({"MatMul",
               "",
               {In(Tensor(ElementType::kFloat, {})), In(Tensor(ElementType::kFloat, {3, 2}))}}),
      HasSubstr("input 'in0' is a scalar"));
  EXPECT_THAT(ErrorOf({"MatMul",
                       "",
                       {In(Tensor(ElementType::kFloat, {2, 2, 3})),
                        In(Tensor(ElementType::kFloat, {3, 3, 2}))}}),
              HasSubstr("do not broadcast"));
  EXPECT_THAT(
      ErrorOf({"MatMul",
               "",
               {In(Tensor(ElementType::kBool, {2, 3})), In(Tensor(ElementType::kBool, {3, 2}))}}),
      HasSubstr("input 'in0' has element type bool, which MatMul does not support"));
}

TEST(MatMulTest, RuntimeShapeMismatchIsAnError) {
  // Statically unknown K: the kernel checks at run time.
  auto model =
      Build({"MatMul",
             "",
             {In(Tensor(ElementType::kFloat, {2, 3})), In(Tensor(ElementType::kFloat, {3, 2}))}});
  (*model->graph->inputs()[1]->type().shape)[0] = Dim{-1, "K"};
  auto exe = Executor::Create(*model);
  ASSERT_TRUE(exe.ok()) << exe.status();
  auto y = (*exe)->Run(std::vector<Tensor>{Tensor(ElementType::kFloat, {2, 3}),
                                           Tensor(ElementType::kFloat, {4, 2})});
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(y.status().message(), HasSubstr("inner dimensions differ"));
  EXPECT_THAT(y.status().message(), HasSubstr("node 'node0' (MatMul)"));
}

// ------------------------------------------------------------------ Gemm

std::vector<double> RefGemm(const Tensor& a, const Tensor& b, const Tensor* c, bool ta, bool tb,
                            double alpha, double beta, int64_t* m_out, int64_t* n_out) {
  const int64_t m = ta ? a.dim(1) : a.dim(0), k = ta ? a.dim(0) : a.dim(1);
  const int64_t n = tb ? b.dim(0) : b.dim(1);
  std::vector<double> av = a.ToDoubles(), bv = b.ToDoubles(), out(m * n);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p) {
        s += av[ta ? p * m + i : i * k + p] * bv[tb ? j * k + p : p * n + j];
      }
      double cv = 0;
      if (c != nullptr) {
        const Dims& cd = c->dims();
        int64_t ci = 0;
        if (cd.size() == 2) ci = (cd[0] == 1 ? 0 : i) * cd[1] + (cd[1] == 1 ? 0 : j);
        if (cd.size() == 1) ci = cd[0] == 1 ? 0 : j;
        cv = c->GetDouble(ci);
      }
      out[i * n + j] = alpha * s + beta * cv;
    }
  }
  *m_out = m;
  *n_out = n;
  return out;
}

TEST(GemmTest, HandComputed) {
  Tensor a = Floats({2, 2}, {1, 2, 3, 4});
  Tensor b = Floats({2, 2}, {5, 6, 7, 8});
  Tensor c = Floats({2}, {1, -1});
  Tensor y = Run1({"Gemm", "", {In(a), In(b), In(c)}, {AFloat("alpha", 2), AFloat("beta", 3)}});
  // A.B = [[19, 22], [43, 50]]; 2*A.B + 3*[1, -1].
  ExpectNear(y, {41, 41, 89, 97}, {2, 2}, "alpha/beta");
  Tensor yt = Run1({"Gemm", "", {In(a), In(b)}, {AInt("transA", 1)}});
  // A^T.B = [[1*5+3*7, 1*6+3*8], [2*5+4*7, 2*6+4*8]].
  ExpectNear(yt, {26, 30, 38, 44}, {2, 2}, "transA");
}

TEST(GemmTest, RandomAttributeCombinations) {
  std::mt19937 rng(7);
  const int64_t m = 4, k = 5, n = 3;
  const std::vector<Dims> c_shapes = {{}, {n}, {1, n}, {m, 1}, {m, n}, {1}, {1, 1}};
  int cases = 0;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      for (int ci = -1; ci < static_cast<int>(c_shapes.size()); ++ci) {
        for (auto [alpha, beta] : {std::pair<float, float>{1, 1}, {0.5f, -2.0f}}) {
          Tensor a = RandomFloats(ta ? Dims{k, m} : Dims{m, k}, rng);
          Tensor b = RandomFloats(tb ? Dims{n, k} : Dims{k, n}, rng);
          std::optional<Tensor> c;
          if (ci >= 0) c = RandomFloats(c_shapes[ci], rng);
          CallSpec call{"Gemm",
                        "",
                        {In(a), Const(b)},
                        {AInt("transA", ta), AInt("transB", tb), AFloat("alpha", alpha),
                         AFloat("beta", beta)}};
          if (c) call.inputs.push_back(In(*c));
          int64_t mm, nn;
          std::vector<double> want =
              RefGemm(a, b, c ? &*c : nullptr, ta, tb, alpha, beta, &mm, &nn);
          ExpectNear(Run1(std::move(call)), want, {mm, nn},
                     absl::StrCat("ta=", ta, " tb=", tb, " c=", ci, " alpha=", alpha));
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 64);
}

TEST(GemmTest, ExactIntegerPathWithBias) {
  std::mt19937 rng(8);
  const int64_t k = 2048;
  Tensor a = RandomInts({2, k}, rng, 100000, 131071);
  Tensor b = RandomInts({3, k}, rng, 100000, 131071);  // used transposed
  Tensor c = RandomInts({3}, rng, -1000, 1000);
  Tensor y = Run1({"Gemm",
                   "",
                   {Typed(a, DataType::Int(18)), Typed(b, DataType::Int(18), true),
                    Typed(c, DataType::Int(11), true)},
                   {AInt("transB", 1), AFloat("beta", 2)}});
  std::vector<int64_t> av = a.ToInt64s(), bv = b.ToInt64s(), cv = c.ToInt64s();
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      int64_t s = 2 * cv[j];
      for (int64_t p = 0; p < k; ++p) s += av[i * k + p] * bv[j * k + p];
      EXPECT_EQ(y.data<float>()[i * 3 + j], static_cast<float>(s)) << i << "," << j;
    }
  }
  // int32 elements with integral alpha and beta: wrapping integer arithmetic.
  Tensor a32 = RandomInts({2, 3}, rng, -50000, 50000, ElementType::kInt32);
  Tensor b32 = RandomInts({3, 2}, rng, -50000, 50000, ElementType::kInt32);
  Tensor c32 = RandomInts({2, 2}, rng, -50000, 50000, ElementType::kInt32);
  Tensor y32 =
      Run1({"Gemm", "", {In(a32), In(b32), In(c32)}, {AFloat("alpha", 3), AFloat("beta", -1)}});
  std::vector<int64_t> p = RefMatMulInt(a32, b32);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(y32.data<int32_t>()[i], static_cast<int32_t>(3 * p[i] - c32.data<int32_t>()[i]));
  }
}

TEST(GemmTest, Datatypes) {
  // x INT3 [-4, 3] (runtime), W constant [[1, 2], [-1, 0]], bias constant [5, -5], alpha 2.
  // Column 0: x0 - x1 in [-7, 7]; column 1: 2*x0 in [-8, 6] -> union [-8, 7], times 2 [-16, 14],
  // plus bias [-5, 5]: [-21, 19] -> INT6.
  auto types = Infer({"Gemm",
                      "",
                      {Typed(Tensor(ElementType::kFloat, {1, 2}), DataType::Int(3)),
                       Typed(Floats({2, 2}, {1, 2, -1, 0}), DataType::Int(3), true),
                       Typed(Floats({2}, {5, -5}), DataType::Int(4), true)},
                      {AFloat("alpha", 2)}});
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].dtype.Name(), "INT6");
  // A non-integral alpha gives FLOAT32.
  types = Infer({"Gemm",
                 "",
                 {Typed(Tensor(ElementType::kFloat, {1, 2}), DataType::Int(3)),
                  Typed(Floats({2, 2}, {1, 2, -1, 0}), DataType::Int(3), true)},
                 {AFloat("alpha", 0.5)}});
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].dtype.Name(), "FLOAT32");
}

TEST(GemmTest, Errors) {
  EXPECT_THAT(ErrorOf({"Gemm",
                       "",
                       {In(Tensor(ElementType::kFloat, {2, 3, 1})),
                        In(Tensor(ElementType::kFloat, {3, 2}))}}),
              HasSubstr("input 'in0' has rank 3, expected 2"));
  EXPECT_THAT(
      ErrorOf({"Gemm",
               "",
               {In(Tensor(ElementType::kFloat, {2, 3})), In(Tensor(ElementType::kFloat, {2, 3}))}}),
      HasSubstr("inner dimensions differ"));
  EXPECT_THAT(
      ErrorOf({"Gemm",
               "",
               {In(Tensor(ElementType::kFloat, {2, 3})), In(Tensor(ElementType::kFloat, {3, 4})),
                In(Tensor(ElementType::kFloat, {3}))}}),
      HasSubstr("input 'in2' has shape [3], which does not broadcast to [2, 4]"));
  EXPECT_THAT(
      ErrorOf({"Gemm",
               "",
               {In(Tensor(ElementType::kFloat, {2, 3})), In(Tensor(ElementType::kFloat, {3, 4}))},
               {AInt("transA", 2)}}),
      HasSubstr("'transA' must be the int 0 or 1"));
}

// ------------------------------------------------------------------ sliding windows (reference)

struct WindowCase {
  Dims x;  // [N, C, spatial...]
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;    // empty: default
  std::vector<int64_t> dilations;  // empty: default
  std::vector<int64_t> pads;       // empty: default
  std::string auto_pad;            // empty: not set
  int64_t group = 1;               // Conv
  int64_t out_channels = 0;        // Conv
  bool bias = false;               // Conv
  bool ceil_mode = false;          // pools
  bool count_include_pad = false;  // AveragePool

  std::string Describe() const {
    return absl::StrCat("x", DimsToString(x), " k[", absl::StrJoin(kernel, ","), "] s[",
                        absl::StrJoin(strides, ","), "] d[", absl::StrJoin(dilations, ","), "] p[",
                        absl::StrJoin(pads, ","), "] auto_pad=", auto_pad, " g=", group,
                        " m=", out_channels, " bias=", bias, " ceil=", ceil_mode,
                        " cip=", count_include_pad);
  }
  std::vector<AttrDesc> Attrs(bool pool) const {
    std::vector<AttrDesc> a;
    if (pool) a.push_back(AInts("kernel_shape", kernel));
    if (!strides.empty()) a.push_back(AInts("strides", strides));
    if (!dilations.empty()) a.push_back(AInts("dilations", dilations));
    if (!pads.empty()) a.push_back(AInts("pads", pads));
    if (!auto_pad.empty()) a.push_back(AString("auto_pad", auto_pad));
    if (!pool && group != 1) a.push_back(AInt("group", group));
    if (pool && ceil_mode) a.push_back(AInt("ceil_mode", 1));
    return a;
  }
};

// Per axis: output size and begin pad, straight from the ONNX operator documentation.
struct RefAxis {
  int64_t out, pad_begin, pad_end;
};
RefAxis RefAxisGeometry(const WindowCase& c, size_t i) {
  const size_t r = c.kernel.size();
  const int64_t in = c.x[2 + i], k = c.kernel[i];
  const int64_t s = c.strides.empty() ? 1 : c.strides[i];
  const int64_t d = c.dilations.empty() ? 1 : c.dilations[i];
  const int64_t ek = (k - 1) * d + 1;
  if (c.auto_pad == "SAME_UPPER" || c.auto_pad == "SAME_LOWER") {
    const int64_t out = (in + s - 1) / s;
    const int64_t total = std::max<int64_t>(0, (out - 1) * s + ek - in);
    const int64_t small = total / 2, big = total - small;
    return c.auto_pad == "SAME_UPPER" ? RefAxis{out, small, big} : RefAxis{out, big, small};
  }
  int64_t pb = 0, pe = 0;
  if (c.auto_pad != "VALID" && !c.pads.empty()) {
    pb = c.pads[i];
    pe = c.pads[r + i];
  }
  const double q = static_cast<double>(in + pb + pe - ek) / static_cast<double>(s);
  int64_t out = static_cast<int64_t>(c.ceil_mode ? std::ceil(q) : std::floor(q)) + 1;
  if (c.ceil_mode && (out - 1) * s >= in + pb) --out;
  return {out, pb, pe};
}

// Calls fn(out_flat, list of (in_flat or -1 for padding, inside_padded_input)) per output element
// of one plane, for 1..3 spatial axes.
template <typename Fn>
void RefWindows(const WindowCase& c, Fn&& fn, Dims* out_spatial) {
  const size_t r = c.kernel.size();
  std::vector<RefAxis> ax;
  for (size_t i = 0; i < r; ++i) ax.push_back(RefAxisGeometry(c, i));
  out_spatial->clear();
  for (const RefAxis& a : ax) out_spatial->push_back(a.out);
  const int64_t total_out = NumElementsOf(*out_spatial);
  const int64_t total_k = NumElementsOf(c.kernel);
  for (int64_t o = 0; o < total_out; ++o) {
    std::vector<int64_t> oi(r);
    for (int64_t rem = o, i = static_cast<int64_t>(r) - 1; i >= 0; --i) {
      oi[i] = rem % ax[i].out;
      rem /= ax[i].out;
    }
    std::vector<std::pair<int64_t, bool>> taps;
    for (int64_t t = 0; t < total_k; ++t) {
      int64_t in_flat = 0;
      bool inside = true, inside_padded = true;
      for (int64_t rem = t, i = static_cast<int64_t>(r) - 1; i >= 0; --i) {
        const int64_t ki = rem % c.kernel[i];
        rem /= c.kernel[i];
        const int64_t s = c.strides.empty() ? 1 : c.strides[i];
        const int64_t d = c.dilations.empty() ? 1 : c.dilations[i];
        const int64_t pos = oi[i] * s - ax[i].pad_begin + ki * d;
        const int64_t in = c.x[2 + i];
        inside = inside && pos >= 0 && pos < in;
        inside_padded = inside_padded && pos >= -ax[i].pad_begin && pos < in + ax[i].pad_end;
      }
      if (inside) {
        int64_t stride = 1;
        for (int64_t rem = t, i = static_cast<int64_t>(r) - 1; i >= 0; --i) {
          const int64_t ki = rem % c.kernel[i];
          rem /= c.kernel[i];
          const int64_t s = c.strides.empty() ? 1 : c.strides[i];
          const int64_t d = c.dilations.empty() ? 1 : c.dilations[i];
          in_flat += (oi[i] * s - ax[i].pad_begin + ki * d) * stride;
          stride *= c.x[2 + i];
        }
      }
      taps.emplace_back(inside ? in_flat : -1, inside_padded);
    }
    fn(o, taps);
  }
}

std::vector<double> RefConv(const WindowCase& c, const Tensor& x, const Tensor& w, const Tensor* b,
                            Dims* out_dims) {
  const int64_t n = c.x[0], ch = c.x[1], m = c.out_channels, cg = ch / c.group, mg = m / c.group;
  const int64_t in_size = NumElementsOf(Dims(c.x.begin() + 2, c.x.end()));
  const int64_t ksize = NumElementsOf(c.kernel);
  Dims spatial;
  std::vector<double> xv = x.ToDoubles(), wv = w.ToDoubles();
  std::vector<std::vector<std::pair<int64_t, bool>>> windows;
  RefWindows(c, [&](int64_t, const auto& taps) { windows.push_back(taps); }, &spatial);
  const int64_t p = static_cast<int64_t>(windows.size());
  std::vector<double> out(n * m * p, 0);
  for (int64_t in = 0; in < n; ++in) {
    for (int64_t oc = 0; oc < m; ++oc) {
      const int64_t g = oc / mg;
      for (int64_t o = 0; o < p; ++o) {
        double s = b != nullptr ? b->GetDouble(oc) : 0;
        for (int64_t ic = 0; ic < cg; ++ic) {
          for (int64_t t = 0; t < ksize; ++t) {
            const int64_t pos = windows[o][t].first;
            if (pos < 0) continue;
            s += xv[(in * ch + g * cg + ic) * in_size + pos] * wv[(oc * cg + ic) * ksize + t];
          }
        }
        out[(in * m + oc) * p + o] = s;
      }
    }
  }
  *out_dims = {n, m};
  out_dims->insert(out_dims->end(), spatial.begin(), spatial.end());
  return out;
}

// ------------------------------------------------------------------ Conv

TEST(ConvTest, HandComputed1D) {
  // x = [1, 2, 3, 4], w = [1, -1], pads 1: [-1, -1, -1, -1, 4] with bias 0.5 added.
  Tensor x = Floats({1, 1, 4}, {1, 2, 3, 4});
  Tensor w = Floats({1, 1, 2}, {1, -1});
  Tensor b = Floats({1}, {0.5});
  Tensor y = Run1({"Conv", "", {In(x), Const(w), Const(b)}, {AInts("pads", {1, 1})}});
  ExpectNear(y, {-0.5, -0.5, -0.5, -0.5, 4.5}, {1, 1, 5}, "1-D");
}

TEST(ConvTest, RandomAttributeSweepMatchesReference) {
  std::mt19937 rng(9);
  std::vector<WindowCase> cases;
  // 2-D sweep over strides, dilations, pads, groups and bias.
  for (auto strides : {std::vector<int64_t>{}, {2, 1}, {2, 3}}) {
    for (auto dilations : {std::vector<int64_t>{}, {2, 1}}) {
      for (auto pads : {std::vector<int64_t>{}, {1, 0, 2, 1}}) {
        for (auto [group, m] : {std::pair<int64_t, int64_t>{1, 3}, {2, 4}, {4, 4}, {4, 8}}) {
          WindowCase c;
          c.x = {2, 4, 7, 6};
          c.kernel = {3, 2};
          c.strides = strides;
          c.dilations = dilations;
          c.pads = pads;
          c.group = group;
          c.out_channels = m;
          c.bias = group != 2;
          cases.push_back(c);
        }
      }
    }
  }
  // auto_pad modes, 1-D and 3-D, 1x1 pointwise and the benchmark's shapes.
  for (std::string ap : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
    for (auto strides : {std::vector<int64_t>{1, 1}, {2, 2}, {3, 1}}) {
      cases.push_back({{1, 2, 7, 5}, {3, 2}, strides, {}, {}, ap, 1, 3, true});
      cases.push_back({{1, 2, 6, 5}, {2, 2}, strides, {1, 2}, {}, ap, 2, 2, false});
    }
    cases.push_back({{2, 3, 9}, {4}, {2}, {}, {}, ap, 1, 2, true});
  }
  cases.push_back({{1, 3, 10}, {3}, {2}, {2}, {2, 1}, "", 1, 4, true});
  cases.push_back({{1, 3, 10}, {1}, {}, {}, {}, "", 3, 6, false});
  cases.push_back({{2, 4, 5, 4, 3}, {2, 3, 2}, {1, 2, 1}, {}, {1, 1, 0, 0, 1, 1}, "", 2, 2, true});
  cases.push_back(
      {{1, 2, 4, 5, 6}, {3, 1, 2}, {2, 1, 3}, {1, 2, 1}, {}, "SAME_UPPER", 1, 3, false});
  cases.push_back({{2, 5, 4, 3}, {1, 1}, {}, {}, {}, "", 1, 3, true});            // pointwise
  cases.push_back({{2, 5, 4, 3}, {1, 1}, {2, 1}, {}, {}, "", 1, 3, true});        // strided 1x1
  cases.push_back({{1, 32, 100, 20}, {4, 1}, {}, {}, {}, "", 1, 32, true});       // benchmark conv
  cases.push_back({{1, 16, 100, 40}, {1, 2}, {1, 2}, {}, {}, "", 1, 16, true});   // 1x2 stride 2
  cases.push_back({{1, 6, 8, 8}, {3, 3}, {}, {}, {1, 1, 1, 1}, "", 6, 6, true});  // depthwise
  for (const WindowCase& c : cases) {
    const int64_t cg = c.x[1] / c.group;
    Dims wd = {c.out_channels, cg};
    wd.insert(wd.end(), c.kernel.begin(), c.kernel.end());
    Tensor x = RandomFloats(c.x, rng), w = RandomFloats(wd, rng);
    Tensor b = RandomFloats({c.out_channels}, rng);
    CallSpec call{"Conv", "", {In(x), Const(w)}, c.Attrs(false)};
    if (c.bias) call.inputs.push_back(Const(b));
    Dims want_dims;
    std::vector<double> want = RefConv(c, x, w, c.bias ? &b : nullptr, &want_dims);
    ExpectNear(Run1(std::move(call)), want, want_dims, c.Describe(), 1e-5, 1e-4);
  }
  EXPECT_GE(cases.size(), 70u);
}

TEST(ConvTest, WeightsAsRuntimeInputAndKernelShapeAttribute) {
  std::mt19937 rng(10);
  WindowCase c{{1, 2, 5, 5}, {3, 3}, {2, 2}, {}, {1, 1, 1, 1}, "", 1, 2, true};
  Tensor x = RandomFloats(c.x, rng), w = RandomFloats({2, 2, 3, 3}, rng),
         b = RandomFloats({2}, rng);
  auto attrs = c.Attrs(false);
  attrs.push_back(AInts("kernel_shape", {3, 3}));
  Dims dims;
  std::vector<double> want = RefConv(c, x, w, &b, &dims);
  ExpectNear(Run1({"Conv", "", {In(x), In(w), In(b)}, std::move(attrs)}), want, dims, "runtime W");
}

TEST(ConvTest, ExactForInt8TypedFloatsWhereFloat32AccumulationFails) {
  // 256 channels x 3x3 taps of values near 127 * 127: sums near 3.7e7 > 2^24.
  std::mt19937 rng(11);
  WindowCase c{{1, 256, 4, 4}, {3, 3}, {}, {}, {}, "", 1, 2, true};
  Tensor x = RandomInts(c.x, rng, 100, 127);
  Tensor w = RandomInts({2, 256, 3, 3}, rng, 100, 127);
  Tensor b = RandomInts({2}, rng, -3, 3);
  Tensor y = Run1({"Conv",
                   "",
                   {Typed(x, DataType::Int(8)), Typed(w, DataType::Int(8), true),
                    Typed(b, DataType::Int(3), true)},
                   c.Attrs(false)});
  Dims dims;
  std::vector<double> want = RefConv(c, x, w, &b, &dims);  // exact: double sums of integers < 2^53
  ASSERT_EQ(y.dims(), dims);
  for (int64_t i = 0; i < y.size(); ++i) {
    EXPECT_EQ(y.data<float>()[i], static_cast<float>(want[i])) << i;
  }
}

TEST(ConvTest, DatatypeFromConstantWeights) {
  // x UINT4 in [0, 15] (padding adds 0), W constant per output channel:
  // channel 0 taps {1, 2}: [0, 45]; channel 1 taps {-1, 1}: [-15, 15]; bias [1, -2]:
  // [1, 46] and [-17, 13] -> [-17, 46] -> INT7.
  Tensor w = Floats({2, 1, 2}, {1, 2, -1, 1});
  auto types = Infer(
      {"Conv",
       "",
       {Typed(Tensor(ElementType::kFloat, {1, 1, 5}), DataType::UInt(4)),
        Typed(w, DataType::Int(3), true), Typed(Floats({2}, {1, -2}), DataType::Int(3), true)},
       {AInts("pads", {1, 1})}});
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].dtype.Name(), "INT7");
  EXPECT_EQ(ShapeToString(*(*types)[0].shape), "[1, 2, 6]");
  // Runtime W INT2 [-2, 1], x INT4 [-8, 7], 3 channels x 2 taps: products [-14, 16],
  // times 6 -> [-84, 96] -> INT8.
  types = Infer({"Conv",
                 "",
                 {Typed(Tensor(ElementType::kFloat, {1, 3, 5}), DataType::Int(4)),
                  Typed(Tensor(ElementType::kFloat, {4, 3, 2}), DataType::Int(2))}});
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].dtype.Name(), "INT8");
}

TEST(ConvTest, SymbolicBatch) {
  auto model = Build({"Conv",
                      "",
                      {In(Tensor(ElementType::kFloat, {1, 2, 6, 6})),
                       Const(Tensor(ElementType::kFloat, {4, 2, 3, 3}))},
                      {AInts("strides", {2, 2})}});
  (*model->graph->inputs()[0]->type().shape)[0] = Dim{-1, "batch"};
  ASSERT_TRUE(InferModelTypes(*model).ok());
  EXPECT_EQ(ShapeToString(*model->graph->outputs()[0]->type().shape), "[batch, 4, 2, 2]");
}

TEST(ConvTest, Errors) {
  auto x = [](Dims d) { return In(Tensor(ElementType::kFloat, d)); };
  EXPECT_THAT(ErrorOf({"Conv", "", {x({1, 4, 5, 5}), x({2, 3, 3, 3})}}),
              HasSubstr("input 'in1' has 3 input channels per group, but input 'in0' has 4 "
                        "channels and group = 1"));
  EXPECT_THAT(ErrorOf({"Conv", "", {x({1, 4, 5, 5}), x({3, 2, 3, 3})}, {AInt("group", 2)}}),
              HasSubstr("input 'in1' has 3 output channels, which group = 2 does not divide"));
  EXPECT_THAT(ErrorOf({"Conv", "", {x({1, 4, 5, 5}), x({2, 4, 3})}}),
              HasSubstr("input 'in1' has rank 3 but input 'in0' has rank 4"));
  EXPECT_THAT(ErrorOf({"Conv", "", {x({1, 4, 5, 5}), x({2, 4, 3, 3}), x({3})}}),
              HasSubstr("input 'in2' has shape [3], expected [2]"));
  EXPECT_THAT(
      ErrorOf({"Conv", "", {x({1, 4, 5, 5}), x({2, 4, 3, 3})}, {AInts("kernel_shape", {2, 2})}}),
      HasSubstr("attribute 'kernel_shape' = [2, 2] does not match"));
  EXPECT_THAT(ErrorOf({"Conv", "", {x({1, 4, 2, 5}), x({2, 4, 3, 3})}}),
              HasSubstr("does not fit in the input of size 2"));
  EXPECT_THAT(
      ErrorOf({"Conv", "", {x({1, 4, 5, 5}), x({2, 4, 3, 3})}, {AInts("strides", {1, 1, 1})}}),
      HasSubstr("attribute 'strides' has 3 values, expected 2 for 2 spatial axes"));
  EXPECT_THAT(
      ErrorOf({"Conv", "", {x({1, 4, 5, 5}), x({2, 4, 3, 3})}, {AString("auto_pad", "SAME")}}),
      HasSubstr("attribute 'auto_pad' = 'SAME' is not one of"));
  EXPECT_THAT(
      ErrorOf({"Conv", "", {x({1, 4, 5, 5}), x({2, 4, 3, 3})}, {AInts("pads", {1, -1, 0, 0})}}),
      HasSubstr("attribute 'pads' = [1, -1, 0, 0] must have values >= 0"));
  EXPECT_THAT(ErrorOf({"Conv", "", {x({4, 5}), x({2, 4})}}),
              HasSubstr("Conv supports 1 to 3 spatial axes"));
}

// ------------------------------------------------------------------ pools

std::vector<double> RefPool(const WindowCase& c, const Tensor& x, bool max, Dims* out_dims,
                            std::vector<int64_t>* indices = nullptr) {
  const int64_t planes = c.x[0] * c.x[1];
  const int64_t in_size = NumElementsOf(Dims(c.x.begin() + 2, c.x.end()));
  Dims spatial;
  std::vector<std::vector<std::pair<int64_t, bool>>> windows;
  RefWindows(c, [&](int64_t, const auto& taps) { windows.push_back(taps); }, &spatial);
  const int64_t p = static_cast<int64_t>(windows.size());
  std::vector<double> xv = x.ToDoubles(), out(planes * p);
  if (indices) indices->assign(planes * p, -1);
  for (int64_t pl = 0; pl < planes; ++pl) {
    for (int64_t o = 0; o < p; ++o) {
      double best = -std::numeric_limits<double>::infinity(), sum = 0;
      int64_t valid = 0, padded = 0;
      for (const auto& [pos, inside_padded] : windows[o]) {
        padded += inside_padded;
        if (pos < 0) continue;
        ++valid;
        const double v = xv[pl * in_size + pos];
        if (v > best) {
          best = v;
          if (indices) (*indices)[pl * p + o] = pl * in_size + pos;
        }
        sum += v;
      }
      out[pl * p + o] = max ? best : sum / (c.count_include_pad ? padded : valid);
    }
  }
  *out_dims = {c.x[0], c.x[1]};
  out_dims->insert(out_dims->end(), spatial.begin(), spatial.end());
  return out;
}

std::vector<WindowCase> PoolCases() {
  std::vector<WindowCase> cases;
  for (auto kernel : {std::vector<int64_t>{2, 2}, {3, 2}}) {
    for (auto strides : {std::vector<int64_t>{}, {2, 2}, {3, 1}}) {
      for (auto pads : {std::vector<int64_t>{}, {1, 0, 1, 1}}) {
        for (bool ceil_mode : {false, true}) {
          for (bool cip : {false, true}) {
            WindowCase c;
            c.x = {2, 3, 7, 6};
            c.kernel = kernel;
            c.strides = strides;
            c.pads = pads;
            c.ceil_mode = ceil_mode;
            c.count_include_pad = cip;
            cases.push_back(c);
          }
        }
      }
    }
  }
  for (std::string ap : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
    for (bool cip : {false, true}) {
      cases.push_back({{1, 2, 7, 5}, {3, 2}, {2, 2}, {}, {}, ap, 1, 0, false, false, cip});
      cases.push_back({{1, 2, 8}, {3}, {3}, {}, {}, ap, 1, 0, false, true, cip});
    }
  }
  // Dilations, 1-D and 3-D.
  cases.push_back(
      {{1, 2, 9, 8}, {2, 3}, {2, 1}, {2, 2}, {1, 1, 2, 0}, "", 1, 0, false, true, true});
  cases.push_back({{1, 1, 6}, {2}, {1}, {2}, {1, 1}, "", 1, 0, false, false, true});
  cases.push_back({{1, 1, 6}, {2}, {2}, {2}, {1, 1}, "", 1, 0, false, true, true});
  cases.push_back({{2, 2, 4, 5, 6},
                   {2, 2, 3},
                   {2, 1, 2},
                   {},
                   {1, 0, 1, 0, 1, 1},
                   "",
                   1,
                   0,
                   false,
                   true,
                   false});
  cases.push_back({{1, 1, 7}, {2}, {2}, {}, {1, 1}, "", 1, 0, false, true, false});
  return cases;
}

TEST(PoolTest, MaxPoolSweepMatchesReference) {
  std::mt19937 rng(12);
  int n = 0;
  for (const WindowCase& c : PoolCases()) {
    if (c.count_include_pad) continue;  // irrelevant for MaxPool
    Tensor x = RandomFloats(c.x, rng);
    Dims dims;
    std::vector<int64_t> want_idx;
    std::vector<double> want = RefPool(c, x, true, &dims, &want_idx);
    auto out = RunSpec({"MaxPool", "", {In(x)}, c.Attrs(true), /*num_outputs=*/2});
    ASSERT_TRUE(out.ok()) << c.Describe() << ": " << out.status();
    ExpectNear((*out)[0], want, dims, c.Describe(), 0, 0);
    ASSERT_EQ((*out)[1].type(), ElementType::kInt64);
    ExpectExact((*out)[1], std::vector<double>(want_idx.begin(), want_idx.end()),
                c.Describe() + " indices");
    ++n;
  }
  EXPECT_GE(n, 30);
}

TEST(PoolTest, AveragePoolSweepMatchesReference) {
  std::mt19937 rng(13);
  int n = 0;
  for (WindowCase c : PoolCases()) {
    Tensor x = RandomFloats(c.x, rng);
    Dims dims;
    std::vector<double> want = RefPool(c, x, false, &dims);
    auto attrs = c.Attrs(true);
    attrs.push_back(AInt("count_include_pad", c.count_include_pad));
    ExpectNear(Run1({"AveragePool", "", {In(x)}, std::move(attrs)}), want, dims, c.Describe());
    ++n;
  }
  EXPECT_GE(n, 60);
}

TEST(PoolTest, AveragePoolMatchesOnnxruntimeEdgeCases) {
  // Values printed by onnxruntime 1.23 for x = [0, 1, 2, 3, 4, 5] (windows that reach past the
  // padded input with ceil_mode, count_include_pad, dilations).
  Tensor x = Floats({1, 1, 6}, {0, 1, 2, 3, 4, 5});
  struct Case {
    std::vector<AttrDesc> attrs;
    std::vector<double> want;
  };
  auto attrs = [](std::vector<int64_t> k, std::vector<int64_t> s, std::vector<int64_t> d,
                  std::vector<int64_t> p, int ceil, int cip) {
    std::vector<AttrDesc> a;
    a.push_back(AInts("kernel_shape", k));
    a.push_back(AInts("strides", s));
    a.push_back(AInts("dilations", d));
    if (!p.empty()) a.push_back(AInts("pads", p));
    a.push_back(AInt("ceil_mode", ceil));
    a.push_back(AInt("count_include_pad", cip));
    return a;
  };
  std::vector<Case> cases;
  cases.push_back({attrs({3}, {2}, {1}, {1, 1}, 1, 1), {1.0 / 3, 2, 4, 2.5}});
  cases.push_back({attrs({3}, {2}, {1}, {1, 1}, 1, 0), {0.5, 2, 4, 5}});
  cases.push_back({attrs({3}, {2}, {1}, {}, 1, 1), {1, 3, 4.5}});
  cases.push_back({attrs({2}, {1}, {2}, {1, 1}, 0, 1), {0.5, 1, 2, 3, 4, 2}});
  cases.push_back({attrs({2}, {1}, {2}, {1, 1}, 0, 0), {1, 1, 2, 3, 4, 4}});
  cases.push_back({attrs({2}, {2}, {2}, {1, 1}, 1, 1), {0.5, 2, 4, 5}});
  for (Case& c : cases) {
    std::vector<double> want = c.want;
    Dims dims = {1, 1, static_cast<int64_t>(want.size())};
    ExpectNear(Run1({"AveragePool", "", {In(x)}, std::move(c.attrs)}), want, dims, "ort case");
  }
  // MaxPool with ceil_mode whose last window would start in the end padding: onnxruntime drops it.
  Tensor x7 = Floats({1, 1, 7}, {0, 1, 2, 3, 4, 5, 6});
  ExpectNear(Run1({"MaxPool",
                   "",
                   {In(x7)},
                   {AInts("kernel_shape", {2}), AInts("strides", {2}), AInts("pads", {1, 1}),
                    AInt("ceil_mode", 1)}}),
             {0, 2, 4, 6}, {1, 1, 4}, "ceil drop");
}

TEST(PoolTest, MaxPoolKeepsIntegerDatatypesAndTypes) {
  std::mt19937 rng(14);
  WindowCase c{{1, 2, 5, 5}, {2, 2}, {2, 2}, {}, {1, 1, 1, 1}, ""};
  Tensor x8 = RandomInts(c.x, rng, -128, 127, ElementType::kInt8);
  Dims dims;
  std::vector<double> want = RefPool(c, x8, true, &dims);
  Tensor y8 = Run1({"MaxPool", "", {In(x8)}, c.Attrs(true)});
  ASSERT_EQ(y8.type(), ElementType::kInt8);
  ExpectExact(y8, want, "int8");
  Tensor xu = RandomInts(c.x, rng, 0, 255, ElementType::kUint8);
  want = RefPool(c, xu, true, &dims);
  ExpectExact(Run1({"MaxPool", "", {In(xu)}, c.Attrs(true)}), want, "uint8");
  Tensor xh = RandomFloats(c.x, rng).CastTo(ElementType::kFloat16);
  want = RefPool(c, xh, true, &dims);
  ExpectExact(Run1({"MaxPool", "", {In(xh)}, c.Attrs(true)}), want, "float16");
  auto types = Infer(
      {"MaxPool", "", {Typed(Tensor(ElementType::kFloat, c.x), DataType::Int(4))}, c.Attrs(true)});
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].dtype.Name(), "INT4");
  EXPECT_EQ(ShapeToString(*(*types)[0].shape), "[1, 2, 3, 3]");
  types = Infer({"AveragePool",
                 "",
                 {Typed(Tensor(ElementType::kFloat, c.x), DataType::Int(4))},
                 c.Attrs(true)});
  ASSERT_TRUE(types.ok()) << types.status();
  EXPECT_EQ((*types)[0].dtype.Name(), "FLOAT32");
}

TEST(PoolTest, GlobalAveragePool) {
  Tensor x = Floats({1, 2, 2, 2}, {1, 2, 3, 4, -1, -1, 5, 9});
  ExpectNear(Run1({"GlobalAveragePool", "", {In(x)}}), {2.5, 3}, {1, 2, 1, 1}, "2-D");
  std::mt19937 rng(15);
  Tensor x3 = RandomFloats({2, 3, 4}, rng);
  Tensor y3 = Run1({"GlobalAveragePool", "", {In(x3)}});
  std::vector<double> want;
  for (int p = 0; p < 6; ++p) {
    double s = 0;
    for (int i = 0; i < 4; ++i) s += x3.data<float>()[p * 4 + i];
    want.push_back(s / 4);
  }
  ExpectNear(y3, want, {2, 3, 1}, "1-D");
  auto model = Build({"GlobalAveragePool", "", {In(Tensor(ElementType::kFloat, {1, 8, 5, 5}))}});
  (*model->graph->inputs()[0]->type().shape)[0] = Dim{-1, "N"};
  ASSERT_TRUE(InferModelTypes(*model).ok());
  EXPECT_EQ(ShapeToString(*model->graph->outputs()[0]->type().shape), "[N, 8, 1, 1]");
}

TEST(PoolTest, Errors) {
  auto x = In(Tensor(ElementType::kFloat, {1, 1, 4, 4}));
  auto status =
      RunSpec({"MaxPool", "", {x}, {AInts("kernel_shape", {2, 2}), AInt("storage_order", 1)}});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(status.status().message(), HasSubstr("'storage_order' = 1"));
  EXPECT_THAT(ErrorOf({"MaxPool", "", {x}}),
              HasSubstr("required attribute 'kernel_shape' is missing"));
  EXPECT_THAT(ErrorOf({"AveragePool", "", {x}, {AInts("kernel_shape", {2})}}),
              HasSubstr("attribute 'kernel_shape' has 1 values, expected 2 for 2 spatial axes"));
  EXPECT_THAT(ErrorOf({"AveragePool",
                       "",
                       {In(Tensor(ElementType::kInt8, {1, 1, 4, 4}))},
                       {AInts("kernel_shape", {2, 2})}}),
              HasSubstr("input 'in0' has element type int8, which AveragePool does not support"));
  EXPECT_THAT(ErrorOf({"MaxPool", "", {x}, {AInts("kernel_shape", {5, 1})}}),
              HasSubstr("does not fit in the input of size 4"));
  EXPECT_THAT(
      ErrorOf(
          {"MaxPool", "", {In(Tensor(ElementType::kFloat, {4, 4}))}, {AInts("kernel_shape", {2})}}),
      HasSubstr("input 'in0' has rank 2"));
}

}  // namespace
}  // namespace finngl
