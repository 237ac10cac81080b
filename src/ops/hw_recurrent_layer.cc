// RecurrentLayer (finn.custom_op.fpgadataflow): the recurrent hardware layer, a time loop around a
// body made of hardware ops (docs/hw_layers.md). Its meaning is exactly ONNX Scan's - same
// inputs, outputs and attributes - so it reuses Scan's type inference and kernel; only the op
// type and domain say that the body has been mapped to hardware layers and that code generation
// emits it as one layer with its states on chip.
#include "src/ops/registry.h"

namespace finngl {

OpSpec MakeRecurrentLayerSpec() {
  OpSpec s = MakeScanSpec();
  s.op_type = "RecurrentLayer";
  s.domain = kHwDomain;
  s.since_version = 1;
  // Scan's check against Scan-8 looks at the ai.onnx opset only.
  s.compile = [scan_compile = s.compile](const Node& node, const CompileContext& ctx) {
    CompileContext scan_ctx = ctx;
    scan_ctx.opset = -1;
    return scan_compile(node, scan_ctx);
  };
  s.summary =
      "Recurrent hardware layer: Scan semantics over a body of hardware layers, states on chip";
  return s;
}

}  // namespace finngl
