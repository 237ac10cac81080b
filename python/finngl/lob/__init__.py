"""Limit-order-book data for the finngl case study: the FI-2010 loader (DeepLOB protocol, fi2010.py)
and a seeded synthetic order-book simulator that writes files in FI-2010's layout (simulator.py;
CLI: python -m finngl.lob.simulator OUT_DIR)."""
from .fi2010 import (CLASSES, HORIZONS, LabelConventionWarning, LabelReport, LobSet, LobSplits,  # noqa: F401
                     check_label_convention, class_support, find_fi2010_files, labels_to_classes,
                     load_fi2010, read_fi2010_file)

_SIMULATOR_NAMES = ("simulate_fi2010", "OrderFlowParams", "DEFAULT_ALPHA", "DEFAULT_SAMPLES_PER_DAY")


def __getattr__(name):
    # imported lazily so that `python -m finngl.lob.simulator` does not find the module preloaded
    if name in _SIMULATOR_NAMES:
        from . import simulator
        return getattr(simulator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
