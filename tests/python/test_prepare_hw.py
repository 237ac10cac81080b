"""The case study's ConvLSTM through the hardware-preparation passes and into a RecurrentLayer:
`finngl opt --pipeline frontend`, `lower-conv`, then set-batch-one / fold-constants /
hoist-scan-input-projection / transpose-to-feature-gather / absorb-feature-permutation (checked
step by step with --verify), `convert-to-hw` and scan-to-recurrent-layer.

The graph after preparation has no shape arithmetic (Shape/Expand), no feature permutation
(Gather) and no Transpose that reorders non-unit axes; the Scan body no longer multiplies the
scan input (W_x x_t runs outside the loop). The final hardware graph holds a RecurrentLayer and
gives, on real test windows of the case study, exactly the logits of the streamlined model and the
original model's logits to float32 rounding (onnxruntime cannot run either: finngl's executor is
the reference, and the original ONNX model is the independent starting point).
"""
import numpy as np
import onnx
import pytest

from conftest import ROOT, finngl_cli, run_finngl

EXAMPLE = ROOT / "examples" / "lob_convlstm"
HW_DOMAIN = "finn.custom_op.fpgadataflow"
NUM_WINDOWS = 20
PREPARE = ("set-batch-one,fold-constants,remove-dead-code,hoist-scan-input-projection,"
           "transpose-to-feature-gather,absorb-feature-permutation,remove-dead-code")


def body_of(node):
    return next(a.g for a in node.attribute if a.name == "body")


def shapes(model):
    inferred = onnx.shape_inference.infer_shapes(model)
    g = inferred.graph
    return {v.name: [d.dim_value if d.HasField("dim_value") else None
                     for d in v.type.tensor_type.shape.dim]
            for v in list(g.value_info) + list(g.input) + list(g.output)}


def moves_only_unit_axes(perm, in_shape):
    """A Transpose whose non-unit axes keep their relative order is a reshape of the stream."""
    kept = [a for a in perm if in_shape[a] != 1]
    return kept == sorted(kept)


@pytest.fixture(scope="module")
def stages(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prepare_hw")
    paths = {name: tmp / f"{name}.onnx" for name in ("front", "lowered", "prepared", "hw", "rl")}
    finngl_cli("opt", EXAMPLE / "model.onnx", "--pipeline", "frontend", "-o", paths["front"])
    finngl_cli("opt", paths["front"], "--pipeline", "lower-conv", "-o", paths["lowered"])
    prep = finngl_cli("opt", paths["lowered"], "--passes", PREPARE, "--verify",
                      "-o", paths["prepared"], check=False)
    assert prep.returncode == 0, prep.stdout + prep.stderr
    finngl_cli("opt", paths["prepared"], "--pipeline", "convert-to-hw", "-o", paths["hw"])
    finngl_cli("opt", paths["hw"], "--passes", "scan-to-recurrent-layer", "-o", paths["rl"])
    paths["tmp"] = tmp
    return paths


def test_lowered_graph_has_the_patterns_the_passes_remove(stages):
    # Guards the test itself: the starting point has what the passes are meant to rewrite.
    g = onnx.load(str(stages["lowered"])).graph
    ops = [n.op_type for n in g.node]
    assert {"Shape", "Expand", "Transpose", "Reshape", "Scan"} <= set(ops), ops
    scan = next(n for n in g.node if n.op_type == "Scan")
    body = body_of(scan)
    x_t = body.input[len(scan.input) - 1].name
    readers = [n.op_type for n in body.node if x_t in n.input]
    assert readers == ["MultiThreshold"], readers


def test_prepared_graph_has_no_shape_arithmetic_or_permutations(stages):
    m = onnx.load(str(stages["prepared"]))
    g = m.graph
    ops = [n.op_type for n in g.node]
    for op in ("Gather", "Expand", "Shape", "Slice", "Concat"):
        assert op not in ops, ops
    assert [d.dim_value for d in g.input[0].type.tensor_type.shape.dim][0] == 1
    # The only Transpose left is the input's NCHW -> NHWC with C = 1: it moves a unit axis only.
    known = shapes(m)
    for n in g.node:
        if n.op_type == "Transpose":
            perm = list(next(a.ints for a in n.attribute if a.name == "perm"))
            assert moves_only_unit_axes(perm, known[n.input[0]]), (perm, known[n.input[0]])


def test_scan_body_no_longer_projects_the_scan_input(stages):
    g = onnx.load(str(stages["prepared"])).graph
    scans = [n for n in g.node if n.op_type == "Scan"]
    assert len(scans) == 1
    scan = scans[0]
    body = body_of(scan)
    num_scan_inputs = next(a.i for a in scan.attribute if a.name == "num_scan_inputs")
    num_states = len(scan.input) - num_scan_inputs
    assert num_states == 2  # h, c
    assert num_scan_inputs == 4  # one hoisted W_x x_t per LSTM gate
    scan_inputs = {i.name for i in body.input[num_states:]}
    for n in body.node:
        if n.op_type in ("MatMul", "MultiThreshold"):
            assert not scan_inputs & set(n.input), f"{n.op_type} {n.name} reads a scan input"
        if n.op_type == "MatMul":
            assert n.input[0] == body.input[0].name, "only W_h h_{t-1} stays in the loop"
    # Each new scan input is a MatMul over the whole sequence, outside the loop.
    producers = {o: n for n in g.node for o in n.output}
    for name in scan.input[num_states:]:
        assert producers[name].op_type == "MatMul", name


def test_convert_to_hw_gives_a_recurrent_layer(stages):
    m = onnx.load(str(stages["rl"]))
    g = m.graph
    assert not [n for n in g.node if n.op_type == "Scan"]
    layers = [n for n in g.node if n.op_type == "RecurrentLayer"]
    assert len(layers) == 1 and layers[0].domain == HW_DOMAIN
    body_domains = {n.domain for n in body_of(layers[0]).node}
    assert body_domains == {HW_DOMAIN}, body_domains


def windows():
    data = np.load(EXAMPLE / "test_windows.npz")
    return data["x"][:NUM_WINDOWS]


def run_frame_by_frame(model, x, tmp):
    """The prepared graphs take one frame (batch 1); runs the windows one at a time."""
    rows = [run_finngl(model, {"x": x[i:i + 1]}, tmp / f"frame{i}")["logits"]
            for i in range(len(x))]
    return np.concatenate(rows, axis=0)


def test_recurrent_layer_graph_gives_the_same_logits(stages):
    x = windows()
    tmp = stages["tmp"]
    original = run_finngl(EXAMPLE / "model.onnx", {"x": x}, tmp / "orig")["logits"]
    streamlined = run_finngl(stages["front"], {"x": x}, tmp / "front")["logits"]
    converted = run_frame_by_frame(stages["rl"], x, tmp / "rl")
    assert converted.shape == original.shape == (NUM_WINDOWS, 3)
    # Every pass after the frontend is exact: the hardware graph's logits equal the streamlined
    # model's bit for bit.
    np.testing.assert_array_equal(converted, streamlined)
    # The frontend moves float scales, which can change the last bit of a float32 logit (see
    # test_frontend_e2e.py): same predictions, logits within float32 rounding.
    assert np.array_equal(converted.argmax(1), original.argmax(1))
    np.testing.assert_allclose(converted, original, rtol=0, atol=1e-5)


def test_prepare_hw_pipeline_matches_the_explicit_passes(stages):
    # The flow's `prepare-hw` pipeline runs the same passes (plus the simplification set).
    out = stages["tmp"] / "pipeline.onnx"
    finngl_cli("opt", stages["lowered"], "--pipeline", "prepare-hw", "-o", out)
    explicit = sorted(n.op_type for n in onnx.load(str(stages["prepared"])).graph.node)
    assert sorted(n.op_type for n in onnx.load(str(out)).graph.node) == explicit
    x = windows()[:4]
    np.testing.assert_array_equal(run_frame_by_frame(out, x, stages["tmp"] / "pipeline"),
                                  run_frame_by_frame(stages["prepared"], x,
                                                     stages["tmp"] / "prepared"))


def test_exec_runs_several_frames_through_a_batch_one_model(stages):
    x = windows()
    tmp = stages["tmp"]
    batched = run_finngl(stages["rl"], {"x": x}, tmp / "rl_batched")["logits"]
    np.testing.assert_array_equal(batched, run_frame_by_frame(stages["rl"], x, tmp / "rl_frames"))
