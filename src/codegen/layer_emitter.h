// Per-layer HLS emitters: one per HW op type, found through a table keyed by op type.
//
// An emitter answers two questions about a node: which of its inputs/outputs are streams and how
// they are packed (LayerIo, used by the top to declare and check the streams between layers), and
// what the layer's code is: the body of `void <fn>(streams..., unsigned reps)` calling the hlslib
// kernel (docs/hw_layers.md) and the node's constant arrays for params/<fn>.h. `reps` in the
// generated function always counts frames; emitters convert it to the kernel's own `reps`.
#ifndef FINNGL_SRC_CODEGEN_LAYER_EMITTER_H_
#define FINNGL_SRC_CODEGEN_LAYER_EMITTER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/codegen/printer.h"
#include "src/ir/graph.h"

namespace finngl::codegen {

// One stream port of a layer: beats of `width` bits carrying elements of datatype `dtype`.
struct StreamPort {
  int index = 0;      // node input or output index
  int64_t width = 0;  // bits per beat
  DataType dtype;     // element datatype (its bit width packs the beat)
  int64_t elem_bits() const { return dtype.bit_width(); }
  // Elements per beat (0 when the width is not a multiple of the element width).
  int64_t fold() const { return width % elem_bits() == 0 ? width / elem_bits() : 0; }
};

struct LayerIo {
  std::vector<StreamPort> inputs;   // stream inputs, in node input order
  std::vector<StreamPort> outputs;  // every output is a stream
  // DuplicateStreams: the outputs are passed as one array `out[NumOut]` (the kernel's signature).
  bool outputs_as_array = false;
};

// What an emitter gets: the node, its generated function name, its stream ports, and the
// per-frame element counts of those ports (from the value shapes).
struct LayerContext {
  const Node* node = nullptr;
  std::string fn;  // C identifier of the layer function; params are named <fn>_<what>
  LayerIo io;
  std::vector<int64_t> in_frame_elems;   // per io.inputs entry
  std::vector<int64_t> out_frame_elems;  // per io.outputs entry
};

// The text an emitter produces for one layer.
struct LayerCode {
  Printer helpers;  // file-local functions the body calls (RecurrentLayer: its body's layers)
  Printer body;     // statements of `void <fn>(in0.., out0.. or out[], unsigned reps)`
  Printer params;   // declarations for params/<fn>.h (empty for kernels without constants)
};

struct LayerEmitter {
  absl::StatusOr<LayerIo> (*io)(const Node& node);
  absl::Status (*emit)(const LayerContext& ctx, LayerCode& code);
};

// The emitter for an op type of the HW domain, or nullptr. StreamingFIFO has none: FIFOs become
// stream depths in the top. RecurrentLayer's is registered here too (emit_recurrent.cc).
const LayerEmitter* FindLayerEmitter(const std::string& op_type);

// Writes `static const <type> <name>[d0][d1]... = {...};` with integer literals, the innermost
// dimension on one line per row, so weights stay readable and diffs stay local.
void WriteConstArray(Printer& p, const std::string& type, const std::string& name,
                     const std::vector<int64_t>& dims,
                     const std::function<int64_t(const std::vector<int64_t>&)>& value);

// Emitters, one per file (emit_<op>.cc).
LayerEmitter MvauEmitter();
LayerEmitter ThresholdingEmitter();
LayerEmitter SlidingWindowEmitter();
LayerEmitter MaxPoolEmitter();
LayerEmitter EltwiseEmitter();
LayerEmitter DuplicateStreamsEmitter();
LayerEmitter DataWidthConverterEmitter();
LayerEmitter LabelSelectEmitter();
LayerEmitter RecurrentLayerEmitter();

}  // namespace finngl::codegen

#endif  // FINNGL_SRC_CODEGEN_LAYER_EMITTER_H_
