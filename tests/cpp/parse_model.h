// Test helpers for pass tests: models written in ONNX's textual syntax (onnx/defs/parser.h),
// imported as the CLI imports files, and a compact view of a graph's ops for structural asserts.
#ifndef FINNGL_TESTS_CPP_PARSE_MODEL_H_
#define FINNGL_TESTS_CPP_PARSE_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "src/ir/graph.h"

namespace finngl::testing {

// Parses, imports and (with `infer`) infers types; a parse, import or inference failure is a
// gtest failure and returns nullptr (or the uninferred model).
std::unique_ptr<Model> ParseModel(const std::string& text, bool infer = true);

// The op types of the graph's nodes, in node order.
std::vector<std::string> OpTypes(const Graph& graph);

}  // namespace finngl::testing

#endif  // FINNGL_TESTS_CPP_PARSE_MODEL_H_
