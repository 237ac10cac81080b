// Tests for src/onnx: ModelProto <-> IR translation, quantization annotations (also inside Scan
// bodies), byte-exact export -> import -> export round trips and the error text for bad input.
#include <filesystem>
#include <functional>
#include <map>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "onnx/defs/parser.h"
#include "src/onnx/exporter.h"
#include "src/onnx/importer.h"

namespace finngl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr char kPath[] = "test.onnx";

// A model in ONNX's textual syntax exercising what the importer must carry over: an initializer
// also listed as a graph input (pre-IR-4 style), typed-field initializers, symbolic dims, several
// domains, a Constant node, unnamed nodes and a Scan body that reads an outer-scope tensor.
constexpr char kModelText[] = R"ONNX(
<
  ir_version: 8,
  opset_import: ["" : 13, "onnx.brevitas" : 1, "finn" : 1, "qonnx.custom_op.general" : 1],
  producer_name: "finngl-test",
  producer_version: "0.1",
  domain: "org.finngl",
  model_version: 3,
  doc_string: "a test model"
>
main_graph (float[N, 3] X, float[3, 4] W = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    => (float[N, 4] Y, float[N, 4] Z)
<float[4] bias = {1, 2, 3, 4}, float scale = {0.5}, float zp = {0}, float bw = {4}>
{
  mm = MatMul(X, W)
  U = Add(mm, bias)
  Y = onnx.brevitas.Quant <narrow = 0, rounding_mode = "ROUND", signed = 1> (U, scale, zp, bw)
  c = Constant <value = float[4] {1.5, 2.5, 3.5, 4.5}> ()
  init = Mul(c, scale)
  final, Z = Scan <num_scan_inputs = 1,
      body = scan_body (float[4] s_in, float[4] x_in) => (float[4] s_out, float[4] y_out) {
        s_out = Add(s_in, x_in)
        y_out = Mul(s_out, bias)
      }> (init, Y)
}
)ONNX";

onnx::ModelProto ParseText(const char* text) {
  onnx::ModelProto proto;
  auto status = onnx::OnnxParser::Parse(proto, text);
  EXPECT_TRUE(status.IsOK()) << status.ErrorMessage();
  return proto;
}

void AddAnnotation(onnx::GraphProto* g, const std::string& tensor,
                   const std::vector<std::pair<std::string, std::string>>& entries) {
  onnx::TensorAnnotation* ann = g->add_quantization_annotation();
  ann->set_tensor_name(tensor);
  for (const auto& [key, value] : entries) {
    onnx::StringStringEntryProto* kv = ann->add_quant_parameter_tensor_names();
    kv->set_key(key);
    kv->set_value(value);
  }
}

onnx::GraphProto* ScanBody(onnx::ModelProto* proto) {
  for (onnx::NodeProto& n : *proto->mutable_graph()->mutable_node()) {
    if (n.op_type() != "Scan") continue;
    for (onnx::AttributeProto& a : *n.mutable_attribute()) {
      if (a.name() == "body") return a.mutable_g();
    }
  }
  return nullptr;
}

// kModelText plus what the textual syntax cannot express: metadata, unnamed nodes named by the
// parser's "" default, annotations in the main graph and in the Scan body, a stale annotation.
onnx::ModelProto TestModelProto() {
  onnx::ModelProto proto = ParseText(kModelText);
  auto* meta = proto.add_metadata_props();
  meta->set_key("author");
  meta->set_value("finngl");
  proto.mutable_graph()->set_doc_string("graph doc");
  proto.mutable_graph()->mutable_node(0)->set_name("matmul_0");
  proto.mutable_graph()->mutable_node(2)->set_name("quant");
  proto.mutable_graph()->mutable_node(2)->set_doc_string("a Quant node");
  proto.mutable_graph()->mutable_node(5)->set_name("scan");
  onnx::GraphProto* g = proto.mutable_graph();
  AddAnnotation(g, "X", {{"finn_datatype", "INT8"}, {"tensor_layout", "['N', 'C']"}});
  AddAnnotation(g, "W", {{"finn_datatype", "INT4"}});
  AddAnnotation(g, "Y", {{"finn_datatype", "INT4"}, {"tensor_sparsity", "{'x': 1}"}});
  AddAnnotation(g, "removed_long_ago", {{"finn_datatype", "BIPOLAR"}});
  onnx::ValueInfoProto* vi = g->add_value_info();
  vi->set_name("U");
  vi->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = vi->mutable_type()->mutable_tensor_type()->mutable_shape();
  shape->add_dim()->set_dim_param("N");
  shape->add_dim();  // unknown, unnamed
  AddAnnotation(ScanBody(&proto), "s_out",
                {{"finn_datatype", "FIXED<8,3>"}, {"tensor_layout", "['C']"}, {"k", "v"}});
  AddAnnotation(ScanBody(&proto), "x_in", {{"finn_datatype", "UINT3"}});
  return proto;
}

std::string Serialize(const onnx::ModelProto& proto) {
  std::string bytes;
  EXPECT_TRUE(proto.SerializeToString(&bytes));
  return bytes;
}

std::unique_ptr<Model> ImportOk(const onnx::ModelProto& proto) {
  absl::StatusOr<std::unique_ptr<Model>> m = ImportModelFromBytes(Serialize(proto), kPath);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? std::move(*m) : nullptr;
}

std::string ExportOk(const Model& m) {
  absl::StatusOr<std::string> bytes = ExportModelToBytes(m);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : "";
}

onnx::ModelProto ExportProtoOk(const Model& m) {
  absl::StatusOr<onnx::ModelProto> proto = ExportModelProto(m);
  EXPECT_TRUE(proto.ok()) << proto.status();
  return proto.ok() ? *proto : onnx::ModelProto();
}

absl::Status ImportError(const onnx::ModelProto& proto) {
  return ImportModelFromBytes(Serialize(proto), kPath).status();
}

TensorType Typed(ElementType elem, std::optional<Shape> shape) {
  TensorType t;
  t.elem = elem;
  t.shape = std::move(shape);
  return t;
}

std::vector<std::string> Names(const std::vector<Value*>& values) {
  std::vector<std::string> out;
  for (const Value* v : values) out.push_back(v == nullptr ? "<null>" : v->name());
  return out;
}

// ------------------------------------------------------------------------------------ import

TEST(OnnxImportTest, ModelFieldsAreCarriedOver) {
  std::unique_ptr<Model> m = ImportOk(TestModelProto());
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->ir_version, 8);
  ASSERT_EQ(m->opset_imports.size(), 4u);
  EXPECT_EQ(m->opset_imports[0].domain, "");
  EXPECT_EQ(m->opset_imports[1].domain, "onnx.brevitas");
  EXPECT_EQ(m->opset_imports[2].domain, "finn");
  EXPECT_EQ(m->opset_imports[3].domain, "qonnx.custom_op.general");
  EXPECT_EQ(m->opset_imports[0].version, 13);
  EXPECT_EQ(m->producer_name, "finngl-test");
  EXPECT_EQ(m->producer_version, "0.1");
  EXPECT_EQ(m->domain, "org.finngl");
  EXPECT_EQ(m->model_version, 3);
  EXPECT_EQ(m->doc_string, "a test model");
  EXPECT_THAT(m->metadata_props, ElementsAre(Pair("author", "finngl")));
  EXPECT_EQ(m->source_path, kPath);
  EXPECT_EQ(m->graph->name(), "main_graph");
  EXPECT_EQ(m->graph->doc_string, "graph doc");
  EXPECT_EQ(m->graph->parent(), nullptr);
}

TEST(OnnxImportTest, GraphStructure) {
  std::unique_ptr<Model> m = ImportOk(TestModelProto());
  ASSERT_NE(m, nullptr);
  const Graph& g = *m->graph;
  // W is an initializer listed among the inputs: it stays an initializer only.
  EXPECT_THAT(Names(g.inputs()), ElementsAre("X"));
  EXPECT_THAT(Names(g.outputs()), ElementsAre("Y", "Z"));
  EXPECT_THAT(Names(g.initializers()), ElementsAre("W", "bias", "scale", "zp", "bw"));

  std::vector<std::string> node_names, op_types, domains;
  for (const Node* n : g.nodes()) {
    node_names.push_back(n->name());
    op_types.push_back(n->op_type());
    domains.push_back(n->domain());
  }
  // Unnamed nodes get "<OpType>_<k>"; "matmul_0" exists but is lower case, so no clash.
  EXPECT_THAT(node_names, ElementsAre("matmul_0", "Add_0", "quant", "Constant_0", "Mul_0", "scan"));
  EXPECT_THAT(op_types, ElementsAre("MatMul", "Add", "Quant", "Constant", "Mul", "Scan"));
  EXPECT_THAT(domains, ElementsAre("", "", "onnx.brevitas", "", "", ""));
  EXPECT_EQ(g.FindNode("Add_0")->origin(), "Add_0");
  EXPECT_EQ(g.FindNode("quant")->origin(), "quant");
  EXPECT_EQ(g.FindNode("quant")->doc_string, "a Quant node");

  const Node* quant = g.FindNode("quant");
  EXPECT_THAT(Names(quant->inputs()), ElementsAre("U", "scale", "zp", "bw"));
  EXPECT_EQ(quant->GetString("rounding_mode", ""), "ROUND");
  EXPECT_EQ(quant->GetInt("signed", -1), 1);
  EXPECT_EQ(g.FindValue("U")->producer(), g.FindNode("Add_0"));
  EXPECT_EQ(g.FindValue("U")->uses().size(), 1u);

  // Initializer data given in float_data.
  const Tensor* w = g.FindValue("W")->initializer();
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dims(), (Dims{3, 4}));
  EXPECT_EQ(w->GetDouble(11), 12.0);
  // Constant stays a node with its tensor attribute.
  const Attribute* value = g.FindNode("Constant_0")->attr("value");
  ASSERT_NE(value, nullptr);
  ASSERT_EQ(value->type(), Attribute::Type::kTensor);
  EXPECT_EQ(value->t().ToDoubles(), (std::vector<double>{1.5, 2.5, 3.5, 4.5}));

  // Types: symbolic, unknown and known dims.
  const TensorType& x = g.FindValue("X")->type();
  EXPECT_EQ(x.elem, ElementType::kFloat);
  ASSERT_TRUE(x.shape.has_value());
  EXPECT_EQ(ShapeToString(*x.shape), "[N, 3]");
  const TensorType& u = g.FindValue("U")->type();
  ASSERT_TRUE(u.shape.has_value());
  EXPECT_EQ(ShapeToString(*u.shape), "[N, ?]");
  // No value_info for mm: type unknown (the caller infers it).
  EXPECT_EQ(g.FindValue("mm")->type().elem, ElementType::kUndefined);
  EXPECT_FALSE(g.FindValue("mm")->type().shape.has_value());
}

TEST(OnnxImportTest, Annotations) {
  std::unique_ptr<Model> m = ImportOk(TestModelProto());
  ASSERT_NE(m, nullptr);
  const Graph& g = *m->graph;
  const TensorType& x = g.FindValue("X")->type();
  EXPECT_TRUE(x.dtype_annotated);
  EXPECT_EQ(x.dtype, DataType::Int(8));
  ASSERT_TRUE(x.layout.has_value());
  EXPECT_THAT(*x.layout, ElementsAre("N", "C"));
  EXPECT_EQ(g.FindValue("W")->type().dtype, DataType::Int(4));
  EXPECT_FALSE(g.FindValue("W")->type().layout.has_value());
  EXPECT_THAT(g.FindValue("Y")->extra_annotations,
              ElementsAre(Pair("tensor_sparsity", "{'x': 1}")));
  EXPECT_FALSE(g.FindValue("U")->type().dtype_annotated);
  EXPECT_EQ(g.FindValue("U")->type().dtype, DataType::Float32());
  EXPECT_EQ(g.FindValue("removed_long_ago"), nullptr);
}

TEST(OnnxImportTest, ScanBodyIsASubgraphWithOuterRefsAndAnnotations) {
  std::unique_ptr<Model> m = ImportOk(TestModelProto());
  ASSERT_NE(m, nullptr);
  const Node* scan = m->graph->FindNode("scan");
  ASSERT_NE(scan, nullptr);
  ASSERT_EQ(scan->subgraphs().size(), 1u);
  Graph* body = scan->subgraphs()[0];
  EXPECT_EQ(body->name(), "scan_body");
  EXPECT_EQ(body->parent(), m->graph.get());
  EXPECT_THAT(Names(body->inputs()), ElementsAre("s_in", "x_in"));
  EXPECT_THAT(Names(body->outputs()), ElementsAre("s_out", "y_out"));
  // "bias" lives in the main graph; the body sees it as an outer-scope reference.
  Value* bias = body->FindValue("bias");
  ASSERT_NE(bias, nullptr);
  EXPECT_TRUE(bias->is_outer_ref());
  EXPECT_FALSE(bias->is_initializer());
  EXPECT_EQ(bias->type().elem, ElementType::kFloat);
  EXPECT_EQ(body->LookupValue("bias"), m->graph->FindValue("bias"));
  EXPECT_EQ(body->FindNode("Mul_0")->input(1), bias);

  const TensorType& s_out = body->FindValue("s_out")->type();
  EXPECT_TRUE(s_out.dtype_annotated);
  EXPECT_EQ(s_out.dtype, DataType::Fixed(8, 3));
  EXPECT_THAT(*s_out.layout, ElementsAre("C"));
  EXPECT_THAT(body->FindValue("s_out")->extra_annotations, ElementsAre(Pair("k", "v")));
  EXPECT_EQ(body->FindValue("x_in")->type().dtype, DataType::UInt(3));
}

// An If inside a Scan body: each graph that reads a name it does not define gets its own outer
// reference, resolved through all enclosing graphs.
TEST(OnnxImportTest, NestedSubgraphsResolveOuterNames) {
  onnx::ModelProto proto = ParseText(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[4] init, float[3, 4] xs, bool c) => (float[4] final, float[3, 4] ys)
    <float[4] bias = {1, 2, 3, 4}>
    {
      final, ys = Scan <num_scan_inputs = 1,
          body = scan_body (float[4] s_in, float[4] x_in) => (float[4] s_out, float[4] y_out) {
            s_out = If <then_branch = then_g () => (float[4] r) { r = Add(s_in, bias) },
                        else_branch = else_g () => (float[4] r2) { r2 = Identity(x_in) }> (c)
            y_out = Identity(s_out)
          }> (init, xs)
    })ONNX");
  AddAnnotation(ScanBody(&proto), "s_out", {{"finn_datatype", "INT7"}});
  std::unique_ptr<Model> m = ImportOk(proto);
  ASSERT_NE(m, nullptr);
  Graph* body = m->graph->nodes()[0]->subgraphs()[0];
  const Node* if_node = body->FindNode("If_0");
  ASSERT_NE(if_node, nullptr);
  // The Scan body reads "c" from the main graph.
  EXPECT_TRUE(body->FindValue("c")->is_outer_ref());
  EXPECT_EQ(body->FindValue("c")->type().elem, ElementType::kBool);
  Graph* then_g = if_node->attr("then_branch")->g();
  Graph* else_g = if_node->attr("else_branch")->g();
  EXPECT_EQ(then_g->parent(), body);
  EXPECT_EQ(else_g->parent(), body);
  // then_g reads s_in (from the body) and bias (from the main graph).
  EXPECT_TRUE(then_g->FindValue("s_in")->is_outer_ref());
  EXPECT_TRUE(then_g->FindValue("bias")->is_outer_ref());
  EXPECT_EQ(then_g->LookupValue("bias"), m->graph->FindValue("bias"));
  EXPECT_EQ(then_g->LookupValue("s_in"), body->FindValue("s_in"));
  EXPECT_EQ(body->FindValue("bias"), nullptr);  // the body itself does not read it
  EXPECT_TRUE(else_g->FindValue("x_in")->is_outer_ref());
  EXPECT_EQ(body->FindValue("s_out")->type().dtype, DataType::Int(7));

  const std::string first = ExportOk(*m);
  std::unique_ptr<Model> back = ImportOk(ExportProtoOk(*m));
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(ExportOk(*back), first);
  // Outer references are not declared in the exported subgraphs.
  onnx::ModelProto p = ExportProtoOk(*m);
  const onnx::GraphProto& then_p = p.graph().node(0).attribute(0).g().node(0).attribute(1).g();
  EXPECT_EQ(then_p.name(), "then_g");
  EXPECT_EQ(then_p.input_size(), 0);
  EXPECT_EQ(then_p.value_info_size(), 0);
}

TEST(OnnxImportTest, NodesMayBeListedBeforeTheirProducers) {
  onnx::ModelProto proto = ParseText(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[2] x) => (float[2] z) {
      z = Relu(y)
      y = Neg(x)
    })ONNX");
  std::unique_ptr<Model> m = ImportOk(proto);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->graph->FindValue("y")->producer()->op_type(), "Neg");
}

TEST(OnnxImportTest, DuplicateAndEmptyNodeNamesAreMadeUnique) {
  onnx::ModelProto proto = ParseText(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[2] x) => (float[2] d) {
      a = Relu(x)
      b = Relu(a)
      c = Relu(b)
      d = Relu(c)
    })ONNX");
  onnx::GraphProto* g = proto.mutable_graph();
  g->mutable_node(0)->set_name("Relu_0");  // taken: the unnamed ones must skip it
  g->mutable_node(2)->set_name("n");
  g->mutable_node(3)->set_name("n");
  std::unique_ptr<Model> m = ImportOk(proto);
  ASSERT_NE(m, nullptr);
  std::vector<std::string> names, origins;
  for (const Node* n : m->graph->nodes()) {
    names.push_back(n->name());
    origins.push_back(n->origin());
  }
  EXPECT_THAT(names, ElementsAre("Relu_0", "Relu_1", "n", "n_0"));
  EXPECT_THAT(origins, ElementsAre("Relu_0", "Relu_1", "n", "n"));
}

TEST(OnnxImportTest, OptionalInputsAndOutputs) {
  onnx::ModelProto proto = ParseText(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[2] x, float[2] m) => (float[2] y) {
      y, unused = Dropout(x, , m)
    })ONNX");
  onnx::NodeProto* n = proto.mutable_graph()->mutable_node(0);
  n->set_output(1, "");
  std::unique_ptr<Model> m = ImportOk(proto);
  ASSERT_NE(m, nullptr);
  const Node* d = m->graph->nodes()[0];
  EXPECT_THAT(Names(d->inputs()), ElementsAre("x", "<null>", "m"));
  EXPECT_THAT(Names(d->outputs()), ElementsAre("y", "<null>"));
  EXPECT_EQ(ExportOk(*ImportOk(ExportProtoOk(*m))), ExportOk(*m));
}

// Every TensorProto data type the IR supports, stored in the typed field onnx.proto assigns it.
TEST(OnnxImportTest, TypedFieldInitializers) {
  onnx::ModelProto proto = ParseText(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[2] x) => (float[2] y) { y = Relu(x) })ONNX");
  onnx::GraphProto* g = proto.mutable_graph();
  auto add = [&](const std::string& name, onnx::TensorProto::DataType type) {
    onnx::TensorProto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    t->add_dims(3);
    return t;
  };
  auto* f32 = add("f32", onnx::TensorProto::FLOAT);
  for (float v : {1.5f, -2.f, 3.f}) f32->add_float_data(v);
  auto* f64 = add("f64", onnx::TensorProto::DOUBLE);
  for (double v : {0.25, -1.0, 1e10}) f64->add_double_data(v);
  auto* i8 = add("i8", onnx::TensorProto::INT8);
  for (int v : {-128, 0, 127}) i8->add_int32_data(v);
  auto* u8 = add("u8", onnx::TensorProto::UINT8);
  for (int v : {0, 128, 255}) u8->add_int32_data(v);
  auto* i16 = add("i16", onnx::TensorProto::INT16);
  for (int v : {-32768, 5, 32767}) i16->add_int32_data(v);
  auto* u16 = add("u16", onnx::TensorProto::UINT16);
  for (int v : {0, 1, 65535}) u16->add_int32_data(v);
  auto* i32 = add("i32", onnx::TensorProto::INT32);
  for (int v : {-7, 0, 2147483647}) i32->add_int32_data(v);
  auto* u32 = add("u32", onnx::TensorProto::UINT32);
  for (uint64_t v : {0ull, 7ull, 4294967295ull}) u32->add_uint64_data(v);
  auto* i64 = add("i64", onnx::TensorProto::INT64);
  for (int64_t v : {int64_t{-1} << 40, int64_t{0}, int64_t{3}}) i64->add_int64_data(v);
  auto* u64 = add("u64", onnx::TensorProto::UINT64);
  for (uint64_t v : {0ull, 1ull, 1ull << 63}) u64->add_uint64_data(v);
  auto* b = add("b", onnx::TensorProto::BOOL);
  for (int v : {1, 0, 1}) b->add_int32_data(v);
  auto* f16 = add("f16", onnx::TensorProto::FLOAT16);
  for (float v : {1.0f, -0.5f, 65504.f}) f16->add_int32_data(FloatToHalf(v));
  auto* scalar = g->add_initializer();  // no dims: a scalar
  scalar->set_name("scalar");
  scalar->set_data_type(onnx::TensorProto::INT64);
  scalar->add_int64_data(42);
  auto* empty = add("empty", onnx::TensorProto::FLOAT);
  empty->set_dims(0, 0);

  std::unique_ptr<Model> m = ImportOk(proto);
  ASSERT_NE(m, nullptr);
  const Graph& graph = *m->graph;
  auto values = [&](const std::string& name) {
    return graph.FindValue(name)->initializer()->ToDoubles();
  };
  EXPECT_EQ(values("f32"), (std::vector<double>{1.5, -2, 3}));
  EXPECT_EQ(values("f64"), (std::vector<double>{0.25, -1, 1e10}));
  EXPECT_EQ(values("i8"), (std::vector<double>{-128, 0, 127}));
  EXPECT_EQ(values("u8"), (std::vector<double>{0, 128, 255}));
  EXPECT_EQ(values("i16"), (std::vector<double>{-32768, 5, 32767}));
  EXPECT_EQ(values("u16"), (std::vector<double>{0, 1, 65535}));
  EXPECT_EQ(values("i32"), (std::vector<double>{-7, 0, 2147483647}));
  EXPECT_EQ(values("u32"), (std::vector<double>{0, 7, 4294967295.0}));
  EXPECT_EQ(graph.FindValue("i64")->initializer()->ToInt64s(),
            (std::vector<int64_t>{int64_t{-1} << 40, 0, 3}));
  EXPECT_EQ(graph.FindValue("u64")->initializer()->span<uint64_t>()[2], 1ull << 63);
  EXPECT_EQ(values("b"), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(values("f16"), (std::vector<double>{1, -0.5, 65504}));
  EXPECT_EQ(graph.FindValue("f16")->type().dtype, DataType::Float16());
  EXPECT_EQ(graph.FindValue("scalar")->initializer()->rank(), 0);
  EXPECT_EQ(values("scalar"), (std::vector<double>{42}));
  EXPECT_EQ(graph.FindValue("empty")->initializer()->size(), 0);

  // Export writes raw_data; importing that gives the same tensors.
  std::unique_ptr<Model> again = ImportOk(ExportProtoOk(*m));
  ASSERT_NE(again, nullptr);
  for (const Value* v : graph.initializers()) {
    SCOPED_TRACE(v->name());
    const Value* w = again->graph->FindValue(v->name());
    ASSERT_NE(w, nullptr);
    EXPECT_TRUE(w->initializer()->SameContents(*v->initializer()));
  }
}

// ------------------------------------------------------------------------------------ export

TEST(OnnxExportTest, RoundTripIsAFixedPoint) {
  std::unique_ptr<Model> m = ImportOk(TestModelProto());
  ASSERT_NE(m, nullptr);
  const std::string first = ExportOk(*m);
  EXPECT_EQ(ExportOk(*m), first);  // deterministic
  absl::StatusOr<std::unique_ptr<Model>> back = ImportModelFromBytes(first, "first.onnx");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(ExportOk(**back), first);
  // Also through a deep copy of the IR.
  EXPECT_EQ(ExportOk(*m->Clone()), first);
}

TEST(OnnxExportTest, ExportedProtoMatchesTheModel) {
  std::unique_ptr<Model> m = ImportOk(TestModelProto());
  ASSERT_NE(m, nullptr);
  onnx::ModelProto p = ExportProtoOk(*m);
  EXPECT_EQ(p.ir_version(), 8);
  ASSERT_EQ(p.opset_import_size(), 4);
  EXPECT_EQ(p.opset_import(1).domain(), "onnx.brevitas");
  EXPECT_EQ(p.opset_import(2).domain(), "finn");
  EXPECT_EQ(p.opset_import(3).domain(), "qonnx.custom_op.general");
  EXPECT_EQ(p.producer_name(), "finngl-test");
  EXPECT_EQ(p.producer_version(), "0.1");
  EXPECT_EQ(p.domain(), "org.finngl");
  EXPECT_EQ(p.model_version(), 3);
  EXPECT_EQ(p.doc_string(), "a test model");
  ASSERT_EQ(p.metadata_props_size(), 1);
  EXPECT_EQ(p.metadata_props(0).key(), "author");
  const onnx::GraphProto& g = p.graph();
  EXPECT_EQ(g.name(), "main_graph");
  EXPECT_EQ(g.doc_string(), "graph doc");
  // IR version 8: initializers are not repeated as inputs.
  ASSERT_EQ(g.input_size(), 1);
  EXPECT_EQ(g.input(0).name(), "X");
  EXPECT_EQ(g.input(0).type().tensor_type().shape().dim(0).dim_param(), "N");
  ASSERT_EQ(g.output_size(), 2);
  EXPECT_EQ(g.initializer_size(), 5);
  EXPECT_TRUE(g.initializer(0).has_raw_data());
  ASSERT_EQ(g.node_size(), 6);
  EXPECT_EQ(g.node(2).domain(), "onnx.brevitas");
  EXPECT_EQ(g.node(2).name(), "quant");
  // value_info: node outputs with a known type that are not graph outputs (only U here).
  ASSERT_EQ(g.value_info_size(), 1);
  EXPECT_EQ(g.value_info(0).name(), "U");
  // Annotations: X, W, Y; the stale one is gone.
  ASSERT_EQ(g.quantization_annotation_size(), 3);
  EXPECT_EQ(g.quantization_annotation(0).tensor_name(), "X");
  const auto& x_entries = g.quantization_annotation(0).quant_parameter_tensor_names();
  ASSERT_EQ(x_entries.size(), 2);
  EXPECT_EQ(x_entries[0].key(), "finn_datatype");
  EXPECT_EQ(x_entries[0].value(), "INT8");
  EXPECT_EQ(x_entries[1].key(), "tensor_layout");
  EXPECT_EQ(x_entries[1].value(), "['N', 'C']");
  EXPECT_EQ(g.quantization_annotation(1).tensor_name(), "W");
  EXPECT_EQ(g.quantization_annotation(2).tensor_name(), "Y");
  EXPECT_EQ(g.quantization_annotation(2).quant_parameter_tensor_names(1).key(), "tensor_sparsity");

  // The Scan body keeps its own annotations; the outer-scope "bias" is not declared in it.
  const onnx::GraphProto& body = g.node(5).attribute(0).g();
  ASSERT_EQ(g.node(5).attribute(0).name(), "body");
  EXPECT_EQ(body.name(), "scan_body");
  EXPECT_EQ(body.input_size(), 2);
  EXPECT_EQ(body.initializer_size(), 0);
  EXPECT_EQ(body.value_info_size(), 0);
  ASSERT_EQ(body.quantization_annotation_size(), 2);
  EXPECT_EQ(body.quantization_annotation(0).tensor_name(), "x_in");
  EXPECT_EQ(body.quantization_annotation(1).tensor_name(), "s_out");
  const auto& s_entries = body.quantization_annotation(1).quant_parameter_tensor_names();
  ASSERT_EQ(s_entries.size(), 3);
  EXPECT_EQ(s_entries[0].value(), "FIXED<8,3>");
  EXPECT_EQ(s_entries[1].value(), "['C']");
  EXPECT_EQ(s_entries[2].key(), "k");
}

TEST(OnnxExportTest, AllAttributeKindsSurvive) {
  onnx::ModelProto proto = ParseText(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13, "custom" : 1]>
    g (float[2] x) => (float[2] y) {
      y = custom.Everything <f = 0.25, i = -3, s = "text", floats = [1.0, -2.5], ints = [4, 5, 6],
                             strings = ["p", "q"], t = int32[2] {7, 8},
                             g = sub (float[2] a) => (float[2] b) { b = Neg(a) }> (x)
    })ONNX");
  onnx::NodeProto* node = proto.mutable_graph()->mutable_node(0);
  node->set_name("everything");
  onnx::AttributeProto* tensors = node->add_attribute();
  tensors->set_name("tensors");
  tensors->set_type(onnx::AttributeProto::TENSORS);
  for (int k = 0; k < 2; ++k) {
    onnx::TensorProto* t = tensors->add_tensors();
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(1);
    t->add_int64_data(10 + k);
  }
  onnx::AttributeProto* graphs = node->add_attribute();
  graphs->set_name("graphs");
  graphs->set_type(onnx::AttributeProto::GRAPHS);
  for (int k = 0; k < 2; ++k) {
    onnx::GraphProto* sub = graphs->add_graphs();
    *sub = node->attribute(7).g();
    sub->set_name("sub" + std::to_string(k));
  }
  std::unique_ptr<Model> m = ImportOk(proto);
  ASSERT_NE(m, nullptr);
  const Node* n = m->graph->FindNode("everything");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->domain(), "custom");
  ASSERT_EQ(n->attributes().size(), 10u);
  EXPECT_EQ(n->attr("f")->type(), Attribute::Type::kFloat);
  EXPECT_EQ(n->attr("f")->f(), 0.25f);
  EXPECT_EQ(n->attr("i")->i(), -3);
  EXPECT_EQ(n->attr("s")->s(), "text");
  EXPECT_EQ(n->attr("floats")->floats(), (std::vector<float>{1.0f, -2.5f}));
  EXPECT_EQ(n->attr("ints")->ints(), (std::vector<int64_t>{4, 5, 6}));
  EXPECT_EQ(n->attr("strings")->strings(), (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(n->attr("t")->t().type(), ElementType::kInt32);
  EXPECT_EQ(n->attr("t")->t().ToInt64s(), (std::vector<int64_t>{7, 8}));
  EXPECT_EQ(n->attr("g")->type(), Attribute::Type::kGraph);
  EXPECT_EQ(n->attr("g")->g()->name(), "sub");
  EXPECT_EQ(n->attr("g")->g()->parent(), m->graph.get());
  ASSERT_EQ(n->attr("tensors")->tensors().size(), 2u);
  EXPECT_EQ(n->attr("tensors")->tensors()[1].ToInt64s(), (std::vector<int64_t>{11}));
  ASSERT_EQ(n->attr("graphs")->graphs().size(), 2u);
  EXPECT_EQ(n->attr("graphs")->graphs()[1]->name(), "sub1");
  EXPECT_EQ(n->attr("graphs")->graphs()[1]->parent(), m->graph.get());

  onnx::ModelProto exported = ExportProtoOk(*m);
  const onnx::NodeProto& e = exported.graph().node(0);
  std::map<std::string, onnx::AttributeProto::AttributeType> types;
  for (const onnx::AttributeProto& a : e.attribute()) types[a.name()] = a.type();
  using AP = onnx::AttributeProto;
  EXPECT_THAT(types, ElementsAre(Pair("f", AP::FLOAT), Pair("floats", AP::FLOATS),
                                 Pair("g", AP::GRAPH), Pair("graphs", AP::GRAPHS),
                                 Pair("i", AP::INT), Pair("ints", AP::INTS), Pair("s", AP::STRING),
                                 Pair("strings", AP::STRINGS), Pair("t", AP::TENSOR),
                                 Pair("tensors", AP::TENSORS)));
  const std::string bytes = Serialize(exported);
  EXPECT_EQ(ExportOk(*ImportOk(exported)), bytes);
}

TEST(OnnxExportTest, AttributesWithoutTypeAreInferred) {
  onnx::ModelProto proto = ParseText(R"ONNX(
    <ir_version: 3, opset_import: ["" : 6]>
    g (float[2] x) => (float[2] y) { y = LeakyRelu <alpha = 0.5> (x) })ONNX");
  proto.mutable_graph()->mutable_node(0)->mutable_attribute(0)->clear_type();
  std::unique_ptr<Model> m = ImportOk(proto);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->graph->nodes()[0]->attr("alpha")->type(), Attribute::Type::kFloat);
  EXPECT_EQ(m->graph->nodes()[0]->GetFloat("alpha", 0), 0.5f);
}

// A model built through the IR API, with values created in an order an import does not reproduce.
TEST(OnnxExportTest, ProgrammaticModelRoundTrips) {
  Model m;
  m.ir_version = 7;
  m.opset_imports = {{"", 11}, {"qonnx.custom_op.general", 1}};
  Graph& g = *m.graph;
  Value* out = *g.AddValue("out", Typed(ElementType::kFloat, ShapeFromDims(Dims{1, 2})));
  Value* thr = *g.AddInitializer("thr", Tensor::FromVector<float>({2, 1}, {0.5f, 1.5f}));
  Value* in = *g.AddValue("in", Typed(ElementType::kFloat, Shape{Dim{-1, "batch"}, Dim{2, ""}}));
  Value* mid = *g.AddValue("mid", Typed(ElementType::kFloat, std::nullopt));
  g.AddInput(in);
  g.AddOutput(out);
  ASSERT_TRUE(g.AddNode("MultiThreshold", "qonnx.custom_op.general", "mt", {mid, thr}, {out}).ok());
  Node* relu = *g.AddNode("Relu", "", "relu", {in}, {mid});
  relu->SetAttr("note", Attribute::String("x"));
  out->type().dtype = DataType::Bipolar();
  out->type().dtype_annotated = true;
  out->type().layout = std::vector<std::string>{"N", "C"};
  thr->type().dtype = DataType::Int(3);
  thr->type().dtype_annotated = true;
  thr->extra_annotations = {{"b", "2"}, {"a", "1"}};

  const std::string first = ExportOk(m);
  absl::StatusOr<std::unique_ptr<Model>> back = ImportModelFromBytes(first, "p.onnx");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(ExportOk(**back), first);
  const Graph& g2 = *(*back)->graph;
  EXPECT_EQ(g2.FindValue("out")->type().dtype, DataType::Bipolar());
  EXPECT_THAT(*g2.FindValue("out")->type().layout, ElementsAre("N", "C"));
  EXPECT_THAT(g2.FindValue("thr")->extra_annotations, ElementsAre(Pair("b", "2"), Pair("a", "1")));
  EXPECT_EQ(ShapeToString(*g2.FindValue("in")->type().shape), "[batch, 2]");
  EXPECT_FALSE(g2.FindValue("mid")->type().shape.has_value());
  // ONNX requires topological order: the export sorts nodes (stable for sorted graphs).
  EXPECT_EQ(g2.nodes()[0]->name(), "relu");
  EXPECT_EQ(g2.nodes()[1]->name(), "mt");
}

TEST(OnnxExportTest, OldIrVersionListsInitializersAsInputs) {
  Model m;
  m.ir_version = 3;
  m.opset_imports = {{"", 8}};
  Graph& g = *m.graph;
  Value* x = *g.AddValue("x", Typed(ElementType::kFloat, ShapeFromDims(Dims{2})));
  Value* w = *g.AddInitializer("w", Tensor::FromVector<float>({2}, {1, 2}));
  Value* y = *g.AddValue("y");
  g.AddInput(x);
  g.AddOutput(y);
  ASSERT_TRUE(g.AddNode("Add", "", "add", {x, w}, {y}).ok());
  onnx::ModelProto p = ExportProtoOk(m);
  ASSERT_EQ(p.graph().input_size(), 2);
  EXPECT_EQ(p.graph().input(1).name(), "w");
  std::unique_ptr<Model> back = ImportOk(p);
  ASSERT_NE(back, nullptr);
  EXPECT_THAT(Names(back->graph->inputs()), ElementsAre("x"));
  EXPECT_EQ(ExportOk(*back), ExportOk(m));
}

TEST(OnnxExportTest, FileRoundTrip) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("finngl_onnx_io_test_" + std::to_string(::getpid())))
                              .string();
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/model.onnx";
  std::unique_ptr<Model> m = ImportOk(TestModelProto());
  ASSERT_NE(m, nullptr);
  ASSERT_TRUE(ExportModelToFile(*m, path).ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  absl::StatusOr<std::unique_ptr<Model>> back = ImportModelFromFile(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)->source_path, path);
  EXPECT_EQ(ExportOk(**back), ExportOk(*m));

  absl::Status s = ExportModelToFile(*m, dir + "/no/such/dir/model.onnx");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr(dir + "/no/such/dir/model.onnx: "));
  std::filesystem::remove_all(dir);
}

// ------------------------------------------------------------------------------------ errors

TEST(OnnxErrorTest, MissingFileIsNotFound) {
  absl::StatusOr<std::unique_ptr<Model>> m = ImportModelFromFile("/nonexistent/dir/model.onnx");
  EXPECT_EQ(m.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(m.status().message(), "/nonexistent/dir/model.onnx: cannot open file");
}

TEST(OnnxErrorTest, BytesThatAreNotAModel) {
  const std::string valid = Serialize(TestModelProto());
  std::string garbage;
  std::mt19937 rng(7);
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>(rng() & 0xff));
  const std::pair<std::string, std::string> cases[] = {
      {"empty", ""},
      {"garbage", garbage},
      {"text", "this is not a protobuf file at all\n"},
      {"truncated", valid.substr(0, valid.size() / 2)},
  };
  for (const auto& [name, bytes] : cases) {
    SCOPED_TRACE(name);
    absl::StatusOr<std::unique_ptr<Model>> m = ImportModelFromBytes(bytes, name + ".onnx");
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(m.status().message(), name + ".onnx: not a valid ONNX model (protobuf parse failed)");
  }

  // The same through a file.
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("finngl_onnx_empty_" + std::to_string(::getpid()) + ".onnx"))
                               .string();
  { std::ofstream out(path, std::ios::binary); }
  absl::StatusOr<std::unique_ptr<Model>> m = ImportModelFromFile(path);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().message(), path + ": not a valid ONNX model (protobuf parse failed)");
  std::filesystem::remove(path);
}

TEST(OnnxErrorTest, UndefinedInputNamesNodeOpAndTensor) {
  onnx::ModelProto proto = ParseText(R"ONNX(
    <ir_version: 8, opset_import: ["" : 13]>
    g (float[1, 1, 4, 4] x) => (float[1, 1, 2, 2] y) { y = Conv(x, w) })ONNX");
  proto.mutable_graph()->mutable_node(0)->set_name("conv");
  absl::Status s = ImportError(proto);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "test.onnx: node 'conv' (Conv): input 'w' is not a graph input, initializer or node "
            "output");
}

TEST(OnnxErrorTest, UndefinedInputInsideScanBody) {
  onnx::ModelProto proto = TestModelProto();
  ScanBody(&proto)->mutable_node(1)->set_input(1, "nowhere");
  absl::Status s = ImportError(proto);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "test.onnx: node 'Mul_0' (Mul) in subgraph 'scan_body': input 'nowhere' is not a graph "
            "input, initializer or node output (here or in an enclosing graph)");
}

TEST(OnnxErrorTest, StructuralErrors) {
  struct Case {
    std::string name;
    std::function<void(onnx::ModelProto*)> mutate;
    absl::StatusCode code;
    std::string message;
  };
  using onnx::ModelProto;
  const std::vector<Case> cases = {
      {"no graph", [](ModelProto* p) { p->clear_graph(); }, absl::StatusCode::kInvalidArgument,
       "test.onnx: model has no graph"},
      {"produced twice",
       [](ModelProto* p) { p->mutable_graph()->mutable_node(4)->set_output(0, "U"); },
       absl::StatusCode::kInvalidArgument,
       "test.onnx: tensor 'U' is produced twice: by node 'Add_0' (Add) and by node 'Mul_0' (Mul)"},
      {"output is initializer",
       [](ModelProto* p) { p->mutable_graph()->mutable_node(4)->set_output(0, "bias"); },
       absl::StatusCode::kInvalidArgument,
       "test.onnx: tensor 'bias' is produced twice: by an initializer and by node 'Mul_0' (Mul)"},
      {"output is input",
       [](ModelProto* p) { p->mutable_graph()->mutable_node(4)->set_output(0, "X"); },
       absl::StatusCode::kInvalidArgument,
       "test.onnx: tensor 'X' is produced twice: by a graph input and by node 'Mul_0' (Mul)"},
      {"undefined graph output",
       [](ModelProto* p) { p->mutable_graph()->mutable_output(1)->set_name("nope"); },
       absl::StatusCode::kInvalidArgument,
       "test.onnx: graph output 'nope' is not a graph input, initializer or node output"},
      {"bad datatype",
       [](ModelProto* p) {
         AddAnnotation(p->mutable_graph(), "U", {{"finn_datatype", "INT99X"}});
       },
       absl::StatusCode::kInvalidArgument,
       "test.onnx: tensor 'U': invalid finn_datatype annotation 'INT99X'"},
      {"bad datatype in body",
       [](ModelProto* p) { AddAnnotation(ScanBody(p), "y_out", {{"finn_datatype", "WORD"}}); },
       absl::StatusCode::kInvalidArgument,
       "test.onnx: tensor 'y_out' in subgraph 'scan_body': invalid finn_datatype annotation "
       "'WORD'"},
      {"bad layout",
       [](ModelProto* p) { AddAnnotation(p->mutable_graph(), "U", {{"tensor_layout", "NCHW"}}); },
       absl::StatusCode::kInvalidArgument,
       "test.onnx: tensor 'U': invalid tensor_layout annotation \"NCHW\""},
      {"external data",
       [](ModelProto* p) {
         onnx::TensorProto* t = p->mutable_graph()->mutable_initializer(1);
         t->clear_float_data();
         t->set_data_location(onnx::TensorProto::EXTERNAL);
         auto* e = t->add_external_data();
         e->set_key("location");
         e->set_value("weights.bin");
       },
       absl::StatusCode::kUnimplemented,
       "test.onnx: initializer 'bias' stores its data in an external file"},
      {"string tensor",
       [](ModelProto* p) {
         onnx::TensorProto* t = p->mutable_graph()->add_initializer();
         t->set_name("names");
         t->set_data_type(onnx::TensorProto::STRING);
         t->add_string_data("a");
       },
       absl::StatusCode::kUnimplemented,
       "test.onnx: initializer 'names': string tensors are not supported"},
      {"sparse initializer",
       [](ModelProto* p) {
         onnx::SparseTensorProto* s = p->mutable_graph()->add_sparse_initializer();
         s->mutable_values()->set_name("sparse_w");
       },
       absl::StatusCode::kUnimplemented,
       "test.onnx: sparse initializer 'sparse_w' is not supported"},
      {"raw_data size",
       [](ModelProto* p) {
         onnx::TensorProto* t = p->mutable_graph()->mutable_initializer(1);
         t->clear_float_data();
         t->set_raw_data(std::string(15, '\0'));
       },
       absl::StatusCode::kInvalidArgument,
       "test.onnx: initializer 'bias': raw_data holds 15 bytes but float[4] needs 16"},
      {"typed data count",
       [](ModelProto* p) { p->mutable_graph()->mutable_initializer(1)->add_float_data(9); },
       absl::StatusCode::kInvalidArgument,
       "test.onnx: initializer 'bias': float[4] needs 4 values but float_data holds 5"},
      {"negative dim",
       [](ModelProto* p) { p->mutable_graph()->mutable_initializer(1)->set_dims(0, -4); },
       absl::StatusCode::kInvalidArgument,
       "test.onnx: initializer 'bias' has a negative dimension: [-4]"},
      {"huge dims",
       [](ModelProto* p) {
         onnx::TensorProto* t = p->mutable_graph()->mutable_initializer(1);
         t->set_dims(0, int64_t{1} << 40);
         t->add_dims(int64_t{1} << 40);
       },
       absl::StatusCode::kInvalidArgument,
       "test.onnx: initializer 'bias' has too many elements: [1099511627776, 1099511627776]"},
      {"huge dims with no data",
       [](ModelProto* p) {
         onnx::TensorProto* t = p->mutable_graph()->mutable_initializer(1);
         t->clear_float_data();
         t->set_dims(0, int64_t{1} << 40);
       },
       absl::StatusCode::kInvalidArgument,
       "test.onnx: initializer 'bias': float[1099511627776] needs 1099511627776 values but "
       "float_data holds 0"},
      {"negative value_info dim",
       [](ModelProto* p) {
         p->mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()
             ->mutable_shape()->mutable_dim(1)->set_dim_value(-3);
       },
       absl::StatusCode::kInvalidArgument,
       "test.onnx: graph input 'X': negative dimension -3"},
      {"bfloat16 initializer",
       [](ModelProto* p) {
         onnx::TensorProto* t = p->mutable_graph()->mutable_initializer(1);
         t->set_data_type(onnx::TensorProto::BFLOAT16);
       },
       absl::StatusCode::kUnimplemented,
       "test.onnx: initializer 'bias': element type BFLOAT16 is not supported"},
      {"sequence input",
       [](ModelProto* p) {
         p->mutable_graph()->mutable_input(0)->mutable_type()->mutable_sequence_type();
       },
       absl::StatusCode::kUnimplemented,
       "test.onnx: graph input 'X': only tensor types are supported"},
      {"duplicate initializer",
       [](ModelProto* p) {
         *p->mutable_graph()->add_initializer() = p->graph().initializer(1);
       },
       absl::StatusCode::kInvalidArgument, "test.onnx: initializer 'bias' is defined twice"},
      {"no op_type",
       [](ModelProto* p) { p->mutable_graph()->mutable_node(1)->clear_op_type(); },
       absl::StatusCode::kInvalidArgument, "test.onnx: node #1 ('') has no op_type"},
      {"sparse attribute",
       [](ModelProto* p) {
         onnx::AttributeProto* a = p->mutable_graph()->mutable_node(3)->mutable_attribute(0);
         a->clear_t();
         a->set_type(onnx::AttributeProto::SPARSE_TENSOR);
         a->mutable_sparse_tensor();
       },
       absl::StatusCode::kUnimplemented,
       "test.onnx: node 'Constant_0' (Constant): attribute 'value' has type SPARSE_TENSOR, which "
       "is not supported"},
      {"bad constant tensor",
       [](ModelProto* p) {
         p->mutable_graph()->mutable_node(3)->mutable_attribute(0)->mutable_t()->add_dims(2);
       },
       absl::StatusCode::kInvalidArgument,
       "test.onnx: node 'Constant_0' (Constant): attribute 'value': float[4, 2] needs 8 values "
       "but float_data holds 4"},
      {"functions",
       [](ModelProto* p) { p->add_functions()->set_name("my_fn"); },
       absl::StatusCode::kUnimplemented,
       "test.onnx: model-local functions are not supported (found 'my_fn')"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    onnx::ModelProto proto = TestModelProto();
    c.mutate(&proto);
    absl::Status s = ImportError(proto);
    EXPECT_EQ(s.code(), c.code) << s;
    EXPECT_THAT(std::string(s.message()), ::testing::StartsWith(c.message));
  }
}

// Random byte flips, insertions and truncations of a valid model: import may fail, but must not
// crash, and whatever it accepts must export and re-import to the same bytes.
TEST(OnnxErrorTest, MutatedBytesNeverCrash) {
  const std::string valid = Serialize(TestModelProto());
  std::mt19937 rng(1234);
  int accepted = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string bytes = valid;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = rng() % bytes.size();
      switch (rng() % 3) {
        case 0: bytes[pos] = static_cast<char>(rng() & 0xff); break;
        case 1: bytes.insert(pos, 1, static_cast<char>(rng() & 0xff)); break;
        default: bytes.resize(std::max<size_t>(1, pos)); break;
      }
    }
    absl::StatusOr<std::unique_ptr<Model>> m = ImportModelFromBytes(bytes, "fuzz.onnx");
    if (!m.ok()) {
      EXPECT_THAT(std::string(m.status().message()), ::testing::StartsWith("fuzz.onnx: "));
      continue;
    }
    ++accepted;
    absl::StatusOr<std::string> first = ExportModelToBytes(**m);
    if (!first.ok()) continue;  // e.g. a value left with an undefined element type
    absl::StatusOr<std::unique_ptr<Model>> again = ImportModelFromBytes(*first, "again.onnx");
    ASSERT_TRUE(again.ok()) << again.status();
    absl::StatusOr<std::string> second = ExportModelToBytes(**again);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(*first, *second);
  }
  EXPECT_GT(accepted, 0);
  std::printf("accepted %d of 3000 mutated models\n", accepted);
}

}  // namespace
}  // namespace finngl
