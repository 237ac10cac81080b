// Tests of the conv-lowering ops Im2Col and MaxPoolNHWC (src/ops/im2col.cc, maxpool_nhwc.cc):
// hand-derived patch layouts (order (kh, kw, c), padding with pad_value), batches processed image
// by image, type inference, the qonnx restrictions as errors, and MaxPoolNHWC against finngl's
// MaxPool between transposes (MaxPool is cross-checked against onnxruntime elsewhere; Im2Col
// against qonnx's executor in tests/python/test_im2col.py).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "src/ir/datatype.h"
#include "src/ir/graph.h"
#include "tests/cpp/op_test_util.h"

namespace finngl {
namespace {

using ::finngl::testing::InferOp;
using ::finngl::testing::OpCall;
using ::finngl::testing::OpInput;
using ::finngl::testing::Run1;
using ::finngl::testing::RunError;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr char kQonnx[] = "qonnx.custom_op.general";

OpInput Runtime(Tensor t, std::optional<DataType> dtype = std::nullopt) {
  OpInput in;
  in.value = std::move(t);
  in.dtype = dtype;
  return in;
}

// Im2Col on x (NHWC) with the given geometry; input_shape is written from x.
OpCall Im2Col(Tensor x, std::vector<int64_t> kernel, std::vector<int64_t> stride,
              std::vector<int64_t> pads = {0, 0, 0, 0}, std::vector<int64_t> dilations = {1, 1},
              int64_t pad_value = 0, std::optional<DataType> dtype = std::nullopt) {
  OpCall c;
  c.op_type = "Im2Col";
  c.domain = kQonnx;
  const Dims d = x.dims();
  std::string shape = "(";
  for (size_t i = 0; i < d.size(); ++i) shape += (i ? ", " : "") + std::to_string(d[i]);
  shape += ")";
  c.inputs = {Runtime(std::move(x), dtype)};
  c.attrs.emplace_back("kernel_size", Attribute::Ints(kernel));
  c.attrs.emplace_back("stride", Attribute::Ints(stride));
  c.attrs.emplace_back("pad_amount", Attribute::Ints(pads));
  c.attrs.emplace_back("dilations", Attribute::Ints(dilations));
  c.attrs.emplace_back("pad_value", Attribute::Int(pad_value));
  c.attrs.emplace_back("input_shape", Attribute::String(shape));
  return c;
}

Tensor Iota(Dims dims, float start = 1) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = start + static_cast<float>(i);
  return Tensor::FromVector<float>(dims, v);
}

// ============================================================================ Im2Col

TEST(Im2ColTest, PatchesOfASingleChannelImage) {
  // x = [[1 2 3], [4 5 6], [7 8 9]], 2x2 windows, stride 1.
  Tensor y = Run1(Im2Col(Iota({1, 3, 3, 1}), {2, 2}, {1, 1}));
  EXPECT_EQ(y.dims(), (Dims{1, 2, 2, 4}));
  EXPECT_THAT(y.ToDoubles(), ElementsAreArray<double>({1, 2, 4, 5, 2, 3, 5, 6,  //
                                                       4, 5, 7, 8, 5, 6, 8, 9}));
}

TEST(Im2ColTest, PatchOrderIsKernelRowKernelColumnChannel) {
  // Pixel (h, w) holds channels (10h + w, 100 + 10h + w); one 2x2 window.
  Tensor x = Tensor::FromVector<float>({1, 2, 2, 2}, {0, 100, 1, 101, 10, 110, 11, 111});
  Tensor y = Run1(Im2Col(x, {2, 2}, {1, 1}));
  EXPECT_EQ(y.dims(), (Dims{1, 1, 1, 8}));
  EXPECT_THAT(y.ToDoubles(), ElementsAreArray<double>({0, 100, 1, 101, 10, 110, 11, 111}));
}

TEST(Im2ColTest, PaddingUsesPadValueAndAsymmetricAmounts) {
  // x = [[1 2], [3 4]] padded top 1, left 0, bottom 0, right 1 with -1; 2x2 windows.
  Tensor y = Run1(Im2Col(Iota({1, 2, 2, 1}), {2, 2}, {1, 1}, {1, 0, 0, 1}, {1, 1}, -1,
                         DataType::Int(4)));
  EXPECT_EQ(y.dims(), (Dims{1, 2, 2, 4}));
  EXPECT_THAT(y.ToDoubles(), ElementsAreArray<double>({-1, -1, 1, 2, -1, -1, 2, -1,  //
                                                       1, 2, 3, 4, 2, -1, 4, -1}));
}

TEST(Im2ColTest, StridesAndDilations) {
  // A 3x5 image, kernel 1x2 with dilation 2 along W, stride 2 on both axes.
  Tensor y = Run1(Im2Col(Iota({1, 3, 5, 1}), {1, 2}, {2, 2}, {0, 0, 0, 0}, {1, 2}));
  // OH = (3 - 1) / 2 + 1 = 2, OW = (5 - 2 - 1) / 2 + 1 = 2.
  EXPECT_EQ(y.dims(), (Dims{1, 2, 2, 2}));
  EXPECT_THAT(y.ToDoubles(), ElementsAreArray<double>({1, 3, 3, 5, 11, 13, 13, 15}));
}

TEST(Im2ColTest, BatchIsProcessedImageByImage) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-4, 4);
  std::vector<float> values(3 * 4 * 5 * 2);
  for (float& v : values) v = dist(rng);
  Tensor x = Tensor::FromVector<float>({3, 4, 5, 2}, values);
  Tensor all = Run1(Im2Col(x, {3, 2}, {1, 2}, {1, 0, 1, 1}));
  const int64_t per_in = 4 * 5 * 2;
  for (int64_t b = 0; b < 3; ++b) {
    std::vector<float> image(values.begin() + b * per_in, values.begin() + (b + 1) * per_in);
    Tensor one = Run1(Im2Col(Tensor::FromVector<float>({1, 4, 5, 2}, image), {3, 2}, {1, 2},
                             {1, 0, 1, 1}));
    const int64_t per_out = one.size();
    ASSERT_EQ(all.size(), 3 * per_out);
    for (int64_t i = 0; i < per_out; ++i) {
      ASSERT_EQ(all.data<float>()[b * per_out + i], one.data<float>()[i]) << "image " << b;
    }
  }
}

TEST(Im2ColTest, IntegerElementTypesAreCopied) {
  OpCall c = Im2Col(Tensor::FromVector<int8_t>({1, 2, 2, 1}, {-128, 127, 5, -6}), {2, 2}, {1, 1},
                    {0, 0, 1, 0}, {1, 1}, 3);
  Tensor y = Run1(std::move(c));
  EXPECT_EQ(y.type(), ElementType::kInt8);
  EXPECT_THAT(y.ToDoubles(), ElementsAreArray<double>({-128, 127, 5, -6, 5, -6, 3, 3}));
}

TEST(Im2ColTest, InfersShapeAndKeepsDatatype) {
  auto types = InferOp(Im2Col(Iota({2, 6, 7, 3}), {3, 2}, {2, 1}, {1, 0, 1, 0}, {1, 2}, 0,
                              DataType::UInt(3)));
  ASSERT_TRUE(types.ok()) << types.status();
  const TensorType& t = (*types)[0];
  ASSERT_TRUE(t.shape.has_value());
  // OH = (6 + 2 - 2 - 1) / 2 + 1 = 3, OW = (7 - 2 - 1) / 1 + 1 = 5.
  EXPECT_EQ(ShapeToDims(*t.shape), (Dims{2, 3, 5, 18}));
  EXPECT_EQ(t.dtype, DataType::UInt(3));
}

TEST(Im2ColTest, DummyAxisNeedsUnitKernelAndNoPadding) {
  EXPECT_THAT(RunError(Im2Col(Iota({1, 1, 5, 2}), {3, 3}, {1, 1})),
              HasSubstr("height 1 (a dummy axis)"));
  EXPECT_THAT(RunError(Im2Col(Iota({1, 5, 1, 2}), {1, 1}, {1, 1}, {0, 1, 0, 0})),
              HasSubstr("width 1 (a dummy axis)"));
  // A 1-D window along W on a height-1 image is fine.
  Tensor y = Run1(Im2Col(Iota({1, 1, 5, 1}), {1, 3}, {1, 1}, {0, 1, 0, 1}));
  EXPECT_EQ(y.dims(), (Dims{1, 1, 5, 3}));
}

TEST(Im2ColTest, Errors) {
  EXPECT_THAT(RunError(Im2Col(Iota({1, 2, 2, 1}), {3, 3}, {1, 1})), HasSubstr("does not fit"));
  EXPECT_THAT(RunError(Im2Col(Iota({1, 2, 2, 1}), {1, 1}, {1, 1}, {1, 0, 0, 0}, {1, 1}, -1,
                              DataType::UInt(4))),
              HasSubstr("pad_value -1 is not allowed by the datatype UINT4 of input 'in0'"));
  OpCall rank3 = Im2Col(Iota({1, 2, 2}), {1, 1}, {1, 1});
  rank3.attrs.back().second = Attribute::String("(1, 2, 2, 1)");
  EXPECT_THAT(RunError(std::move(rank3)),
              HasSubstr("has shape [1, 2, 2]; Im2Col needs an NHWC tensor of rank 4"));
  EXPECT_THAT(RunError(Im2Col(Iota({1, 2, 2}), {1, 1}, {1, 1})),
              HasSubstr("attribute 'input_shape' = '(1, 2, 2)' has 3 sizes, expected 4 (NHWC)"));
  EXPECT_THAT(RunError(Im2Col(Iota({1, 2, 2, 1}), {1, 1, 1}, {1, 1})),
              HasSubstr("attribute 'kernel_size' = [1, 1, 1] must have 2 values >= 1"));
  OpCall wrong_shape = Im2Col(Iota({1, 2, 2, 1}), {1, 1}, {1, 1});
  wrong_shape.attrs.back().second = Attribute::String("(1, 2, 3, 1)");
  EXPECT_THAT(RunError(std::move(wrong_shape)),
              HasSubstr("disagrees with attribute 'input_shape' = '(1, 2, 3, 1)'"));
  OpCall no_stride = Im2Col(Iota({1, 2, 2, 1}), {1, 1}, {1, 1});
  no_stride.attrs.erase(no_stride.attrs.begin() + 1);
  EXPECT_THAT(RunError(std::move(no_stride)), HasSubstr("'stride' is missing"));
}

// ============================================================================ MaxPoolNHWC

OpCall Pool(const std::string& op, const std::string& domain, Tensor x,
            std::vector<int64_t> kernel, std::vector<int64_t> pads, std::vector<int64_t> strides,
            int64_t ceil_mode, std::optional<DataType> dtype = std::nullopt) {
  OpCall c;
  c.op_type = op;
  c.domain = domain;
  c.inputs = {Runtime(std::move(x), dtype)};
  c.attrs.emplace_back("kernel_shape", Attribute::Ints(kernel));
  c.attrs.emplace_back("pads", Attribute::Ints(pads));
  c.attrs.emplace_back("strides", Attribute::Ints(strides));
  c.attrs.emplace_back("ceil_mode", Attribute::Int(ceil_mode));
  return c;
}

// x[n, h, w, c] -> x[n, c, h, w] (or back with to_nchw = false).
Tensor Permute(const Tensor& x, bool to_nchw) {
  const int64_t n = x.dim(0), a = x.dim(1), b = x.dim(2), c = x.dim(3);
  Tensor y(x.type(), to_nchw ? Dims{n, c, a, b} : Dims{n, b, c, a});
  const float* in = x.data<float>();
  float* out = y.data<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t p = 0; p < a; ++p)
      for (int64_t q = 0; q < b; ++q)
        for (int64_t r = 0; r < c; ++r) {
          const int64_t src = ((i * a + p) * b + q) * c + r;
          // NHWC [n, a=h, b=w, c] -> NCHW [n, c, h, w]; NCHW [n, a=c, b=h, c=w] -> NHWC.
          const int64_t dst = to_nchw ? ((i * c + r) * a + p) * b + q
                                      : ((i * b + q) * c + r) * a + p;
          out[dst] = in[src];
        }
  return y;
}

TEST(MaxPoolNhwcTest, EqualsMaxPoolBetweenTransposes) {
  struct Case {
    Dims x;
    std::vector<int64_t> kernel, pads, strides;
    int64_t ceil_mode;
  };
  const std::vector<Case> cases = {
      {{1, 4, 4, 3}, {2, 2}, {0, 0, 0, 0}, {2, 2}, 0},
      {{2, 5, 7, 2}, {3, 2}, {1, 0, 1, 0}, {2, 1}, 0},
      {{1, 5, 5, 4}, {3, 3}, {1, 1, 1, 1}, {2, 2}, 1},
      {{1, 6, 3, 1}, {2, 3}, {0, 1, 1, 1}, {3, 1}, 1},
      {{1, 7, 7, 2}, {1, 1}, {0, 0, 0, 0}, {3, 3}, 0},
  };
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> dist(-8, 8);  // many ties
  for (const Case& k : cases) {
    int64_t n = 1;
    for (int64_t d : k.x) n *= d;
    std::vector<float> v(n);
    for (float& e : v) e = static_cast<float>(dist(rng));
    Tensor x = Tensor::FromVector<float>(k.x, v);
    Tensor nhwc = Run1(Pool("MaxPoolNHWC", kQonnx, x, k.kernel, k.pads, k.strides, k.ceil_mode));
    Tensor nchw = Run1(Pool("MaxPool", "", Permute(x, true), k.kernel, k.pads, k.strides,
                            k.ceil_mode));
    Tensor want = Permute(nchw, false);
    ASSERT_EQ(nhwc.dims(), want.dims());
    EXPECT_TRUE(nhwc.SameContents(want)) << DimsToString(k.x);
  }
}

TEST(MaxPoolNhwcTest, KeepsDatatypeAndInfersShape) {
  auto types = InferOp(Pool("MaxPoolNHWC", kQonnx, Iota({1, 5, 6, 3}), {2, 2}, {0, 0, 0, 0},
                            {2, 2}, 1, DataType::Int(5)));
  ASSERT_TRUE(types.ok()) << types.status();
  ASSERT_TRUE((*types)[0].shape.has_value());
  EXPECT_EQ(ShapeToDims(*(*types)[0].shape), (Dims{1, 3, 3, 3}));
  EXPECT_EQ((*types)[0].dtype, DataType::Int(5));
}

TEST(MaxPoolNhwcTest, Errors) {
  EXPECT_THAT(RunError(Pool("MaxPoolNHWC", kQonnx, Iota({1, 4, 4}), {2, 2}, {0, 0, 0, 0}, {2, 2},
                            0)),
              HasSubstr("rank 4"));
  EXPECT_THAT(RunError(Pool("MaxPoolNHWC", kQonnx, Iota({1, 4, 4, 1}), {2}, {0, 0}, {2}, 0)),
              HasSubstr("2-D only"));
  OpCall no_pads = Pool("MaxPoolNHWC", kQonnx, Iota({1, 4, 4, 1}), {2, 2}, {0, 0, 0, 0}, {2, 2}, 0);
  no_pads.attrs.erase(no_pads.attrs.begin() + 1);
  EXPECT_THAT(RunError(std::move(no_pads)), HasSubstr("required attribute 'pads' is missing"));
}

}  // namespace
}  // namespace finngl
