"""Conv lowering end to end: small conv nets (Conv / Relu / MaxPool / Conv / Flatten / MatMul, and
a FINN-style variant with MultiThreshold activations) are lowered with

    finngl opt --passes lower-conv-to-matmul,move-transpose-past-elementwise,make-maxpool-nhwc,
                        move-transpose-past-elementwise,cancel-transposes,
                        absorb-transpose-into-flatten,remove-dead-code

and the lowered model, run by `finngl exec` and by qonnx's executor, is compared with the ORIGINAL
model run by onnxruntime (standard ops) or qonnx (with MultiThreshold):
  - integer-valued inputs and weights with INT annotations: identical outputs (every partial sum
    is an integer far below 2^24, so onnxruntime's float32 result is exact too);
  - float inputs and weights: rtol 1e-5, atol 1e-5, because lowering sums each convolution's
    products in another order (patch order (kh, kw, c)).
After lowering, only the graph input's NCHW->NHWC Transpose remains (plus the output's
NHWC->NCHW Transpose when the net ends with a convolution): the test counts them."""
import copy
import zlib

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import annotate_datatype, finngl_cli, make_model, run_finngl, run_ort
from test_im2col import qonnx_ir8  # noqa: F401  (fixture)

QONNX = "qonnx.custom_op.general"
LOWERING = ",".join([
    "lower-conv-to-matmul", "move-transpose-past-elementwise", "make-maxpool-nhwc",
    "move-transpose-past-elementwise", "cancel-transposes", "absorb-transpose-into-flatten",
    "remove-dead-code"])
FLOAT_RTOL, FLOAT_ATOL = 1e-5, 1e-5


def seeded(*params):
    return np.random.default_rng(zlib.crc32(repr(params).encode()))


def conv_out(size, k, s, pb, pe, d=1):
    return (size + pb + pe - d * (k - 1) - 1) // s + 1


# Geometry of the two convolutions and the pool: (kernel, strides, pads [t, l, b, r], dilations).
NETS = {
    "3x3-pad1": dict(hw=(10, 10), c1=((3, 3), (1, 1), (1, 1, 1, 1), (1, 1)),
                     pool=((2, 2), (2, 2)), c2=((3, 3), (1, 1), (0, 0, 0, 0), (1, 1))),
    "stride2": dict(hw=(11, 9), c1=((3, 3), (2, 2), (1, 1, 1, 1), (1, 1)),
                    pool=((2, 2), (1, 1)), c2=((2, 2), (2, 2), (0, 0, 0, 0), (1, 1))),
    "nonsquare-asym": dict(hw=(9, 12), c1=((2, 3), (1, 2), (0, 1, 1, 0), (1, 1)),
                           pool=((3, 2), (2, 2)), c2=((1, 3), (1, 1), (0, 1, 0, 1), (1, 1))),
    "dilated": dict(hw=(12, 12), c1=((3, 3), (1, 1), (2, 2, 2, 2), (2, 2)),
                    pool=((2, 2), (2, 2)), c2=((3, 2), (1, 1), (1, 0, 1, 1), (1, 2))),
    "1xK": dict(hw=(1, 16), c1=((1, 5), (1, 1), (0, 2, 0, 2), (1, 1)),
                pool=((1, 2), (1, 2)), c2=((1, 3), (1, 2), (0, 0, 0, 0), (1, 1))),
    "pointwise": dict(hw=(6, 6), c1=((1, 1), (1, 1), (0, 0, 0, 0), (1, 1)),
                      pool=((2, 2), (2, 2)), c2=((1, 1), (1, 1), (0, 0, 0, 0), (1, 1))),
}


def conv_net(name, integer, activation="Relu", head="fc", c=(3, 4, 5), seed=0):
    """x -> Conv1(+bias) -> act -> MaxPool -> Conv2 -> act -> [Flatten -> MatMul | output].
    Returns (model, feeds)."""
    spec = NETS[name]
    rng = seeded(name, integer, activation, head, seed)
    h, w = spec["hw"]

    def weights(shape):
        if integer:
            return rng.integers(-3, 4, size=shape).astype(np.float32)
        return rng.uniform(-1, 1, size=shape).astype(np.float32)

    inits, nodes, annotations = [], [], {}

    def const(tensor_name, value, dt=None):
        inits.append(numpy_helper.from_array(value, tensor_name))
        if dt and integer:
            annotations[tensor_name] = dt
        return tensor_name

    def conv(inp, out, cin, cout, geometry, bias, hh, ww):
        (kh, kw), strides, pads, dil = geometry
        ins = [inp, const(out + "_w", weights((cout, cin, kh, kw)), "INT3")]
        if bias:
            ins.append(const(out + "_b", weights((cout,)) * 4, "INT5"))
        nodes.append(helper.make_node("Conv", ins, [out], kernel_shape=[kh, kw],
                                      strides=list(strides), pads=list(pads),
                                      dilations=list(dil)))
        return (conv_out(hh, kh, strides[0], pads[0], pads[2], dil[0]),
                conv_out(ww, kw, strides[1], pads[1], pads[3], dil[1]))

    def act(inp, out, channels):
        if activation == "Relu":
            nodes.append(helper.make_node("Relu", [inp], [out]))
            return
        # 3 thresholds per channel (UINT2 levels), spread over the integer range of the input.
        t = np.sort(rng.integers(-30, 30, size=(channels, 3)), axis=1).astype(np.float32) + 0.5
        nodes.append(helper.make_node("MultiThreshold", [inp, const(out + "_thr", t)], [out],
                                      domain=QONNX, out_dtype="UINT2", data_layout="NCHW"))
        annotations[out] = "UINT2"

    h1, w1 = conv("x", "c1", c[0], c[1], spec["c1"], True, h, w)
    act("c1", "a1", c[1])
    (pk, ps) = spec["pool"]
    nodes.append(helper.make_node("MaxPool", ["a1"], ["p1"], kernel_shape=list(pk),
                                  strides=list(ps)))
    h2, w2 = conv_out(h1, pk[0], ps[0], 0, 0), conv_out(w1, pk[1], ps[1], 0, 0)
    h3, w3 = conv("p1", "c2", c[1], c[2], spec["c2"], False, h2, w2)
    act("c2", "a2", c[2])
    if head == "fc":
        nodes.append(helper.make_node("Flatten", ["a2"], ["f"], axis=1))
        nodes.append(helper.make_node("MatMul", ["f", const("fc_w", weights((c[2] * h3 * w3, 6)),
                                                            "INT3")], ["y"]))
        out_shape = [1, 6]
    else:
        nodes.append(helper.make_node("Identity", ["a2"], ["y"]))
        out_shape = [1, c[2], h3, w3]
    model = make_model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                             [1, c[0], h, w])],
                       [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
                       inits, extra_opsets=[(QONNX, 1)], name=f"convnet_{name}")
    if integer:
        annotations["x"] = "UINT4"
        x = rng.integers(0, 16, size=(1, c[0], h, w)).astype(np.float32)
    else:
        x = rng.uniform(-2, 2, size=(1, c[0], h, w)).astype(np.float32)
    for tensor_name, dt in annotations.items():
        annotate_datatype(model, tensor_name, dt)
    return model, {"x": x}


def lower(model, tmp_path):
    src, out = tmp_path / "model.onnx", tmp_path / "lowered.onnx"
    onnx.save(model, str(src))
    proc = finngl_cli("opt", src, "--passes", LOWERING, "-o", out)
    lowered = onnx.load(str(out))
    return lowered, proc


def op_count(model, op):
    return sum(n.op_type == op for n in model.graph.node)


def run_qonnx(model, feeds):
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_datatypes import InferDataTypes
    from qonnx.transformation.infer_shapes import InferShapes
    # qonnx's Im2Col reads its input's datatype annotation: annotate every tensor first.
    m = ModelWrapper(copy.deepcopy(model)).transform(InferShapes()).transform(InferDataTypes())
    return execute_onnx(m, dict(feeds))


def compare(got, want, integer, what):
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    if integer:
        bad = int(np.sum(got != want))
        assert bad == 0, f"{what}: {bad} of {got.size} outputs differ (integer: must be exact)"
    else:
        np.testing.assert_allclose(got, want, rtol=FLOAT_RTOL, atol=FLOAT_ATOL, err_msg=what)


def check_structure(lowered, head):
    assert op_count(lowered, "Conv") == 0 and op_count(lowered, "MaxPool") == 0
    assert op_count(lowered, "MaxPoolNHWC") == 1
    transposes = [n for n in lowered.graph.node if n.op_type == "Transpose"]
    want = 1 if head == "fc" else 2
    assert len(transposes) == want, [(n.input[0], n.output[0]) for n in transposes]
    assert transposes[0].input[0] == "x" or any(t.input[0] == "x" for t in transposes)


@pytest.mark.parametrize("head", ["fc", "conv"])
@pytest.mark.parametrize("integer", [True, False], ids=["integer", "float"])
@pytest.mark.parametrize("name", list(NETS))
def test_lowered_relu_net_matches_onnxruntime(name, integer, head, tmp_path, qonnx_ir8):
    model, feeds = conv_net(name, integer, head=head)
    lowered, _ = lower(model, tmp_path)
    check_structure(lowered, head)
    want = run_ort(model, feeds)["y"]
    compare(run_finngl(lowered, feeds, tmp_path / "finngl")["y"], want, integer,
            f"{name}: finngl exec (lowered) vs onnxruntime (original)")
    compare(run_qonnx(lowered, feeds)["y"], want, integer,
            f"{name}: qonnx exec (lowered) vs onnxruntime (original)")


@pytest.mark.parametrize("name", ["3x3-pad1", "nonsquare-asym", "dilated", "1xK"])
def test_lowered_multithreshold_net_matches_qonnx(name, tmp_path, qonnx_ir8):
    model, feeds = conv_net(name, integer=True, activation="MultiThreshold")
    lowered, _ = lower(model, tmp_path)
    check_structure(lowered, "fc")
    layouts = [a.s.decode() for n in lowered.graph.node if n.op_type == "MultiThreshold"
               for a in n.attribute if a.name == "data_layout"]
    assert layouts == ["NHWC", "NHWC"]
    want = run_qonnx(model, feeds)["y"]
    compare(run_finngl(lowered, feeds, tmp_path / "finngl")["y"], want, True,
            f"{name}: finngl exec (lowered) vs qonnx (original)")
    compare(run_qonnx(lowered, feeds)["y"], want, True,
            f"{name}: qonnx exec (lowered) vs qonnx (original)")


def test_lowered_weights_keep_their_datatype(tmp_path):
    model, _ = conv_net("3x3-pad1", integer=True)
    lowered, _ = lower(model, tmp_path)
    dtypes = {a.tensor_name: e.value for a in lowered.graph.quantization_annotation
              for e in a.quant_parameter_tensor_names if e.key == "finn_datatype"}
    weights = [n.input[1] for n in lowered.graph.node if n.op_type == "MatMul"]
    assert len(weights) == 3
    assert all(dtypes.get(w) == "INT3" for w in weights), {w: dtypes.get(w) for w in weights}


def test_grouped_conv_is_left_with_a_warning(tmp_path):
    rng = seeded("grouped")
    w = rng.uniform(-1, 1, size=(4, 2, 3, 3)).astype(np.float32)
    model = make_model([helper.make_node("Conv", ["x", "w"], ["y"], name="grouped_conv", group=2,
                                         pads=[1, 1, 1, 1])],
                       [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 5, 5])],
                       [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 5, 5])],
                       [numpy_helper.from_array(w, "w")], name="grouped")
    lowered, proc = lower(model, tmp_path)
    assert op_count(lowered, "Conv") == 1
    assert ("warning: lower-conv-to-matmul: node 'grouped_conv' (Conv) not lowered: grouped "
            "convolution (group = 2, 4 input and 4 output channels) is not lowered") in proc.stderr
