// Tests of the model verifier against op schemas and inferred types.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "src/ops/verify.h"
#include "tests/cpp/op_test_util.h"

namespace finngl {
namespace {

using ::testing::HasSubstr;
using testing::BuildSingleOpModel;
using testing::OpCall;

std::string Message(const absl::Status& s) { return std::string(s.message()); }

OpCall LeakyCall() {
  OpCall call;
  call.op_type = "LeakyRelu";
  call.inputs.push_back({Tensor(ElementType::kFloat, {2, 3})});
  return call;
}

TEST(VerifyTest, AcceptsAWellFormedModel) {
  OpCall call = LeakyCall();
  call.attrs.emplace_back("alpha", Attribute::Float(0.1f));
  EXPECT_TRUE(VerifyModel(*BuildSingleOpModel(std::move(call))).ok());
}

TEST(VerifyTest, RejectsAttributeOfWrongType) {
  OpCall call = LeakyCall();
  call.attrs.emplace_back("alpha", Attribute::String("big"));
  absl::Status s = VerifyModel(*BuildSingleOpModel(std::move(call)));
  EXPECT_THAT(Message(s), HasSubstr("node 'node0' (LeakyRelu): attribute 'alpha' has type string, "
                                    "expected float"));
}

TEST(VerifyTest, RejectsUnknownAttributeOnStandardOp) {
  OpCall call = LeakyCall();
  call.attrs.emplace_back("gamma", Attribute::Float(1));
  EXPECT_THAT(Message(VerifyModel(*BuildSingleOpModel(std::move(call)))),
              HasSubstr("unknown attribute 'gamma'"));
}

TEST(VerifyTest, RejectsMissingRequiredAttribute) {
  OpCall call;
  call.op_type = "MultiThreshold";
  call.domain = kQonnxDomain;
  call.inputs.push_back({Tensor(ElementType::kFloat, {2, 3})});
  call.inputs.push_back({Tensor(ElementType::kFloat, {3, 2}), /*constant=*/true});
  EXPECT_THAT(Message(VerifyModel(*BuildSingleOpModel(std::move(call)))),
              HasSubstr("required attribute 'out_dtype' is missing"));
}

TEST(VerifyTest, RejectsWrongInputCount) {
  OpCall call = LeakyCall();
  call.inputs.push_back({Tensor(ElementType::kFloat, {2, 3})});
  EXPECT_THAT(Message(VerifyModel(*BuildSingleOpModel(std::move(call)))),
              HasSubstr("has 2 inputs, expected 1..1"));
}

TEST(VerifyTest, RejectsUnknownOp) {
  OpCall call = LeakyCall();
  call.op_type = "Frobnicate";
  EXPECT_THAT(Message(VerifyModel(*BuildSingleOpModel(std::move(call)))),
              HasSubstr("node 'node0' (Frobnicate): unsupported op 'Frobnicate'"));
}

TEST(VerifyTest, RejectsStoredShapeThatDisagreesWithInference) {
  OpCall call = LeakyCall();
  auto model = BuildSingleOpModel(std::move(call));
  Value* out = model->graph->outputs()[0];
  out->type().elem = ElementType::kFloat;
  out->type().shape = ShapeFromDims(Dims{2, 4});
  EXPECT_THAT(Message(VerifyModel(*model)),
              HasSubstr("output 'out0' has stored shape [2, 4] but inferred shape [2, 3]"));
}

TEST(VerifyTest, RejectsStoredElementTypeThatDisagreesWithInference) {
  auto model = BuildSingleOpModel(LeakyCall());
  Value* out = model->graph->outputs()[0];
  out->type().elem = ElementType::kInt8;
  EXPECT_THAT(Message(VerifyModel(*model)), HasSubstr("stored as int8 but inferred as float"));
}

}  // namespace
}  // namespace finngl
