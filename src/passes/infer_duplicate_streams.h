// infer-duplicate-streams: a stream read by more than one HW node is forked explicitly by a
// DuplicateStreams HW op, one output per reader (a hardware stream has exactly one consumer;
// docs/hw_layers.md). Run it after every other conversion.
//
//   before:  t = Thresholding(...);  a = MVAU(t, W0);  b = MVAU(t, W1)
//   after:   t = Thresholding(...);  t0, t1 = DuplicateStreams<NumOutputStreams = 2>(t)
//            a = MVAU(t0, W0);  b = MVAU(t1, W1)
//
// Applies to values produced by a HW node and to graph inputs (e.g. a Scan body's state) that
// feed HW nodes; readers that are not HW nodes keep reading the original value. Needs an integer
// datatype and a known channel (last) dim. In a loop body, a value that is a body output (a
// state written back) and also read by HW nodes counts the write-back as one more reader: the
// last copy becomes the body output. A value returned in several body output slots (the next
// state that is also the scan output, see remove-body-output-copies) is forked into one copy per
// slot, even when no layer of the body reads it.
#ifndef FINNGL_SRC_PASSES_INFER_DUPLICATE_STREAMS_H_
#define FINNGL_SRC_PASSES_INFER_DUPLICATE_STREAMS_H_

#include "src/passes/pass.h"

namespace finngl {

class InferDuplicateStreamsPass final : public NamedPass<InferDuplicateStreamsPass> {
 public:
  static constexpr const char kName[] = "infer-duplicate-streams";
  static constexpr const char kDescription[] =
      "fork a stream read by several HW nodes through a DuplicateStreams HW op";

 protected:
  absl::StatusOr<bool> RunOnGraph(Graph& graph, PassContext& ctx) const override;
};

}  // namespace finngl

#endif  // FINNGL_SRC_PASSES_INFER_DUPLICATE_STREAMS_H_
