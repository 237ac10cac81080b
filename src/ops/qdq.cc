// PLACEHOLDER: to be replaced by the real implementation of this op family.
#include "src/ops/registry.h"
#include "src/ops/stub.h"

namespace finngl {

OpSpec MakeQuantizeLinearSpec() { return StubOpSpec("QuantizeLinear"); }
OpSpec MakeDequantizeLinearSpec() { return StubOpSpec("DequantizeLinear"); }

}  // namespace finngl
