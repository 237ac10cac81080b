// RecurrentLayer emitter: ONNX Scan semantics over a body of HW layers (docs/hw_layers.md).
//
// The layer function runs, per sequence (reps counts sequences: a recurrent graph's frame is the
// whole tensor), a time loop of T steps. Each state lives in an on-chip array of beats of the
// width the body reads it with. A step is its own dataflow region:
//
//   state arrays --ArrayToStream--> body layers (reps = 1) --StreamToArray--> next-state arrays
//   scan inputs (the outer stream, one step's beats) ----^     `---> scan outputs (outer stream)
//
// States start from a constant initial-state initializer (zero for the usual LSTM) or are read
// from their input stream at the start of each sequence; final states are streamed out after the
// last step. Scan outputs are stacked in time order, which is exactly the order in which the steps
// stream them out. Outputs the node leaves out (ONNX's empty name, see scan-to-recurrent-layer)
// are not streamed: a final state is simply not written, a scan output's per-step stream is
// drained inside the step. Only forward scans over an outermost axis are supported: axis 0, or a later
// axis with only 1s before it (batch-first [1, T, F]), whose memory order is the same.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"
#include "src/codegen/dataflow.h"
#include "src/codegen/hls_files.h"
#include "src/codegen/hls_types.h"
#include "src/codegen/layer_emitter.h"
#include "src/ops/scan_layout.h"

namespace finngl::codegen {
namespace {

struct RecurrentShape {
  int64_t num_states = 0;  // M
  int64_t num_scans = 0;   // K (scan inputs)
  int64_t steps = 0;       // T
  const Graph* body = nullptr;
};

absl::StatusOr<RecurrentShape> ReadShape(const Node& node) {
  RecurrentShape r;
  const Attribute* body = node.attr("body");
  if (body == nullptr || body->type() != Attribute::Type::kGraph) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": missing body"));
  }
  r.body = body->g();
  ASSIGN_OR_RETURN(r.num_scans, IntAttr(node, "num_scan_inputs"));
  r.num_states = node.num_inputs() - r.num_scans;
  if (r.num_scans < 1 || r.num_states < 0) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": bad num_scan_inputs"));
  }
  // The steps stream one after the other in the tensors' memory order: scanned axes must be
  // outermost (axis 0, or behind leading 1s like a batch-first [1, T, F]) and forward.
  for (const char* attr : {"scan_input_directions", "scan_output_directions"}) {
    for (int64_t v : node.GetInts(attr, {})) {
      if (v != 0) {
        return absl::UnimplementedError(
            absl::StrCat(node.Describe(), ": only forward scans are supported (", attr, ")"));
      }
    }
  }
  const std::vector<int64_t> in_axes = node.GetInts("scan_input_axes", {});
  const std::vector<int64_t> out_axes = node.GetInts("scan_output_axes", {});
  auto axis_of = [](const std::vector<int64_t>& axes, int64_t k) {
    return k < static_cast<int64_t>(axes.size()) ? axes[k] : 0;
  };
  for (int64_t k = 0; k < r.num_scans; ++k) {
    const Value* in = node.input(static_cast<int>(r.num_states + k));
    if (in == nullptr || !ScanAxisIsOutermost(in->type().shape, axis_of(in_axes, k))) {
      return absl::UnimplementedError(absl::StrCat(
          node.Describe(), ": scan input ", k, " is not scanned over its outermost axis"));
    }
  }
  for (int64_t k = 0; r.num_states + k < node.num_outputs(); ++k) {
    const Value* out = node.output(static_cast<int>(r.num_states + k));
    if (out == nullptr) continue;  // left out: not streamed
    if (!ScanAxisIsOutermost(out->type().shape, axis_of(out_axes, k))) {
      return absl::UnimplementedError(absl::StrCat(
          node.Describe(), ": scan output ", k, " is not stacked over its outermost axis"));
    }
  }
  const Value* first_scan = node.input(static_cast<int>(r.num_states));
  const int64_t axis = axis_of(in_axes, 0);
  const int64_t rank = first_scan->type().shape->size();
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (!(*first_scan->type().shape)[a].known()) {
    return absl::InvalidArgumentError(absl::StrCat(
        node.Describe(), ": the scan input needs a known sequence length (axis ", a, ")"));
  }
  r.steps = (*first_scan->type().shape)[a].value;
  if (static_cast<int64_t>(r.body->inputs().size()) != node.num_inputs()) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": body inputs do not match the node's inputs"));
  }
  return r;
}

absl::StatusOr<DataflowPlan> BodyPlan(const Node& node, const RecurrentShape& r, NameTable& names,
                                      const std::string& prefix) {
  PlanOptions options;
  options.round_ports_to_bytes = false;
  options.whole_tensor_frames = true;
  options.fn_prefix = prefix;
  auto plan = PlanDataflow(*r.body, names, options);
  if (!plan.ok()) return Annotate(plan.status(), node.Describe() + " body: ");
  if (static_cast<int64_t>(plan->inputs.size()) != node.num_inputs()) {
    return absl::UnimplementedError(absl::StrCat(
        node.Describe(), ": every body input must be read by a layer of the body"));
  }
  for (int64_t i = 0; i < r.num_states; ++i) {
    const PlannedPort& in = plan->inputs[i];
    const PlannedPort& out = plan->outputs[i];
    if (in.width != out.width || in.beats_per_frame != out.beats_per_frame) {
      return absl::InternalError(absl::StrCat(
          node.Describe(), ": state ", i, " is read as ", in.width, "-bit beats but written as ",
          out.width, "-bit beats; the body needs a StreamingDataWidthConverter"));
    }
  }
  return plan;
}

absl::StatusOr<LayerIo> Io(const Node& node) {
  ASSIGN_OR_RETURN(RecurrentShape r, ReadShape(node));
  NameTable names;
  ASSIGN_OR_RETURN(DataflowPlan plan, BodyPlan(node, r, names, ""));
  LayerIo io;
  for (int i = 0; i < node.num_inputs(); ++i) {
    const bool constant_state = i < r.num_states && node.input(i) != nullptr &&
                                node.input(i)->is_initializer();
    if (constant_state) continue;
    io.inputs.push_back({i, plan.inputs[i].width, plan.inputs[i].dtype});
  }
  for (int j = 0; j < node.num_outputs(); ++j) {
    if (node.output(j) == nullptr) continue;
    io.outputs.push_back({j, plan.outputs[j].width, plan.outputs[j].dtype});
  }
  return io;
}

absl::Status Emit(const LayerContext& ctx, LayerCode& code) {
  const Node& node = *ctx.node;
  ASSIGN_OR_RETURN(RecurrentShape r, ReadShape(node));
  NameTable names;
  ASSIGN_OR_RETURN(DataflowPlan plan, BodyPlan(node, r, names, ctx.fn + "_"));
  const std::string fn = ctx.fn;

  // The body's layers, as file-local functions; their constants go to this layer's params.
  for (const PlannedLayer& layer : plan.layers) {
    const LayerEmitter* emitter = FindLayerEmitter(layer.node->op_type());
    if (emitter == nullptr || layer.node->op_type() == "RecurrentLayer") {
      return absl::UnimplementedError(
          absl::StrCat(layer.node->Describe(), ": not supported inside a RecurrentLayer body"));
    }
    LayerCode sub;
    RETURN_IF_ERROR(emitter->emit(layer.ctx, sub));
    code.params.Lines(sub.params.str());
    code.helpers.L("// Body layer ", layer.node->Describe());
    Printer::Block f(code.helpers, absl::StrCat("static void ", layer.ctx.fn, "(",
                                                LayerParameters(layer.ctx.io), ") {"));
    code.helpers.Lines(sub.body.str());
  }
  if (!plan.layers.empty()) code.helpers.Line();
  PrintPortHelpers(code.helpers, plan);

  // One step: states from arrays, scan slices from the outer streams.
  auto stream = [](int64_t w) { return absl::StrCat("hls::stream<ap_uint<", w, ">>"); };
  std::vector<std::string> step_params;
  for (int64_t i = 0; i < r.num_states; ++i) {
    const PlannedPort& in = plan.inputs[i];
    step_params.push_back(absl::StrCat("const ap_uint<", in.width, "> (&state", i, ")[",
                                       in.beats_per_frame, "]"));
  }
  for (int64_t k = 0; k < r.num_scans; ++k) {
    const PlannedPort& in = plan.inputs[r.num_states + k];
    step_params.push_back(absl::StrCat(stream(in.port_width), "& ", in.port));
  }
  for (int64_t i = 0; i < r.num_states; ++i) {
    const PlannedPort& out = plan.outputs[i];
    step_params.push_back(absl::StrCat("ap_uint<", out.width, "> (&next", i, ")[",
                                       out.beats_per_frame, "]"));
  }
  auto streamed = [&](size_t j) { return node.output(static_cast<int>(j)) != nullptr; };
  for (size_t j = r.num_states; j < plan.outputs.size(); ++j) {
    if (!streamed(j)) continue;
    step_params.push_back(absl::StrCat(stream(plan.outputs[j].port_width), "& ", plan.outputs[j].port));
  }
  code.helpers.L("// One time step of ", node.name(), "'s body.");
  {
    Printer& p = code.helpers;
    Printer::Block f(p, absl::StrCat("static void ", fn, "_step(", absl::StrJoin(step_params, ", "),
                                     ") {"));
    p.Line("#pragma HLS DATAFLOW");
    for (int64_t i = 0; i < r.num_states; ++i) {
      const PlannedPort& in = plan.inputs[i];
      const PlannedPort& out = plan.outputs[i];
      p.L(stream(in.port_width), " ", in.port, "(\"", in.port, "\");  // state ", i, " '",
          in.value->name(), "'");
      p.L(stream(out.port_width), " ", out.port, "(\"", out.port, "\");  // next state ", i, " '",
          out.value->name(), "'");
    }
    for (size_t j = r.num_states; j < plan.outputs.size(); ++j) {
      if (streamed(j)) continue;
      const PlannedPort& out = plan.outputs[j];
      p.L(stream(out.port_width), " ", out.port, "(\"", out.port, "\");  // '", out.value->name(),
          "', not an output of the layer");
    }
    PrintStreamDeclarations(p, plan.streams);
    for (int64_t i = 0; i < r.num_states; ++i) {
      const PlannedPort& in = plan.inputs[i];
      p.L("fgl::ArrayToStream<", in.beats_per_frame, ", ", in.port_width, ">(state", i, ", ",
          in.port, ");");
    }
    PrintDataflowCalls(p, plan, "1");
    for (int64_t i = 0; i < r.num_states; ++i) {
      const PlannedPort& out = plan.outputs[i];
      p.L("fgl::StreamToArray<", out.beats_per_frame, ", ", out.port_width, ">(", out.port,
          ", next", i, ");");
    }
    for (size_t j = r.num_states; j < plan.outputs.size(); ++j) {
      if (streamed(j)) continue;
      const PlannedPort& out = plan.outputs[j];
      p.L("fgl::DiscardStream<", out.beats_per_frame, ", ", out.port_width, ">(", out.port, ");");
    }
  }
  code.helpers.Line();

  // Constant initial states (non-zero ones as element arrays packed at run time).
  std::vector<bool> zero_init(r.num_states, false);
  for (int64_t i = 0; i < r.num_states; ++i) {
    const Value* init = node.input(static_cast<int>(i));
    if (init == nullptr || !init->is_initializer()) continue;
    const PlannedPort& in = plan.inputs[i];
    ASSIGN_OR_RETURN(std::vector<int64_t> v, IntegerContents(*init, in.dtype, node));
    if (static_cast<int64_t>(v.size()) != in.beats_per_frame * in.fold) {
      return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": initial state '",
                                                     init->name(), "' has ", v.size(),
                                                     " elements, the body reads ",
                                                     in.beats_per_frame * in.fold));
    }
    zero_init[i] = std::all_of(v.begin(), v.end(), [](int64_t x) { return x == 0; });
    if (!zero_init[i]) {
      ASSIGN_OR_RETURN(std::string t, HlsType(in.dtype, node));
      WriteConstArray(code.params, t, absl::StrCat(fn, "_init", i), {static_cast<int64_t>(v.size())},
                      [&](const std::vector<int64_t>& idx) { return v[idx[0]]; });
    }
  }

  // The layer: the node's stream parameters are in0.. (non-constant inputs in order) and out0..
  Printer& b = code.body;
  std::map<int, std::string> in_param, out_param;
  for (size_t i = 0; i < ctx.io.inputs.size(); ++i) in_param[ctx.io.inputs[i].index] = absl::StrCat("in", i);
  for (size_t j = 0; j < ctx.io.outputs.size(); ++j) {
    out_param[ctx.io.outputs[j].index] = absl::StrCat("out", j);
  }
  for (int64_t i = 0; i < r.num_states; ++i) {
    const PlannedPort& in = plan.inputs[i];
    b.L("static ap_uint<", in.width, "> state", i, "[", in.beats_per_frame, "];");
    b.L("static ap_uint<", in.width, "> next", i, "[", in.beats_per_frame, "];");
  }
  Printer::Block seq(b, "for (unsigned r = 0; r < reps; ++r) {");
  for (int64_t i = 0; i < r.num_states; ++i) {
    const PlannedPort& in = plan.inputs[i];
    Printer::Block init(b, absl::StrCat("for (unsigned i = 0; i < ", in.beats_per_frame, "; ++i) {"));
    if (in_param.count(static_cast<int>(i)) != 0) {
      b.L("state", i, "[i] = ", in_param[i], ".read();");
    } else if (zero_init[i]) {
      b.L("state", i, "[i] = 0;");
    } else {
      ASSIGN_OR_RETURN(std::string t, HlsType(in.dtype, node));
      b.L("ap_uint<", in.width, "> beat = 0;");
      b.L("for (unsigned e = 0; e < ", in.fold, "; ++e) fgl::Set<", t, ">(beat, e, ", fn, "_init", i,
          "[i * ", in.fold, " + e]);");
      b.L("state", i, "[i] = beat;");
    }
  }
  {
    Printer::Block steps(b, absl::StrCat("for (unsigned t = 0; t < ", r.steps, "; ++t) {"));
    std::vector<std::string> args;
    for (int64_t i = 0; i < r.num_states; ++i) args.push_back(absl::StrCat("state", i));
    for (int64_t k = 0; k < r.num_scans; ++k) args.push_back(in_param.at(r.num_states + k));
    for (int64_t i = 0; i < r.num_states; ++i) args.push_back(absl::StrCat("next", i));
    for (size_t j = r.num_states; j < plan.outputs.size(); ++j) {
      if (streamed(j)) args.push_back(out_param.at(static_cast<int>(j)));
    }
    b.L(fn, "_step(", absl::StrJoin(args, ", "), ");");
    for (int64_t i = 0; i < r.num_states; ++i) {
      b.L("for (unsigned i = 0; i < ", plan.inputs[i].beats_per_frame, "; ++i) state", i,
          "[i] = next", i, "[i];");
    }
  }
  for (int64_t i = 0; i < r.num_states; ++i) {
    if (!streamed(i)) continue;
    b.L("for (unsigned i = 0; i < ", plan.inputs[i].beats_per_frame, "; ++i) ",
        out_param.at(static_cast<int>(i)), ".write(state", i, "[i]);");
  }
  return absl::OkStatus();
}

}  // namespace

LayerEmitter RecurrentLayerEmitter() { return {Io, Emit}; }

}  // namespace finngl::codegen
