// ElementwiseAdd/Sub/Mul emitter: fgl::EltwiseStreams when both operands stream in, else
// fgl::EltwiseConst with params[p][nf] = the constant of channel nf*PE + p (scalars expanded).
#include "absl/strings/str_cat.h"
#include "src/base/status.h"
#include "src/codegen/hls_types.h"
#include "src/codegen/layer_emitter.h"

namespace finngl::codegen {
namespace {

struct EltAttrs {
  int64_t c, pe;
  DataType lhs, rhs, out;
  bool const_rhs;
};

absl::StatusOr<EltAttrs> ReadAttrs(const Node& node) {
  EltAttrs a;
  ASSIGN_OR_RETURN(a.c, IntAttr(node, "NumChannels"));
  ASSIGN_OR_RETURN(a.pe, FoldAttr(node, "PE"));
  ASSIGN_OR_RETURN(a.lhs, DtypeAttr(node, "lhsDataType"));
  ASSIGN_OR_RETURN(a.rhs, DtypeAttr(node, "rhsDataType"));
  ASSIGN_OR_RETURN(a.out, DtypeAttr(node, "outDataType"));
  if (a.pe <= 0 || a.c % a.pe != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": illegal folding NumChannels=", a.c, " PE=", a.pe));
  }
  if (node.input(0) == nullptr || node.input(1) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": needs two inputs"));
  }
  a.const_rhs = node.input(1)->is_initializer();
  return a;
}

absl::StatusOr<LayerIo> Io(const Node& node) {
  ASSIGN_OR_RETURN(EltAttrs a, ReadAttrs(node));
  LayerIo io;
  io.inputs.push_back({0, a.pe * a.lhs.bit_width(), a.lhs});
  if (!a.const_rhs) io.inputs.push_back({1, a.pe * a.rhs.bit_width(), a.rhs});
  io.outputs.push_back({0, a.pe * a.out.bit_width(), a.out});
  return io;
}

absl::Status Emit(const LayerContext& ctx, LayerCode& code) {
  const Node& node = *ctx.node;
  ASSIGN_OR_RETURN(EltAttrs a, ReadAttrs(node));
  const std::string& op = node.op_type();
  const std::string functor = op == "ElementwiseAdd"   ? "fgl::AddOp"
                              : op == "ElementwiseSub" ? "fgl::SubOp"
                                                       : "fgl::MulOp";
  ASSIGN_OR_RETURN(std::string ta, HlsType(a.lhs, node));
  ASSIGN_OR_RETURN(std::string tb, HlsType(a.rhs, node));
  ASSIGN_OR_RETURN(std::string to, HlsType(a.out, node));
  if (ctx.in_frame_elems[0] % a.c != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": input frame of ", ctx.in_frame_elems[0],
                     " elements is not a whole number of NumChannels=", a.c, " vectors"));
  }
  const std::string reps = absl::StrCat("reps * ", ctx.in_frame_elems[0] / a.c);
  const std::string tmpl = absl::StrCat("<", a.c, ", ", a.pe, ", ", ta, ", ", tb, ", ", to, ", ",
                                        functor, ">");
  if (!a.const_rhs) {
    if (ctx.in_frame_elems[1] != ctx.in_frame_elems[0]) {
      return absl::InvalidArgumentError(
          absl::StrCat(node.Describe(), ": both operand streams must have the same shape"));
    }
    code.body.L("fgl::EltwiseStreams", tmpl, "(in0, in1, out0, ", reps, ");");
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> v, IntegerContents(*node.input(1), a.rhs, node));
  if (v.size() != 1 && static_cast<int64_t>(v.size()) != a.c) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": constant '", node.input(1)->name(), "' has ", v.size(),
                     " elements; expected 1 or NumChannels=", a.c));
  }
  code.params.L("// ", node.name(), ": constant operand as params[PE][C/PE]");
  WriteConstArray(code.params, tb, ctx.fn + "_params", {a.pe, a.c / a.pe},
                  [&](const std::vector<int64_t>& i) {
                    return v.size() == 1 ? v[0] : v[i[1] * a.pe + i[0]];
                  });
  code.body.L("fgl::EltwiseConst", tmpl, "(in0, ", ctx.fn, "_params, out0, ", reps, ");");
  return absl::OkStatus();
}

}  // namespace

LayerEmitter EltwiseEmitter() { return {Io, Emit}; }

}  // namespace finngl::codegen
