// Helpers for the Scan op: its parsed attributes (checked against the node and its body) and the
// byte layout used to cut a scan input into per-iteration slices and to stack per-iteration
// outputs.
//
// A tensor scanned along `axis` is viewed as [outer, seq_len, chunk] where outer is the product of
// the dims before the axis and chunk the bytes of one slice row after it. Slice t is then `outer`
// chunks of `chunk` bytes, `seq_len * chunk` bytes apart: one memcpy when the axis is outermost.
#ifndef FINNGL_SRC_OPS_SCAN_LAYOUT_H_
#define FINNGL_SRC_OPS_SCAN_LAYOUT_H_

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "src/ir/graph.h"

namespace finngl {

// Maps axis in [-rank, rank) to [0, rank).
inline absl::StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    return absl::InvalidArgumentError(
        absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  }
  return axis < 0 ? axis + rank : axis;
}

// True when `shape` scanned along `axis` (in [-rank, rank)) has only known 1s before the axis:
// then the slices, taken in time order, are the tensor's elements in memory order, exactly as
// for a scan over axis 0. A batch-first [1, T, F] sequence scanned over axis 1 streams like a
// [T, 1, F] one over axis 0, which is what hardware (RecurrentLayer) relies on.
inline bool ScanAxisIsOutermost(const std::optional<Shape>& shape, int64_t axis) {
  if (!shape) return false;
  const int64_t rank = static_cast<int64_t>(shape->size());
  absl::StatusOr<int64_t> a = NormalizeAxis(axis, rank);
  if (!a.ok()) return false;
  for (int64_t d = 0; d < *a; ++d) {
    if ((*shape)[d].value != 1) return false;
  }
  return true;
}

// Scan's attributes with defaults filled in; axes are not yet normalised (that needs ranks).
struct ScanConfig {
  int num_states = 0;                             // N
  int num_scan_inputs = 0;                        // M
  int num_scan_outputs = 0;                       // K
  std::vector<int64_t> input_axes, input_dirs;    // M each
  std::vector<int64_t> output_axes, output_dirs;  // K each

  // Reads the attributes and checks the counts of node inputs/outputs and body inputs/outputs.
  // Errors do not name the node (callers prefix it).
  static absl::StatusOr<ScanConfig> Parse(const Node& node) {
    const Attribute* body_attr = node.attr("body");
    if (body_attr == nullptr || body_attr->type() != Attribute::Type::kGraph) {
      return absl::InvalidArgumentError("attribute 'body' (a graph) is required");
    }
    const Graph& body = *body_attr->g();
    ScanConfig c;
    const int64_t m = node.GetInt("num_scan_inputs", -1);
    if (m < 1 || m > node.num_inputs()) {
      return absl::InvalidArgumentError(absl::StrCat("num_scan_inputs is ", m, " but the node has ",
                                                     node.num_inputs(), " inputs"));
    }
    c.num_scan_inputs = static_cast<int>(m);
    c.num_states = node.num_inputs() - c.num_scan_inputs;
    for (int i = 0; i < node.num_inputs(); ++i) {
      if (node.input(i) == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("input ", i, " is empty; Scan inputs are not optional"));
      }
    }
    const int body_inputs = static_cast<int>(body.inputs().size());
    if (body_inputs != node.num_inputs()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "body '", body.name(), "' has ", body_inputs, " inputs, expected ", node.num_inputs(),
          " (", c.num_states, " state variables + ", c.num_scan_inputs, " scan inputs)"));
    }
    const int body_outputs = static_cast<int>(body.outputs().size());
    if (body_outputs < c.num_states) {
      return absl::InvalidArgumentError(absl::StrCat("body '", body.name(), "' has ", body_outputs,
                                                     " outputs, fewer than its ", c.num_states,
                                                     " state variables"));
    }
    if (body_outputs != node.num_outputs()) {
      return absl::InvalidArgumentError(absl::StrCat("body '", body.name(), "' has ", body_outputs,
                                                     " outputs but the node has ",
                                                     node.num_outputs()));
    }
    c.num_scan_outputs = body_outputs - c.num_states;
    auto list = [&](const char* name, int count, std::vector<int64_t>& out) -> absl::Status {
      out = node.GetInts(name, std::vector<int64_t>(count, 0));
      if (static_cast<int>(out.size()) != count) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, " has ", out.size(), " entries, expected ", count));
      }
      return absl::OkStatus();
    };
    absl::Status s = list("scan_input_axes", c.num_scan_inputs, c.input_axes);
    if (s.ok()) s = list("scan_input_directions", c.num_scan_inputs, c.input_dirs);
    if (s.ok()) s = list("scan_output_axes", c.num_scan_outputs, c.output_axes);
    if (s.ok()) s = list("scan_output_directions", c.num_scan_outputs, c.output_dirs);
    if (!s.ok()) return s;
    return c;
  }
};

// [outer, seq_len, chunk] view of a tensor scanned along one axis (see the file comment).
struct ChunkLayout {
  int64_t outer = 1;
  int64_t chunk_bytes = 0;
  int64_t stride_bytes = 0;  // seq_len * chunk_bytes

  static ChunkLayout Of(std::span<const int64_t> dims, int64_t axis, int64_t elem_size) {
    ChunkLayout l;
    int64_t inner = elem_size;
    for (size_t d = 0; d < dims.size(); ++d) {
      if (static_cast<int64_t>(d) < axis) l.outer *= dims[d];
      if (static_cast<int64_t>(d) > axis) inner *= dims[d];
    }
    l.chunk_bytes = inner;
    l.stride_bytes = inner * dims[axis];
    return l;
  }

  // Copies slice `pos` of `full` into the contiguous `slice`.
  void Extract(const void* full, int64_t pos, void* slice) const {
    Copy(static_cast<const char*>(full) + pos * chunk_bytes, stride_bytes,
         static_cast<char*>(slice), chunk_bytes);
  }
  // Writes the contiguous `slice` as slice `pos` of `full`.
  void Insert(const void* slice, int64_t pos, void* full) const {
    Copy(static_cast<const char*>(slice), chunk_bytes, static_cast<char*>(full) + pos * chunk_bytes,
         stride_bytes);
  }

 private:
  void Copy(const char* src, int64_t src_stride, char* dst, int64_t dst_stride) const {
    if (outer == 1) {
      std::memcpy(dst, src, chunk_bytes);
      return;
    }
    // Scanning an inner axis: many small chunks; word-sized ones skip memcpy's call overhead.
    switch (chunk_bytes) {
      case 4:
        for (int64_t o = 0; o < outer; ++o) {
          std::memcpy(dst + o * dst_stride, src + o * src_stride, 4);
        }
        return;
      case 8:
        for (int64_t o = 0; o < outer; ++o) {
          std::memcpy(dst + o * dst_stride, src + o * src_stride, 8);
        }
        return;
      default:
        for (int64_t o = 0; o < outer; ++o) {
          std::memcpy(dst + o * dst_stride, src + o * src_stride, chunk_bytes);
        }
    }
  }
};

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_SCAN_LAYOUT_H_
