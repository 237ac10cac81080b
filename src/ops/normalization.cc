// PLACEHOLDER: to be replaced by the real implementation of this op family.
#include "src/ops/registry.h"
#include "src/ops/stub.h"

namespace finngl {

OpSpec MakeBatchNormalizationSpec() { return StubOpSpec("BatchNormalization"); }
OpSpec MakeSoftmaxSpec() { return StubOpSpec("Softmax"); }
OpSpec MakeArgMaxSpec() { return StubOpSpec("ArgMax"); }

}  // namespace finngl
