// PLACEHOLDER: to be replaced by the real implementation of this op family.
#include "src/ops/registry.h"
#include "src/ops/stub.h"

namespace finngl {

OpSpec MakeAddSpec() { return StubOpSpec("Add"); }
OpSpec MakeSubSpec() { return StubOpSpec("Sub"); }
OpSpec MakeMulSpec() { return StubOpSpec("Mul"); }
OpSpec MakeDivSpec() { return StubOpSpec("Div"); }

}  // namespace finngl
