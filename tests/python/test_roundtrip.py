"""Import/export round trip: `finngl convert` writes a model that onnxruntime runs to identical
outputs, and converting that output again is byte-for-byte stable."""
import sys

import numpy as np
import onnx

from conftest import ROOT, finngl_cli, run_ort

sys.path.insert(0, str(ROOT / "python"))
from finngl import onnx_models  # noqa: E402


def _round_trip(model, tmp_path, feeds):
    src, once, twice = tmp_path / "src.onnx", tmp_path / "once.onnx", tmp_path / "twice.onnx"
    onnx.save(model, str(src))
    finngl_cli("convert", src, "-o", once)
    finngl_cli("convert", once, "-o", twice)
    assert once.read_bytes() == twice.read_bytes(), "export is not stable under re-import"
    reloaded = onnx.load(str(once))
    onnx.checker.check_model(reloaded)
    want, got = run_ort(model, feeds), run_ort(reloaded, feeds)
    for name in want:
        np.testing.assert_array_equal(got[name], want[name])
    return reloaded


def test_qcdq_convlstm_round_trip(tmp_path):
    shape = onnx_models.ConvLstmShape(window=24, features=8, channels=4, hidden=8, dense=8)
    model = onnx_models.convlstm_qcdq(shape)
    x = np.random.default_rng(0).standard_normal((2, 1, 24, 8)).astype(np.float32)
    reloaded = _round_trip(model, tmp_path, {"lob_window": x})
    assert [o.domain for o in reloaded.opset_import] == [o.domain for o in model.opset_import]
    assert sum(n.op_type == "Scan" for n in reloaded.graph.node) == 1


def test_float_lstm_round_trip(tmp_path):
    shape = onnx_models.ConvLstmShape(window=24, features=8, channels=4, hidden=8, dense=8)
    x = np.random.default_rng(1).standard_normal((3, 1, 24, 8)).astype(np.float32)
    _round_trip(onnx_models.convlstm_float(shape, lstm="op"), tmp_path, {"lob_window": x})


def test_annotations_and_domains_survive(tmp_path):
    """finn_datatype / tensor_layout annotations and the qonnx domain aliases are preserved."""
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    thr = helper.make_tensor("thr", TensorProto.FLOAT, [1, 3], [-1.0, 0.0, 1.0])
    node = helper.make_node("MultiThreshold", ["x", "thr"], ["y"], name="mt", domain="finn",
                            out_dtype="UINT2", data_layout="NC")
    graph = helper.make_graph([node], "g", [x], [y], initializer=[thr])
    for tensor, dt, layout in (("x", "INT4", "['N', 'C']"), ("y", "UINT2", None)):
        ann = onnx.TensorAnnotation(tensor_name=tensor)
        kv = ann.quant_parameter_tensor_names.add()
        kv.key, kv.value = "finn_datatype", dt
        if layout:
            kv = ann.quant_parameter_tensor_names.add()
            kv.key, kv.value = "tensor_layout", layout
        graph.quantization_annotation.append(ann)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("finn", 1)],
                              ir_version=8)
    src, out = tmp_path / "src.onnx", tmp_path / "out.onnx"
    onnx.save(model, str(src))
    finngl_cli("convert", src, "-o", out)
    m = onnx.load(str(out))
    assert [(o.domain, o.version) for o in m.opset_import] == [("", 13), ("finn", 1)]
    assert m.graph.node[0].domain == "finn"
    ann = {a.tensor_name: {kv.key: kv.value for kv in a.quant_parameter_tensor_names}
           for a in m.graph.quantization_annotation}
    assert ann["x"] == {"finn_datatype": "INT4", "tensor_layout": "['N', 'C']"}
    assert ann["y"]["finn_datatype"] == "UINT2"
