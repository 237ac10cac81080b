#include "src/passes/pass_registry.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/passes/absorb_1bit_mul_into_conv.h"
#include "src/passes/absorb_1bit_mul_into_matmul.h"
#include "src/passes/absorb_add_into_multithreshold.h"
#include "src/passes/absorb_mul_into_multithreshold.h"
#include "src/passes/absorb_sign_bias_into_multithreshold.h"
#include "src/passes/absorb_transpose_into_flatten.h"
#include "src/passes/batchnorm_to_affine.h"
#include "src/passes/cancel_transposes.h"
#include "src/passes/collapse_repeated_add.h"
#include "src/passes/collapse_repeated_mul.h"
#include "src/passes/div_to_mul.h"
#include "src/passes/factor_out_mul_sign_magnitude.h"
#include "src/passes/fold_constants.h"
#include "src/passes/gemm_to_matmul.h"
#include "src/passes/give_readable_names.h"
#include "src/passes/give_unique_names.h"
#include "src/passes/absorb_chain_into_multithreshold.h"
#include "src/passes/hoist_scan_scales.h"
#include "src/passes/hoist_scan_input_projection.h"
#include "src/passes/set_batch_one.h"
#include "src/passes/scan_to_recurrent_layer.h"
#include "src/passes/transpose_to_feature_gather.h"
#include "src/passes/absorb_feature_permutation.h"
#include "src/passes/infer_types.h"
#include "src/passes/lower_quant_lstm_cell.h"
#include "src/passes/lower_conv_to_matmul.h"
#include "src/passes/make_maxpool_nhwc.h"
#include "src/passes/move_add_past_conv.h"
#include "src/passes/move_add_past_fork.h"
#include "src/passes/move_add_past_mul.h"
#include "src/passes/move_linear_past_eltwise_add.h"
#include "src/passes/move_linear_past_eltwise_mul.h"
#include "src/passes/move_mul_past_fork.h"
#include "src/passes/move_mul_past_maxpool.h"
#include "src/passes/move_scalar_add_past_matmul.h"
#include "src/passes/move_scalar_linear_into_scan.h"
#include "src/passes/move_scalar_linear_past_invariants.h"
#include "src/passes/move_scalar_mul_past_conv.h"
#include "src/passes/move_scalar_mul_past_matmul.h"
#include "src/passes/move_scaled_bias_past_eltwise_mul.h"
#include "src/passes/move_transpose_past_elementwise.h"
#include "src/passes/lower_gru_to_scan.h"
#include "src/passes/lower_lstm_to_scan.h"
#include "src/passes/qcdq_to_quant.h"
#include "src/passes/fold_quant_weights.h"
#include "src/passes/quant_act_to_multithreshold.h"
#include "src/passes/activation_to_multithreshold.h"
#include "src/passes/trunc_to_multithreshold.h"
#include "src/passes/remove_body_output_copies.h"
#include "src/passes/remove_dead_code.h"
#include "src/passes/remove_identity.h"
#include "src/passes/round_and_clip_thresholds.h"
#include "src/passes/sub_to_add.h"
#include "src/passes/infer_mvau.h"
#include "src/passes/infer_thresholding.h"
#include "src/passes/infer_convolution_input_generator.h"
#include "src/passes/infer_streaming_maxpool.h"
#include "src/passes/infer_elementwise.h"
#include "src/passes/infer_label_select.h"
#include "src/passes/remove_stream_reshapes.h"
#include "src/passes/infer_duplicate_streams.h"
#include "src/passes/convert_transpose_before_threshold.h"

namespace finngl {
namespace {

// The rewrites of "cleanup" that simplify without renaming, repeated because each can enable
// another (a folded Transpose exposes a Mul by 1, a removed Identity a Transpose pair, ...).
PipelineStep SimplifyToFixedPoint() {
  return FixedPoint({"fold-constants", "remove-identity", "sub-to-add", "div-to-mul",
                     "gemm-to-matmul", "batchnorm-to-affine", "cancel-transposes",
                     "remove-dead-code"});
}

// QONNX's FINN-ONNX streamlining, adapted: float scales and biases move towards the
// MultiThresholds (past MatMul/Conv, pooling, forks and eltwise joins, into Scan bodies) and are
// absorbed into exact thresholds; Scan states carry integers. Repeated because each move enables
// others. The absorptions run first in every iteration, and collapse-repeated-add/mul are left
// out of the first fixed point altogether: each absorption keeps the float chain it replaces
// bit for bit, whereas a collapsed product is rounded differently (fl(fl(x*a)*b) vs fl(x*fl(a*b)))
// and can move an integer across a threshold. Only what no absorption could take (the output's
// scale and bias, incommensurable sums) is collapsed, in the second fixed point.
std::vector<std::string> StreamlinePasses(bool collapse) {
  std::vector<std::string> passes = {
      "sub-to-add", "div-to-mul", "batchnorm-to-affine", "fold-constants", "remove-identity",
      "absorb-sign-bias-into-multithreshold", "absorb-chain-into-multithreshold",
      "absorb-add-into-multithreshold", "factor-out-mul-sign-magnitude",
      "absorb-mul-into-multithreshold", "absorb-1bit-mul-into-matmul",
      "absorb-1bit-mul-into-conv", "hoist-scan-scales", "move-scalar-linear-into-scan",
      "move-mul-past-maxpool", "move-scalar-linear-past-invariants", "move-add-past-mul",
      "move-scalar-add-past-matmul", "move-add-past-conv", "move-scalar-mul-past-matmul",
      "move-scalar-mul-past-conv", "move-linear-past-eltwise-add",
      "move-linear-past-eltwise-mul", "move-scaled-bias-past-eltwise-mul", "move-mul-past-fork",
      "move-add-past-fork"};
  if (collapse) passes.insert(passes.end(), {"collapse-repeated-add", "collapse-repeated-mul"});
  passes.push_back("remove-dead-code");
  return passes;
}

PipelineStep MoveAndAbsorbToFixedPoint() {
  return FixedPoint(StreamlinePasses(/*collapse=*/false), /*max_iterations=*/64);
}

PipelineStep MoveAbsorbAndCollapseToFixedPoint() {
  return FixedPoint(StreamlinePasses(/*collapse=*/true), /*max_iterations=*/64);
}

PassRegistry MakeBuiltinRegistry() {
  PassRegistry r;
  r.AddPass<InferTypesPass>();
  r.AddPass<FoldConstantsPass>();
  r.AddPass<RemoveIdentityPass>();
  r.AddPass<SubToAddPass>();
  r.AddPass<DivToMulPass>();
  r.AddPass<GemmToMatMulPass>();
  r.AddPass<BatchNormToAffinePass>();
  r.AddPass<LowerQuantLstmCellPass>();
  r.AddPass<CancelTransposesPass>();
  r.AddPass<LowerConvToMatMulPass>();
  r.AddPass<MakeMaxPoolNhwcPass>();
  r.AddPass<MoveTransposePastElementwisePass>();
  r.AddPass<AbsorbTransposeIntoFlattenPass>();
  r.AddPass<RemoveDeadCodePass>();
  r.AddPass<GiveUniqueNamesPass>();
  r.AddPass<GiveReadableNamesPass>();
  r.AddPass<MoveMulPastMaxPoolPass>();
  r.AddPass<MoveScalarLinearPastInvariantsPass>();
  r.AddPass<MoveScalarLinearIntoScanPass>();
  r.AddPass<AbsorbSignBiasIntoMultiThresholdPass>();
  r.AddPass<MoveAddPastMulPass>();
  r.AddPass<MoveScalarAddPastMatMulPass>();
  r.AddPass<MoveAddPastConvPass>();
  r.AddPass<MoveScalarMulPastMatMulPass>();
  r.AddPass<MoveScalarMulPastConvPass>();
  r.AddPass<MoveLinearPastEltwiseAddPass>();
  r.AddPass<MoveLinearPastEltwiseMulPass>();
  r.AddPass<MoveScaledBiasPastEltwiseMulPass>();
  r.AddPass<MoveMulPastForkPass>();
  r.AddPass<MoveAddPastForkPass>();
  r.AddPass<CollapseRepeatedAddPass>();
  r.AddPass<CollapseRepeatedMulPass>();
  r.AddPass<AbsorbAddIntoMultiThresholdPass>();
  r.AddPass<FactorOutMulSignMagnitudePass>();
  r.AddPass<AbsorbMulIntoMultiThresholdPass>();
  r.AddPass<Absorb1BitMulIntoMatMulPass>();
  r.AddPass<Absorb1BitMulIntoConvPass>();
  r.AddPass<RoundAndClipThresholdsPass>();
  r.AddPass<QcdqToQuantPass>();
  r.AddPass<LowerLstmToScanPass>();
  r.AddPass<LowerGruToScanPass>();
  r.AddPass<FoldQuantWeightsPass>();
  r.AddPass<ActivationToMultiThresholdPass>();
  r.AddPass<TruncToMultiThresholdPass>();
  r.AddPass<QuantActToMultiThresholdPass>();
  r.AddPass<HoistScanScalesPass>();
  r.AddPass<HoistScanInputProjectionPass>();
  r.AddPass<SetBatchOnePass>();
  r.AddPass<ScanToRecurrentLayerPass>();
  r.AddPass<RemoveBodyOutputCopiesPass>();
  r.AddPass<TransposeToFeatureGatherPass>();
  r.AddPass<AbsorbFeaturePermutationPass>();
  r.AddPass<AbsorbChainIntoMultiThresholdPass>();
  r.AddPass<InferMvauPass>();
  r.AddPass<InferThresholdingPass>();
  r.AddPass<InferConvolutionInputGeneratorPass>();
  r.AddPass<InferStreamingMaxPoolPass>();
  r.AddPass<InferElementwisePass>();
  r.AddPass<InferLabelSelectPass>();
  r.AddPass<RemoveStreamReshapesPass>();
  r.AddPass<InferDuplicateStreamsPass>();
  r.AddPass<MoveTransposeBeforeMultiThresholdPass>();

  r.AddPipeline({"cleanup",
                 "simplify the graph to a fixed point, then give readable names",
                 {Once({"infer-types"}), SimplifyToFixedPoint(), Once({"give-readable-names"})}});
  r.AddPipeline({"qcdq-to-qonnx",
                 "QuantizeLinear/Clip/DequantizeLinear chains (and integer weights) to QONNX Quant",
                 {Once({"infer-types", "qcdq-to-quant"}), SimplifyToFixedPoint()}});
  r.AddPipeline({"lower-recurrent",
                 "Brevitas QuantLSTMCell and ONNX LSTM/GRU nodes to Scan loops over their cell",
                 {Once({"infer-types", "lower-quant-lstm-cell", "lower-lstm-to-scan",
                        "lower-gru-to-scan"})}});
  r.AddPipeline({"qonnx-to-finn",
                 "QONNX to FINN-ONNX: integer weights + scale, activations and monotone functions "
                 "of quantized values as exact MultiThresholds",
                 {Once({"infer-types", "gemm-to-matmul", "fold-quant-weights",
                        "activation-to-multithreshold", "trunc-to-multithreshold",
                        "quant-act-to-multithreshold"}),
                  SimplifyToFixedPoint()}});
  r.AddPipeline({"streamline",
                 "move and absorb float scales and biases until only integer work remains",
                 {Once({"infer-types"}), MoveAndAbsorbToFixedPoint(),
                  MoveAbsorbAndCollapseToFixedPoint(),
                  Once({"round-and-clip-thresholds"})}});
  r.AddPipeline({"lower-conv",
                 "Conv to Im2Col + MatMul and MaxPool in NHWC, layout transposes absorbed",
                 {Once({"infer-types", "lower-conv-to-matmul"}),
                  FixedPoint({"make-maxpool-nhwc", "move-transpose-past-elementwise",
                              "cancel-transposes",
                              "absorb-transpose-into-flatten", "remove-identity",
                              "remove-dead-code"})}});
  r.AddPipeline({"frontend",
                 "any supported quantized model to a streamlined integer-only FINN-ONNX graph: "
                 "qcdq-to-qonnx, lower-recurrent, qonnx-to-finn, streamline, readable names",
                 {Once({"infer-types", "qcdq-to-quant"}), SimplifyToFixedPoint(),
                  Once({"lower-quant-lstm-cell", "lower-lstm-to-scan", "lower-gru-to-scan",
                        "gemm-to-matmul", "fold-quant-weights", "activation-to-multithreshold",
                        "trunc-to-multithreshold", "quant-act-to-multithreshold"}),
                  MoveAndAbsorbToFixedPoint(),
                  MoveAbsorbAndCollapseToFixedPoint(),
                  Once({"round-and-clip-thresholds"}),
                  Once({"give-readable-names"})}});
  r.AddPipeline({"prepare-hw",
                 "batch 1, shape arithmetic folded, the state-independent input projection hoisted "
                 "out of Scan bodies, feature permutations absorbed into weights and thresholds, "
                 "Identity copies of Scan body outputs dropped",
                 {Once({"infer-types", "set-batch-one"}), SimplifyToFixedPoint(),
                  Once({"hoist-scan-input-projection", "transpose-to-feature-gather",
                        "absorb-feature-permutation", "remove-body-output-copies",
                        "remove-dead-code"})}});
  r.AddPipeline({"convert-to-hw",
                 "integer MatMul/MultiThreshold/Im2Col/MaxPoolNHWC/Add/Sub/Mul/ArgMax to HW ops "
                 "(docs/hw_layers.md), reshapes between them dropped, forks made explicit",
                 {Once({"infer-types", "move-transpose-before-multithreshold", "infer-mvau",
                        "infer-thresholding",
                        "infer-convolution-input-generator", "infer-streaming-maxpool",
                        "infer-elementwise", "infer-label-select", "remove-stream-reshapes",
                        "scan-to-recurrent-layer", "infer-duplicate-streams",
                        "remove-dead-code"})}});
  r.AddPipeline({"simplify", "cleanup without the renaming: tensor and node names stay as they are",
                 {Once({"infer-types"}), SimplifyToFixedPoint()}});
  return r;
}

template <typename Info>
std::string NamesOf(const std::vector<Info>& infos) {
  std::vector<std::string> names;
  for (const Info& info : infos) names.push_back(info.name);
  return absl::StrJoin(names, ", ");
}

}  // namespace

const PassRegistry& PassRegistry::Builtin() {
  static const PassRegistry* registry = new PassRegistry(MakeBuiltinRegistry());
  return *registry;
}

void PassRegistry::AddPass(PassInfo info) {
  for (PassInfo& existing : passes_) {
    if (existing.name == info.name) {
      existing = std::move(info);
      return;
    }
  }
  passes_.push_back(std::move(info));
}

void PassRegistry::AddPipeline(PipelineInfo info) {
  for (PipelineInfo& existing : pipelines_) {
    if (existing.name == info.name) {
      existing = std::move(info);
      return;
    }
  }
  pipelines_.push_back(std::move(info));
}

const PassInfo* PassRegistry::FindPass(const std::string& name) const {
  for (const PassInfo& info : passes_) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

const PipelineInfo* PassRegistry::FindPipeline(const std::string& name) const {
  for (const PipelineInfo& info : pipelines_) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

absl::StatusOr<std::unique_ptr<GraphPass>> PassRegistry::CreatePass(const std::string& name) const {
  const PassInfo* info = FindPass(name);
  if (info == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown pass '", name, "'; valid passes: ", NamesOf(passes_)));
  }
  return info->create();
}

absl::StatusOr<const PipelineInfo*> PassRegistry::GetPipeline(const std::string& name) const {
  const PipelineInfo* info = FindPipeline(name);
  if (info == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown pipeline '", name, "'; valid pipelines: ", NamesOf(pipelines_)));
  }
  return info;
}

}  // namespace finngl
