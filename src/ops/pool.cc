// PLACEHOLDER: to be replaced by the real implementation of this op family.
#include "src/ops/registry.h"
#include "src/ops/stub.h"

namespace finngl {

OpSpec MakeMaxPoolSpec() { return StubOpSpec("MaxPool"); }
OpSpec MakeAveragePoolSpec() { return StubOpSpec("AveragePool"); }
OpSpec MakeGlobalAveragePoolSpec() { return StubOpSpec("GlobalAveragePool"); }

}  // namespace finngl
