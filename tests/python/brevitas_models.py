"""Brevitas model builders shared by the end-to-end tests (test_frontend_e2e.py,
test_convert_to_hw.py, test_quant_lstm_e2e.py, test_build_models.py): a 2-bit TFC-like MLP, a
4-bit CNV-like CNN with BatchNorm (negative gammas), and a QuantIdentity -> QuantLSTM with
learned (non-trivial) activation scales, plus the helper that turns a quantized output into its
integers. Importing this module requires brevitas; tests guard it with pytest.importorskip first.
"""
import numpy as np
import torch
import brevitas.nn as qnn

from test_quant_lstm_cell import layer_cells, scaling_of, set_thresholds


class Unwrap(torch.nn.Module):
    """Returns a plain tensor instead of a QuantTensor, so export_qonnx sees one output."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        y = self.net(x)
        return y.value if hasattr(y, "value") else y


class Mlp(torch.nn.Module):
    def __init__(self, wb=2, ab=2):
        super().__init__()
        self.inp = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)
        self.fc1 = qnn.QuantLinear(32, 64, bias=True, weight_bit_width=wb)
        self.bn1 = torch.nn.BatchNorm1d(64)
        self.r1 = qnn.QuantReLU(bit_width=ab, return_quant_tensor=True)
        self.fc2 = qnn.QuantLinear(64, 64, bias=True, weight_bit_width=wb)
        self.bn2 = torch.nn.BatchNorm1d(64)
        self.r2 = qnn.QuantReLU(bit_width=ab, return_quant_tensor=True)
        self.fc3 = qnn.QuantLinear(64, 10, bias=False, weight_bit_width=wb)
        self.out = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)

    def forward(self, x):
        x = self.r1(self.bn1(self.fc1(self.inp(x))))
        x = self.r2(self.bn2(self.fc2(x)))
        return self.out(self.fc3(x))


class Cnn(torch.nn.Module):
    def __init__(self, wb=4, ab=4):
        super().__init__()
        self.inp = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)
        self.c1 = qnn.QuantConv2d(3, 16, 3, weight_bit_width=wb, bias=False)
        self.b1 = torch.nn.BatchNorm2d(16)
        self.r1 = qnn.QuantReLU(bit_width=ab, return_quant_tensor=True)
        self.c2 = qnn.QuantConv2d(16, 16, 3, weight_bit_width=wb, bias=False)
        self.b2 = torch.nn.BatchNorm2d(16)
        self.r2 = qnn.QuantReLU(bit_width=ab, return_quant_tensor=True)
        self.pool = torch.nn.MaxPool2d(2)
        self.c3 = qnn.QuantConv2d(16, 32, 3, weight_bit_width=wb, bias=False)
        self.b3 = torch.nn.BatchNorm2d(32)
        self.r3 = qnn.QuantReLU(bit_width=ab, return_quant_tensor=True)
        self.fc = qnn.QuantLinear(32 * 2 * 2, 10, weight_bit_width=wb, bias=True)
        self.out = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)

    def forward(self, x):
        x = self.r1(self.b1(self.c1(self.inp(x))))
        x = self.pool(self.r2(self.b2(self.c2(x))))
        x = self.r3(self.b3(self.c3(x)))
        return self.out(self.fc(torch.flatten(x, 1)))


def calibrated(net, shape):
    """A few training-mode passes collect activation statistics and BatchNorm running stats;
    then random BatchNorm affine parameters, negative gammas included."""
    torch.manual_seed(0)
    net.train()
    with torch.no_grad():
        for _ in range(10):
            net(torch.randn(32, *shape))
        for m in net.modules():
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                m.weight.uniform_(-1, 1)  # negative gammas: sign factoring is exercised
                m.bias.uniform_(-0.5, 0.5)
    return net.eval()


# QuantLSTM: input size, hidden size.
LSTM_I, LSTM_H = 6, 10

# The mixed-precision LSTM of issue 3: 8-bit weights, 6-bit gate accumulators, 4-bit sigmoid
# outputs, 6-bit cell and hidden state (io: the LSTM's input and hidden-state quantizer).
LSTM_MIXED = dict(weight_bit_width=8, gate_acc_bit_width=6, sigmoid_bit_width=4,
                  tanh_bit_width=6, cell_state_bit_width=6, io_bit_width=6)


class InputQuantLstm(torch.nn.Module):
    """QuantIdentity -> QuantLSTM; returns (Y, h_T, c_T) as plain tensors."""

    def __init__(self, **lstm_kwargs):
        super().__init__()
        self.inp = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)
        self.lstm = qnn.QuantLSTM(LSTM_I, LSTM_H, **lstm_kwargs)

    def forward(self, x):
        y, (h, c) = self.lstm(self.inp(x))
        return y, h, c


def make_quant_lstm(kwargs, seed):
    """An InputQuantLstm with biases away from the default init and every activation quantizer
    given a learned scale that makes it both round and clamp. Returns (net in eval mode, rng)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = InputQuantLstm(**kwargs)
    with torch.no_grad():  # biases away from the default init's +-1/sqrt(H), larger gate sums
        for p in net.lstm.parameters():
            if p.dim() == 1:
                p.uniform_(-0.8, 0.8)
        set_thresholds(net.lstm, rng)
        # The input quantizer gets a non-trivial learned scale too (not the untrained 1/128).
        scaling = scaling_of(net.inp.act_quant)
        scaling.value.data.fill_(float(rng.uniform(2.0, 3.0)))
        scaling.counter = scaling.collect_stats_steps + 1
    return net.eval(), rng


@torch.no_grad()
def lstm_output_scales(net):
    """Scales of (Y, h_T, c_T): Y and h_T the io quantizer's, c_T the cell state quantizer's."""
    cell = layer_cells(net.lstm)[0]
    s_out, s_cell = float(cell.output_quant.scale()), float(cell.cell_state_quant.scale())
    return s_out, s_out, s_cell


def to_integers(values, scale, who, what):
    """`values` / `scale` as int64, asserting every element lies on the quantizer's grid."""
    v = np.asarray(values, np.float64) / scale
    off = np.abs(v - np.round(v)).max()
    assert off < 1e-3, f"{who} {what} is not on its quantizer's grid (max distance {off})"
    return np.round(v).astype(np.int64)
