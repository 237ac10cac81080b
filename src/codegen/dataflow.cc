#include "src/codegen/dataflow.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"
#include "src/codegen/hls_types.h"

namespace finngl::codegen {

std::string NameTable::Unique(const std::string& base) {
  std::string name = base;
  for (int i = 1; used_.count(name) != 0; ++i) name = absl::StrCat(base, "_", i);
  used_.insert(name);
  return name;
}

absl::StatusOr<LayerIo> NodeIo(const Node& node) {
  const LayerEmitter* e = FindLayerEmitter(node.op_type());
  if (CanonicalDomain(node.domain()) != kHwDomain || e == nullptr) {
    return absl::UnimplementedError(absl::StrCat(
        node.Describe(), ": not a hardware layer with an HLS emitter (domain '", node.domain(),
        "'); code generation needs a graph made only of ", kHwDomain, " layers"));
  }
  return e->io(node);
}

namespace {

struct Endpoint {
  int layer = -1;  // index into plan.layers
  StreamPort port;
};

std::string EdgeName(const Value& v, const Endpoint* from, const Node* to) {
  return absl::StrCat("edge '", v.name(), "' (",
                      from ? from->port.dtype.Name() : std::string("graph input"), ") ",
                      to ? absl::StrCat("into ", to->Describe()) : std::string("to the output"));
}

}  // namespace

absl::StatusOr<std::vector<int64_t>> PlanFrameShape(const Value& value,
                                                    bool whole_tensor_frames) {
  ASSIGN_OR_RETURN(std::vector<int64_t> frame, FrameShape(value));
  if (!whole_tensor_frames) return frame;
  const Dim& batch = value.type().shape->at(0);
  if (!batch.known()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor '", value.name(), "' needs a fully known shape (a recurrent graph's frame is the "
        "whole tensor), has ", ShapeToString(*value.type().shape)));
  }
  frame.insert(frame.begin(), batch.value);
  return frame;
}

absl::StatusOr<DataflowPlan> PlanDataflow(const Graph& graph, NameTable& names,
                                          const PlanOptions& options) {
  const bool round_ports_to_bytes = options.round_ports_to_bytes;
  auto frame_elements = [&](const Value& v) -> absl::StatusOr<int64_t> {
    ASSIGN_OR_RETURN(std::vector<int64_t> f, PlanFrameShape(v, options.whole_tensor_frames));
    return NumElementsOf(f);
  };
  DataflowPlan plan;
  ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());

  // FIFOs: their output is the same stream as their input, made deeper.
  std::map<const Value*, const Value*> alias;
  std::map<const Value*, int64_t> fifo_depth;
  auto root = [&](const Value* v) {
    while (alias.count(v) != 0) v = alias.at(v);
    return v;
  };
  for (const Node* node : order) {
    if (node->op_type() != "StreamingFIFO") continue;
    if (node->input(0) == nullptr || node->output(0) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(node->Describe(), ": needs one input"));
    }
    alias[node->output(0)] = node->input(0);
    fifo_depth[root(node->input(0))] += std::max<int64_t>(node->GetInt("depth", 2), 1);
  }

  // Layers and who produces / consumes each stream.
  std::map<const Value*, Endpoint> producer;
  std::map<const Value*, std::vector<Endpoint>> consumers;
  for (const Node* node : order) {
    if (node->op_type() == "StreamingFIFO") continue;
    ASSIGN_OR_RETURN(LayerIo io, NodeIo(*node));
    PlannedLayer layer;
    layer.node = node;
    layer.ctx.node = node;
    layer.ctx.fn = names.Unique(options.fn_prefix + CIdentifier(node->name()));
    layer.ctx.io = io;
    const int index = static_cast<int>(plan.layers.size());
    for (const StreamPort& p : io.inputs) {
      const Value* v = node->input(p.index);
      if (v == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(node->Describe(), ": stream input ", p.index, " is missing"));
      }
      ASSIGN_OR_RETURN(int64_t elems, frame_elements(*v));
      layer.ctx.in_frame_elems.push_back(elems);
      consumers[root(v)].push_back({index, p});
    }
    for (const StreamPort& p : io.outputs) {
      const Value* v = node->output(p.index);
      ASSIGN_OR_RETURN(int64_t elems, frame_elements(*v));
      layer.ctx.out_frame_elems.push_back(elems);
      producer[v] = {index, p};
    }
    plan.layers.push_back(std::move(layer));
  }

  // Every edge: one reader, the same beat on both sides.
  for (const auto& [v, readers] : consumers) {
    if (readers.size() > 1) {
      std::vector<std::string> who;
      for (const Endpoint& r : readers) who.push_back(plan.layers[r.layer].node->name());
      return absl::InternalError(absl::StrCat(
          "tensor '", v->name(), "' is read by ", readers.size(), " layers (",
          absl::StrJoin(who, ", "), "); fan-out needs a DuplicateStreams node"));
    }
    auto it = producer.find(v);
    if (it == producer.end()) continue;
    const StreamPort& out = it->second.port;
    const StreamPort& in = readers[0].port;
    if (out.width != in.width || out.elem_bits() != in.elem_bits()) {
      return absl::InternalError(absl::StrCat(
          EdgeName(*v, &it->second, plan.layers[readers[0].layer].node), " from ",
          plan.layers[it->second.layer].node->Describe(), ": producer beat is ", out.width,
          " bits (fold ", out.fold(), " x ", out.dtype.Name(), "), consumer beat is ", in.width,
          " bits (fold ", in.fold(), " x ", in.dtype.Name(),
          "); folds must match on every edge (insert a StreamingDataWidthConverter)"));
    }
  }
  std::set<const Value*> graph_output_roots;
  for (const Value* o : graph.outputs()) graph_output_roots.insert(root(o));
  for (const auto& [v, ep] : producer) {
    if (consumers.count(v) == 0 && graph_output_roots.count(v) == 0) {
      return absl::InternalError(absl::StrCat("output '", v->name(), "' of ",
                                              plan.layers[ep.layer].node->Describe(),
                                              " is never read; every stream must be drained"));
    }
  }

  std::map<const Value*, std::string> expr;  // root value -> C stream expression
  auto declare = [&](const Value* v, int64_t width, const std::string& comment) {
    PlannedStream s;
    s.name = names.Unique("s_" + CIdentifier(v->name()));
    s.width = width;
    auto d = fifo_depth.find(v);
    s.depth = d == fifo_depth.end() ? 2 : d->second;
    s.comment = comment;
    plan.streams.push_back(s);
    expr[v] = s.name;
  };
  auto make_port = [&](const Value* v, const StreamPort& p, const std::string& port_name)
      -> absl::StatusOr<PlannedPort> {
    PlannedPort port;
    port.value = v;
    port.port = port_name;
    port.dtype = p.dtype;
    port.fold = p.fold();
    port.width = p.width;
    port.port_width = round_ports_to_bytes ? RoundUpTo8(p.width) : p.width;
    ASSIGN_OR_RETURN(port.frame_shape, PlanFrameShape(*v, options.whole_tensor_frames));
    if (port.fold == 0 || NumElementsOf(port.frame_shape) % port.fold != 0) {
      return absl::InternalError(absl::StrCat("tensor '", v->name(), "' at the ", port_name,
                                              " port: beat of ", p.width,
                                              " bits does not hold whole elements of the frame"));
    }
    port.beats_per_frame = NumElementsOf(port.frame_shape) / port.fold;
    return port;
  };

  // Graph inputs.
  int in_index = 0;
  for (const Value* v : graph.inputs()) {
    if (v->is_initializer()) continue;
    auto it = consumers.find(v);
    if (it == consumers.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("graph input '", v->name(), "' is not read by any hardware layer"));
    }
    ASSIGN_OR_RETURN(PlannedPort port,
                     make_port(v, it->second[0].port, absl::StrCat("in", in_index++)));
    port.adapter = port.port_width != port.width || fifo_depth.count(v) != 0;
    if (port.adapter) {
      declare(v, port.width, absl::StrCat("from port ", port.port));
    } else {
      expr[v] = port.port;
    }
    port.inner = expr[v];
    plan.inputs.push_back(port);
  }

  // Graph outputs that a layer can write directly; a tensor that is several outputs is copied.
  std::map<const Value*, std::string> direct_out;
  std::map<const Value*, int> output_count;
  for (const Value* o : graph.outputs()) ++output_count[root(o)];
  std::map<const Value*, int> tee_of;
  std::vector<PlannedPort> outputs;
  for (size_t j = 0; j < graph.outputs().size(); ++j) {
    const Value* o = graph.outputs()[j];
    const Value* r = root(o);
    auto it = producer.find(r);
    if (it == producer.end()) {
      return absl::UnimplementedError(
          absl::StrCat("graph output '", o->name(), "' is not produced by a hardware layer"));
    }
    ASSIGN_OR_RETURN(PlannedPort port, make_port(o, it->second.port, absl::StrCat("out", j)));
    const bool array = plan.layers[it->second.layer].ctx.io.outputs_as_array;
    if (output_count[r] > 1) {
      if (tee_of.count(r) == 0) {
        tee_of[r] = static_cast<int>(plan.tees.size());
        PlannedTee tee;
        tee.fn = names.Unique(options.fn_prefix + "tee_" + CIdentifier(r->name()));
        tee.width = port.width;
        tee.beats_per_frame = port.beats_per_frame;
        plan.tees.push_back(tee);
      }
      port.tee = tee_of[r];
      plan.tees[port.tee].outputs.push_back(static_cast<int>(j));
    } else {
      port.adapter = port.port_width != port.width || fifo_depth.count(r) != 0 || array;
      if (!port.adapter) direct_out[r] = port.port;
    }
    outputs.push_back(port);
  }

  // Layer outputs.
  for (PlannedLayer& layer : plan.layers) {
    const LayerIo& io = layer.ctx.io;
    if (io.outputs_as_array) {
      PlannedStream s;
      s.name = names.Unique(layer.ctx.fn + "_out");
      s.width = io.outputs[0].width;
      s.count = static_cast<int>(io.outputs.size());
      for (const StreamPort& p : io.outputs) {
        auto d = fifo_depth.find(layer.node->output(p.index));
        if (d != fifo_depth.end()) s.depth = std::max(s.depth, d->second);
        expr[layer.node->output(p.index)] = absl::StrCat(s.name, "[", p.index, "]");
      }
      s.comment = absl::StrCat("outputs of ", layer.node->name());
      plan.streams.push_back(s);
      continue;
    }
    for (const StreamPort& p : io.outputs) {
      const Value* v = layer.node->output(p.index);
      auto d = direct_out.find(v);
      if (d != direct_out.end()) {
        expr[v] = d->second;
      } else {
        declare(v, p.width, absl::StrCat(layer.node->name(), " -> ",
                                         consumers.count(v) ? plan.layers[consumers[v][0].layer]
                                                                  .node->name()
                                                            : std::string("output")));
      }
    }
  }
  for (PlannedPort& port : outputs) port.inner = expr.at(root(port.value));
  for (PlannedTee& tee : plan.tees) tee.inner = outputs[tee.outputs[0]].inner;
  plan.outputs = std::move(outputs);

  for (PlannedLayer& layer : plan.layers) {
    for (const StreamPort& p : layer.ctx.io.inputs) {
      layer.args.push_back(expr.at(root(layer.node->input(p.index))));
    }
    if (layer.ctx.io.outputs_as_array) {
      const std::string& e = expr.at(layer.node->output(0));
      layer.args.push_back(e.substr(0, e.find('[')));
    } else {
      for (const StreamPort& p : layer.ctx.io.outputs) {
        layer.args.push_back(expr.at(layer.node->output(p.index)));
      }
    }
  }
  return plan;
}

}  // namespace finngl::codegen
