// Helpers shared by the hardware (dataflow) ops of src/ops/hw_*.cc (docs/hw_layers.md).
//
// A HW op reads its input, per frame, as a flat row-major stream: only the element count and the
// channel (last) dimension matter, so a HW op accepts any input shape with the right element count
// (remove-stream-reshapes relies on that). Their reference execution is the execution of the ops
// they replace: rather than re-implementing Im2Col, MaxPoolNHWC or MultiThreshold, a HW kernel
// compiles the replaced op's own kernel (InnerKernel) on a reshaped view of its input, so the two
// cannot drift apart.
#ifndef FINNGL_SRC_OPS_HW_COMMON_H_
#define FINNGL_SRC_OPS_HW_COMMON_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "src/ir/graph.h"
#include "src/ops/op_spec.h"

namespace finngl::hw {

// ---------------------------------------------------------------------------- attributes

// Schema entries: a positive INT, a DataType STRING (checked to parse as an integer datatype),
// an INTS attribute.
AttrSpec PositiveIntAttr(std::string name, bool required, int64_t min_value = 1);
AttrSpec DataTypeAttr(std::string name, bool required);
AttrSpec IntsAttr(std::string name, bool required);
AttrSpec IntAttr(std::string name, bool required = false);

// The value of a required positive INT attribute (InvalidArgument naming it otherwise).
absl::StatusOr<int64_t> RequiredInt(const Node& node, const std::string& name,
                                    int64_t min_value = 1);
// The INTS attribute `name` with exactly `size` values >= min_value (`fallback` when absent and
// non-empty; an error when absent and `fallback` is empty).
absl::StatusOr<std::vector<int64_t>> IntsOfSize(const Node& node, const std::string& name,
                                                size_t size, int64_t min_value,
                                                std::vector<int64_t> fallback = {});
// The datatype named by a STRING attribute (must be an integer datatype).
absl::StatusOr<DataType> DataTypeOf(const Node& node, const std::string& name);

// ---------------------------------------------------------------------------- shapes

// The shape of an output of a HW op that reads vectors of `in_channels` elements and writes
// vectors of `out_channels`, for the input shape `in`:
//   - the input's last dim is in_channels: the input shape with the last dim replaced;
//   - else (the input is a reshaped view of the stream): [in[0]] + numInputVectors + [out];
// Unknown input shapes give an unknown output shape.
std::optional<Shape> VectorOutputShape(const std::optional<Shape>& in, int64_t in_channels,
                                       int64_t out_channels,
                                       const std::vector<int64_t>& num_input_vectors);
// The run-time version: dims of the output for input dims `in` (element count must be a multiple
// of in_channels, checked by the caller).
Dims VectorOutputDims(const Dims& in, int64_t in_channels, int64_t out_channels,
                      const std::vector<int64_t>& num_input_vectors);
// InvalidArgument unless `x` holds a whole number of vectors of `channels` elements.
absl::Status CheckVectors(const Tensor& x, int64_t channels, const std::string& label);

// ---------------------------------------------------------------------------- inner kernels

// The kernel of another op (the one a HW op replaces), compiled on a one-node graph that this
// object owns. Constant inputs are initializers of that graph, so kernels that preprocess
// initializers at compile time (MultiThreshold sorts its thresholds) do so once.
class InnerKernel {
 public:
  // One input of the inner node: a constant (initializer) or a runtime input.
  struct Input {
    std::optional<Tensor> constant;
  };
  static absl::StatusOr<InnerKernel> Create(
      const std::string& domain, const std::string& op_type,
      std::initializer_list<std::pair<const char*, Attribute>> attrs, std::vector<Input> inputs,
      const CompileContext& ctx);
  InnerKernel(InnerKernel&&) = default;
  InnerKernel& operator=(InnerKernel&&) = default;

  // Runs with `inputs` (entries of constant inputs are ignored: the initializer is used) into
  // `output`.
  absl::Status Run(std::vector<const Tensor*> inputs, Tensor* output);

 private:
  InnerKernel() = default;
  std::unique_ptr<Graph> graph_;
  std::unique_ptr<Kernel> kernel_;
  std::vector<const Tensor*> constants_;  // per input: the initializer, or nullptr
};

// Copies `x` into `scratch` with new dims (same element count) and returns it.
const Tensor& ReshapedCopy(const Tensor& x, const Dims& dims, Tensor& scratch);

}  // namespace finngl::hw

#endif  // FINNGL_SRC_OPS_HW_COMMON_H_
