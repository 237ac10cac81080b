#include "src/ops/hw_common.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/base/status.h"
#include "src/ops/registry.h"
#include "src/ops/shape_util.h"

namespace finngl::hw {

using AT = Attribute::Type;

AttrSpec PositiveIntAttr(std::string name, bool required, int64_t min_value) {
  return AttrSpec{std::move(name), AT::kInt, required,
                  [min_value](const Attribute& a) -> absl::Status {
                    if (a.i() >= min_value) return absl::OkStatus();
                    return absl::InvalidArgumentError(
                        absl::StrCat("value ", a.i(), " must be >= ", min_value));
                  }};
}

AttrSpec DataTypeAttr(std::string name, bool required) {
  return AttrSpec{std::move(name), AT::kString, required, [](const Attribute& a) -> absl::Status {
                    absl::StatusOr<DataType> dt = DataType::Parse(a.s());
                    if (dt.ok() && dt->IsInteger()) return absl::OkStatus();
                    return absl::InvalidArgumentError(
                        absl::StrCat("'", a.s(), "' is not an integer DataType"));
                  }};
}

AttrSpec IntsAttr(std::string name, bool required) {
  return AttrSpec{std::move(name), AT::kInts, required, nullptr};
}

AttrSpec IntAttr(std::string name, bool required) {
  return AttrSpec{std::move(name), AT::kInt, required, nullptr};
}

absl::StatusOr<int64_t> RequiredInt(const Node& node, const std::string& name,
                                    int64_t min_value) {
  const Attribute* a = node.attr(name);
  if (a == nullptr || a->type() != AT::kInt) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": required INT attribute '", name, "' is missing"));
  }
  if (a->i() < min_value) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": attribute '", name,
                                                   "' = ", a->i(), " must be >= ", min_value));
  }
  return a->i();
}

absl::StatusOr<std::vector<int64_t>> IntsOfSize(const Node& node, const std::string& name,
                                                size_t size, int64_t min_value,
                                                std::vector<int64_t> fallback) {
  const Attribute* a = node.attr(name);
  if (a == nullptr) {
    if (!fallback.empty()) return fallback;
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": required INTS attribute '", name, "' is missing"));
  }
  bool ok = a->type() == AT::kInts && a->ints().size() == size;
  if (ok) {
    for (int64_t v : a->ints()) ok = ok && v >= min_value;
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        node.Describe(), ": attribute '", name, "' must be ", size, " integers >= ", min_value,
        a->type() == AT::kInts ? absl::StrCat(", got [", absl::StrJoin(a->ints(), ", "), "]")
                               : ""));
  }
  return a->ints();
}

absl::StatusOr<DataType> DataTypeOf(const Node& node, const std::string& name) {
  const Attribute* a = node.attr(name);
  if (a == nullptr || a->type() != AT::kString) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": required STRING attribute '", name, "' is missing"));
  }
  absl::StatusOr<DataType> dt = DataType::Parse(a->s());
  if (!dt.ok() || !dt->IsInteger()) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": attribute '", name,
                                                   "' = '", a->s(),
                                                   "' is not an integer DataType"));
  }
  return *dt;
}

std::optional<Shape> VectorOutputShape(const std::optional<Shape>& in, int64_t in_channels,
                                       int64_t out_channels,
                                       const std::vector<int64_t>& num_input_vectors) {
  if (!in || in->empty()) return std::nullopt;
  const Dim out_c{out_channels, ""};
  if (in->back().known() && in->back().value == in_channels) {
    Shape out = *in;
    out.back() = out_c;
    return out;
  }
  Shape out{(*in)[0]};
  for (int64_t v : num_input_vectors) out.push_back(Dim{v, ""});
  out.push_back(out_c);
  return out;
}

Dims VectorOutputDims(const Dims& in, int64_t in_channels, int64_t out_channels,
                      const std::vector<int64_t>& num_input_vectors) {
  const int64_t n = NumElementsOf(in);
  if (!in.empty() && in.back() == in_channels) {
    Dims out = in;
    out.back() = out_channels;
    return out;
  }
  const int64_t vectors = n / in_channels;
  int64_t per_frame = 1;
  for (int64_t v : num_input_vectors) per_frame *= v;
  if (!in.empty() && in[0] * per_frame == vectors) {
    Dims out{in[0]};
    out.insert(out.end(), num_input_vectors.begin(), num_input_vectors.end());
    out.push_back(out_channels);
    return out;
  }
  return Dims{vectors, out_channels};
}

absl::Status CheckVectors(const Tensor& x, int64_t channels, const std::string& label) {
  if (channels <= 0 || x.size() % channels != 0) {
    return absl::InvalidArgumentError(absl::StrCat(label, " has shape ", DimsToString(x.dims()),
                                                   " (", x.size(),
                                                   " elements), not a whole number of vectors "
                                                   "of ",
                                                   channels, " elements"));
  }
  return absl::OkStatus();
}

absl::StatusOr<InnerKernel> InnerKernel::Create(
    const std::string& domain, const std::string& op_type,
    std::initializer_list<std::pair<const char*, Attribute>> attrs, std::vector<Input> inputs,
    const CompileContext& ctx) {
  InnerKernel k;
  k.graph_ = std::make_unique<Graph>("inner");
  std::vector<Value*> values;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string name = absl::StrCat("in", i);
    if (inputs[i].constant) {
      ASSIGN_OR_RETURN(Value * v, k.graph_->AddInitializer(name, std::move(*inputs[i].constant)));
      values.push_back(v);
      k.constants_.push_back(v->initializer());
    } else {
      ASSIGN_OR_RETURN(Value * v, k.graph_->AddValue(name));
      k.graph_->AddInput(v);
      values.push_back(v);
      k.constants_.push_back(nullptr);
    }
  }
  ASSIGN_OR_RETURN(Value * out, k.graph_->AddValue("out"));
  ASSIGN_OR_RETURN(Node * node, k.graph_->AddNode(op_type, domain, op_type, values, {out}));
  for (const auto& [name, value] : attrs) node->SetAttr(name, value.Clone(k.graph_.get()));
  const OpSpec* spec = OpRegistry::Get().Find(domain, op_type, -1);
  RET_CHECK(spec != nullptr && spec->compile);
  ASSIGN_OR_RETURN(k.kernel_, spec->compile(*node, ctx));
  return k;
}

absl::Status InnerKernel::Run(std::vector<const Tensor*> inputs, Tensor* output) {
  inputs.resize(constants_.size(), nullptr);
  for (size_t i = 0; i < constants_.size(); ++i) {
    if (constants_[i] != nullptr) inputs[i] = constants_[i];
  }
  Tensor* outputs[1] = {output};
  KernelContext kctx{inputs, outputs, nullptr};
  return kernel_->Run(kctx);
}

const Tensor& ReshapedCopy(const Tensor& x, const Dims& dims, Tensor& scratch) {
  CopyWithDims(x, dims, scratch);
  return scratch;
}

}  // namespace finngl::hw
