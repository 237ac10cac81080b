"""Export of Brevitas models to ONNX files that finngl executes like Brevitas' forward pass:
the case-study ConvLstmQuant as one QONNX graph (convlstm_onnx.py) whose QuantLSTM is an ONNX Scan
(lstm_scan.py), with qonnx Quant nodes carrying the Brevitas quantizers' parameters (quant.py) and
BatchNorm in torch's own arithmetic (batchnorm.py); compare.py compares finngl's execution with
Brevitas tensor by tensor."""
from .batchnorm import probe_formula  # noqa: F401
from .convlstm_onnx import (INPUT_NAME, OUTPUT_NAME, brevitas_reference, convlstm_to_onnx,  # noqa: F401
                            export_convlstm)
from .lstm_scan import add_quant_lstm, build_lstm_body, lstm_quant_specs, quant_lstm_to_onnx  # noqa: F401
from .quant import ExportError, GraphBuilder, QuantSpec, act_spec, quant_np, weight_spec  # noqa: F401
