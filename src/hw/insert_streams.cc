#include "src/hw/insert_streams.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/hw/layer_info.h"

namespace finngl::hw {
namespace {

struct Edge {
  Node* producer;
  int output;
  Node* consumer;
  int input;
};

// Stream edges between two hardware layers of this graph.
std::vector<Edge> HwEdges(const Graph& graph) {
  std::vector<Edge> edges;
  for (Node* p : graph.nodes()) {
    if (!IsHwNode(*p)) continue;
    for (int o = 0; o < p->num_outputs(); ++o) {
      const Value* v = p->output(o);
      if (v == nullptr) continue;
      for (const Use& u : v->uses()) {
        if (u.node->graph() == &graph && IsHwNode(*u.node)) {
          edges.push_back({p, o, u.node, u.input_index});
        }
      }
    }
  }
  return edges;
}

class EstimateCache {
 public:
  absl::StatusOr<const LayerEstimate*> Get(const Node* n) {
    auto it = cache_.find(n);
    if (it == cache_.end()) {
      ASSIGN_OR_RETURN(LayerEstimate e, EstimateLayer(*n));
      it = cache_.emplace(n, std::move(e)).first;
    }
    return &it->second;
  }

 private:
  std::map<const Node*, LayerEstimate> cache_;
};

// Splits the edge with a new single-input single-output node; returns it.
absl::StatusOr<Node*> SplitEdge(Graph& graph, const Edge& e, const std::string& op,
                                const std::string& suffix) {
  Value* v = e.producer->output(e.output);
  ASSIGN_OR_RETURN(Value * nv, graph.AddValue(graph.UniqueValueName(v->name() + suffix), v->type()));
  ASSIGN_OR_RETURN(Node * n, graph.AddNode(op, kHwDomain, graph.UniqueNodeName(op), {v}, {nv}));
  e.consumer->SetInput(e.input, nv);
  return n;
}

std::string DtypeName(const Value* v) { return v->type().dtype.Name(); }

absl::Status ForBodies(Graph& graph, const std::function<absl::Status(Graph&)>& fn) {
  for (Node* n : graph.nodes()) {
    if (n->op_type() != "RecurrentLayer") continue;
    for (Graph* body : n->subgraphs()) RETURN_IF_ERROR(fn(*body));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int> InsertDataWidthConverters(Graph& graph) {
  int inserted = 0;
  RETURN_IF_ERROR(ForBodies(graph, [&](Graph& body) -> absl::Status {
    ASSIGN_OR_RETURN(int n, InsertDataWidthConverters(body));
    inserted += n;
    return absl::OkStatus();
  }));
  EstimateCache est;
  for (const Edge& e : HwEdges(graph)) {
    ASSIGN_OR_RETURN(const LayerEstimate* p, est.Get(e.producer));
    ASSIGN_OR_RETURN(const LayerEstimate* c, est.Get(e.consumer));
    const int64_t out_w = p->out_widths[e.output], in_w = c->in_widths[e.input];
    if (out_w == 0 || in_w == 0 || out_w == in_w) continue;
    const Value* v = e.producer->output(e.output);
    if (!v->type().shape || !ShapeFullyKnown(*v->type().shape)) {
      return absl::InvalidArgumentError(absl::StrCat("cannot convert the stream '", v->name(),
                                                     "' into ", e.consumer->Describe(),
                                                     ": its shape is not static"));
    }
    ASSIGN_OR_RETURN(Node * dwc, SplitEdge(graph, e, "StreamingDataWidthConverter", "_dwc"));
    dwc->SetAttr("inWidth", Attribute::Int(out_w));
    dwc->SetAttr("outWidth", Attribute::Int(in_w));
    dwc->SetAttr("dataType", Attribute::String(DtypeName(v)));
    dwc->SetAttr("shape", Attribute::Ints(ShapeToDims(*v->type().shape)));
    ++inserted;
  }
  return inserted;
}

absl::StatusOr<int> InsertFifos(Graph& graph, const FifoOptions& options) {
  int inserted = 0;
  RETURN_IF_ERROR(ForBodies(graph, [&](Graph& body) -> absl::Status {
    ASSIGN_OR_RETURN(int n, InsertFifos(body, options));
    inserted += n;
    return absl::OkStatus();
  }));
  EstimateCache est;
  // Start times on the pessimistic critical path (network_estimate.h).
  ASSIGN_OR_RETURN(std::vector<Node*> order, graph.TopologicalOrder());
  std::map<const Node*, int64_t> start, done;
  for (const Node* n : order) {
    if (!IsHwNode(*n)) continue;
    ASSIGN_OR_RETURN(const LayerEstimate* e, est.Get(n));
    int64_t s = 0;
    for (const Value* in : n->inputs()) {
      if (in != nullptr && in->producer() != nullptr && done.count(in->producer())) {
        s = std::max(s, done[in->producer()]);
      }
    }
    start[n] = s;
    done[n] = s + e->latency();
  }
  const std::vector<Edge> edges = HwEdges(graph);
  // Per consumer, when all of its stream inputs have data (first beat of the latest producer).
  std::map<const Node*, int64_t> join_time;
  std::map<const Node*, int> stream_inputs;
  for (const Edge& e : edges) {
    ASSIGN_OR_RETURN(const LayerEstimate* p, est.Get(e.producer));
    const int64_t first_beat = start[e.producer] + p->depth;
    join_time[e.consumer] = std::max(join_time[e.consumer], first_beat);
    ++stream_inputs[e.consumer];
  }
  for (const Edge& e : edges) {
    if (e.producer->op_type() == "StreamingFIFO" || e.consumer->op_type() == "StreamingFIFO") {
      continue;
    }
    ASSIGN_OR_RETURN(const LayerEstimate* p, est.Get(e.producer));
    ASSIGN_OR_RETURN(const LayerEstimate* c, est.Get(e.consumer));
    const int64_t width = p->out_widths[e.output], beats = p->out_beats[e.output];
    if (width == 0) continue;
    if (c->in_widths[e.input] != width) {
      return absl::FailedPreconditionError(absl::StrCat(
          "stream '", e.producer->output(e.output)->name(), "' is ", width, " bits wide but ",
          e.consumer->Describe(), " reads ", c->in_widths[e.input],
          " bits: insert data width converters before FIFOs"));
    }
    int64_t depth = kMinFifoDepth;
    if (options.size_by_rate && beats > 0) {
      if (c->cycles > p->cycles && p->cycles > 0) {
        const double backlog = beats * (1.0 - static_cast<double>(p->cycles) / c->cycles);
        depth = std::max(depth, static_cast<int64_t>(std::ceil(backlog)));
      }
      if (stream_inputs[e.consumer] > 1 && p->cycles > 0) {
        const int64_t skew = join_time[e.consumer] - (start[e.producer] + p->depth);
        if (skew > 0) {
          const double ahead = static_cast<double>(skew) * beats / p->cycles;
          depth = std::max(depth, static_cast<int64_t>(std::ceil(ahead)));
        }
      }
      depth = std::min(depth, std::max(beats, kMinFifoDepth));
    }
    depth = std::min(depth, options.max_depth);
    const Value* v = e.producer->output(e.output);
    const DataType dt = v->type().dtype;
    const int64_t bits = std::max(1, dt.bit_width());
    ASSIGN_OR_RETURN(Node * fifo, SplitEdge(graph, e, "StreamingFIFO", "_fifo"));
    fifo->SetAttr("depth", Attribute::Int(depth));
    fifo->SetAttr("dataType", Attribute::String(dt.Name()));
    fifo->SetAttr("foldedShape", Attribute::Ints({1, beats, width / bits}));
    fifo->SetAttr("ram_style", Attribute::String("auto"));
    ++inserted;
  }
  return inserted;
}

}  // namespace finngl::hw
