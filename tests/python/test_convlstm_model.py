"""The case-study ConvLSTM in Brevitas (finngl.models.convlstm): forward shapes of the float and the
quantized model, quantizer configuration read back from the Brevitas modules, copying float
weights into the quantized model, activation calibration, and the parameter count."""
import sys

import numpy as np
import pytest
import torch

from conftest import ROOT

sys.path.insert(0, str(ROOT / "python"))
pytest.importorskip("brevitas")
from finngl.models import convlstm as cl  # noqa: E402
from finngl.models import (ConvLstmFloat, ConvLstmQuant, LstmQuantConfig, QuantConfig,  # noqa: E402
                           calibrate, count_parameters, load_float_weights)

SMALL = dict(window=30, features=8, channels=4, hidden=8, dense=8)
HIGH_PRECISION = QuantConfig(
    input_bits=16, weight_bits=16, act_bits=16,
    # bias_bits=None: with 16-bit inputs and weights the Int32Bias scale (input x weight scale)
    # is so fine that the biases would overflow 32 bits
    lstm=LstmQuantConfig(weight_bits=16, bias_bits=None, io_bits=16, gate_acc_bits=16, sigmoid_bits=16,
                         tanh_bits=16, cell_state_bits=16))


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """These models are tiny; on a shared 2-core machine torch's thread pool only adds waiting."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _batch(n, window=30, features=8, seed=0):
    return torch.randn(n, 1, window, features, generator=torch.Generator().manual_seed(seed))


def _trained_looking_float_model(seed=0):
    """A small float model with BatchNorm statistics of its input data and weights large enough
    that its logits depend visibly on the input."""
    torch.manual_seed(seed)
    f = ConvLstmFloat(**SMALL)
    with torch.no_grad():
        for name, p in f.named_parameters():
            if name.startswith("lstm"):
                p.normal_(0.0, 0.3)
            elif name.startswith("fc"):
                p.normal_(0.0, 0.6)
        f.train()
        for bn in f.bn:
            bn.momentum = None          # running statistics = average over the batches below
            bn.reset_running_stats()
        for i in range(3):
            f(_data(16, seed=100 + i))
    return f.eval()


def _data(n, seed):
    return _batch(n, seed=seed) * 1.5 + 0.3


@pytest.fixture(scope="module")
def float_model():
    return _trained_looking_float_model()


def test_default_forward_shapes_and_geometry():
    torch.manual_seed(0)
    x = _batch(2, 100, 40)
    f = ConvLstmFloat().eval()
    q = ConvLstmQuant().eval()
    assert f.steps == q.steps == 88 and f.lstm_inputs == q.lstm_inputs == 320
    with torch.no_grad():
        assert f(x).shape == (2, 3)
        yq = q(x)
    assert yq.shape == (2, 3) and torch.isfinite(yq).all()
    assert cl.conv_output_size() == (88, 10)
    with pytest.raises(ValueError, match=r"expected input \[N, 1, 100, 40\]"):
        f(_batch(2, 99, 40))


def test_small_forward_shapes_and_batch_independence():
    f = ConvLstmFloat(**SMALL).eval()
    q = ConvLstmQuant(**SMALL).eval()
    x = _batch(5)
    with torch.no_grad():
        for m in (f, q):
            y = m(x)
            assert y.shape == (5, 3)
            # time-major sequence: each sample's logits do not depend on the rest of the batch
            assert torch.allclose(m(x[2:3]), y[2:3], atol=1e-6)
    with pytest.raises(ValueError, match="too small"):
        ConvLstmFloat(window=12, features=8)


def test_quant_config_takes_effect():
    cfg = QuantConfig(input_bits=7, weight_bits=5, act_bits=4,
                      lstm=LstmQuantConfig(weight_bits=3, bias_bits=16, io_bits=7, gate_acc_bits=9,
                                           sigmoid_bits=5, tanh_bits=4, cell_state_bits=10))
    q = ConvLstmQuant(**SMALL, config=cfg)
    bw = q.bit_widths()
    assert bw["input"] == 7
    assert all(bw[f"conv{i}.weight"] == 5 and bw[f"relu{i}"] == 4 for i in range(6))
    assert bw["fc0.weight"] == bw["fc1.weight"] == 5 and bw["relu_fc"] == 4
    for gate in ("input", "forget", "cell", "output"):
        assert bw[f"lstm.{gate}.weight"] == bw[f"lstm.{gate}.hidden_weight"] == 3
        assert bw[f"lstm.{gate}.bias"] == 16
    assert bw["lstm.output_quant"] == 7
    assert bw["lstm.cell_state_quant"] == 10
    assert all(bw[f"lstm.{g}_acc_quant"] == 9 for g in ("input", "forget", "cell", "output"))
    assert all(bw[f"lstm.{g}_sigmoid_quant"] == 5 for g in ("input", "forget", "output"))
    assert bw["lstm.cell_tanh_quant"] == bw["lstm.hidden_state_tanh_quant"] == 4
    # straight from the Brevitas modules, with signedness
    cell = q.lstm_cell()
    assert int(cell.input_sigmoid_quant.bit_width()) == 5 and not cell.input_sigmoid_quant.is_signed
    assert int(cell.cell_tanh_quant.bit_width()) == 4 and cell.cell_tanh_quant.is_signed
    assert int(q.relu[0].act_quant.bit_width()) == 4 and not q.relu[0].act_quant.is_signed
    # the default is W8A6
    d = ConvLstmQuant(**SMALL).bit_widths()
    assert d["input"] == 8 and d["conv0.weight"] == 8 and d["relu0"] == 6 and d["lstm.input.bias"] == 32
    assert {v for k, v in d.items() if k.startswith("lstm.") and k.endswith("_quant")} == {6}
    # per-output-channel weight scales
    pc = ConvLstmQuant(**SMALL, config=QuantConfig(per_channel_weights=True))
    assert pc.conv[1].quant_weight().scale.shape == (4, 1, 1, 1)
    assert pc.fc0.quant_weight().scale.shape == (8, 1)
    # a float LSTM bias
    n = ConvLstmQuant(**SMALL, config=QuantConfig(lstm=LstmQuantConfig(bias_bits=None))).bit_widths()
    assert not any(k.endswith(".bias") for k in n)


def test_quantized_values_lie_on_the_configured_grid(float_model):
    """After calibration, a 3-bit QuantReLU emits at most 2^3 distinct values and the 8-bit weights
    at most 255 (narrow range)."""
    q = ConvLstmQuant(**SMALL, config=QuantConfig(act_bits=3))
    load_float_weights(q, float_model)
    calibrate(q, [_data(8, seed=1)])
    seen = {}
    q.relu[1].register_forward_hook(lambda m, i, o: seen.setdefault("relu1", o))
    with torch.no_grad():
        q(_batch(8, seed=2))
    assert len(torch.unique(seen["relu1"])) <= 8
    w = q.conv[1].quant_weight()
    ints = (w.value / w.scale).detach()
    assert torch.allclose(ints, ints.round(), atol=1e-4) and ints.abs().max() <= 127


def test_load_float_weights_copies_every_tensor(float_model):
    f = float_model
    q = ConvLstmQuant(**SMALL)
    load_float_weights(q, f)
    for qc, fc in zip(q.conv, f.conv):
        assert torch.equal(qc.weight, fc.weight) and torch.equal(qc.bias, fc.bias)
    for qb, fb in zip(q.bn, f.bn):
        assert torch.equal(qb.running_mean, fb.running_mean) and torch.equal(qb.weight, fb.weight)
    h = f.hidden
    for k, gate in enumerate(("input", "forget", "cell", "output")):   # torch order i, f, g, o
        gp = q.lstm_gate_params(gate)
        rows = slice(k * h, (k + 1) * h)
        assert torch.equal(gp.input_weight.weight, f.lstm.weight_ih_l0[rows])
        assert torch.equal(gp.hidden_weight.weight, f.lstm.weight_hh_l0[rows])
        assert torch.allclose(gp.bias, f.lstm.bias_ih_l0[rows] + f.lstm.bias_hh_l0[rows])
    assert torch.equal(q.fc1.weight, f.fc1.weight)
    with pytest.raises(ValueError, match="hidden"):
        load_float_weights(ConvLstmQuant(**dict(SMALL, hidden=6)), f)


def test_quantized_output_matches_float_after_loading_16bit(float_model):
    """Float weights loaded, activation scales calibrated on the evaluated batch, 16-bit
    quantizers everywhere: the quantized model computes the float model's logits to within 1% of
    their spread over the batch (so every weight, gate and bias landed in the right place)."""
    f = float_model
    q = ConvLstmQuant(**SMALL, config=HIGH_PRECISION)
    load_float_weights(q, f)
    x = _data(16, seed=3)
    calibrate(q, [x, _data(16, seed=10)])
    with torch.no_grad():
        yf, yq = f(x), q(x)
    spread = float((yf - yf.mean(0)).abs().max())
    assert spread > 0.1          # the logits really depend on the input
    err = float((yq - yf).abs().max())
    assert err < 0.01 * spread, (err, spread)
    assert torch.equal(yq.argmax(1), yf.argmax(1))


def test_quantized_output_close_to_float_after_loading_w8a6(float_model):
    """At W8A6, calibrated on other data, before any QAT: logits strongly correlated with the float
    model's and mostly the same predicted class."""
    f = float_model
    q = ConvLstmQuant(**SMALL)
    load_float_weights(q, f)
    calibrate(q, [_data(16, seed=10), _data(16, seed=11)])
    x = _data(16, seed=3)
    with torch.no_grad():
        yf, yq = f(x), q(x)
    corr = np.corrcoef(yf.flatten().numpy(), yq.flatten().numpy())[0, 1]
    assert corr > 0.9, corr
    assert float((yq.argmax(1) == yf.argmax(1)).float().mean()) >= 0.75


def test_calibrate_makes_scales_learned_parameters():
    q = ConvLstmQuant(**SMALL)
    th = calibrate(q, [_batch(8)])
    names = set(th)
    assert "inp.act_quant" in names and "lstm.layers.0.0.cell.output_quant" in names
    assert len(names) == 1 + 6 + 1 + 11   # input, 6 conv ReLUs, dense ReLU, 11 LSTM quantizers
    assert all(v > 0 for v in th.values())
    # the hidden state's range is that of the whole sequence, not of the early steps
    cell = q.lstm_cell()
    scale = float(cell.output_quant.scale().detach())
    assert scale == pytest.approx(th["lstm.layers.0.0.cell.output_quant"] / 32, rel=1e-5)
    # QAT continues from the calibrated scales (statistics collection is over)
    q.train()
    q(_batch(4, seed=5))
    assert float(cell.output_quant.scale(force_eval=False).detach()) == pytest.approx(scale, rel=1e-6)


def test_parameter_count():
    assert count_parameters(ConvLstmQuant()) == 121_987
    assert count_parameters(ConvLstmFloat()) == 122_243       # nn.LSTM's second bias vector: +256
    # formula, for any size
    c, h, d, t_feats = 4, 8, 8, 2
    convs = (1 * c * 2 + c) + 2 * (c * c * 4 + c) + (c * c * 2 + c) + 2 * (c * c * 4 + c)
    expected = convs + 6 * 2 * c + 4 * h * (c * t_feats + h) + 4 * h + (h * d + d) + (d * 3 + 3)
    assert count_parameters(ConvLstmQuant(**SMALL)) == expected
    assert count_parameters(ConvLstmQuant(**SMALL), include_quantizers=True) == expected + 19
