#include "src/ops/rnn_common.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"

namespace finngl {
namespace {

constexpr const char* kRoles[] = {"X",         "W",         "R", "B", "sequence_lens",
                                  "initial_h", "initial_c", "P"};
constexpr int kX = 0, kW = 1, kR = 2, kB = 3, kSeqLens = 4, kInitialH = 5;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

absl::StatusOr<RnnActivation> ParseActivation(const std::string& name) {
  const std::string l = Lower(name);
  if (l == "sigmoid") return RnnActivation{RnnActivation::Kind::kSigmoid};
  if (l == "tanh") return RnnActivation{RnnActivation::Kind::kTanh};
  if (l == "relu") return RnnActivation{RnnActivation::Kind::kRelu};
  return absl::UnimplementedError(absl::StrCat("activation '", name,
                                               "' is not supported (supported: Sigmoid, Tanh, "
                                               "Relu)"));
}

// The shape each input must have, with -1 where the size is not determined (yet).
std::vector<int64_t> ExpectedDims(int role, const RnnAttrs& a, const RnnInputSpec& spec,
                                  int64_t batch, int64_t input, int64_t hidden) {
  const int64_t nd = a.num_directions;
  auto times = [](int64_t k, int64_t h) { return h < 0 ? int64_t{-1} : k * h; };
  switch (role) {
    case kW:
      return {nd, times(spec.gates, hidden), input};
    case kR:
      return {nd, times(spec.gates, hidden), hidden};
    case kB:
      return {nd, times(2 * spec.gates, hidden)};
    case kSeqLens:
      return {batch};
    default:
      if (role == spec.peephole_index) return {nd, times(3, hidden)};
      // initial_h / initial_c
      return a.layout == 0 ? std::vector<int64_t>{nd, batch, hidden}
                           : std::vector<int64_t>{batch, nd, hidden};
  }
}

std::string ExpectedToString(const std::vector<int64_t>& dims) {
  std::vector<std::string> parts;
  for (int64_t d : dims) parts.push_back(d < 0 ? "?" : absl::StrCat(d));
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

bool DimsMatch(const std::vector<int64_t>& actual, const std::vector<int64_t>& expected) {
  if (actual.size() != expected.size()) return false;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (actual[i] >= 0 && expected[i] >= 0 && actual[i] != expected[i]) return false;
  }
  return true;
}

std::string RoleName(int role, const Value* v) {
  return absl::StrCat("input ", kRoles[role], " '", v != nullptr ? v->name() : "", "'");
}

bool IsOptionalRoleUsed(const RnnInputSpec& spec, int role) {
  return role <= kInitialH || role == spec.initial_c_index || role == spec.peephole_index;
}

}  // namespace

std::vector<AttrSpec> RnnAttrSpecs() {
  return {
      {"activation_alpha", Attribute::Type::kFloats, false, nullptr},
      {"activation_beta", Attribute::Type::kFloats, false, nullptr},
      {"activations", Attribute::Type::kStrings, false, nullptr},
      {"clip", Attribute::Type::kFloat, false,
       [](const Attribute& a) {
         return a.f() > 0 ? absl::OkStatus()
                          : absl::InvalidArgumentError(
                                absl::StrCat("clip must be positive, got ", a.f()));
       }},
      {"direction", Attribute::Type::kString, false,
       [](const Attribute& a) { return CheckAttrIn(a, {"forward", "reverse", "bidirectional"}); }},
      {"hidden_size", Attribute::Type::kInt, false,
       [](const Attribute& a) {
         return a.i() > 0 ? absl::OkStatus()
                          : absl::InvalidArgumentError(
                                absl::StrCat("hidden_size must be positive, got ", a.i()));
       }},
      {"layout", Attribute::Type::kInt, false,
       [](const Attribute& a) { return CheckAttrIn(a, {"0", "1"}); }},
  };
}

absl::StatusOr<RnnAttrs> ParseRnnAttrs(const Node& node, const std::vector<std::string>& defaults) {
  RnnAttrs a;
  const std::string dir = node.GetString("direction", "forward");
  if (dir == "forward") {
    a.direction = RnnAttrs::Direction::kForward;
  } else if (dir == "reverse") {
    a.direction = RnnAttrs::Direction::kReverse;
  } else if (dir == "bidirectional") {
    a.direction = RnnAttrs::Direction::kBidirectional;
    a.num_directions = 2;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'direction': '", dir, "' is not one of forward, reverse, bidirectional"));
  }
  if (node.has_attr("hidden_size")) {
    a.hidden_size = node.GetInt("hidden_size", -1);
    if (a.hidden_size <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute 'hidden_size' must be positive, got ", a.hidden_size));
    }
  }
  a.layout = node.GetInt("layout", 0);
  if (a.layout != 0 && a.layout != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'layout' must be 0 or 1, got ", a.layout));
  }
  if (node.has_attr("clip")) {
    a.clip = node.GetFloat("clip", 0);
    if (!(a.clip > 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute 'clip' must be positive, got ", a.clip));
    }
  }
  a.input_forget = node.GetInt("input_forget", 0) != 0;
  a.linear_before_reset = node.GetInt("linear_before_reset", 0) != 0;

  std::vector<std::string> names;
  if (const Attribute* acts = node.attr("activations"); acts != nullptr) {
    names = acts->strings();
  } else {
    for (int d = 0; d < a.num_directions; ++d) {
      names.insert(names.end(), defaults.begin(), defaults.end());
    }
  }
  const size_t want = defaults.size() * a.num_directions;
  if (names.size() != want) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'activations' has ", names.size(), " entries, expected ", want, " (",
        defaults.size(), " per direction, ", a.num_directions, " direction(s))"));
  }
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(RnnActivation act, ParseActivation(name));
    a.activations.push_back(act);
  }
  return a;
}

absl::Status InferRnn(InferContext& ctx, const RnnAttrs& attrs, const RnnInputSpec& spec) {
  const Node& node = ctx.node();
  auto shape_of = [&](int role) -> std::optional<Dims> {
    if (!ctx.has_input(role) || !ctx.input_type(role).shape) return std::nullopt;
    return ShapeToDims(*ctx.input_type(role).shape);
  };
  // X fixes the element type and seq/batch/input sizes.
  if (!ctx.has_input(kX) || !ctx.has_input(kW) || !ctx.has_input(kR)) {
    return ctx.Error("inputs X, W and R are required");
  }
  const TensorType& xt = ctx.input_type(kX);
  if (xt.elem != ElementType::kFloat && xt.elem != ElementType::kDouble) {
    return ctx.Error(absl::StrCat(RoleName(kX, node.input(kX)), " has element type ",
                                  ElementTypeName(xt.elem), ", expected float or double"));
  }
  Dim seq, batch;
  int64_t input = -1;
  if (xt.shape) {
    if (xt.shape->size() != 3) {
      return ctx.Error(absl::StrCat(RoleName(kX, node.input(kX)), " has shape ",
                                    ShapeToString(*xt.shape), ", expected rank 3"));
    }
    seq = (*xt.shape)[attrs.layout == 0 ? 0 : 1];
    batch = (*xt.shape)[attrs.layout == 0 ? 1 : 0];
    input = (*xt.shape)[2].value;
  }
  int64_t hidden = attrs.hidden_size;
  if (hidden < 0) {
    if (auto r = shape_of(kR); r && r->size() == 3 && (*r)[2] >= 0) hidden = (*r)[2];
  }
  for (int role = 1; role < 8 && role < ctx.num_inputs(); ++role) {
    if (!ctx.has_input(role)) continue;
    if (!IsOptionalRoleUsed(spec, role)) {
      return ctx.Error(absl::StrCat(node.op_type(), " takes no input ", role, " ('",
                                    kRoles[role], "' is an LSTM input)"));
    }
    const TensorType& t = ctx.input_type(role);
    const ElementType want = role == kSeqLens ? ElementType::kInt32 : xt.elem;
    if (t.elem != want) {
      return ctx.Error(absl::StrCat(RoleName(role, node.input(role)), " has element type ",
                                    ElementTypeName(t.elem), ", expected ", ElementTypeName(want)));
    }
    if (!t.shape) continue;
    const std::vector<int64_t> expected =
        ExpectedDims(role, attrs, spec, batch.value, input, hidden);
    const Dims actual = ShapeToDims(*t.shape);
    if (!DimsMatch(actual, expected)) {
      return ctx.Error(absl::StrCat(RoleName(role, node.input(role)), " has shape ",
                                    ShapeToString(*t.shape), ", expected ",
                                    ExpectedToString(expected)));
    }
  }
  Dim nd{attrs.num_directions, ""};
  Dim h{hidden, ""};
  std::optional<Shape> y, y_h;
  if (xt.shape) {
    y = attrs.layout == 0 ? Shape{seq, nd, batch, h} : Shape{batch, seq, nd, h};
    y_h = attrs.layout == 0 ? Shape{nd, batch, h} : Shape{batch, nd, h};
  }
  ctx.SetOutput(0, xt.elem, y);
  ctx.SetOutput(1, xt.elem, y_h);
  if (spec.initial_c_index >= 0) ctx.SetOutput(2, xt.elem, y_h);
  return absl::OkStatus();
}

absl::StatusOr<RnnDims> ValidateRnnInputs(const KernelContext& ctx, const RnnAttrs& attrs,
                                          const RnnInputSpec& spec) {
  const Tensor* x = ctx.input(kX);
  const Tensor* w = ctx.input(kW);
  const Tensor* r = ctx.input(kR);
  if (x == nullptr || w == nullptr || r == nullptr) {
    return absl::InvalidArgumentError("inputs X, W and R are required");
  }
  if (x->rank() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("input X has shape ", DimsToString(x->dims()), ", expected rank 3"));
  }
  RnnDims d;
  d.num_directions = attrs.num_directions;
  d.seq = x->dim(attrs.layout == 0 ? 0 : 1);
  d.batch = x->dim(attrs.layout == 0 ? 1 : 0);
  d.input = x->dim(2);
  d.hidden = attrs.hidden_size;
  if (d.hidden < 0) {
    if (r->rank() != 3) {
      return absl::InvalidArgumentError(
          absl::StrCat("input R has shape ", DimsToString(r->dims()), ", expected rank 3"));
    }
    d.hidden = r->dim(2);
  }
  for (int role = 1; role < 8 && role < static_cast<int>(ctx.inputs.size()); ++role) {
    const Tensor* t = ctx.input(role);
    if (t == nullptr || !IsOptionalRoleUsed(spec, role)) continue;
    const ElementType want = role == kSeqLens ? ElementType::kInt32 : x->type();
    if (t->type() != want) {
      return absl::InvalidArgumentError(absl::StrCat("input ", kRoles[role], " has element type ",
                                                     ElementTypeName(t->type()), ", expected ",
                                                     ElementTypeName(want)));
    }
    const std::vector<int64_t> expected =
        ExpectedDims(role, attrs, spec, d.batch, d.input, d.hidden);
    if (t->dims() != expected) {
      return absl::InvalidArgumentError(absl::StrCat("input ", kRoles[role], " has shape ",
                                                     DimsToString(t->dims()), ", expected ",
                                                     DimsToString(expected)));
    }
  }
  if (const Tensor* lens = ctx.input(kSeqLens); lens != nullptr) {
    const int32_t* l = lens->data<int32_t>();
    for (int64_t b = 0; b < d.batch; ++b) {
      if (l[b] < 0 || l[b] > d.seq) {
        return absl::InvalidArgumentError(absl::StrCat("input sequence_lens[", b, "] = ", l[b],
                                                       " is outside [0, ", d.seq,
                                                       "] (the sequence length of X)"));
      }
    }
  }
  return d;
}

}  // namespace finngl
