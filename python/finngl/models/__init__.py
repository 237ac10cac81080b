"""Brevitas models of the finngl case study (see convlstm.py)."""
from .convlstm import (CLASSES, ConvLstmFloat, ConvLstmQuant, LstmQuantConfig, QuantConfig,  # noqa: F401
                       calibrate, conv_layers, conv_output_size, count_parameters,
                       load_float_weights)
