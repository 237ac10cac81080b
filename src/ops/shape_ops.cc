// PLACEHOLDER: to be replaced by the real implementation of this op family.
#include "src/ops/registry.h"
#include "src/ops/stub.h"

namespace finngl {

OpSpec MakeFlattenSpec() { return StubOpSpec("Flatten"); }
OpSpec MakeReshapeSpec() { return StubOpSpec("Reshape"); }
OpSpec MakeTransposeSpec() { return StubOpSpec("Transpose"); }
OpSpec MakeSqueezeSpec() { return StubOpSpec("Squeeze"); }
OpSpec MakeUnsqueezeSpec() { return StubOpSpec("Unsqueeze"); }
OpSpec MakeConcatSpec() { return StubOpSpec("Concat"); }
OpSpec MakeSliceSpec() { return StubOpSpec("Slice"); }
OpSpec MakeGatherSpec() { return StubOpSpec("Gather"); }
OpSpec MakeSplitSpec() { return StubOpSpec("Split"); }
OpSpec MakePadSpec() { return StubOpSpec("Pad"); }
OpSpec MakeShapeSpec() { return StubOpSpec("Shape"); }
OpSpec MakeConstantSpec() { return StubOpSpec("Constant"); }
OpSpec MakeExpandSpec() { return StubOpSpec("Expand"); }

}  // namespace finngl
