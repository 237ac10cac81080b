#include "src/onnx/importer.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "src/base/status.h"

namespace finngl {
namespace {

static_assert(std::endian::native == std::endian::little,
              "ONNX raw_data is little-endian and is copied verbatim");

// Upper bound on the element count computed from a tensor's dims. Real data must also be present
// in the file (checked separately), so this only keeps the product from overflowing.
constexpr int64_t kMaxElements = int64_t{1} << 48;

constexpr char kFinnDatatypeKey[] = "finn_datatype";
constexpr char kTensorLayoutKey[] = "tensor_layout";

std::string OnnxTypeName(int32_t data_type) {
  if (onnx::TensorProto_DataType_IsValid(data_type)) {
    return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(data_type));
  }
  // Types added after ONNX 1.12 (the generated enum here does not know them); INT4/UINT4 show up
  // in low-bit QDQ models, so the message should say so rather than print a number.
  static constexpr const char* kNewer[] = {
      "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4",
      "INT4",         "FLOAT4E2M1",     "FLOAT8E8M0", "UINT2",          "INT2"};
  if (data_type >= 17 && data_type < 17 + static_cast<int32_t>(std::size(kNewer))) {
    return kNewer[data_type - 17];
  }
  return absl::StrCat("#", data_type);
}

// The IR's ElementType mirrors TensorProto::DataType numerically up to UINT64; later ONNX types
// (complex, bfloat16, float8) have no IR counterpart.
bool IsIrElementType(int32_t data_type) {
  return data_type >= static_cast<int32_t>(ElementType::kUndefined) &&
         data_type <= static_cast<int32_t>(ElementType::kUint64);
}

// qonnx's fallback when a tensor has no finn_datatype annotation.
DataType FallbackDataType(ElementType elem) {
  return elem == ElementType::kFloat16 ? DataType::Float16() : DataType::Float32();
}

// Parses the Python list repr qonnx stores for tensor_layout, e.g. "['N', 'C', 'H', 'W']".
bool ParseLayout(const std::string& text, std::vector<std::string>* out) {
  std::string s(absl::StripAsciiWhitespace(text));
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') return false;
  size_t pos = 1;
  const size_t end = s.size() - 1;
  auto skip_space = [&] {
    while (pos < end && absl::ascii_isspace(static_cast<unsigned char>(s[pos]))) ++pos;
  };
  skip_space();
  while (pos < end) {
    const char quote = s[pos];
    if (quote != '\'' && quote != '"') return false;
    const size_t close = s.find(quote, pos + 1);
    if (close == std::string::npos || close >= end) return false;
    out->push_back(s.substr(pos + 1, close - pos - 1));
    pos = close + 1;
    skip_space();
    if (pos < end) {
      if (s[pos] != ',') return false;
      ++pos;
      skip_space();
    }
  }
  return true;
}

class Importer {
 public:
  explicit Importer(const std::string& source) : source_(source) {}

  absl::StatusOr<std::unique_ptr<Model>> Import(const onnx::ModelProto& proto) {
    if (!proto.has_graph()) return Invalid("model has no graph");
    if (proto.functions_size() > 0) {
      return Unimplemented(absl::StrCat("model-local functions are not supported (found '",
                                        proto.functions(0).name(), "')"));
    }
    auto model = std::make_unique<Model>();
    model->ir_version = proto.ir_version();
    for (const onnx::OperatorSetIdProto& op : proto.opset_import()) {
      model->opset_imports.push_back(OpsetImport{op.domain(), op.version()});
    }
    model->producer_name = proto.producer_name();
    model->producer_version = proto.producer_version();
    model->domain = proto.domain();
    model->model_version = proto.model_version();
    model->doc_string = proto.doc_string();
    for (const onnx::StringStringEntryProto& kv : proto.metadata_props()) {
      model->metadata_props.emplace_back(kv.key(), kv.value());
    }
    model->source_path = source_;
    model->graph = std::make_unique<Graph>(proto.graph().name(), nullptr);
    RETURN_IF_ERROR(ImportGraph(proto.graph(), model->graph.get()));
    return model;
  }

 private:
  absl::Status Invalid(const std::string& message) const {
    return absl::InvalidArgumentError(absl::StrCat(source_, ": ", message));
  }
  absl::Status Unimplemented(const std::string& message) const {
    return absl::UnimplementedError(absl::StrCat(source_, ": ", message));
  }

  // Names the graph in messages about subgraphs; the main graph needs no qualifier.
  static std::string Where(const Graph* g) {
    return g->parent() == nullptr ? "" : absl::StrCat(" in subgraph '", g->name(), "'");
  }

  absl::StatusOr<TensorType> ImportType(const onnx::TypeProto& tp, const std::string& what) const {
    TensorType type;
    switch (tp.value_case()) {
      case onnx::TypeProto::VALUE_NOT_SET: return type;
      case onnx::TypeProto::kTensorType: break;
      case onnx::TypeProto::kSequenceType:
      case onnx::TypeProto::kMapType:
      case onnx::TypeProto::kOptionalType:
      case onnx::TypeProto::kSparseTensorType:
      case onnx::TypeProto::kOpaqueType:
      default:
        return Unimplemented(
            absl::StrCat(what, ": only tensor types are supported (found a non-tensor type)"));
    }
    const onnx::TypeProto::Tensor& tt = tp.tensor_type();
    if (!IsIrElementType(tt.elem_type())) {
      return Unimplemented(absl::StrCat(what, ": element type ", OnnxTypeName(tt.elem_type()),
                                        " is not supported"));
    }
    type.elem = static_cast<ElementType>(tt.elem_type());
    type.dtype = FallbackDataType(type.elem);
    if (tt.has_shape()) {
      Shape shape;
      for (const onnx::TensorShapeProto::Dimension& d : tt.shape().dim()) {
        switch (d.value_case()) {
          case onnx::TensorShapeProto::Dimension::kDimValue:
            if (d.dim_value() < 0) {
              return Invalid(absl::StrCat(what, ": negative dimension ", d.dim_value()));
            }
            shape.push_back(Dim{d.dim_value(), ""});
            break;
          case onnx::TensorShapeProto::Dimension::kDimParam:
            shape.push_back(Dim{-1, d.dim_param()});
            break;
          default: shape.push_back(Dim{}); break;
        }
      }
      type.shape = std::move(shape);
    }
    return type;
  }

  absl::StatusOr<Tensor> ImportTensor(const onnx::TensorProto& tp, const std::string& what) const {
    if (tp.data_location() == onnx::TensorProto::EXTERNAL || tp.external_data_size() > 0) {
      return Unimplemented(absl::StrCat(
          what, " stores its data in an external file, which is not supported (save the model "
                "with all tensors embedded)"));
    }
    if (tp.has_segment()) {
      return Unimplemented(absl::StrCat(what, " is a segmented tensor, which is not supported"));
    }
    if (tp.data_type() == onnx::TensorProto::STRING) {
      return Unimplemented(absl::StrCat(what, ": string tensors are not supported"));
    }
    if (tp.data_type() == onnx::TensorProto::UNDEFINED) {
      return Invalid(absl::StrCat(what, " has no data type"));
    }
    if (!IsIrElementType(tp.data_type())) {
      return Unimplemented(absl::StrCat(what, ": element type ", OnnxTypeName(tp.data_type()),
                                        " is not supported"));
    }
    const ElementType type = static_cast<ElementType>(tp.data_type());
    Dims dims(tp.dims().begin(), tp.dims().end());
    int64_t count = 1;
    for (int64_t d : dims) {
      if (d < 0) {
        return Invalid(absl::StrCat(what, " has a negative dimension: ", DimsToString(dims)));
      }
      if (d != 0 && count > kMaxElements / d) {
        return Invalid(absl::StrCat(what, " has too many elements: ", DimsToString(dims)));
      }
      count *= d;
    }
    const int64_t elem_size = ElementSize(type);

    if (tp.has_raw_data()) {
      const std::string& raw = tp.raw_data();
      if (static_cast<int64_t>(raw.size()) != count * elem_size) {
        return Invalid(absl::StrCat(what, ": raw_data holds ", raw.size(), " bytes but ",
                                    ElementTypeName(type), DimsToString(dims), " needs ",
                                    count * elem_size));
      }
      Tensor t(type, dims);
      if (!raw.empty()) std::memcpy(t.raw(), raw.data(), raw.size());
      if (type == ElementType::kBool) {
        // Bytes other than 0/1 would make reads through `bool` undefined.
        auto* bytes = static_cast<unsigned char*>(t.raw());
        for (int64_t i = 0; i < count; ++i) bytes[i] = bytes[i] != 0;
      }
      return t;
    }

    // Typed fields: which repeated field holds which element type is fixed by onnx.proto (small
    // integer types, bool and float16 bit patterns are widened into int32_data).
    auto check_count = [&](int64_t have, const char* field) -> absl::Status {
      if (have == count) return absl::OkStatus();
      return Invalid(absl::StrCat(what, ": ", ElementTypeName(type), DimsToString(dims), " needs ",
                                  count, " values but ", field, " holds ", have));
    };
    Tensor t(type, {});
    auto fill = [&](const auto& field, const char* field_name, auto convert) -> absl::Status {
      RETURN_IF_ERROR(check_count(field.size(), field_name));
      t = Tensor(type, dims);
      DispatchElementType(type, [&](auto tag) {
        using T = decltype(tag);
        T* out = t.data<T>();
        for (int64_t i = 0; i < count; ++i) out[i] = static_cast<T>(convert(field.Get(i)));
      });
      return absl::OkStatus();
    };
    auto same = [](auto v) { return v; };
    switch (type) {
      case ElementType::kFloat:
        RETURN_IF_ERROR(fill(tp.float_data(), "float_data", same));
        break;
      case ElementType::kDouble:
        RETURN_IF_ERROR(fill(tp.double_data(), "double_data", same));
        break;
      case ElementType::kInt64:
        RETURN_IF_ERROR(fill(tp.int64_data(), "int64_data", same));
        break;
      case ElementType::kUint32:
      case ElementType::kUint64:
        RETURN_IF_ERROR(fill(tp.uint64_data(), "uint64_data", same));
        break;
      case ElementType::kBool:
        RETURN_IF_ERROR(fill(tp.int32_data(), "int32_data", [](int32_t v) { return v != 0; }));
        break;
      case ElementType::kFloat16:
        RETURN_IF_ERROR(fill(tp.int32_data(), "int32_data",
                             [](int32_t v) { return static_cast<uint16_t>(v & 0xffff); }));
        break;
      default:  // int32, int16, int8, uint16, uint8
        RETURN_IF_ERROR(fill(tp.int32_data(), "int32_data", same));
        break;
    }
    return t;
  }

  absl::StatusOr<Attribute> ImportAttribute(const onnx::AttributeProto& ap, Graph* g,
                                            const std::string& what) {
    using AP = onnx::AttributeProto;
    if (!ap.ref_attr_name().empty()) {
      return Unimplemented(
          absl::StrCat(what, " refers to a function attribute, which is not supported"));
    }
    AP::AttributeType type = ap.type();
    if (type == AP::UNDEFINED) {
      // Files from before IR version 2 may leave the type out; it follows from the field set.
      if (ap.has_f()) type = AP::FLOAT;
      else if (ap.has_i()) type = AP::INT;
      else if (ap.has_s()) type = AP::STRING;
      else if (ap.has_t()) type = AP::TENSOR;
      else if (ap.has_g()) type = AP::GRAPH;
      else if (ap.floats_size() > 0) type = AP::FLOATS;
      else if (ap.ints_size() > 0) type = AP::INTS;
      else if (ap.strings_size() > 0) type = AP::STRINGS;
      else if (ap.tensors_size() > 0) type = AP::TENSORS;
      else if (ap.graphs_size() > 0) type = AP::GRAPHS;
      else return Invalid(absl::StrCat(what, " has no type and no value"));
    }
    switch (type) {
      case AP::FLOAT: return Attribute::Float(ap.f());
      case AP::INT: return Attribute::Int(ap.i());
      case AP::STRING: return Attribute::String(ap.s());
      case AP::TENSOR: {
        ASSIGN_OR_RETURN(Tensor t, ImportTensor(ap.t(), what));
        return Attribute::FromTensor(std::move(t));
      }
      case AP::GRAPH: {
        ASSIGN_OR_RETURN(std::unique_ptr<Graph> body, ImportSubgraph(ap.g(), g));
        return Attribute::FromGraph(std::move(body));
      }
      case AP::FLOATS: return Attribute::Floats({ap.floats().begin(), ap.floats().end()});
      case AP::INTS: return Attribute::Ints({ap.ints().begin(), ap.ints().end()});
      case AP::STRINGS: return Attribute::Strings({ap.strings().begin(), ap.strings().end()});
      case AP::TENSORS: {
        std::vector<Tensor> tensors;
        for (int i = 0; i < ap.tensors_size(); ++i) {
          ASSIGN_OR_RETURN(Tensor t, ImportTensor(ap.tensors(i), absl::StrCat(what, "[", i, "]")));
          tensors.push_back(std::move(t));
        }
        return Attribute::Tensors(std::move(tensors));
      }
      case AP::GRAPHS: {
        std::vector<std::unique_ptr<Graph>> graphs;
        for (const onnx::GraphProto& gp : ap.graphs()) {
          ASSIGN_OR_RETURN(std::unique_ptr<Graph> body, ImportSubgraph(gp, g));
          graphs.push_back(std::move(body));
        }
        return Attribute::Graphs(std::move(graphs));
      }
      default:
        return Unimplemented(absl::StrCat(what, " has type ", AP::AttributeType_Name(type),
                                          ", which is not supported"));
    }
  }

  absl::StatusOr<std::unique_ptr<Graph>> ImportSubgraph(const onnx::GraphProto& gp, Graph* parent) {
    auto body = std::make_unique<Graph>(gp.name(), parent);
    RETURN_IF_ERROR(ImportGraph(gp, body.get()));
    return body;
  }

  // Resolves a name a subgraph reads but does not define: if an enclosing graph defines it, the
  // subgraph gets an outer-scope reference carrying a copy of that value's type.
  absl::StatusOr<Value*> ResolveOuter(Graph* g, const std::string& name) {
    if (g->parent() == nullptr) return nullptr;
    const Value* outer = g->parent()->LookupValue(name);
    if (outer == nullptr) return nullptr;
    return g->AddOuterRef(name, outer->type());
  }

  // ONNX does not require node names, nor unique ones; the IR does. Empty names become
  // "<OpType>_<k>" and repeated names "<name>_<k>", avoiding every name the file uses.
  static std::vector<std::string> AssignNodeNames(const onnx::GraphProto& gp) {
    std::set<std::string> taken;
    for (const onnx::NodeProto& n : gp.node()) {
      if (!n.name().empty()) taken.insert(n.name());
    }
    std::set<std::string> assigned;
    // Next suffix to try per base name, so thousands of unnamed nodes stay linear.
    std::map<std::string, int> next_suffix;
    std::vector<std::string> names;
    for (const onnx::NodeProto& n : gp.node()) {
      if (!n.name().empty() && assigned.insert(n.name()).second) {
        names.push_back(n.name());
        continue;
      }
      const std::string base = n.name().empty() ? n.op_type() : n.name();
      for (int& k = next_suffix[base];; ++k) {
        std::string candidate = absl::StrCat(base, "_", k);
        if (!taken.count(candidate) && !assigned.count(candidate)) {
          assigned.insert(candidate);
          names.push_back(std::move(candidate));
          ++k;
          break;
        }
      }
    }
    return names;
  }

  absl::Status ApplyAnnotations(const onnx::GraphProto& gp, Graph* g) const {
    for (const onnx::TensorAnnotation& ann : gp.quantization_annotation()) {
      // Annotations of tensors that no longer exist are stale leftovers of qonnx transformations;
      // they carry no meaning, so they are dropped rather than rejected.
      Value* v = g->FindValue(ann.tensor_name());
      if (v == nullptr) continue;
      const std::string what = absl::StrCat("tensor '", v->name(), "'", Where(g));
      for (const onnx::StringStringEntryProto& kv : ann.quant_parameter_tensor_names()) {
        if (kv.key() == kFinnDatatypeKey) {
          absl::StatusOr<DataType> dt = DataType::Parse(kv.value());
          if (!dt.ok()) {
            return Invalid(absl::StrCat(what, ": invalid finn_datatype annotation '", kv.value(),
                                        "': ", dt.status().message()));
          }
          v->type().dtype = *dt;
          v->type().dtype_annotated = true;
        } else if (kv.key() == kTensorLayoutKey) {
          std::vector<std::string> layout;
          if (!ParseLayout(kv.value(), &layout)) {
            return Invalid(absl::StrCat(what, ": invalid tensor_layout annotation \"", kv.value(),
                                        "\" (expected a list such as ['N', 'C'])"));
          }
          v->type().layout = std::move(layout);
        } else {
          auto& extra = v->extra_annotations;
          auto it = std::find_if(extra.begin(), extra.end(),
                                 [&](const auto& e) { return e.first == kv.key(); });
          if (it != extra.end()) {
            it->second = kv.value();
          } else {
            extra.emplace_back(kv.key(), kv.value());
          }
        }
      }
    }
    return absl::OkStatus();
  }

  // Sets a value's type from a ValueInfoProto, if it has one. Initializer types come from their
  // data and outer references from the enclosing graph, so those are left alone.
  absl::Status ApplyValueInfo(const onnx::ValueInfoProto& vi, Value* v, const std::string& what) {
    if (!vi.doc_string().empty()) v->doc_string = vi.doc_string();
    if (!vi.has_type() || v->is_initializer() || v->is_outer_ref()) return absl::OkStatus();
    ASSIGN_OR_RETURN(v->type(), ImportType(vi.type(), what));
    return absl::OkStatus();
  }

  absl::Status ImportGraph(const onnx::GraphProto& gp, Graph* g) {
    g->doc_string = gp.doc_string();
    const std::string where = Where(g);
    if (gp.sparse_initializer_size() > 0) {
      const onnx::SparseTensorProto& sp = gp.sparse_initializer(0);
      const std::string& name = sp.values().name().empty() ? sp.indices().name()
                                                           : sp.values().name();
      return Unimplemented(absl::StrCat("sparse initializer '", name, "'", where,
                                        " is not supported"));
    }

    std::set<std::string> initializer_names;
    for (const onnx::TensorProto& tp : gp.initializer()) {
      if (tp.name().empty()) return Invalid(absl::StrCat("an initializer", where, " has no name"));
      if (!initializer_names.insert(tp.name()).second) {
        return Invalid(absl::StrCat("initializer '", tp.name(), "'", where, " is defined twice"));
      }
    }

    // Runtime inputs. Older exporters (IR version < 4) list initializers among the inputs; those
    // stay initializers only.
    for (const onnx::ValueInfoProto& vi : gp.input()) {
      const std::string what = absl::StrCat("graph input '", vi.name(), "'", where);
      if (vi.name().empty()) return Invalid(absl::StrCat("a graph input", where, " has no name"));
      if (initializer_names.count(vi.name())) continue;
      if (g->FindValue(vi.name()) != nullptr) {
        return Invalid(absl::StrCat(what, " is listed twice"));
      }
      ASSIGN_OR_RETURN(Value * v, g->AddValue(vi.name()));
      RETURN_IF_ERROR(ApplyValueInfo(vi, v, what));
      g->AddInput(v);
    }

    for (const onnx::TensorProto& tp : gp.initializer()) {
      ASSIGN_OR_RETURN(Tensor data,
                       ImportTensor(tp, absl::StrCat("initializer '", tp.name(), "'", where)));
      ASSIGN_OR_RETURN(Value * v, g->AddInitializer(tp.name(), std::move(data)));
      v->type().dtype = FallbackDataType(v->type().elem);
      v->doc_string = tp.doc_string();
    }

    // Create every node output before any node, so that node inputs and subgraph bodies can refer
    // to values produced further down the list.
    for (int i = 0; i < gp.node_size(); ++i) {
      if (gp.node(i).op_type().empty()) {
        return Invalid(absl::StrCat("node #", i, " ('", gp.node(i).name(), "')", where,
                                    " has no op_type"));
      }
    }
    const std::vector<std::string> node_names = AssignNodeNames(gp);
    auto describe = [&](int i) {
      return absl::StrCat("node '", node_names[i], "' (", gp.node(i).op_type(), ")");
    };
    std::map<std::string, int> producer;
    for (int i = 0; i < gp.node_size(); ++i) {
      for (const std::string& out : gp.node(i).output()) {
        if (out.empty()) continue;  // an omitted optional output
        if (const Value* v = g->FindValue(out); v != nullptr) {
          auto it = producer.find(out);
          std::string other = it != producer.end()   ? describe(it->second)
                              : v->is_initializer() ? std::string("an initializer")
                                                    : std::string("a graph input");
          return Invalid(absl::StrCat("tensor '", out, "'", where, " is produced twice: by ",
                                      other, " and by ", describe(i)));
        }
        RETURN_IF_ERROR(g->AddValue(out).status());
        producer[out] = i;
      }
    }

    for (const onnx::ValueInfoProto& vi : gp.value_info()) {
      Value* v = g->FindValue(vi.name());
      if (v == nullptr) continue;  // types of names defined elsewhere carry no information here
      RETURN_IF_ERROR(ApplyValueInfo(vi, v, absl::StrCat("tensor '", vi.name(), "'", where)));
    }

    for (const onnx::ValueInfoProto& vi : gp.output()) {
      const std::string what = absl::StrCat("graph output '", vi.name(), "'", where);
      if (vi.name().empty()) return Invalid(absl::StrCat("a graph output", where, " has no name"));
      Value* v = g->FindValue(vi.name());
      if (v == nullptr) {
        ASSIGN_OR_RETURN(v, ResolveOuter(g, vi.name()));
      }
      if (v == nullptr) {
        return Invalid(
            absl::StrCat(what, " is not a graph input, initializer or node output"));
      }
      RETURN_IF_ERROR(ApplyValueInfo(vi, v, what));
      g->AddOutput(v);
    }

    RETURN_IF_ERROR(ApplyAnnotations(gp, g));

    for (int i = 0; i < gp.node_size(); ++i) {
      const onnx::NodeProto& np = gp.node(i);
      const std::string what = absl::StrCat(describe(i), where);
      std::vector<Value*> inputs;
      for (const std::string& in : np.input()) {
        if (in.empty()) {
          inputs.push_back(nullptr);  // an omitted optional input
          continue;
        }
        Value* v = g->FindValue(in);
        if (v == nullptr) {
          ASSIGN_OR_RETURN(v, ResolveOuter(g, in));
        }
        if (v == nullptr) {
          return Invalid(absl::StrCat(
              what, ": input '", in, "' is not a graph input, initializer or node output",
              g->parent() != nullptr ? " (here or in an enclosing graph)" : ""));
        }
        inputs.push_back(v);
      }
      std::vector<Value*> outputs;
      for (const std::string& out : np.output()) {
        outputs.push_back(out.empty() ? nullptr : g->FindValue(out));
      }
      std::map<std::string, Attribute> attrs;
      for (const onnx::AttributeProto& ap : np.attribute()) {
        const std::string attr_what = absl::StrCat(what, ": attribute '", ap.name(), "'");
        if (ap.name().empty()) return Invalid(absl::StrCat(what, ": an attribute has no name"));
        if (attrs.count(ap.name())) return Invalid(absl::StrCat(attr_what, " is given twice"));
        ASSIGN_OR_RETURN(Attribute a, ImportAttribute(ap, g, attr_what));
        attrs.emplace(ap.name(), std::move(a));
      }
      absl::StatusOr<Node*> node = g->AddNode(np.op_type(), np.domain(), node_names[i], inputs,
                                              outputs);
      if (!node.ok()) return Annotate(node.status(), absl::StrCat(source_, ": "));
      // A renamed duplicate still points back at the name the file used; a generated name is
      // its own origin.
      (*node)->set_origin(np.name().empty() ? node_names[i] : np.name());
      (*node)->doc_string = np.doc_string();
      for (auto& [name, a] : attrs) (*node)->SetAttr(name, std::move(a));
    }
    return absl::OkStatus();
  }

  std::string source_;
};

absl::Status NotAModel(const std::string& source) {
  return absl::InvalidArgumentError(
      absl::StrCat(source, ": not a valid ONNX model (protobuf parse failed)"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Model>> ImportModelProto(const onnx::ModelProto& proto,
                                                        const std::string& source_name) {
  return Importer(source_name).Import(proto);
}

absl::StatusOr<std::unique_ptr<Model>> ImportModelFromBytes(const std::string& bytes,
                                                            const std::string& source_name) {
  // An empty buffer is a valid (empty) protobuf message, but never a model.
  if (bytes.empty()) return NotAModel(source_name);
  onnx::ModelProto proto;
  if (!proto.ParseFromString(bytes)) return NotAModel(source_name);
  // Arbitrary bytes occasionally decode as a message made only of unknown fields; a real model
  // always has at least an IR version, an opset or a graph.
  if (!proto.has_graph() && !proto.has_ir_version() && proto.opset_import_size() == 0) {
    return NotAModel(source_name);
  }
  return ImportModelProto(proto, source_name);
}

absl::StatusOr<std::unique_ptr<Model>> ImportModelFromFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open file (it is a directory)"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0) return absl::NotFoundError(absl::StrCat(path, ": cannot open file (read failed)"));
  std::string bytes(static_cast<size_t>(size), '\0');
  if (size > 0 && !in.read(bytes.data(), size)) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open file (read failed)"));
  }
  return ImportModelFromBytes(bytes, path);
}

}  // namespace finngl
