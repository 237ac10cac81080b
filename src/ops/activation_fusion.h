// The kernel side of a plan-time fusion: GraphPlan (src/exec/graph_plan.h) may ask the kernel
// producing a value whose only use is an activation to apply that activation to its output
// itself, while the result is still in registers, and then drops the activation's own pass.
//
// A kernel accepts only when the fused result is bit-identical to running the activation node on
// its output (e.g. Relu after a float convolution: max(x, 0) of the same float x).
#ifndef FINNGL_SRC_OPS_ACTIVATION_FUSION_H_
#define FINNGL_SRC_OPS_ACTIVATION_FUSION_H_

namespace finngl {

enum class FusedActivation { kRelu };

class ActivationFusion {
 public:
  virtual ~ActivationFusion() = default;
  // From the next run on, output 0 receives act(result) instead of the result. Returns false,
  // changing nothing, when the kernel cannot produce exactly what the activation node would.
  virtual bool FuseActivation(FusedActivation act) = 0;
};

}  // namespace finngl

#endif  // FINNGL_SRC_OPS_ACTIVATION_FUSION_H_
