#include "tests/cpp/parse_model.h"

#include <gtest/gtest.h>

#include <utility>

#include "onnx/defs/parser.h"
#include "src/onnx/importer.h"
#include "src/ops/infer.h"

namespace finngl::testing {

std::unique_ptr<Model> ParseModel(const std::string& text, bool infer) {
  onnx::ModelProto proto;
  auto parsed = onnx::OnnxParser::Parse(proto, text.c_str());
  EXPECT_TRUE(parsed.IsOK()) << parsed.ErrorMessage() << "\n" << text;
  if (!parsed.IsOK()) return nullptr;
  auto model = ImportModelProto(proto, "test.onnx");
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return nullptr;
  if (infer) {
    absl::Status s = InferModelTypes(**model);
    EXPECT_TRUE(s.ok()) << s;
  }
  return std::move(*model);
}

std::vector<std::string> OpTypes(const Graph& graph) {
  std::vector<std::string> ops;
  for (const Node* n : graph.nodes()) ops.push_back(n->op_type());
  return ops;
}

}  // namespace finngl::testing
