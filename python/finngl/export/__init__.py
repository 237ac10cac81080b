"""Export of Brevitas models to ONNX files finngl executes bit-exactly (see convlstm_onnx.py):
the case-study ConvLstmQuant as one QONNX graph whose QuantLSTM is an ONNX Scan (lstm_scan.py)."""
from .batchnorm import probe_formula  # noqa: F401
from .convlstm_onnx import (INPUT_NAME, OUTPUT_NAME, brevitas_reference, convlstm_to_onnx,  # noqa: F401
                            export_convlstm)
from .lstm_scan import add_quant_lstm, build_lstm_body, lstm_quant_specs, quant_lstm_to_onnx  # noqa: F401
from .quant import ExportError, GraphBuilder, QuantSpec, act_spec, quant_np, weight_spec  # noqa: F401
