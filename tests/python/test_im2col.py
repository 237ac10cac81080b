"""qonnx cross-checks of the conv-lowering custom ops Im2Col and MaxPoolNHWC (src/ops/im2col.cc,
src/ops/maxpool_nhwc.cc). One-node models run through finngl and through qonnx's own executor
(qonnx.core.onnx_exec.execute_onnx) over many shapes, kernels (square, non-square, 1xK, Kx1),
strides, paddings (incl. asymmetric, with pad_value) and dilations; outputs must be IDENTICAL
(np.array_equal): both only copy or select input values.

qonnx 1.0's Im2Col interleaves the images of a batch N > 1 (its reshape mixes them); finngl
processes each image on its own, so for N > 1 the reference is qonnx applied image by image."""
import copy
import zlib

import numpy as np
import pytest
from onnx import TensorProto, helper

from conftest import annotate_datatype, make_model, run_finngl

QONNX = "qonnx.custom_op.general"


def seeded(*params):
    return np.random.default_rng(zlib.crc32(repr(params).encode()))


def out_dim(size, k, stride, pad, dilation):
    return (size + pad - dilation * (k - 1) - 1) // stride + 1


def im2col_model(shape, kernel, stride, pads, dilations, pad_value, datatype):
    n, h, w, c = shape
    oh = out_dim(h, kernel[0], stride[0], pads[0] + pads[2], dilations[0])
    ow = out_dim(w, kernel[1], stride[1], pads[1] + pads[3], dilations[1])
    node = helper.make_node(
        "Im2Col", ["x"], ["y"], domain=QONNX, stride=list(stride), kernel_size=list(kernel),
        pad_amount=list(pads), pad_value=pad_value, dilations=list(dilations),
        input_shape=f"({n}, {h}, {w}, {c})")
    model = make_model([node], [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                       [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                                      (n, oh, ow, kernel[0] * kernel[1] * c))],
                       extra_opsets=[(QONNX, 1)], name="im2col")
    annotate_datatype(model, "x", datatype)
    return model


def run_qonnx(model, feeds):
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    return execute_onnx(ModelWrapper(copy.deepcopy(model)), dict(feeds))


def assert_identical(got, want, what):
    want = np.asarray(want, dtype=np.float32)
    assert got.dtype == np.float32, f"{what}: finngl dtype {got.dtype}"
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, (f"{what}: {bad.size} of {got.size} values differ; first at flat index "
                           f"{bad[0]}: finngl {got.flat[bad[0]]!r} vs qonnx {want.flat[bad[0]]!r}")


# (NHWC shape, kernel, stride, pad_amount [H_begin, W_begin, H_end, W_end], dilations)
IM2COL_CASES = [
    ((1, 4, 4, 1), (2, 2), (1, 1), (0, 0, 0, 0), (1, 1)),
    ((1, 5, 5, 3), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1)),
    ((1, 6, 7, 2), (3, 3), (2, 2), (0, 0, 0, 0), (1, 1)),
    ((1, 7, 6, 2), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1)),
    ((1, 8, 8, 4), (5, 5), (1, 1), (2, 2, 2, 2), (1, 1)),
    ((1, 6, 9, 3), (2, 3), (1, 1), (0, 0, 0, 0), (1, 1)),
    ((1, 9, 6, 3), (3, 2), (2, 1), (1, 0, 1, 1), (1, 1)),
    ((1, 7, 7, 2), (3, 3), (1, 1), (2, 2, 2, 2), (2, 2)),
    ((1, 9, 8, 1), (3, 2), (1, 2), (0, 1, 2, 0), (2, 3)),
    ((1, 6, 6, 5), (1, 1), (1, 1), (0, 0, 0, 0), (1, 1)),
    ((1, 6, 6, 5), (1, 1), (2, 2), (0, 0, 0, 0), (1, 1)),
    ((1, 5, 5, 2), (1, 1), (1, 1), (1, 1, 1, 1), (1, 1)),
    ((1, 1, 9, 3), (1, 3), (1, 1), (0, 1, 0, 1), (1, 1)),   # 1xK on a 1-D (height 1) signal
    ((1, 1, 12, 2), (1, 5), (1, 2), (0, 2, 0, 2), (1, 2)),
    ((1, 10, 1, 2), (4, 1), (2, 1), (1, 0, 2, 0), (1, 1)),  # Kx1 on a width-1 signal
    ((1, 3, 11, 4), (1, 4), (1, 3), (0, 0, 0, 3), (1, 1)),  # 1xK on a 2-D image
    ((1, 4, 4, 2), (4, 4), (1, 1), (0, 0, 0, 0), (1, 1)),   # window = image
    ((1, 5, 7, 3), (2, 4), (3, 2), (1, 2, 0, 1), (2, 1)),
]


@pytest.mark.parametrize("case", IM2COL_CASES, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
@pytest.mark.parametrize("datatype,pad_value", [("FLOAT32", 0), ("INT4", -3), ("UINT8", 7)])
def test_im2col_equals_qonnx(case, datatype, pad_value, tmp_path):
    shape, kernel, stride, pads, dilations = case
    rng = seeded(case, datatype)
    if datatype == "FLOAT32":
        x = rng.standard_normal(shape).astype(np.float32)
    else:
        lo, hi = (-8, 7) if datatype == "INT4" else (0, 255)
        x = rng.integers(lo, hi + 1, size=shape).astype(np.float32)
    model = im2col_model(shape, kernel, stride, pads, dilations, pad_value, datatype)
    got = run_finngl(model, {"x": x}, tmp_path)["y"]
    assert_identical(got, run_qonnx(model, {"x": x})["y"], f"Im2Col {case}")


@pytest.mark.parametrize("case", [IM2COL_CASES[1], IM2COL_CASES[6], IM2COL_CASES[8]])
def test_im2col_batch_is_processed_image_by_image(case, tmp_path):
    shape, kernel, stride, pads, dilations = case
    batched = (3,) + shape[1:]
    x = seeded(case, "batch").standard_normal(batched).astype(np.float32)
    model = im2col_model(batched, kernel, stride, pads, dilations, 0, "FLOAT32")
    got = run_finngl(model, {"x": x}, tmp_path)["y"]
    single = im2col_model(shape, kernel, stride, pads, dilations, 0, "FLOAT32")
    want = np.concatenate([run_qonnx(single, {"x": x[i:i + 1]})["y"] for i in range(3)])
    assert_identical(got, want, f"Im2Col batch {case}")


def test_im2col_rejects_a_dummy_axis_with_a_kernel(tmp_path):
    from conftest import finngl_cli
    model = im2col_model((1, 1, 5, 2), (3, 3), (1, 1), (0, 0, 0, 0), (1, 1), 0, "FLOAT32")
    model.graph.output[0].type.tensor_type.shape.dim[1].dim_value = 1
    import onnx
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    proc = finngl_cli("check", path, check=False)
    assert proc.returncode != 0
    assert "height 1 (a dummy axis)" in proc.stdout + proc.stderr
    # qonnx refuses it too.
    with pytest.raises(AssertionError):
        run_qonnx(model, {"x": np.zeros((1, 1, 5, 2), np.float32)})


# (NHWC shape, kernel_shape, pads [H_begin, W_begin, H_end, W_end], strides, ceil_mode)
MAXPOOL_CASES = [
    ((1, 4, 4, 3), (2, 2), (0, 0, 0, 0), (2, 2), 0),
    ((1, 6, 6, 2), (3, 3), (1, 1, 1, 1), (2, 2), 0),
    ((1, 7, 5, 4), (3, 2), (1, 0, 1, 0), (2, 1), 0),
    ((2, 5, 5, 3), (2, 2), (0, 0, 0, 0), (2, 2), 1),
    ((1, 9, 7, 1), (3, 3), (1, 1, 1, 1), (3, 2), 1),
    ((1, 1, 10, 2), (1, 3), (0, 1, 0, 1), (1, 2), 0),
    ((1, 8, 8, 5), (1, 1), (0, 0, 0, 0), (3, 3), 0),
]


def pool_dim(size, k, pad_begin, pad_end, stride, ceil_mode):
    """ONNX MaxPool's output size (qonnx's executor needs the output shape declared)."""
    span = size + pad_begin + pad_end - k
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    return out - 1 if (out - 1) * stride >= size + pad_begin else out


@pytest.fixture
def qonnx_ir8(monkeypatch):
    """qonnx executes MaxPoolNHWC as an onnxruntime MaxPool in temporary models built with the
    installed onnx's newest IR version (14), which onnxruntime 1.31 cannot load; build them as IR 8
    (model framing only, the node is unchanged)."""
    import qonnx.core.onnx_exec as onnx_exec
    import qonnx.custom_op.general.maxpoolnhwc as mp
    make = mp.qonnx_make_model

    def make_ir8(graph, **kwargs):
        model = make(graph, **kwargs)
        model.ir_version = 8
        return model
    monkeypatch.setattr(mp, "qonnx_make_model", make_ir8)
    monkeypatch.setattr(onnx_exec, "qonnx_make_model", make_ir8)


@pytest.mark.parametrize("case", MAXPOOL_CASES, ids=lambda c: "-".join(map(str, c)).replace(" ", ""))
def test_maxpool_nhwc_equals_qonnx(case, tmp_path, qonnx_ir8):
    shape, kernel, pads, strides, ceil_mode = case
    rng = seeded(case)
    x = rng.integers(-6, 7, size=shape).astype(np.float32)  # many ties
    node = helper.make_node("MaxPoolNHWC", ["x"], ["y"], domain=QONNX, kernel_shape=list(kernel),
                            pads=list(pads), strides=list(strides), ceil_mode=ceil_mode)
    model = make_model([node], [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                       [helper.make_tensor_value_info("y", TensorProto.FLOAT, (
                           shape[0], pool_dim(shape[1], kernel[0], pads[0], pads[2], strides[0],
                                              ceil_mode),
                           pool_dim(shape[2], kernel[1], pads[1], pads[3], strides[1], ceil_mode),
                           shape[3]))],
                       extra_opsets=[(QONNX, 1)], name="maxpool_nhwc")
    annotate_datatype(model, "x", "INT4")
    got = run_finngl(model, {"x": x}, tmp_path)["y"]
    assert_identical(got, run_qonnx(model, {"x": x})["y"], f"MaxPoolNHWC {case}")
