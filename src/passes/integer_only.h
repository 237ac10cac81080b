// The integer-only check: which nodes of a streamlined graph still compute in float.
//
// Streamlining ends when every node computes on integers except a final scale and bias per graph
// output (issue 3's definition). A node is integer-only when it is
//  - a MatMul, Gemm or Conv whose inputs (data, weights, bias) are all integer-typed;
//  - a MultiThreshold whose out_scale and out_bias are integers (its input may be float: it is the
//    quantizer of a float graph input);
//  - an Add, Sub or Mul whose inputs are all integer-typed;
//  - data movement or pooling: Im2Col, MaxPool(NHWC), GlobalMaxPool, AveragePool,
//    GlobalAveragePool, Reshape, Transpose, Flatten, Squeeze, Unsqueeze, Concat, Slice, Gather,
//    Split, Identity, Pad, Expand, Constant, Shape (these do no float arithmetic of their own: a
//    float input is reported at its producer);
//  - any op whose inputs and outputs all have integer element types (shape arithmetic);
//  - a Scan, whose body is checked node by node.
// "Integer-typed" means an integer quantization datatype (INT4, UINT8, BIPOLAR, ...) or an integer
// element type (int_range.h: IsIntegerTyped).
// In the main graph each output may end in at most one Mul and at most one Add by constants (in
// either order), read by nothing but the output, possibly through data movement (an Identity
// keeping the output's name, a final Reshape): the dequantizing scale and bias. Scan bodies get
// no such allowance: their outputs feed the next step.
#ifndef FINNGL_SRC_PASSES_INTEGER_ONLY_H_
#define FINNGL_SRC_PASSES_INTEGER_ONLY_H_

#include <string>
#include <vector>

#include "src/ir/graph.h"

namespace finngl {

// A node that is not integer-only, and why.
struct IntegerOnlyViolation {
  const Node* node = nullptr;
  std::string graph;   // the graph's path: "main_graph", "main_graph/Scan_0.body"
  std::string reason;  // e.g. "input 'x' is FLOAT32, not integer-typed"
  // "graph 'main_graph': node 'Mul_3' (Mul): input 'x' is FLOAT32, not integer-typed"
  std::string ToString() const;
};

// Every node of the model's graph and its Scan bodies that is not integer-only, in graph order.
// Empty for a fully streamlined model.
std::vector<IntegerOnlyViolation> FindNonIntegerNodes(const Model& model);

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_INTEGER_ONLY_H_
