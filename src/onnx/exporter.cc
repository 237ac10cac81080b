#include "src/onnx/exporter.h"

#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "src/base/status.h"

namespace finngl {
namespace {

constexpr char kFinnDatatypeKey[] = "finn_datatype";
constexpr char kTensorLayoutKey[] = "tensor_layout";

// The Python list repr qonnx writes (and evals back): "['N', 'C', 'H', 'W']".
std::string LayoutRepr(const std::vector<std::string>& layout) {
  std::vector<std::string> quoted;
  for (const std::string& s : layout) quoted.push_back(absl::StrCat("'", s, "'"));
  return absl::StrCat("[", absl::StrJoin(quoted, ", "), "]");
}

absl::Status ExportTensor(const Tensor& t, onnx::TensorProto* tp, const std::string& what) {
  if (!IsSupportedElementType(t.type())) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": cannot export a tensor of element type ", ElementTypeName(t.type())));
  }
  tp->set_data_type(static_cast<int32_t>(t.type()));
  for (int64_t d : t.dims()) tp->add_dims(d);
  // raw_data is the compact, exact encoding for every element type (it is little-endian, as is
  // the in-memory buffer).
  tp->set_raw_data(static_cast<const char*>(t.raw()), t.byte_size());
  return absl::OkStatus();
}

void ExportType(const TensorType& type, onnx::TypeProto* tp) {
  if (type.elem == ElementType::kUndefined && !type.shape) return;
  onnx::TypeProto::Tensor* tt = tp->mutable_tensor_type();
  if (type.elem != ElementType::kUndefined) tt->set_elem_type(static_cast<int32_t>(type.elem));
  if (type.shape) {
    onnx::TensorShapeProto* shape = tt->mutable_shape();
    for (const Dim& d : *type.shape) {
      onnx::TensorShapeProto::Dimension* dim = shape->add_dim();
      if (d.known()) {
        dim->set_dim_value(d.value);
      } else if (!d.param.empty()) {
        dim->set_dim_param(d.param);
      }
    }
  }
}

void ExportValueInfo(const Value& v, onnx::ValueInfoProto* vi) {
  vi->set_name(v.name());
  if (!v.doc_string.empty()) vi->set_doc_string(v.doc_string);
  ExportType(v.type(), vi->mutable_type());
  if (vi->type().value_case() == onnx::TypeProto::VALUE_NOT_SET) vi->clear_type();
}

absl::Status ExportGraph(const Graph& g, onnx::GraphProto* gp, int64_t ir_version);

absl::Status ExportAttribute(const std::string& name, const Attribute& a,
                             onnx::AttributeProto* ap, const std::string& what) {
  using AP = onnx::AttributeProto;
  ap->set_name(name);
  switch (a.type()) {
    case Attribute::Type::kFloat:
      ap->set_type(AP::FLOAT);
      ap->set_f(a.f());
      break;
    case Attribute::Type::kInt:
      ap->set_type(AP::INT);
      ap->set_i(a.i());
      break;
    case Attribute::Type::kString:
      ap->set_type(AP::STRING);
      ap->set_s(a.s());
      break;
    case Attribute::Type::kTensor:
      ap->set_type(AP::TENSOR);
      RETURN_IF_ERROR(ExportTensor(a.t(), ap->mutable_t(), what));
      break;
    case Attribute::Type::kGraph:
      ap->set_type(AP::GRAPH);
      RETURN_IF_ERROR(ExportGraph(*a.g(), ap->mutable_g(), /*ir_version=*/INT64_MAX));
      break;
    case Attribute::Type::kFloats:
      ap->set_type(AP::FLOATS);
      for (float f : a.floats()) ap->add_floats(f);
      break;
    case Attribute::Type::kInts:
      ap->set_type(AP::INTS);
      for (int64_t i : a.ints()) ap->add_ints(i);
      break;
    case Attribute::Type::kStrings:
      ap->set_type(AP::STRINGS);
      for (const std::string& s : a.strings()) ap->add_strings(s);
      break;
    case Attribute::Type::kTensors:
      ap->set_type(AP::TENSORS);
      for (size_t i = 0; i < a.tensors().size(); ++i) {
        RETURN_IF_ERROR(
            ExportTensor(a.tensors()[i], ap->add_tensors(), absl::StrCat(what, "[", i, "]")));
      }
      break;
    case Attribute::Type::kGraphs:
      ap->set_type(AP::GRAPHS);
      for (const auto& body : a.graphs()) {
        RETURN_IF_ERROR(ExportGraph(*body, ap->add_graphs(), /*ir_version=*/INT64_MAX));
      }
      break;
  }
  return absl::OkStatus();
}

void ExportAnnotation(const Value& v, onnx::GraphProto* gp) {
  const TensorType& t = v.type();
  if (!t.dtype_annotated && !t.layout && v.extra_annotations.empty()) return;
  onnx::TensorAnnotation* ann = gp->add_quantization_annotation();
  ann->set_tensor_name(v.name());
  auto add = [&](const std::string& key, const std::string& value) {
    onnx::StringStringEntryProto* kv = ann->add_quant_parameter_tensor_names();
    kv->set_key(key);
    kv->set_value(value);
  };
  if (t.dtype_annotated) add(kFinnDatatypeKey, t.dtype.Name());
  if (t.layout) add(kTensorLayoutKey, LayoutRepr(*t.layout));
  for (const auto& [key, value] : v.extra_annotations) add(key, value);
}

// `ir_version` only matters for the main graph: subgraphs never list initializers as inputs.
absl::Status ExportGraph(const Graph& g, onnx::GraphProto* gp, int64_t ir_version) {
  gp->set_name(g.name());
  if (!g.doc_string.empty()) gp->set_doc_string(g.doc_string);
  const std::string where =
      g.parent() == nullptr ? "" : absl::StrCat(" in subgraph '", g.name(), "'");

  for (const Value* v : g.inputs()) {
    RET_CHECK(v != nullptr);
    ExportValueInfo(*v, gp->add_input());
  }
  const std::vector<Value*> initializers = g.initializers();
  if (ir_version < 4) {
    for (const Value* v : initializers) {
      if (!v->is_graph_input()) ExportValueInfo(*v, gp->add_input());
    }
  }
  for (const Value* v : g.outputs()) {
    RET_CHECK(v != nullptr);
    ExportValueInfo(*v, gp->add_output());
  }
  for (const Value* v : initializers) {
    onnx::TensorProto* tp = gp->add_initializer();
    tp->set_name(v->name());
    if (!v->doc_string.empty()) tp->set_doc_string(v->doc_string);
    RETURN_IF_ERROR(ExportTensor(*v->initializer(), tp,
                                 absl::StrCat("initializer '", v->name(), "'", where)));
  }

  // ONNX requires nodes in topological order; passes may have appended nodes anywhere.
  ASSIGN_OR_RETURN(const std::vector<Node*> nodes, g.TopologicalOrder());
  for (const Node* n : nodes) {
    onnx::NodeProto* np = gp->add_node();
    if (!n->name().empty()) np->set_name(n->name());
    np->set_op_type(n->op_type());
    if (!n->domain().empty()) np->set_domain(n->domain());
    if (!n->doc_string.empty()) np->set_doc_string(n->doc_string);
    for (const Value* in : n->inputs()) np->add_input(in == nullptr ? "" : in->name());
    for (const Value* out : n->outputs()) np->add_output(out == nullptr ? "" : out->name());
    for (const auto& [name, a] : n->attributes()) {
      RETURN_IF_ERROR(ExportAttribute(name, a, np->add_attribute(),
                                      absl::StrCat(n->Describe(), where, ": attribute '", name,
                                                   "'")));
    }
  }

  // value_info and annotations follow one canonical order (inputs, initializers, node outputs in
  // node order) rather than value creation order, which an import does not reproduce; that is
  // what makes export -> import -> export a fixed point.
  for (const Node* n : nodes) {
    for (const Value* out : n->outputs()) {
      if (out == nullptr || out->type().elem == ElementType::kUndefined) continue;
      if (out->is_graph_output() || out->is_graph_input() || out->is_initializer()) continue;
      ExportValueInfo(*out, gp->add_value_info());
    }
  }
  std::set<const Value*> annotated;
  auto annotate = [&](const Value* v) {
    if (v == nullptr || v->is_outer_ref() || !annotated.insert(v).second) return;
    ExportAnnotation(*v, gp);
  };
  for (const Value* v : g.inputs()) annotate(v);
  for (const Value* v : initializers) annotate(v);
  for (const Node* n : nodes) {
    for (const Value* out : n->outputs()) annotate(out);
  }
  for (const Value* v : g.outputs()) annotate(v);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<onnx::ModelProto> ExportModelProto(const Model& model) {
  onnx::ModelProto proto;
  proto.set_ir_version(model.ir_version);
  for (const OpsetImport& op : model.opset_imports) {
    onnx::OperatorSetIdProto* imp = proto.add_opset_import();
    imp->set_domain(op.domain);
    imp->set_version(op.version);
  }
  if (!model.producer_name.empty()) proto.set_producer_name(model.producer_name);
  if (!model.producer_version.empty()) proto.set_producer_version(model.producer_version);
  if (!model.domain.empty()) proto.set_domain(model.domain);
  if (model.model_version != 0) proto.set_model_version(model.model_version);
  if (!model.doc_string.empty()) proto.set_doc_string(model.doc_string);
  for (const auto& [key, value] : model.metadata_props) {
    onnx::StringStringEntryProto* kv = proto.add_metadata_props();
    kv->set_key(key);
    kv->set_value(value);
  }
  RET_CHECK(model.graph != nullptr);
  RETURN_IF_ERROR(ExportGraph(*model.graph, proto.mutable_graph(), model.ir_version));
  return proto;
}

absl::StatusOr<std::string> ExportModelToBytes(const Model& model) {
  ASSIGN_OR_RETURN(onnx::ModelProto proto, ExportModelProto(model));
  if (proto.ByteSizeLong() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(
        "model is larger than 2 GiB, the limit of a single protobuf message");
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    // onnx.proto has no map fields today; this keeps the output stable should one appear.
    coded.SetSerializationDeterministic(true);
    proto.SerializeWithCachedSizes(&coded);
    if (coded.HadError()) return absl::InternalError("protobuf serialization failed");
  }
  return bytes;
}

absl::Status ExportModelToFile(const Model& model, const std::string& path) {
  absl::StatusOr<std::string> bytes = ExportModelToBytes(model);
  if (!bytes.ok()) return Annotate(bytes.status(), absl::StrCat(path, ": "));
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      return absl::NotFoundError(absl::StrCat(path, ": cannot open '", tmp, "' for writing"));
    }
    out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      return absl::DataLossError(absl::StrCat(path, ": cannot write '", tmp, "'"));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    return absl::NotFoundError(absl::StrCat(path, ": cannot rename '", tmp, "': ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace finngl
