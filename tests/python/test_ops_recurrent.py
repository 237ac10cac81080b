"""onnxruntime cross-checks of the recurrent op family (src/ops/scan.cc, src/ops/rnn.cc): standard
LSTM/GRU nodes over directions, sizes and options, and Scan models (a running sum, directions and
axes, outer-scope weights, a float LSTM cell and the QCDQ-quantized LSTM cell of the FINN-GL
notebook), finngl vs onnxruntime (rtol 1e-5 / atol 1e-6; exact for integer outputs)."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import assert_outputs_match, check_against_ort, make_model, run_finngl, run_ort

F32 = TensorProto.FLOAT


def vi(name, shape, elem=F32):
    return helper.make_tensor_value_info(name, elem, shape)


def uniform(rng, shape, scale=0.5):
    return rng.uniform(-scale, scale, size=shape).astype(np.float32)


# ---------------------------------------------------------------------------- LSTM / GRU nodes

def rnn_model(op, seq, batch, inp, hidden, direction="forward", bias=True, init_h=False,
              init_c=False, peephole=False, seq_lens=None, layout=0, clip=None, input_forget=0,
              linear_before_reset=0, activations=None, rng=None, opset=14):
    gates = 4 if op == "LSTM" else 3
    nd = 2 if direction == "bidirectional" else 1
    x_shape = [seq, batch, inp] if layout == 0 else [batch, seq, inp]
    s_shape = [nd, batch, hidden] if layout == 0 else [batch, nd, hidden]
    feeds = {"X": uniform(rng, x_shape, 1.0)}
    inits = [numpy_helper.from_array(uniform(rng, [nd, gates * hidden, inp]), "W"),
             numpy_helper.from_array(uniform(rng, [nd, gates * hidden, hidden]), "R")]
    names = ["X", "W", "R"]
    graph_inputs = [vi("X", x_shape)]

    def optional(present, name, value, runtime=False, elem=F32):
        if not present:
            names.append("")
            return
        names.append(name)
        if runtime:
            feeds[name] = value
            graph_inputs.append(vi(name, list(value.shape), elem))
        else:
            inits.append(numpy_helper.from_array(value, name))

    optional(bias, "B", uniform(rng, [nd, 2 * gates * hidden]))
    optional(seq_lens is not None, "sequence_lens",
             np.array(seq_lens if seq_lens is not None else [], np.int32), True, TensorProto.INT32)
    optional(init_h, "initial_h", uniform(rng, s_shape, 1.0), True)
    if op == "LSTM":
        optional(init_c, "initial_c", uniform(rng, s_shape, 1.0), True)
        optional(peephole, "P", uniform(rng, [nd, 3 * hidden]))
    while names and names[-1] == "":
        names.pop()
    attrs = dict(hidden_size=hidden, direction=direction)
    if opset >= 14:
        attrs["layout"] = layout
    if clip is not None:
        attrs["clip"] = clip
    if op == "LSTM":
        attrs["input_forget"] = input_forget
    else:
        attrs["linear_before_reset"] = linear_before_reset
    if activations:
        attrs["activations"] = activations
    outs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])
    y_shape = [seq, nd, batch, hidden] if layout == 0 else [batch, seq, nd, hidden]
    outputs = [vi("Y", y_shape)] + [vi(o, s_shape) for o in outs[1:]]
    node = helper.make_node(op, names, outs, name=f"{op.lower()}_0", **attrs)
    model = make_model([node], graph_inputs, outputs, inits, opset=opset,
                       name=f"{op}_{direction}_{seq}x{batch}x{inp}x{hidden}")
    return model, feeds


SIZES = [(1, 1, 1, 1), (5, 1, 3, 4), (12, 3, 8, 16), (25, 2, 10, 20), (90, 1, 10, 20)]
DIRECTIONS = ["forward", "reverse", "bidirectional"]


@pytest.mark.parametrize("op", ["LSTM", "GRU"])
@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: "x".join(map(str, s)))
def test_rnn_directions_and_sizes(op, direction, size, rng, tmp_path):
    model, feeds = rnn_model(op, *size, direction=direction, init_h=True, init_c=True, rng=rng)
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("op", ["LSTM", "GRU"])
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_rnn_sequence_lens(op, direction, rng, tmp_path):
    model, feeds = rnn_model(op, 6, 4, 3, 5, direction=direction, init_h=True, init_c=True,
                             seq_lens=[6, 3, 1, 5], rng=rng)
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("op", ["LSTM", "GRU"])
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_rnn_batch_first_layout(op, direction, tmp_path):
    """onnxruntime rejects layout=1, so the reference is the same weights in layout 0 with the
    batch-first inputs and outputs transposed."""
    kw = dict(direction=direction, init_h=True, init_c=True, seq_lens=[5, 2, 4])
    model1, feeds1 = rnn_model(op, 5, 3, 4, 6, layout=1, rng=np.random.default_rng(5), **kw)
    model0, _ = rnn_model(op, 5, 3, 4, 6, layout=0, rng=np.random.default_rng(5), **kw)
    feeds0 = {name: (v.transpose(1, 0, 2) if v.ndim == 3 else v) for name, v in feeds1.items()}
    want = run_ort(model0, feeds0)
    want = {name: (v.transpose(2, 0, 1, 3) if v.ndim == 4 else v.transpose(1, 0, 2))
            for name, v in want.items()}
    assert_outputs_match(want, run_finngl(model1, feeds1, tmp_path), what=model1.graph.name)


@pytest.mark.parametrize("op", ["LSTM", "GRU"])
def test_rnn_defaults_opset7(op, rng, tmp_path):
    # No bias, no initial states, opset 7 (no layout attribute).
    model, feeds = rnn_model(op, 7, 2, 3, 4, bias=False, rng=rng, opset=7)
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
@pytest.mark.parametrize("options", [dict(clip=0.4), dict(input_forget=1), dict(peephole=True),
                                     dict(peephole=True, clip=1.5, input_forget=1)],
                         ids=["clip", "input_forget", "peephole", "all"])
def test_lstm_options(direction, options, rng, tmp_path):
    model, feeds = rnn_model("LSTM", 8, 2, 5, 6, direction=direction, init_h=True, init_c=True,
                             rng=rng, **options)
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("lbr", [0, 1])
@pytest.mark.parametrize("clip", [None, 0.3])
def test_gru_linear_before_reset_and_clip(direction, lbr, clip, rng, tmp_path):
    model, feeds = rnn_model("GRU", 8, 2, 5, 6, direction=direction, init_h=True, clip=clip,
                             linear_before_reset=lbr, rng=rng)
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("op,activations", [
    ("LSTM", ["Sigmoid", "Relu", "Tanh"]),
    ("LSTM", ["Sigmoid", "Tanh", "Relu"]),
    ("GRU", ["Sigmoid", "Relu"]),
    ("GRU", ["Relu", "Tanh"]),
])
def test_rnn_relu_activations(op, activations, rng, tmp_path):
    model, feeds = rnn_model(op, 6, 2, 3, 4, activations=activations, init_h=True, rng=rng)
    check_against_ort(model, feeds, tmp_path)


# ---------------------------------------------------------------------------- Scan

def scan_model(body, scan_inputs, scan_outputs, inits=(), opset=17, name="scan", **attrs):
    """A main graph holding one Scan node; `scan_inputs`/`scan_outputs` are value infos."""
    node = helper.make_node("Scan", [v.name for v in scan_inputs], [v.name for v in scan_outputs],
                            name="scan_0", body=body, **attrs)
    return make_model([node], list(scan_inputs), list(scan_outputs), inits, opset=opset,
                      name=name)


def test_scan_cumulative_sum(rng, tmp_path):
    body = helper.make_graph(
        [helper.make_node("Add", ["s", "x"], ["s_next"]),
         helper.make_node("Identity", ["s_next"], ["y"])],
        "cumsum_body", [vi("s", [3]), vi("x", [3])], [vi("s_next", [3]), vi("y", [3])])
    model = scan_model(body, [vi("s0", [3]), vi("xs", [11, 3])],
                       [vi("s_final", [3]), vi("ys", [11, 3])], num_scan_inputs=1)
    feeds = {"s0": uniform(rng, [3]), "xs": uniform(rng, [11, 3], 2.0)}
    check_against_ort(model, feeds, tmp_path)


def test_scan_int32_state_exact(rng, tmp_path):
    i32 = TensorProto.INT32
    body = helper.make_graph(
        [helper.make_node("Add", ["s", "x"], ["s_next"]),
         helper.make_node("Mul", ["s_next", "x"], ["y"])],
        "int_body", [vi("s", [2], i32), vi("x", [2], i32)],
        [vi("s_next", [2], i32), vi("y", [2], i32)])
    model = scan_model(body, [vi("s0", [2], i32), vi("xs", [9, 2], i32)],
                       [vi("s_final", [2], i32), vi("ys", [9, 2], i32)], num_scan_inputs=1)
    feeds = {"s0": np.array([3, -4], np.int32),
             "xs": rng.integers(-50, 50, size=(9, 2)).astype(np.int32)}
    check_against_ort(model, feeds, tmp_path)


@pytest.mark.parametrize("in_axes,in_dirs,out_axes,out_dirs", [
    ([0, 0], [0, 1], [0, 0], [0, 1]),
    ([1, -1], [1, 0], [1, -1], [0, 1]),
    ([-2, 2], [1, 1], [2, 0], [1, 1]),
])
def test_scan_axes_and_directions(in_axes, in_dirs, out_axes, out_dirs, rng, tmp_path):
    """Two states, two rank-3 scan inputs and two scan outputs, over various axes/directions."""
    seq = 5
    shapes = []
    for axis in in_axes:
        shape = [2, 3, 4]
        shape[axis] = seq
        shapes.append(shape)
    slice_a = [d for i, d in enumerate(shapes[0]) if i != in_axes[0] % 3]
    slice_b = [d for i, d in enumerate(shapes[1]) if i != in_axes[1] % 3]
    body = helper.make_graph(
        [helper.make_node("Add", ["acc", "a"], ["acc_next"]),
         helper.make_node("Mul", ["m", "b"], ["m_next"]),
         helper.make_node("Mul", ["a", "acc_next"], ["o1"]),
         helper.make_node("Sub", ["m_next", "b"], ["o2"])],
        "axes_body",
        [vi("acc", slice_a), vi("m", slice_b), vi("a", slice_a), vi("b", slice_b)],
        [vi("acc_next", slice_a), vi("m_next", slice_b), vi("o1", slice_a), vi("o2", slice_b)])

    def out_shape(per_iter, axis):
        s = list(per_iter)
        s.insert(axis % (len(s) + 1), seq)
        return s

    model = scan_model(
        body, [vi("acc0", slice_a), vi("m0", slice_b), vi("A", shapes[0]), vi("B", shapes[1])],
        [vi("acc_f", slice_a), vi("m_f", slice_b), vi("O1", out_shape(slice_a, out_axes[0])),
         vi("O2", out_shape(slice_b, out_axes[1]))],
        num_scan_inputs=2, scan_input_axes=in_axes, scan_input_directions=in_dirs,
        scan_output_axes=out_axes, scan_output_directions=out_dirs)
    feeds = {"acc0": uniform(rng, slice_a, 1.0), "m0": uniform(rng, slice_b, 1.0) + 1.0,
             "A": uniform(rng, shapes[0], 1.0), "B": uniform(rng, shapes[1], 1.0) + 1.0}
    check_against_ort(model, feeds, tmp_path)


def lstm_cell_nodes(x, h, c, w, r, b, prefix=""):
    """A float LSTM cell, row-vector convention: gates = x·Wᵀ + h·Rᵀ + b with Wᵀ [I, 4H] given
    as four per-gate matrices w[g] [I, H], r[g] [H, H], b[g] [H]. Returns (nodes, h', c')."""
    nodes = []
    g = {}
    for gate in "ifoc":
        n = f"{prefix}{gate}"
        nodes += [helper.make_node("MatMul", [x, w[gate]], [f"{n}_xw"]),
                  helper.make_node("MatMul", [h, r[gate]], [f"{n}_hr"]),
                  helper.make_node("Add", [f"{n}_xw", f"{n}_hr"], [f"{n}_sum"]),
                  helper.make_node("Add", [f"{n}_sum", b[gate]], [f"{n}_pre"]),
                  helper.make_node("Tanh" if gate == "c" else "Sigmoid", [f"{n}_pre"], [f"{n}_act"])]
        g[gate] = f"{n}_act"
    nodes += [helper.make_node("Mul", [g["f"], c], [f"{prefix}fc"]),
              helper.make_node("Mul", [g["i"], g["c"]], [f"{prefix}ig"]),
              helper.make_node("Add", [f"{prefix}fc", f"{prefix}ig"], [f"{prefix}c_next"]),
              helper.make_node("Tanh", [f"{prefix}c_next"], [f"{prefix}c_tanh"]),
              helper.make_node("Mul", [g["o"], f"{prefix}c_tanh"], [f"{prefix}h_next"])]
    return nodes, f"{prefix}h_next", f"{prefix}c_next"


@pytest.mark.parametrize("weights_outside", [False, True], ids=["body_weights", "outer_weights"])
def test_scan_float_lstm_cell(weights_outside, rng, tmp_path):
    """The benchmark's shape: a ~90-step float LSTM Scan, weights in the body or read from the
    main graph by name (outer-scope references)."""
    seq, inp, hid = 90, 10, 20
    w = {gate: f"W_{gate}" for gate in "ifoc"}
    r = {gate: f"R_{gate}" for gate in "ifoc"}
    b = {gate: f"b_{gate}" for gate in "ifoc"}
    weights = []
    for gate in "ifoc":
        weights += [numpy_helper.from_array(uniform(rng, [inp, hid]), w[gate]),
                    numpy_helper.from_array(uniform(rng, [hid, hid]), r[gate]),
                    numpy_helper.from_array(uniform(rng, [hid]), b[gate])]
    nodes, h_next, c_next = lstm_cell_nodes("x", "h", "c", w, r, b)
    nodes.append(helper.make_node("Identity", [h_next], ["h_out"]))
    body = helper.make_graph(nodes, "lstm_body", [vi("h", [1, hid]), vi("c", [1, hid]),
                                                  vi("x", [1, inp])],
                             [vi(h_next, [1, hid]), vi(c_next, [1, hid]), vi("h_out", [1, hid])],
                             initializer=[] if weights_outside else weights)
    model = scan_model(body, [vi("h0", [1, hid]), vi("c0", [1, hid]), vi("X", [seq, 1, inp])],
                       [vi("h_final", [1, hid]), vi("c_final", [1, hid]),
                        vi("H", [seq, 1, hid])],
                       inits=weights if weights_outside else (), num_scan_inputs=1)
    feeds = {"h0": np.zeros([1, hid], np.float32), "c0": np.zeros([1, hid], np.float32),
             "X": uniform(rng, [seq, 1, inp], 1.0)}
    check_against_ort(model, feeds, tmp_path)


def test_nested_scan(rng, tmp_path):
    """An outer Scan over rows whose body runs an inner cumulative-sum Scan over the row."""
    inner = helper.make_graph(
        [helper.make_node("Add", ["acc", "e"], ["acc_e"]),
         helper.make_node("Mul", ["acc_e", "gain"], ["acc_next"]),  # 'gain': outer body state
         helper.make_node("Identity", ["acc_next"], ["cum"])],
        "inner", [vi("acc", []), vi("e", [])], [vi("acc_next", []), vi("cum", [])])
    outer = helper.make_graph(
        [helper.make_node("Scan", ["zero", "row"], ["last", "cums"], body=inner,
                          num_scan_inputs=1),
         helper.make_node("Mul", ["gain", "decay"], ["gain_next"]),
         helper.make_node("Identity", ["last"], ["last_out"])],
        "outer", [vi("gain", []), vi("row", [6])],
        [vi("gain_next", []), vi("cums", [6]), vi("last_out", [])],
        initializer=[numpy_helper.from_array(np.array(0, np.float32), "zero"),
                     numpy_helper.from_array(np.array(0.9, np.float32), "decay")])
    model = scan_model(outer, [vi("g0", []), vi("M", [4, 6])],
                       [vi("g_final", []), vi("C", [4, 6]), vi("L", [4])], num_scan_inputs=1)
    feeds = {"g0": np.array(1.1, np.float32), "M": uniform(rng, [4, 6], 1.0)}
    check_against_ort(model, feeds, tmp_path)


# ---------------------------------------------------------------------------- quantized LSTM cell

def qcdq_lstm_model(rng, seq=25, inp=10, hid=20):
    """The QCDQ-quantized LSTM Scan of the FINN-GL notebook (qonnx_brevitas.md §4.2) in the
    row-vector convention x·Wᵀ: states h [1,H] and c [1,H], scan input x [1,I]; outputs h, c, the
    stacked h and the stacked INT8 code of h (compared exactly).

    Scales are powers of two except the UINT8 sigmoid scale (1/255, as brevitas' default), so all
    MatMul partial sums are exact in float32 and summation order cannot change a rounding."""
    i8 = TensorProto.INT8
    inits, nodes = [], []

    def const(name, value, dtype=np.float32):
        inits.append(numpy_helper.from_array(np.array(value, dtype), name))
        return name

    const("zp_i8", 0, np.int8)
    const("zp_u8", 0, np.uint8)
    const("clip_lo", -127, np.int8)
    const("clip_hi", 127, np.int8)
    act_scale = const("s_act", 1.0 / 128)  # scale_1..6, 9, 11
    sig_scale = const("s_sig", 1.0 / 255)  # UINT8 sigmoid outputs
    tanh_scale = const("s_tanh", 1.0 / 128)

    def qdq(src, scale, name, unsigned=False):
        zp = "zp_u8" if unsigned else "zp_i8"
        nodes.append(helper.make_node("QuantizeLinear", [src, scale, zp], [f"{name}_q"]))
        nodes.append(helper.make_node("DequantizeLinear", [f"{name}_q", scale, zp], [name]))
        return name

    def weight(name, shape, scale, scale_value):
        # A little beyond the INT8 range so the Clip matters.
        w = const(f"{name}_f", uniform(rng, shape, 130 * scale_value))
        nodes.append(helper.make_node("QuantizeLinear", [w, scale, "zp_i8"], [f"{name}_q"]))
        nodes.append(helper.make_node("Clip", [f"{name}_q", "clip_lo", "clip_hi"],
                                      [f"{name}_clip"]))
        nodes.append(helper.make_node("DequantizeLinear", [f"{name}_clip", scale, "zp_i8"],
                                      [name]))
        return name

    x_dq = qdq("x", act_scale, "x_dq")
    gates = {}
    for k, gate in enumerate("fico"):
        w_scale_value = 2.0 ** -(7 + k % 2)
        w_scale = const(f"s_w_{gate}", w_scale_value)  # W and U of one gate share it
        w = weight(f"W_{gate}", [inp, hid], w_scale, w_scale_value)  # Wᵀ: [I, H]
        u = weight(f"U_{gate}", [hid, hid], w_scale, w_scale_value)
        b = const(f"b_{gate}", uniform(rng, [1, hid], 0.2))
        nodes += [helper.make_node("MatMul", [x_dq, w], [f"{gate}_xw"]),
                  helper.make_node("MatMul", ["h", u], [f"{gate}_hu"]),
                  helper.make_node("Add", [f"{gate}_xw", f"{gate}_hu"], [f"{gate}_sum"]),
                  helper.make_node("Add", [f"{gate}_sum", b], [f"{gate}_pre"])]
        pre = qdq(f"{gate}_pre", act_scale, f"{gate}_pre_dq")
        if gate == "c":
            nodes.append(helper.make_node("Tanh", [pre], [f"{gate}_act"]))
            gates[gate] = qdq(f"{gate}_act", tanh_scale, f"{gate}_act_dq")
        else:
            nodes.append(helper.make_node("Sigmoid", [pre], [f"{gate}_act"]))
            gates[gate] = qdq(f"{gate}_act", sig_scale, f"{gate}_act_dq", unsigned=True)
    nodes += [helper.make_node("Mul", [gates["f"], "c"], ["fc"]),
              helper.make_node("Mul", [gates["i"], gates["c"]], ["ig"])]
    fc = qdq("fc", act_scale, "fc_dq")
    ig = qdq("ig", act_scale, "ig_dq")
    nodes.append(helper.make_node("Add", [fc, ig], ["c_t"]))  # un-requantized, as in §4.2
    c_q = qdq("c_t", act_scale, "c_t_dq")
    nodes.append(helper.make_node("Tanh", [c_q], ["c_tanh"]))
    c_tanh = qdq("c_tanh", tanh_scale, "c_tanh_dq")
    nodes.append(helper.make_node("Mul", [c_tanh, gates["o"]], ["h_raw"]))
    h_t = qdq("h_raw", act_scale, "h_t")
    nodes.append(helper.make_node("Identity", [h_t], ["h_t_concat"]))
    nodes.append(helper.make_node("Identity", ["h_t_q"], ["h_code"]))
    body = helper.make_graph(
        nodes, "qcdq-lstm-body", [vi("h", [1, hid]), vi("c", [1, hid]), vi("x", [1, inp])],
        [vi("h_t", [1, hid]), vi("c_t", [1, hid]), vi("h_t_concat", [1, hid]),
         vi("h_code", [1, hid], i8)], initializer=inits)
    model = scan_model(
        body, [vi("h0", [1, hid]), vi("c0", [1, hid]), vi("X", [seq, 1, inp])],
        [vi("h_final", [1, hid]), vi("c_final", [1, hid]), vi("H", [seq, 1, hid]),
         vi("H_code", [seq, 1, hid], i8)], opset=14, name="qcdq_lstm", num_scan_inputs=1)
    feeds = {"h0": np.zeros([1, hid], np.float32), "c0": np.zeros([1, hid], np.float32),
             "X": uniform(rng, [seq, 1, inp], 1.0)}
    return model, feeds


def test_scan_qcdq_quantized_lstm_cell(rng, tmp_path):
    model, feeds = qcdq_lstm_model(rng)
    check_against_ort(model, feeds, tmp_path)


def test_scan_qcdq_quantized_lstm_cell_constant_input(tmp_path):
    """The notebook's input: every feature 0.8, 25 steps."""
    model, feeds = qcdq_lstm_model(np.random.default_rng(7))
    feeds["X"] = np.full_like(feeds["X"], 0.8)
    check_against_ort(model, feeds, tmp_path)
