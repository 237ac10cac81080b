// PLACEHOLDER: to be replaced by the real implementation of this op family.
#include "src/ops/registry.h"
#include "src/ops/stub.h"

namespace finngl {

OpSpec MakeQuantSpec() { return StubOpSpec("Quant"); }
OpSpec MakeIntQuantSpec() { return StubOpSpec("IntQuant"); }
OpSpec MakeBipolarQuantSpec() { return StubOpSpec("BipolarQuant"); }
OpSpec MakeTruncV1Spec() { return StubOpSpec("TruncV1"); }
OpSpec MakeTruncV2Spec() { return StubOpSpec("TruncV2"); }
OpSpec MakeMultiThresholdSpec() { return StubOpSpec("MultiThreshold"); }

}  // namespace finngl
