"""End to end through `finngl opt --pipeline frontend`, `lower-conv` and `convert-to-hw`:
Brevitas 2-bit MLP and 4-bit CNN (brevitas_models.py) become graphs in which
every node between the input quantizer and the output's float scale is a hardware op
(finn.custom_op.fpgadataflow, docs/hw_layers.md), and finngl's executor on that graph gives
Brevitas' quantized outputs exactly: 0 mismatching output integers over N random inputs.
"""
from collections import deque

import numpy as np
import onnx
import pytest
import torch

from conftest import finngl_cli, run_finngl

pytest.importorskip("brevitas.nn")
from brevitas.export import export_qonnx  # noqa: E402
from brevitas_models import Cnn, Mlp, Unwrap, calibrated  # noqa: E402

N = 256
HW_DOMAIN = "finn.custom_op.fpgadataflow"


def to_hw(model_path, tmp_path):
    front = tmp_path / "front.onnx"
    lowered = tmp_path / "lowered.onnx"
    hw = tmp_path / "hw.onnx"
    finngl_cli("opt", model_path, "--pipeline", "frontend", "-o", front)
    finngl_cli("opt", front, "--pipeline", "lower-conv", "-o", lowered)
    finngl_cli("opt", lowered, "--pipeline", "convert-to-hw", "-o", hw)
    return hw


def nodes_between(graph, first_value, last_value):
    """Nodes on a path from the value `first_value` to the value `last_value` (exclusive of the
    producer of first_value, inclusive of the producer of last_value)."""
    readers, producer = {}, {}
    for n in graph.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
        for o in n.output:
            producer[o] = n
    downstream, todo = set(), deque([first_value])
    while todo:
        v = todo.popleft()
        for n in readers.get(v, []):
            if id(n) not in downstream:
                downstream.add(id(n))
                todo.extend(n.output)
    upstream, todo = set(), deque([last_value])
    while todo:
        v = todo.popleft()
        n = producer.get(v)
        if n is not None and id(n) not in upstream:
            upstream.add(id(n))
            todo.extend(n.input)
    return [n for n in graph.node if id(n) in downstream and id(n) in upstream]


@pytest.mark.parametrize("make,shape", [(Mlp, (32,)), (Cnn, (3, 12, 12))], ids=["mlp", "cnn"])
def test_brevitas_models_map_to_hw_ops_exactly(make, shape, tmp_path):
    torch.manual_seed(1)
    net = calibrated(make(), shape)
    x = torch.randn(N, *shape)
    with torch.no_grad():
        ref = net(x)
    want = np.round((ref.value / ref.scale).numpy())
    path = tmp_path / "model.onnx"
    export_qonnx(Unwrap(net), x, str(path))
    hw = to_hw(path, tmp_path)

    m = onnx.load(str(hw))
    g = m.graph
    assert any(o.domain == HW_DOMAIN for o in m.opset_import)
    # The input quantizer: the MultiThreshold reading the (possibly transposed) float input.
    quantizer = next(n for n in g.node if n.op_type == "MultiThreshold")
    assert not quantizer.domain.startswith("finn.custom_op.fpgadataflow")
    # The output's float scale: the Mul producing the graph output.
    final = next(n for n in g.node if g.output[0].name in n.output)
    assert final.op_type == "Mul", final.op_type
    inner = nodes_between(g, quantizer.output[0], final.input[0])
    assert inner, "no nodes between the quantizer and the output scale"
    not_hw = [f"{n.op_type} ({n.name})" for n in inner if n.domain != HW_DOMAIN]
    assert not not_hw, f"non-HW nodes in the dataflow part: {not_hw}"
    kinds = {n.op_type for n in inner}
    assert "MVAU" in kinds
    if make is Cnn:
        assert {"ConvolutionInputGenerator", "StreamingMaxPool"} <= kinds

    got = next(iter(run_finngl(hw, {g.input[0].name: x.numpy()}, tmp_path / "run").values()))
    got_int = got / float(ref.scale)
    assert np.allclose(got_int, np.round(got_int), atol=1e-3)
    mismatches = int(np.sum(np.round(got_int) != want))
    assert mismatches == 0, f"{mismatches} of {want.size} output integers differ from Brevitas"
