// PLACEHOLDER: to be replaced by the real implementation of this op family.
#include "src/ops/registry.h"
#include "src/ops/stub.h"

namespace finngl {

OpSpec MakeReluSpec() { return StubOpSpec("Relu"); }
OpSpec MakeLeakyReluSpec() { return StubOpSpec("LeakyRelu"); }
OpSpec MakeSigmoidSpec() { return StubOpSpec("Sigmoid"); }
OpSpec MakeTanhSpec() { return StubOpSpec("Tanh"); }
OpSpec MakeClipSpec() { return StubOpSpec("Clip"); }
OpSpec MakeSignSpec() { return StubOpSpec("Sign"); }
OpSpec MakeIdentitySpec() { return StubOpSpec("Identity"); }
OpSpec MakeNegSpec() { return StubOpSpec("Neg"); }
OpSpec MakeAbsSpec() { return StubOpSpec("Abs"); }
OpSpec MakeExpSpec() { return StubOpSpec("Exp"); }
OpSpec MakeSqrtSpec() { return StubOpSpec("Sqrt"); }
OpSpec MakeFloorSpec() { return StubOpSpec("Floor"); }
OpSpec MakeCeilSpec() { return StubOpSpec("Ceil"); }
OpSpec MakeRoundSpec() { return StubOpSpec("Round"); }
OpSpec MakeCastSpec() { return StubOpSpec("Cast"); }

}  // namespace finngl
