// Scan (ONNX opset 9+): runs a body graph once per element of a sequence, threading N state
// variables through the iterations and stacking K per-iteration outputs.
//
// Opset 8's batched form (a leading sequence_lens input and a batch axis) is rejected: every
// exporter we care about (Brevitas/qonnx QCDQ LSTMs, our own recurrent lowering) emits opset 9+.
// The kernel compiles the body once and keeps all per-iteration scratch (slices, state ping-pong,
// per-iteration outputs) in members, so a steady-state run allocates nothing.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/ops/infer.h"
#include "src/ops/registry.h"
#include "src/ops/scan_layout.h"

namespace finngl {
namespace {

absl::Status CheckDirections(const Attribute& a) {
  for (int64_t d : a.ints()) {
    if (d != 0 && d != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("direction ", d, " is not 0 (forward) or 1 (reverse)"));
    }
  }
  return absl::OkStatus();
}

// Fills what the body leaves unknown about one of its inputs from the outer tensor feeding it,
// and rejects declarations that contradict it.
absl::Status MergeBodyInputType(const InferContext& ctx, Value& body_in, const TensorType& from,
                                bool copy_dtype, const std::string& what) {
  TensorType& t = body_in.type();
  if (from.elem != ElementType::kUndefined) {
    if (t.elem == ElementType::kUndefined) {
      t.elem = from.elem;
    } else if (t.elem != from.elem) {
      return ctx.Error(absl::StrCat("body input '", body_in.name(), "' is declared ",
                                    ElementTypeName(t.elem), " but ", what, " is ",
                                    ElementTypeName(from.elem)));
    }
  }
  if (from.shape) {
    if (!t.shape) {
      t.shape = from.shape;
    } else if (t.shape->size() != from.shape->size()) {
      return ctx.Error(absl::StrCat("body input '", body_in.name(), "' is declared with shape ",
                                    ShapeToString(*t.shape), " but ", what, " has shape ",
                                    ShapeToString(*from.shape)));
    } else {
      for (size_t i = 0; i < t.shape->size(); ++i) {
        Dim& d = (*t.shape)[i];
        const Dim& f = (*from.shape)[i];
        if (d.known() && f.known() && d.value != f.value) {
          return ctx.Error(absl::StrCat("body input '", body_in.name(), "' is declared with shape ",
                                        ShapeToString(*t.shape), " but ", what, " has shape ",
                                        ShapeToString(*from.shape)));
        }
        if (!d.known() && (f.known() || d.param.empty())) d = f;
      }
    }
  }
  // Slices of a scan input hold the same set of values as the input, so its quantization
  // datatype carries over; a state's initial value says nothing about later iterations.
  // (A FLOAT32 annotation on the body input claims nothing: see InferContext::SetOutput.)
  if (copy_dtype && t.dtype_annotated && t.dtype == DataType::Float32()) {
    t.dtype_annotated = false;
  }
  if (copy_dtype && !t.dtype_annotated) t.dtype = from.dtype;
  return absl::OkStatus();
}

// Unknown dims of `a` are taken from `b` where `b` knows them (ranks must agree).
Shape MergeShapes(const Shape& a, const Shape& b) {
  Shape out = a;
  for (size_t i = 0; i < out.size() && i < b.size(); ++i) {
    if (!out[i].known() && (b[i].known() || out[i].param.empty())) out[i] = b[i];
  }
  return out;
}

absl::Status InferScan(InferContext& ctx) {
  Node& node = ctx.node();
  // (RecurrentLayer shares this code; its domain's opset says nothing about Scan-8.)
  if (ctx.node().domain().empty() && ctx.opset() >= 0 && ctx.opset() < 9) {
    return absl::UnimplementedError(absl::StrCat(
        node.Describe(), ": Scan-8 (batched, with sequence_lens) is not supported; opset ",
        ctx.opset(), " < 9"));
  }
  auto config_or = ScanConfig::Parse(node);
  if (!config_or.ok()) return ctx.Error(std::string(config_or.status().message()));
  const ScanConfig& cfg = *config_or;
  Graph& body = *node.attr("body")->g();
  const int n = cfg.num_states;

  for (int i = 0; i < n; ++i) {
    RETURN_IF_ERROR(
        MergeBodyInputType(ctx, *body.inputs()[i], ctx.input_type(i), false,
                           absl::StrCat("initial state '", node.input(i)->name(), "'")));
  }
  // Sequence length: the first scan input's scan dim; known lengths must agree.
  Dim seq_len;
  const Value* seq_from = nullptr;  // the first scan input whose length is known
  for (int j = 0; j < cfg.num_scan_inputs; ++j) {
    const Value* in = node.input(n + j);
    const TensorType& t = in->type();
    TensorType slice = t;
    if (t.shape) {
      const int64_t rank = static_cast<int64_t>(t.shape->size());
      auto axis = NormalizeAxis(cfg.input_axes[j], rank);
      if (!axis.ok()) {
        return ctx.Error(absl::StrCat("scan input '", in->name(), "' of shape ",
                                      ShapeToString(*t.shape),
                                      ": scan_input_axes: ", axis.status().message()));
      }
      const Dim& d = (*t.shape)[*axis];
      if (d.known()) {
        if (seq_from == nullptr) {
          seq_len = d;
          seq_from = in;
        } else if (seq_len.value != d.value) {
          return ctx.Error(absl::StrCat("scan input '", in->name(), "' has sequence length ",
                                        d.value, " but scan input '", seq_from->name(), "' has ",
                                        seq_len.value));
        }
      } else if (seq_from == nullptr && seq_len.param.empty()) {
        seq_len = d;  // keeps a symbolic name until some input knows the length
      }
      slice.shape->erase(slice.shape->begin() + *axis);
    }
    RETURN_IF_ERROR(MergeBodyInputType(ctx, *body.inputs()[n + j], slice, true,
                                       absl::StrCat("a slice of scan input '", in->name(), "'")));
  }
  // Outer-scope references the body reads: their types come from the enclosing graphs.
  std::map<const Value*, Tensor> constants;
  for (Value* v : body.values()) {
    if (!v->is_outer_ref()) continue;
    const Value* outer = node.graph()->LookupValue(v->name());
    if (outer == nullptr) continue;
    if (v->type().elem == ElementType::kUndefined) v->type() = outer->type();
    // Small constants let shape arguments inside the body resolve (e.g. a Reshape target).
    if (outer->is_initializer() && outer->initializer()->size() <= 4096) {
      constants[v] = *outer->initializer();
    }
  }
  RETURN_IF_ERROR(InferGraphTypes(body, ctx.model(), &constants));

  for (int i = 0; i < n; ++i) {
    const TensorType& init = ctx.input_type(i);
    const TensorType& out = body.outputs()[i]->type();
    const std::string& name = node.input(i)->name();
    if (init.elem != ElementType::kUndefined && out.elem != ElementType::kUndefined &&
        init.elem != out.elem) {
      return ctx.Error(absl::StrCat("state variable '", name, "' is ", ElementTypeName(init.elem),
                                    " but the body's new value '", body.outputs()[i]->name(),
                                    "' is ", ElementTypeName(out.elem)));
    }
    std::optional<Shape> shape = out.shape;
    if (init.shape && out.shape) {
      bool same = init.shape->size() == out.shape->size();
      for (size_t k = 0; same && k < init.shape->size(); ++k) {
        const Dim& a = (*init.shape)[k];
        const Dim& b = (*out.shape)[k];
        same = !a.known() || !b.known() || a.value == b.value;
      }
      if (!same) {
        return ctx.Error(absl::StrCat("state variable '", name, "' has shape ",
                                      ShapeToString(*init.shape), " but the body's new value '",
                                      body.outputs()[i]->name(), "' has shape ",
                                      ShapeToString(*out.shape)));
      }
      shape = MergeShapes(*out.shape, *init.shape);
    } else if (!shape) {
      shape = init.shape;
    }
    ElementType elem = out.elem != ElementType::kUndefined ? out.elem : init.elem;
    ctx.SetOutput(i, elem, shape, out.dtype);
  }
  for (int k = 0; k < cfg.num_scan_outputs; ++k) {
    const TensorType& per_iter = body.outputs()[n + k]->type();
    std::optional<Shape> shape;
    if (per_iter.shape) {
      const int64_t rank = static_cast<int64_t>(per_iter.shape->size());
      auto axis = NormalizeAxis(cfg.output_axes[k], rank + 1);
      if (!axis.ok()) {
        return ctx.Error(absl::StrCat("scan output '", body.outputs()[n + k]->name(),
                                      "' of per-iteration shape ", ShapeToString(*per_iter.shape),
                                      ": scan_output_axes: ", axis.status().message()));
      }
      shape = per_iter.shape;
      shape->insert(shape->begin() + *axis, seq_len);
    }
    ctx.SetOutput(n + k, per_iter.elem, shape, per_iter.dtype);
  }
  return absl::OkStatus();
}

class ScanKernel final : public Kernel {
 public:
  ScanKernel(const Node& node, ScanConfig cfg, std::unique_ptr<SubgraphRunner> body)
      : cfg_(std::move(cfg)), body_(std::move(body)), describe_(node.Describe()) {
    const Graph& g = *node.attr("body")->g();
    for (int i = 0; i < node.num_inputs(); ++i) {
      input_names_.push_back(node.input(i) != nullptr ? node.input(i)->name() : "");
    }
    for (const Value* v : g.outputs()) body_output_names_.push_back(v->name());
    for (int k = 0; k < cfg_.num_scan_outputs; ++k) {
      // Per-iteration shape used when the sequence is empty and the body never runs.
      const TensorType& t = g.outputs()[cfg_.num_states + k]->type();
      empty_elem_.push_back(t.elem == ElementType::kUndefined ? ElementType::kFloat : t.elem);
      Dims d = t.shape ? ShapeToDims(*t.shape) : Dims{};
      for (int64_t& x : d) x = std::max<int64_t>(x, 0);
      empty_dims_.push_back(d);
    }
    const int n = cfg_.num_states;
    for (int p = 0; p < 2; ++p) states_[p].resize(n);
    slices_.resize(cfg_.num_scan_inputs);
    iter_out_.resize(cfg_.num_scan_outputs);
    iter_dims_.resize(cfg_.num_scan_outputs);
    iter_types_.resize(cfg_.num_scan_outputs);
    inputs_.resize(cfg_.num_scan_inputs);
    outputs_.resize(cfg_.num_scan_outputs);
    body_ins_.resize(n + cfg_.num_scan_inputs);
    body_outs_.resize(n + cfg_.num_scan_outputs);
  }

  absl::Status Run(KernelContext& ctx) override {
    const int n = cfg_.num_states;
    const int m = cfg_.num_scan_inputs;
    const int num_k = cfg_.num_scan_outputs;
    if (static_cast<int>(ctx.inputs.size()) != n + m) {
      return absl::InternalError(
          absl::StrCat(describe_, ": expected ", n + m, " inputs, got ", ctx.inputs.size()));
    }
    for (int i = 0; i < n + m; ++i) {
      if (ctx.inputs[i] == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(describe_, ": input ", i, " is missing; Scan inputs are not optional"));
      }
    }
    // Sequence length and slice layout of every scan input.
    int64_t seq_len = -1;
    for (int j = 0; j < m; ++j) {
      const Tensor& x = *ctx.inputs[n + j];
      const std::string& name = input_names_[n + j];
      auto axis = NormalizeAxis(cfg_.input_axes[j], x.rank());
      if (!axis.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(describe_, ": scan input '", name, "' of shape ", DimsToString(x.dims()),
                         ": scan_input_axes: ", axis.status().message()));
      }
      const int64_t len = x.dim(*axis);
      if (seq_len < 0) {
        seq_len = len;
      } else if (len != seq_len) {
        return absl::InvalidArgumentError(absl::StrCat(
            describe_, ": scan input '", name, "' has sequence length ", len, " (shape ",
            DimsToString(x.dims()), ") but scan input '", input_names_[n], "' has ", seq_len));
      }
      inputs_[j] = ChunkLayout::Of(x.dims(), *axis, ElementSize(x.type()));
      slice_dims_.assign(x.dims().begin(), x.dims().end());
      slice_dims_.erase(slice_dims_.begin() + *axis);
      slices_[j].Resize(x.type(), slice_dims_);
    }
    if (seq_len == 0) return RunEmpty(ctx);

    for (int64_t t = 0; t < seq_len; ++t) {
      const bool last = t == seq_len - 1;
      for (int j = 0; j < m; ++j) {
        const int64_t pos = cfg_.input_dirs[j] ? seq_len - 1 - t : t;
        inputs_[j].Extract(ctx.inputs[n + j]->raw(), pos, slices_[j].raw());
        body_ins_[n + j] = &slices_[j];
      }
      for (int i = 0; i < n; ++i) {
        body_ins_[i] = t == 0 ? ctx.inputs[i] : &states_[(t - 1) & 1][i];
        // The last iteration writes the final states straight into the node outputs.
        Tensor* out = i < static_cast<int>(ctx.outputs.size()) ? ctx.outputs[i] : nullptr;
        body_outs_[i] = last && out != nullptr ? out : &states_[t & 1][i];
      }
      for (int k = 0; k < num_k; ++k) body_outs_[n + k] = &iter_out_[k];
      RETURN_IF_ERROR(body_->Run(body_ins_, body_outs_, ctx.outer));

      for (int i = 0; i < n; ++i) {
        const Tensor& init = *ctx.inputs[i];
        const Tensor& next = *body_outs_[i];
        if (next.dims() != init.dims() || next.type() != init.type()) {
          return absl::InvalidArgumentError(absl::StrCat(
              describe_, ": state variable '", input_names_[i], "' is ",
              ElementTypeName(init.type()), DimsToString(init.dims()), " but the body's value '",
              body_output_names_[i], "' at iteration ", t, " is ", ElementTypeName(next.type()),
              DimsToString(next.dims()), "; a state must keep its type and shape"));
        }
      }
      for (int k = 0; k < num_k; ++k) {
        const Tensor& o = iter_out_[k];
        if (t == 0) {
          RETURN_IF_ERROR(PrepareScanOutput(ctx, k, o.type(), o.dims(), seq_len));
        } else if (o.dims() != iter_dims_[k] || o.type() != iter_types_[k]) {
          return absl::InvalidArgumentError(absl::StrCat(
              describe_, ": scan output '", body_output_names_[n + k], "' is ",
              ElementTypeName(o.type()), DimsToString(o.dims()), " at iteration ", t, " but was ",
              ElementTypeName(iter_types_[k]), DimsToString(iter_dims_[k]), " at iteration 0"));
        }
        if (n + k >= static_cast<int>(ctx.outputs.size()) || ctx.outputs[n + k] == nullptr) {
          continue;
        }
        const int64_t pos = cfg_.output_dirs[k] ? seq_len - 1 - t : t;
        outputs_[k].Insert(o.raw(), pos, ctx.outputs[n + k]->raw());
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status PrepareScanOutput(KernelContext& ctx, int k, ElementType type, const Dims& per_iter,
                                 int64_t seq_len) {
    const int n = cfg_.num_states;
    iter_dims_[k].assign(per_iter.begin(), per_iter.end());
    iter_types_[k] = type;
    auto axis = NormalizeAxis(cfg_.output_axes[k], static_cast<int64_t>(per_iter.size()) + 1);
    if (!axis.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          describe_, ": scan output '", body_output_names_[n + k], "' of per-iteration shape ",
          DimsToString(per_iter), ": scan_output_axes: ", axis.status().message()));
    }
    out_dims_.assign(per_iter.begin(), per_iter.end());
    out_dims_.insert(out_dims_.begin() + *axis, seq_len);
    if (n + k < static_cast<int>(ctx.outputs.size()) && ctx.outputs[n + k] != nullptr) {
      ctx.outputs[n + k]->Resize(type, out_dims_);
    }
    outputs_[k] = ChunkLayout::Of(out_dims_, *axis, ElementSize(type));
    return absl::OkStatus();
  }

  // An empty sequence: final states are the initial ones and scan outputs have length 0.
  absl::Status RunEmpty(KernelContext& ctx) {
    const int n = cfg_.num_states;
    for (int i = 0; i < n && i < static_cast<int>(ctx.outputs.size()); ++i) {
      if (ctx.outputs[i] == nullptr) continue;
      const Tensor& init = *ctx.inputs[i];
      ctx.outputs[i]->Resize(init.type(), init.dims());
      std::memcpy(ctx.outputs[i]->raw(), init.raw(), init.byte_size());
    }
    for (int k = 0; k < cfg_.num_scan_outputs; ++k) {
      RETURN_IF_ERROR(PrepareScanOutput(ctx, k, empty_elem_[k], empty_dims_[k], 0));
    }
    return absl::OkStatus();
  }

  ScanConfig cfg_;
  std::unique_ptr<SubgraphRunner> body_;
  std::string describe_;
  std::vector<std::string> input_names_;
  std::vector<std::string> body_output_names_;
  std::vector<ElementType> empty_elem_;
  std::vector<Dims> empty_dims_;
  // Scratch reused across iterations and runs.
  std::vector<Tensor> states_[2];  // ping-pong: iteration t writes states_[t & 1]
  std::vector<Tensor> slices_;
  std::vector<Tensor> iter_out_;
  std::vector<Dims> iter_dims_;  // per-iteration shape and type seen at iteration 0
  std::vector<ElementType> iter_types_;
  std::vector<ChunkLayout> inputs_;
  std::vector<ChunkLayout> outputs_;
  std::vector<const Tensor*> body_ins_;
  std::vector<Tensor*> body_outs_;
  Dims slice_dims_;
  Dims out_dims_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CompileScan(const Node& node, const CompileContext& ctx) {
  if (ctx.opset >= 0 && ctx.opset < 9) {
    return absl::UnimplementedError(absl::StrCat(
        node.Describe(), ": Scan-8 (batched, with sequence_lens) is not supported; opset ",
        ctx.opset, " < 9"));
  }
  auto cfg = ScanConfig::Parse(node);
  if (!cfg.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": ", cfg.status().message()));
  }
  if (!ctx.compile_subgraph) {
    return absl::InternalError(absl::StrCat(node.Describe(), ": no subgraph compiler available"));
  }
  auto body = ctx.compile_subgraph(*node.attr("body")->g());
  if (!body.ok()) {
    return absl::Status(body.status().code(),
                        absl::StrCat(node.Describe(), ": body: ", body.status().message()));
  }
  return std::unique_ptr<Kernel>(
      std::make_unique<ScanKernel>(node, *std::move(cfg), *std::move(body)));
}

}  // namespace

OpSpec MakeScanSpec() {
  OpSpec s;
  s.op_type = "Scan";
  s.since_version = 9;
  s.summary = "Runs a body graph over the slices of sequence inputs, carrying state variables";
  s.min_inputs = 1;
  s.max_inputs = -1;
  s.min_outputs = 1;
  s.max_outputs = -1;
  s.attributes = {
      {"body", Attribute::Type::kGraph, true, nullptr},
      {"num_scan_inputs", Attribute::Type::kInt, true,
       [](const Attribute& a) {
         return a.i() >= 1
                    ? absl::OkStatus()
                    : absl::InvalidArgumentError(absl::StrCat("must be at least 1, got ", a.i()));
       }},
      {"scan_input_axes", Attribute::Type::kInts, false, nullptr},
      {"scan_input_directions", Attribute::Type::kInts, false, CheckDirections},
      {"scan_output_axes", Attribute::Type::kInts, false, nullptr},
      {"scan_output_directions", Attribute::Type::kInts, false, CheckDirections},
  };
  s.foldable = false;
  s.infer = InferScan;
  s.compile = CompileScan;
  return s;
}

}  // namespace finngl
