// Tests of the IR: datatypes, tensors, graph mutation invariants and the verifier.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "src/ir/datatype.h"
#include "src/ir/graph.h"
#include "src/ops/verify.h"

namespace finngl {
namespace {

using ::testing::HasSubstr;

TEST(DataTypeTest, ParsesAndPrintsCanonicalNames) {
  for (const char* name : {"FLOAT32", "FLOAT16", "BINARY", "BIPOLAR", "TERNARY", "INT1", "INT4",
                           "INT32", "UINT2", "UINT64", "FIXED<8,3>", "SCALEDINT<8>"}) {
    auto dt = DataType::Parse(name);
    ASSERT_TRUE(dt.ok()) << name;
    EXPECT_EQ(dt->Name(), name);
  }
  EXPECT_EQ(DataType::Parse("UINT1")->Name(), "BINARY");
  EXPECT_EQ(DataType::Parse("int8")->Name(), "INT8");
  EXPECT_FALSE(DataType::Parse("INT0").ok());
  EXPECT_FALSE(DataType::Parse("FIXED<4,4>").ok());
  EXPECT_FALSE(DataType::Parse("QUUX").ok());
}

TEST(DataTypeTest, RangesMatchQonnx) {
  EXPECT_EQ(DataType::Int(4).Min(), -8);
  EXPECT_EQ(DataType::Int(4).Max(), 7);
  EXPECT_EQ(DataType::UInt(6).Max(), 63);
  EXPECT_EQ(DataType::Int(1).Min(), -1);
  EXPECT_EQ(DataType::Int(1).Max(), 0);
  EXPECT_EQ(DataType::Bipolar().Min(), -1);
  EXPECT_EQ(DataType::Ternary().bit_width(), 2);
  EXPECT_DOUBLE_EQ(DataType::Fixed(8, 3).Max(), 127.0 / 32);
  EXPECT_DOUBLE_EQ(DataType::Fixed(8, 3).Min(), -4.0);
  EXPECT_EQ(DataType::Int(64).MinInt(), INT64_MIN);
  EXPECT_TRUE(DataType::Bipolar().Signed());
  EXPECT_FALSE(DataType::UInt(3).Signed());
  EXPECT_EQ(DataType::Int(8).NumPossibleValues(), 256);
}

TEST(DataTypeTest, AllowedValues) {
  EXPECT_TRUE(DataType::Int(4).Allowed(-8));
  EXPECT_FALSE(DataType::Int(4).Allowed(8));
  EXPECT_FALSE(DataType::Int(4).Allowed(0.5));
  EXPECT_FALSE(DataType::Bipolar().Allowed(0));
  EXPECT_TRUE(DataType::Ternary().Allowed(0));
  EXPECT_TRUE(DataType::Fixed(8, 3).Allowed(0.03125));
  EXPECT_FALSE(DataType::Fixed(8, 3).Allowed(0.01));
  EXPECT_TRUE(DataType::Float32().Allowed(0.1));
}

TEST(DataTypeTest, SmallestTypes) {
  EXPECT_EQ(DataType::SmallestPossible(0).Name(), "BINARY");
  EXPECT_EQ(DataType::SmallestPossible(3).Name(), "UINT2");
  EXPECT_EQ(DataType::SmallestPossible(-1).Name(), "BIPOLAR");
  EXPECT_EQ(DataType::SmallestPossible(-2).Name(), "INT2");
  EXPECT_EQ(DataType::SmallestPossible(0.5).Name(), "FLOAT32");
  EXPECT_EQ(DataType::SmallestHolding(-1, 1).Name(), "INT2");
  EXPECT_EQ(DataType::SmallestHolding(-128, 127).Name(), "INT8");
  EXPECT_EQ(DataType::SmallestHolding(0, 255).Name(), "UINT8");
  EXPECT_EQ(DataType::SmallestHolding(-129, 0).Name(), "INT9");
}

TEST(GraphTest, UseListsFollowMutations) {
  Graph g("g");
  Value* a = *g.AddValue("a");
  Value* b = *g.AddValue("b");
  g.AddInput(a);
  g.AddInput(b);
  Node* n = *g.AddNodeWithNewOutputs("Add", "", "add", {a, b}, {"c"});
  Value* c = n->output(0);
  g.AddOutput(c);
  EXPECT_EQ(c->producer(), n);
  ASSERT_EQ(a->uses().size(), 1u);
  n->SetInput(0, b);
  EXPECT_TRUE(a->uses().empty());
  EXPECT_EQ(b->uses().size(), 2u);
  Node* m = *g.AddNodeWithNewOutputs("Relu", "", "relu", {c}, {"d"});
  g.ReplaceAllUsesWith(c, m->output(0));  // graph output moves too
  EXPECT_EQ(g.outputs()[0], m->output(0));
  EXPECT_EQ(m->input(0), m->output(0));  // the Relu now reads itself: a cycle
  EXPECT_FALSE(g.TopologicalOrder().ok());
  EXPECT_THAT(std::string(g.TopologicalOrder().status().message()), HasSubstr("cycle"));
}

TEST(GraphTest, RejectsDuplicateNamesAndDoubleProducers) {
  Graph g("g");
  Value* a = *g.AddValue("a");
  EXPECT_FALSE(g.AddValue("a").ok());
  Value* out = *g.AddValue("o");
  ASSERT_TRUE(g.AddNode("Relu", "", "r", {a}, {out}).ok());
  EXPECT_FALSE(g.AddNode("Relu", "", "r2", {a}, {out}).ok());
  EXPECT_FALSE(g.AddNode("Relu", "", "r", {a}, {}).ok());
  EXPECT_EQ(g.UniqueValueName("a"), "a_0");
}

TEST(GraphTest, CloneIsDeepAndEquivalent) {
  Model m;
  Graph& g = *m.graph;
  Value* x = *g.AddValue("x");
  g.AddInput(x);
  auto body = std::make_unique<Graph>("body", &g);
  Value* w = *g.AddInitializer("w", Tensor::FromVector<float>({2}, {1, 2}));
  Node* n = *g.AddNodeWithNewOutputs("Mul", "", "mul", {x, w}, {"y"});
  n->SetAttr("body", Attribute::FromGraph(std::move(body)));
  g.AddOutput(n->output(0));
  auto copy = m.Clone();
  Node* cn = copy->graph->FindNode("mul");
  ASSERT_NE(cn, nullptr);
  EXPECT_NE(cn, n);
  EXPECT_EQ(cn->input(1)->initializer()->GetDouble(1), 2.0);
  ASSERT_EQ(cn->subgraphs().size(), 1u);
  EXPECT_EQ(cn->subgraphs()[0]->parent(), copy->graph.get());
}

TEST(VerifierTest, FlagsUndefinedInputs) {
  Model m;
  m.opset_imports.push_back({"", 17});
  Graph& g = *m.graph;
  TensorType t;
  t.elem = ElementType::kFloat;
  t.shape = ShapeFromDims(Dims{2});
  Value* x = *g.AddValue("x", t);
  g.AddInput(x);
  Value* ghost = *g.AddValue("ghost", t);
  Node* n = *g.AddNodeWithNewOutputs("Add", "", "add", {x, ghost}, {"y"});
  g.AddOutput(n->output(0));
  absl::Status s = VerifyModel(m);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("node 'add' (Add): input 'ghost'"));
}

}  // namespace
}  // namespace finngl

namespace finngl {
namespace {

TEST(GraphTest, TopologicalOrderRespectsSubgraphOuterReferences) {
  Graph g("g");
  Value* x = *g.AddValue("x");
  g.AddInput(x);
  // The Scan-like node is inserted first but its body reads 'w', produced by a later node.
  auto body = std::make_unique<Graph>("body", &g);
  Value* w_ref = *body->AddOuterRef("w");
  Node* inner = *body->AddNodeWithNewOutputs("Identity", "", "inner", {w_ref}, {"y_body"});
  body->AddOutput(inner->output(0));
  Node* loop = *g.AddNodeWithNewOutputs("Scan", "", "loop", {x}, {"y"});
  loop->SetAttr("body", Attribute::FromGraph(std::move(body)));
  Node* make_w = *g.AddNodeWithNewOutputs("Relu", "", "make_w", {x}, {"w"});
  ASSERT_EQ(g.ImplicitInputs(*loop), std::vector<Value*>{make_w->output(0)});
  auto order = g.TopologicalOrder();
  ASSERT_TRUE(order.ok());
  EXPECT_EQ((*order)[0], make_w);
  EXPECT_EQ((*order)[1], loop);
}

}  // namespace
}  // namespace finngl

namespace finngl {
namespace {

// main: x -> Relu -> a; a Scan-like node whose body reads `a` (and a nested body reads it too).
struct OuterRefFixture {
  Graph g{"g"};
  Value* x;
  Value* a;
  Graph* body;
  Graph* nested;
  Value* a_ref;
  Value* a_nested_ref;

  OuterRefFixture() {
    x = *g.AddValue("x");
    g.AddInput(x);
    a = (*g.AddNodeWithNewOutputs("Relu", "", "relu", {x}, {"a"}))->output(0);
    auto b = std::make_unique<Graph>("body", &g);
    a_ref = *b->AddOuterRef("a");
    Node* use = *b->AddNodeWithNewOutputs("Neg", "", "neg", {a_ref}, {"n"});
    b->AddOutput(use->output(0));
    auto nb = std::make_unique<Graph>("nested", b.get());
    a_nested_ref = *nb->AddOuterRef("a");
    Node* nested_use = *nb->AddNodeWithNewOutputs("Abs", "", "abs", {a_nested_ref}, {"m"});
    nb->AddOutput(nested_use->output(0));
    Node* inner_loop = *b->AddNodeWithNewOutputs("Scan", "", "inner", {}, {"k"});
    inner_loop->SetAttr("body", Attribute::FromGraph(std::move(nb)));
    b->AddOutput(inner_loop->output(0));
    Node* loop = *g.AddNodeWithNewOutputs("Scan", "", "loop", {x}, {"y", "z"});
    body = b.get();
    nested = inner_loop->subgraphs()[0];
    loop->SetAttr("body", Attribute::FromGraph(std::move(b)));
    g.AddOutput(loop->output(0));
  }
};

TEST(GraphTest, RenameValueKeepsSubgraphReferencesInSync) {
  OuterRefFixture f;
  ASSERT_TRUE(f.g.RenameValue(f.a, "activation").ok());
  EXPECT_EQ(f.a->name(), "activation");
  EXPECT_EQ(f.g.FindValue("a"), nullptr);
  EXPECT_EQ(f.g.FindValue("activation"), f.a);
  EXPECT_EQ(f.body->FindValue("activation"), f.a_ref);
  EXPECT_EQ(f.nested->FindValue("activation"), f.a_nested_ref);
  EXPECT_EQ(f.nested->LookupValue("activation"), f.a);
  // Taken names: in this graph, and defined inside a subgraph (it would shadow).
  EXPECT_THAT(std::string(f.g.RenameValue(f.a, "x").message()), HasSubstr("name is taken"));
  EXPECT_FALSE(f.g.RenameValue(f.a, "n").ok());
  EXPECT_FALSE(f.g.RenameValue(f.a, "m").ok());
  // Outer references follow their owner; they cannot be renamed on their own.
  EXPECT_THAT(std::string(f.body->RenameValue(f.a_ref, "b").message()),
              HasSubstr("outer-scope reference"));
}

TEST(GraphTest, ReplaceAllUsesWithRedirectsSubgraphReferences) {
  OuterRefFixture f;
  // Renamed: the body reads `x` instead of `a`.
  f.g.ReplaceAllUsesWith(f.a, f.x);
  EXPECT_EQ(f.a_ref->name(), "x");
  EXPECT_EQ(f.a_nested_ref->name(), "x");
  EXPECT_EQ(f.body->LookupValue("x"), f.x);
  EXPECT_EQ(f.body->FindValue("a"), nullptr);
  EXPECT_TRUE(f.g.RemoveNode(f.a->producer()).ok());
}

TEST(GraphTest, ReplaceAllUsesWithMergesSubgraphReferences) {
  OuterRefFixture f;
  // The body already reads `x`: its reference to `a` merges into that one.
  Value* x_ref = *f.body->AddOuterRef("x");
  Node* reader = *f.body->AddNodeWithNewOutputs("Neg", "", "neg_x", {x_ref}, {"nx"});
  f.body->AddOutput(reader->output(0));
  Node* neg = f.body->FindNode("neg");
  f.g.ReplaceAllUsesWith(f.a, f.x);
  EXPECT_EQ(neg->input(0), x_ref);
  EXPECT_EQ(f.body->FindValue("a"), nullptr);
  EXPECT_EQ(x_ref->uses().size(), 2u);
  EXPECT_EQ(f.a_nested_ref->name(), "x");
}

TEST(GraphTest, RenameNodeAndReorderNodes) {
  Graph g("g");
  Value* x = *g.AddValue("x");
  g.AddInput(x);
  Node* first = *g.AddNodeWithNewOutputs("Relu", "", "relu", {x}, {"a"});
  Node* second = *g.AddNodeWithNewOutputs("Neg", "", "neg", {x}, {"b"});
  ASSERT_TRUE(g.RenameNode(first, "Relu_0").ok());
  EXPECT_EQ(g.FindNode("Relu_0"), first);
  EXPECT_EQ(g.FindNode("relu"), nullptr);
  EXPECT_EQ(first->origin(), "relu");
  EXPECT_FALSE(g.RenameNode(second, "Relu_0").ok());
  ASSERT_TRUE(g.ReorderNodes({second, first}).ok());
  EXPECT_EQ(g.nodes(), (std::vector<Node*>{second, first}));
  EXPECT_FALSE(g.ReorderNodes({second}).ok());
  EXPECT_FALSE(g.ReorderNodes({second, second}).ok());
}

}  // namespace
}  // namespace finngl
