// PLACEHOLDER: to be replaced by the real implementation of this op family.
#include "src/ops/registry.h"
#include "src/ops/stub.h"

namespace finngl {

OpSpec MakeLSTMSpec() { return StubOpSpec("LSTM"); }
OpSpec MakeGRUSpec() { return StubOpSpec("GRU"); }

}  // namespace finngl
