"""Train the case-study ConvLSTM on FI-2010 (or the synthetic stand-in) and export it for finngl.

    PYTHONPATH=python .venv/bin/python -m finngl.train --data DIR --out DIR [--epochs N]
        [--qat-epochs N] [--channels C --hidden H --dense D] [--<quantizer>-bits B ...]

Steps (../shared/docs/case-study.md, "Training"):
1. data: `load_fi2010(--data)` in DeepLOB's protocol (train days 1-7 with the last 20% as
   validation, test days 8-10; windows of 100 samples, horizon k=10). If --data does not exist (or
   is an empty directory), the synthetic order-book simulator writes FI-2010-format files there
   first (`simulate_fi2010`, seed --sim-seed); reports then say "synthetic".
2. float pre-training of ConvLstmFloat: Adam, cross-entropy, early stopping on the validation
   loss (--patience epochs without improvement), the best-validation weights kept.
3. quantization-aware fine-tuning of ConvLstmQuant (W8A6 by default, every quantizer's bit width
   configurable below) from the float weights: `load_float_weights`, `calibrate` on training
   windows, the cell-state scale capped (`cap_cell_state_threshold`, --cell-state-max-scale), then
   Adam / cross-entropy / early stopping / best checkpoint again (restored with `restore_state`,
   which also rebuilds Brevitas' cached QuantLSTM fast cell, see reset_quant_lstm_fast_cells).
4. test metrics of the float model, the calibrated model before fine-tuning (post-training
   quantization) and the fine-tuned quantized model: per-class precision / recall / F1, macro
   averages and accuracy, printed as a table and written to OUT/metrics.json.
5. export (finngl.export): OUT/model.onnx (one QONNX graph, the LSTM as a Scan, bit-exact with
   Brevitas' forward up to float summation order, see finngl/export/convlstm_onnx.py) and
   OUT/test_windows.npz (x, y of a few hundred test windows, with Brevitas' predictions and
   logits); with the finngl binary present, `finngl exec` is run on them and compared.
OUT also receives float_model.pt / quant_model.pt (state dicts) and train_config.json.

CPU by default with --threads (2); CUDA when available (--device auto). Seeded (--seed).
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import random
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from torch import nn

from finngl.models import (CLASSES, ConvLstmFloat, ConvLstmQuant, LstmQuantConfig, QuantConfig, calibrate,
                           count_parameters, load_float_weights)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FINNGL = ROOT / "build" / "tools" / "finngl"


# ------------------------------------------------------------------------------ progress bar

class ProgressBar:
    """A plain-text progress bar: redrawn in place on a terminal, one final line otherwise."""

    def __init__(self, total: int, desc: str, width: int = 30, stream=None):
        self.total, self.desc, self.width = max(1, total), desc, width
        self.stream = stream or sys.stdout
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.n, self.start, self.postfix, self._last = 0, time.time(), "", 0.0

    def update(self, n: int = 1, postfix: str = ""):
        self.n = min(self.total, self.n + n)
        self.postfix = postfix
        now = time.time()
        if self.tty and (now - self._last > 0.2 or self.n == self.total):
            self._last = now
            self.stream.write("\r" + self._line())
            self.stream.flush()

    def _line(self) -> str:
        frac = self.n / self.total
        filled = int(round(frac * self.width))
        el = time.time() - self.start
        eta = el / frac - el if frac > 0 else 0.0
        return (f"{self.desc} |{'#' * filled}{'.' * (self.width - filled)}| {self.n}/{self.total} "
                f"[{el:5.0f}s<{eta:4.0f}s] {self.postfix}")

    def close(self, postfix: Optional[str] = None):
        if postfix is not None:
            self.postfix = postfix
        self.stream.write(("\r" if self.tty else "") + self._line() + "\n")
        self.stream.flush()


# ---------------------------------------------------------------------------------- metrics

def classification_report(y_true: Sequence[int], y_pred: Sequence[int], classes=CLASSES) -> dict:
    """Per-class precision / recall / F1 / support, macro averages, accuracy, confusion matrix
    (rows: true class, columns: predicted class). Precision of a never-predicted class is 0."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    k = len(classes)
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    per_class = {}
    for i, name in enumerate(classes):
        tp = cm[i, i]
        pred, true = cm[:, i].sum(), cm[i, :].sum()
        p = tp / pred if pred else 0.0
        r = tp / true if true else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per_class[name] = {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(true)}
    macro = {m: float(np.mean([per_class[c][m] for c in classes])) for m in ("precision", "recall", "f1")}
    return {"accuracy": float(np.trace(cm) / max(1, cm.sum())), "macro": macro, "per_class": per_class,
            "confusion": cm.tolist(), "n": int(cm.sum())}


def format_table(reports: Dict[str, dict], classes=CLASSES) -> str:
    """Side-by-side table of several classification reports (values in %)."""
    names = list(reports)
    rows = [("accuracy", lambda r: r["accuracy"]),
            ("macro precision", lambda r: r["macro"]["precision"]),
            ("macro recall", lambda r: r["macro"]["recall"]),
            ("macro F1", lambda r: r["macro"]["f1"])]
    for c in classes:
        for m in ("precision", "recall", "f1"):
            rows.append((f"{c} {m}", lambda r, c=c, m=m: r["per_class"][c][m]))
    w0 = max(len(r[0]) for r in rows) + 2
    widths = [max(10, len(n) + 2) for n in names]
    out = ["metric".ljust(w0) + "".join(n.rjust(w) for n, w in zip(names, widths))]
    out.append("-" * len(out[0]))
    for label, get in rows:
        out.append(label.ljust(w0) + "".join(f"{100 * get(reports[n]):.2f}".rjust(w)
                                              for n, w in zip(names, widths)))
    sup = reports[names[0]]["per_class"]
    out.append("support: " + ", ".join(f"{c} {sup[c]['support']}" for c in classes)
               + f" (n = {reports[names[0]]['n']})")
    return "\n".join(out)


# ------------------------------------------------------------------------------ data / loops

def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def prepare_data(args) -> tuple:
    """Generates synthetic data if --data is missing or empty; loads the splits."""
    from finngl.lob import load_fi2010, simulate_fi2010
    data = Path(args.data)
    synthetic = False
    if not data.exists() or (data.is_dir() and not any(data.iterdir())):
        print(f"[data] {data} does not exist: writing the synthetic FI-2010 stand-in there "
              f"(simulate_fi2010, seed {args.sim_seed}, {args.sim_samples_per_day} samples per day)")
        simulate_fi2010(data, seed=args.sim_seed, samples_per_day=args.sim_samples_per_day,
                        normalisations=(args.normalisation,))
    manifest = data / "SIMULATED.json"
    if manifest.exists():
        synthetic = True
    splits = load_fi2010(data, normalisation=args.normalisation, horizon=args.horizon, window=args.window,
                         label_convention=args.label_convention)
    desc = {"source": "synthetic (finngl.lob.simulator; not FI-2010, not comparable with the paper)"
            if synthetic else "FI-2010", "path": str(data), "synthetic": synthetic,
            "normalisation": splits.normalisation, "horizon": splits.horizon, "window": splits.window,
            "label_convention": splits.label_convention,
            "files": {"train": str(splits.files["train"]), "test": [str(p) for p in splits.files["test"]]},
            "windows": {s: len(getattr(splits, s)) for s in ("train", "val", "test")},
            "support": {s: getattr(splits, s).support() for s in ("train", "val", "test")}}
    if synthetic:
        desc["simulator"] = json.loads(manifest.read_text())
        desc["simulator"].pop("order_flow", None)
    return splits, desc


def batches(lobset, batch_size: int, shuffle: bool, rng: Optional[np.random.Generator] = None,
            limit: Optional[int] = None):
    n = len(lobset)
    idx = rng.permutation(n) if shuffle else np.arange(n)
    if limit is not None:
        idx = idx[:limit]
    for s in range(0, len(idx), batch_size):
        sel = idx[s:s + batch_size]
        if not shuffle and len(sel) and sel[-1] - sel[0] == len(sel) - 1:
            x = np.ascontiguousarray(lobset.x[sel[0]:sel[-1] + 1])
        else:
            x = lobset.batch(sel)
        yield torch.from_numpy(x), torch.from_numpy(lobset.y[sel])


@torch.no_grad()
def evaluate(model: nn.Module, lobset, device, batch_size: int = 256) -> dict:
    """Mean cross-entropy, predictions and logits over a split (eval mode)."""
    model.eval()
    total, n, preds, logits = 0.0, 0, [], []
    for x, y in batches(lobset, batch_size, shuffle=False):
        out = model(x.to(device)).float().cpu()
        total += float(nn.functional.cross_entropy(out, y, reduction="sum"))
        n += len(y)
        logits.append(out.numpy())
        preds.append(out.argmax(1).numpy())
    logits = np.concatenate(logits) if logits else np.zeros((0, len(CLASSES)), np.float32)
    return {"loss": total / max(1, n), "pred": np.concatenate(preds) if preds else np.zeros(0, np.int64),
            "logits": logits}


def cap_cell_state_threshold(qmodel: ConvLstmQuant, max_scale: float) -> Optional[tuple]:
    """Caps the LSTM cell-state quantizer's scale at `max_scale` (threshold <= max_scale x
    2^(bits-1)). Returns (old threshold, new threshold) when it lowered it, else None.

    Why: `calibrate` sets the threshold from the range of the float cell state, which in a trained
    float LSTM reaches tens (|c| accumulates over the 88 steps; tanh(c) saturates beyond ~3). A
    6-bit quantizer with that range has a step of several units, so the cell update
    c' = Q(Q(f * c) + Q(i * g)) rounds every increment |i * g| <= 1 to zero: the cell state stays
    0 and the hidden state o * tanh(c) with it, and the model predicts one class (measured on the
    synthetic data: 35% instead of 74%; with the cap at 0.25, 75%). A step of at most 1/4 keeps
    the increments; the larger |c| are clipped, which tanh hardly notices."""
    if not max_scale or max_scale <= 0:
        return None
    proxy = qmodel.lstm_cell().cell_state_quant
    scaling = proxy.fused_activation_quant_proxy.tensor_quant.scaling_impl
    bits = int(proxy.bit_width())
    cap = float(max_scale) * 2 ** (bits - 1) if proxy.is_signed else float(max_scale) * (2 ** bits - 1)
    old = float(scaling.value.detach().reshape(-1)[0])
    if old <= cap:
        return None
    with torch.no_grad():
        scaling.value.fill_(cap)
    return old, cap


def reset_quant_lstm_fast_cells(model: nn.Module) -> int:
    """Drops the cached fast cell of every Brevitas QuantLSTM layer so that the next forward
    rebuilds it from the layer's current quantizers. Returns the number of cells dropped.

    Brevitas (0.13.4) builds a QuantLSTM layer's fast cell lazily at the first forward, wrapping
    the quantizers' fused activation proxies of that moment. load_state_dict re-initialises those
    proxies (new objects holding the loaded scales), but the cached fast cell keeps the old ones:
    the forward pass then runs with stale activation scales next to freshly loaded weights (and a
    Brevitas export or finngl's export reads the new ones)."""
    n = 0
    for m in model.modules():
        if getattr(m, "_fast_cell", None) is not None:
            m._fast_cell = None
            n += 1
    return n


def restore_state(model: nn.Module, state: dict) -> None:
    """load_state_dict for ConvLstmQuant checkpoints: tolerates the QuantLSTM fast-cell keys
    (Brevitas drops them from state_dict() but load_state_dict expects them once the fast cell
    exists) and rebuilds the fast cells afterwards (reset_quant_lstm_fast_cells)."""
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if "._fast_cell." not in k]
    if missing or unexpected:
        raise RuntimeError(f"checkpoint mismatch: missing {missing}, unexpected {unexpected}")
    reset_quant_lstm_fast_cells(model)


def fit(model: nn.Module, splits, device, *, epochs: int, lr: float, batch_size: int, patience: int,
        rng: np.random.Generator, label: str, weight_decay: float = 0.0,
        max_train_windows: Optional[int] = None) -> dict:
    """Adam + cross-entropy with early stopping on the validation loss; restores the best
    validation checkpoint into `model`. Returns the history."""
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=weight_decay)
    best_loss, best_state, best_epoch, bad = math.inf, None, 0, 0
    history = []
    start = time.time()
    n_train = len(splits.train) if max_train_windows is None else min(len(splits.train), max_train_windows)
    for epoch in range(1, epochs + 1):
        model.train()
        steps = math.ceil(n_train / batch_size)
        bar = ProgressBar(steps, f"[{label}] epoch {epoch:3d}/{epochs}")
        run_loss, run_correct, seen = 0.0, 0, 0
        t0 = time.time()
        for x, y in batches(splits.train, batch_size, shuffle=True, rng=rng, limit=max_train_windows):
            x, y = x.to(device), y.to(device)
            opt.zero_grad(set_to_none=True)
            out = model(x)
            loss = nn.functional.cross_entropy(out, y)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"[{label}] non-finite training loss at epoch {epoch}")
            loss.backward()
            opt.step()
            run_loss += loss.item() * len(y)
            run_correct += int((out.argmax(1) == y).sum())
            seen += len(y)
            bar.update(1, f"loss {run_loss / seen:.4f} acc {100 * run_correct / seen:.1f}%")
        val = evaluate(model, splits.val, device)
        val_acc = float((val["pred"] == splits.val.y).mean()) if len(splits.val) else 0.0
        improved = val["loss"] < best_loss
        if improved:
            best_loss, best_epoch, bad = val["loss"], epoch, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            bad += 1
        bar.close(f"loss {run_loss / max(1, seen):.4f} acc {100 * run_correct / max(1, seen):.1f}% | "
                  f"val loss {val['loss']:.4f} acc {100 * val_acc:.1f}%{' *' if improved else ''}")
        history.append({"epoch": epoch, "train_loss": run_loss / max(1, seen),
                        "train_acc": run_correct / max(1, seen), "val_loss": val["loss"], "val_acc": val_acc,
                        "seconds": time.time() - t0})
        if bad >= patience:
            print(f"[{label}] early stop: no validation improvement for {patience} epochs")
            break
    if best_state is not None:
        restore_state(model, best_state)
    return {"history": history, "best_epoch": best_epoch, "best_val_loss": best_loss,
            "epochs_run": len(history), "seconds": time.time() - start}


# ------------------------------------------------------------------------------------ export

def demo_indices(lobset, count: int) -> np.ndarray:
    """`count` test windows in equal contiguous runs from the start of each test file (day):
    contiguous windows overlap, so the .npz compresses well."""
    segs = []
    s0 = 0
    for start, end in lobset.segments:
        n_windows = max(0, end - start - lobset.window + 1)
        segs.append((s0, n_windows))
        s0 += n_windows
    per = max(1, count // max(1, len(segs)))
    idx = []
    for first, n in segs:
        idx.extend(range(first, first + min(per, n)))
    return np.asarray(idx[:count], dtype=np.int64)


def finngl_exec(model_path: Path, x: np.ndarray, binary: Path) -> Dict[str, np.ndarray]:
    """Runs `finngl exec` on input x; returns {output name: array}."""
    from finngl.export import INPUT_NAME
    from finngl.export.compare import finngl_exec as run
    return run(model_path, {INPUT_NAME: x}, binary)


# -------------------------------------------------------------------------------------- CLI

def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m finngl.train", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    d = ap.add_argument_group("data")
    d.add_argument("--data", required=True, help="FI-2010 directory (searched recursively for the NoAuction "
                   "fold-7 files); created with synthetic data if it does not exist")
    d.add_argument("--normalisation", default="ZScore", choices=["ZScore", "MinMax", "DecPre"])
    d.add_argument("--horizon", type=int, default=10, choices=[1, 2, 3, 5, 10], help="label horizon k (samples)")
    d.add_argument("--window", type=int, default=100)
    d.add_argument("--label-convention", default="fi2010", choices=["fi2010", "reversed"])
    d.add_argument("--sim-seed", type=int, default=0, help="simulator seed (synthetic data only)")
    d.add_argument("--sim-samples-per-day", type=int, default=1000)
    o = ap.add_argument_group("output")
    o.add_argument("--out", required=True, help="output directory")
    o.add_argument("--demo-windows", type=int, default=240, help="test windows written to test_windows.npz")
    o.add_argument("--no-export", action="store_true", help="skip the ONNX export")
    o.add_argument("--finngl", default=str(DEFAULT_FINNGL),
                   help="finngl binary used to check the export on the demo windows (skipped if missing)")
    m = ap.add_argument_group("model")
    m.add_argument("--channels", type=int, default=32)
    m.add_argument("--hidden", type=int, default=64)
    m.add_argument("--dense", type=int, default=64)
    q = ap.add_argument_group("quantization (bit widths; defaults: W8A6)")
    q.add_argument("--input-bits", type=int, default=8)
    q.add_argument("--weight-bits", type=int, default=8, help="conv and dense weights")
    q.add_argument("--act-bits", type=int, default=6, help="QuantReLU after convs and the first dense layer")
    q.add_argument("--per-channel-weights", action="store_true")
    q.add_argument("--lstm-weight-bits", type=int, default=8)
    q.add_argument("--lstm-bias-bits", default="32", help="Int32Bias bit width, or 'none' for a float bias")
    q.add_argument("--io-bits", type=int, default=6, help="LSTM input / hidden state")
    q.add_argument("--gate-acc-bits", type=int, default=6)
    q.add_argument("--sigmoid-bits", type=int, default=6)
    q.add_argument("--tanh-bits", type=int, default=6)
    q.add_argument("--cell-state-bits", type=int, default=6)
    t = ap.add_argument_group("training")
    t.add_argument("--epochs", type=int, default=30, help="float pre-training epochs (max)")
    t.add_argument("--qat-epochs", type=int, default=10, help="quantization-aware fine-tuning epochs (max)")
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--qat-batch-size", type=int, default=128)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--qat-lr", type=float, default=2e-4)
    t.add_argument("--weight-decay", type=float, default=0.0)
    t.add_argument("--patience", type=int, default=5, help="early stopping patience (float)")
    t.add_argument("--qat-patience", type=int, default=3, help="early stopping patience (QAT)")
    t.add_argument("--calib-windows", type=int, default=512, help="training windows used by calibrate")
    t.add_argument("--cell-state-max-scale", type=float, default=0.25,
                   help="cap on the LSTM cell-state quantizer's calibrated scale (0: no cap)")
    t.add_argument("--max-train-windows", type=int, default=None,
                   help="use at most this many (random) training windows per epoch")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--threads", type=int, default=2, help="CPU threads for torch")
    t.add_argument("--device", default="auto", help="auto (CUDA when available), cpu, cuda, cuda:N")
    return ap


def quant_config(args) -> QuantConfig:
    bias = args.lstm_bias_bits
    bias_bits = None if str(bias).lower() in ("none", "float", "0") else int(bias)
    return QuantConfig(input_bits=args.input_bits, weight_bits=args.weight_bits, act_bits=args.act_bits,
                       per_channel_weights=args.per_channel_weights,
                       lstm=LstmQuantConfig(weight_bits=args.lstm_weight_bits, bias_bits=bias_bits,
                                            io_bits=args.io_bits, gate_acc_bits=args.gate_acc_bits,
                                            sigmoid_bits=args.sigmoid_bits, tanh_bits=args.tanh_bits,
                                            cell_state_bits=args.cell_state_bits))


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    t_start = time.time()
    cpu_start = time.process_time()
    seed_everything(args.seed)
    torch.set_num_threads(max(1, args.threads))
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available()
                          else ("cpu" if args.device == "auto" else args.device))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"[setup] device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, seed {args.seed}")

    splits, data_desc = prepare_data(args)
    print(f"[data] {data_desc['source']}\n{splits.summary()}")
    geometry = dict(window=args.window, features=40, channels=args.channels, hidden=args.hidden,
                    dense=args.dense, classes=len(CLASSES))
    cfg = quant_config(args)
    rng = np.random.default_rng(args.seed)

    # ---- float pre-training
    seed_everything(args.seed)
    fmodel = ConvLstmFloat(**geometry).to(device)
    print(f"[float] ConvLstmFloat {geometry}, {count_parameters(fmodel)} parameters")
    fhist = fit(fmodel, splits, device, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                patience=args.patience, rng=rng, label="float", weight_decay=args.weight_decay,
                max_train_windows=args.max_train_windows)
    ftest = evaluate(fmodel, splits.test, device)
    reports = {"float": classification_report(splits.test.y, ftest["pred"])}
    torch.save(fmodel.state_dict(), out / "float_model.pt")

    # ---- quantization-aware fine-tuning
    seed_everything(args.seed + 1)
    qmodel = ConvLstmQuant(**geometry, config=cfg).to(device)
    load_float_weights(qmodel, fmodel)
    calib_idx = rng.permutation(len(splits.train))[:args.calib_windows]
    calib = [torch.from_numpy(splits.train.batch(calib_idx[s:s + 128])).to(device)
             for s in range(0, len(calib_idx), 128)]
    t0 = time.time()
    thresholds = calibrate(qmodel, calib)
    print(f"[qat] ConvLstmQuant {qmodel.bit_widths()}\n[qat] calibrated {len(thresholds)} activation "
          f"quantizers on {len(calib_idx)} training windows ({time.time() - t0:.1f}s)")
    capped = cap_cell_state_threshold(qmodel, args.cell_state_max_scale)
    if capped:
        print(f"[qat] cell-state threshold {capped[0]:.3g} -> {capped[1]:.3g} "
              f"(scale capped at {args.cell_state_max_scale}, see cap_cell_state_threshold)")
    ptq = evaluate(qmodel, splits.test, device)
    reports["quantized (calibrated, before QAT)"] = classification_report(splits.test.y, ptq["pred"])
    qhist = fit(qmodel, splits, device, epochs=args.qat_epochs, lr=args.qat_lr, batch_size=args.qat_batch_size,
                patience=args.qat_patience, rng=rng, label="qat", max_train_windows=args.max_train_windows)
    qtest = evaluate(qmodel, splits.test, device)
    reports["quantized (QAT)"] = classification_report(splits.test.y, qtest["pred"])
    torch.save(qmodel.state_dict(), out / "quant_model.pt")
    train_seconds = time.time() - t_start

    print("\n[test] " + data_desc["source"] + "\n" + format_table(reports))
    fq, qq = reports["float"], reports["quantized (QAT)"]
    diff = {"accuracy": qq["accuracy"] - fq["accuracy"], "macro_f1": qq["macro"]["f1"] - fq["macro"]["f1"],
            "test_predictions_differing": int((qtest["pred"] != ftest["pred"]).sum())}
    print(f"[test] quantized - float: accuracy {100 * diff['accuracy']:+.2f} points, macro F1 "
          f"{100 * diff['macro_f1']:+.2f} points; {diff['test_predictions_differing']} of {len(splits.test)} "
          "test predictions differ")

    metrics = {
        "data": data_desc,
        "model": {"geometry": geometry, "parameters_float": count_parameters(fmodel),
                  "parameters_quant": count_parameters(qmodel), "bit_widths": qmodel.bit_widths(),
                  "quant_config": asdict(cfg)},
        "float": {"test": reports["float"], "test_loss": ftest["loss"], "training": fhist},
        "ptq": {"test": reports["quantized (calibrated, before QAT)"], "test_loss": ptq["loss"],
                "calibrated_thresholds": {k: round(v, 6) for k, v in thresholds.items()},
                "cell_state_threshold_capped": list(capped) if capped else None},
        "quantized": {"test": reports["quantized (QAT)"], "test_loss": qtest["loss"], "training": qhist},
        "difference_quantized_minus_float": diff,
        "run": {"device": str(device), "threads": torch.get_num_threads(), "seed": args.seed,
                "train_wall_seconds": round(train_seconds, 1),
                "python": platform.python_version(), "torch": torch.__version__,
                "command": " ".join(["python -m finngl.train"] + (argv if argv is not None else sys.argv[1:]))},
    }
    (out / "train_config.json").write_text(json.dumps({"geometry": geometry, "quant_config": asdict(cfg),
                                                       "args": vars(args)}, indent=2) + "\n")

    # ---- export
    if not args.no_export:
        from finngl.export import brevitas_reference, export_convlstm
        qcpu = qmodel.to("cpu").eval()
        path = out / "model.onnx"
        t0 = time.time()
        onnx_model = export_convlstm(qcpu, path)
        idx = demo_indices(splits.test, args.demo_windows)
        x = np.ascontiguousarray(splits.test.batch(idx))
        y = splits.test.y[idx]
        ref = brevitas_reference(qcpu, x)
        pred = ref["logits"].argmax(1)
        np.savez_compressed(out / "test_windows.npz", x=x, y=y, brevitas_pred=pred, brevitas_logits=ref["logits"])
        props = {p.key: p.value for p in onnx_model.metadata_props}
        export = {"onnx": path.name, "onnx_bytes": path.stat().st_size,
                  "quant_nodes": sum(1 for n in onnx_model.graph.node if n.op_type == "Quant")
                  + sum(1 for n in onnx_model.graph.node if n.op_type == "Scan"
                        for a in n.attribute if a.name == "body" for b in a.g.node if b.op_type == "Quant"),
                  "batchnorm_arithmetic": props.get("finngl.batchnorm_arithmetic"),
                  "test_windows": "test_windows.npz", "test_windows_count": int(len(idx)),
                  "test_windows_bytes": (out / "test_windows.npz").stat().st_size,
                  "test_windows_brevitas": classification_report(y, pred),
                  "seconds": round(time.time() - t0, 1)}
        binary = Path(args.finngl)
        if binary.exists():
            got = finngl_exec(path, x, binary)["logits"]
            export["finngl_check"] = {
                "windows": int(len(x)),
                "predictions_differing": int((got.argmax(1) != pred).sum()),
                "logits_max_abs_diff": float(np.abs(got - ref["logits"]).max()) if len(x) else 0.0}
            print(f"[export] finngl exec on {len(x)} test windows: "
                  f"{export['finngl_check']['predictions_differing']} predictions differ from Brevitas, "
                  f"max |logit difference| {export['finngl_check']['logits_max_abs_diff']:.3g}")
        else:
            print(f"[export] {binary} not found: skipping the finngl check")
        metrics["export"] = export
        print(f"[export] {path} ({export['onnx_bytes'] / 1024:.0f} KiB), {out / 'test_windows.npz'} "
              f"({export['test_windows_bytes'] / 1024:.0f} KiB, {len(idx)} windows)")
    metrics["run"]["wall_seconds"] = round(time.time() - t_start, 1)
    metrics["run"]["cpu_seconds"] = round(time.process_time() - cpu_start, 1)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"[done] {out / 'metrics.json'}; wall {metrics['run']['wall_seconds']:.0f}s, "
          f"process CPU {metrics['run']['cpu_seconds']:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
