"""The case-study demo around `finngl build`: picks the test windows, runs the generated
accelerator's C simulation on them and reports, from the accelerator's own outputs, the
classification metrics, the agreement with Brevitas, the latency/resource estimates next to the
FINN-GL paper's ZCU104 figures and the time of every step.

    PYTHONPATH=python .venv/bin/python -m finngl.demo_report prepare --out out/demo [--windows shipped|all|N]
                                                                     [--fi2010 DIR]
    finngl build examples/lob_convlstm/model.onnx --config out/demo/build_config.json -o out/demo/build
    PYTHONPATH=python .venv/bin/python -m finngl.demo_report report --out out/demo [--build-seconds S]

`prepare` writes OUT/windows.npz (x, y, Brevitas' predictions and logits, a description of the
data) and OUT/build_config.json, whose verification input is the first `--verify-windows` windows:
the build checks every step bit for bit on them and C-simulates them. `report` takes the logits of
those windows from the build (DIR/verification_output/logits.npy); any further window is run
through the same generated accelerator by this module (host_pre.onnx in `finngl exec`, the compiled
C simulation binary, host_post.onnx), and the overlap with the build's windows is checked equal.
Exit status of `report`: 0, or 1 if any prediction differs from Brevitas'; 2 on a bad path/option.

The "estimate vs paper" part (estimates(), format_estimates()) is shared with bench/build_bench.py.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, Optional

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "lob_convlstm"
FINNGL = os.environ.get("FINNGL_BIN", str(ROOT / "build" / "tools" / "finngl"))
SHIPPED_WINDOWS = EXAMPLE / "test_windows.npz"

# FINN-GL paper, ZCU104 (XCZU7EV) at 150 MHz, batch 1 (see shared/docs/case-study.md). BRAM in
# 36 Kb blocks (Vivado's unit; x.5 = one 18 Kb half).
PAPER = {"latency_ms": 4.3, "latency_cycles": 645_000, "LUT": 101_489, "FF": 58_999,
         "LUTRAM": 11_227, "BRAM36": 127.5, "DSP": 265,
         "accuracy_fi2010": 0.7737, "macro_f1_fi2010": 0.7740}
# The device budget of the ZCU104's XCZU7EV (BRAM in 36 Kb blocks).
ZCU104 = {"LUT": 230_400, "FF": 460_800, "BRAM36": 312, "DSP": 1_728}


# `finngl build`'s steps in order (src/flow/build_config.cc).
BUILD_STEPS = ["frontend", "lower_conv", "prepare_hw", "convert_to_hw", "dataflow_partition",
               "folding", "estimates", "codegen", "csim"]


class UserError(Exception):
    """A bad path or option: reported in one line, exit status 2."""


# ------------------------------------------------------------------------------------- windows

def _load_npz(path: Path) -> Dict[str, np.ndarray]:
    if not path.is_file():
        raise UserError(f"{path}: no such file (run `prepare` first, or give the right --out)")
    with np.load(path, allow_pickle=False) as d:
        return {k: d[k] for k in d.files}


def shipped_windows(count: Optional[int]) -> dict:
    """The first `count` (all if None) of the 240 windows shipped with the example, with the
    Brevitas predictions and logits stored at export time."""
    d = _load_npz(SHIPPED_WINDOWS)
    n = len(d["x"]) if count is None else count
    if not 1 <= n <= len(d["x"]):
        raise UserError(f"--windows {count}: the shipped file has {len(d['x'])} windows "
                        f"(use 1..{len(d['x'])}, 'shipped' or 'all')")
    which = ("the first 80 of each test day 8-10" if n == len(d["x"]) else
             f"the first {n} of its {len(d['x'])}: the first 80 of each test day 8-10")
    source = (f"synthetic order-book data (finngl.lob.simulator, seed 0): {n} of the 2,703 windows "
              f"of the synthetic test split ({SHIPPED_WINDOWS.relative_to(ROOT)}, {which}); "
              f"NOT FI-2010, so the accuracy is not comparable with the paper's")
    return {"x": d["x"][:n], "y": d["y"][:n], "brevitas_pred": d["brevitas_pred"][:n],
            "brevitas_logits": d["brevitas_logits"][:n], "source": source}


def load_quant_model():
    """The shipped Brevitas checkpoint (quant_model.pt + train_config.json), in eval mode."""
    import torch
    from finngl.models import ConvLstmQuant, LstmQuantConfig, QuantConfig
    from finngl.train import restore_state
    cfg = json.loads((EXAMPLE / "train_config.json").read_text())
    qc = dict(cfg["quant_config"])
    qc["lstm"] = LstmQuantConfig(**qc["lstm"])
    model = ConvLstmQuant(**cfg["geometry"], config=QuantConfig(**qc))
    restore_state(model, torch.load(EXAMPLE / "quant_model.pt", map_location="cpu"))
    return model.eval(), cfg["args"]


def brevitas_logits(model, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """Brevitas' forward pass in batches, on one thread (the setting the shipped logits used)."""
    import torch
    from finngl.export import brevitas_reference
    torch.set_num_threads(1)
    out = [brevitas_reference(model, np.ascontiguousarray(x[s:s + batch]))["logits"]
           for s in range(0, len(x), batch)]
    return np.concatenate(out).astype(np.float32)


def split_windows(data_dir: Optional[Path], count: Optional[int]) -> dict:
    """Windows of the test split: the synthetic one regenerated deterministically exactly as
    train_and_export.sh made it (data_dir None), or the FI-2010 files under data_dir. count None:
    the whole split; else the first count // 3 windows of each test day (as test_windows.npz).
    Brevitas' predictions are computed here from quant_model.pt."""
    from finngl.lob import simulate_fi2010
    args = json.loads((EXAMPLE / "train_config.json").read_text())["args"]
    if data_dir is None:
        with tempfile.TemporaryDirectory(prefix="finngl_lob_") as tmp:
            print(f"[demo] regenerating the synthetic data (finngl.lob.simulator, seed {args['sim_seed']}, "
                  f"{args['sim_samples_per_day']} samples per day, as train_and_export.sh)")
            simulate_fi2010(tmp, seed=args["sim_seed"], samples_per_day=args["sim_samples_per_day"],
                            normalisations=(args["normalisation"],))
            return _split_windows(Path(tmp), count, args, regenerated=True)
    if not data_dir.is_dir():
        raise UserError(f"FI2010={data_dir}: not a directory (give the directory holding "
                        f"the NoAuction {args['normalisation']} files, searched recursively)")
    return _split_windows(data_dir, count, args, regenerated=False)


def _split_windows(data_dir: Path, count: Optional[int], args: dict, regenerated: bool) -> dict:
    from finngl.lob import load_fi2010
    from finngl.train import demo_indices
    try:
        test = load_fi2010(data_dir, normalisation=args["normalisation"], horizon=args["horizon"],
                           window=args["window"], label_convention=args["label_convention"]).test
    except (FileNotFoundError, NotADirectoryError, ValueError) as e:
        raise UserError(str(e)) from e
    idx = np.arange(len(test)) if count is None or count >= len(test) else demo_indices(test, count)
    x = np.ascontiguousarray(test.batch(idx)).astype(np.float32)
    t0 = time.perf_counter()
    logits = brevitas_logits(load_quant_model()[0], x)
    print(f"[demo] Brevitas forward of {len(x)} windows: {time.perf_counter() - t0:.1f} s")
    synthetic = (data_dir / "SIMULATED.json").is_file()
    if synthetic and len(idx) == len(test):
        check_against_shipped(test, logits)
    which = "all" if len(idx) == len(test) else f"{len(idx)} (the first {len(idx) // 3} of each test day)"
    if synthetic:
        where = "regenerated" if regenerated else f"from {data_dir}"
        source = (f"synthetic order-book data (finngl.lob.simulator, seed {args['sim_seed']}, "
                  f"{where}): {which} of the {len(test):,} windows of the synthetic "
                  f"test split; NOT FI-2010, so the accuracy is not comparable with the paper's")
    else:
        source = (f"FI-2010 test split (days 8-10, {args['normalisation']}, k = {args['horizon']}) "
                  f"from {data_dir}: {which} of its {len(test):,} windows. The shipped model was "
                  f"trained on synthetic data, not on FI-2010: its accuracy here says nothing "
                  f"about the paper's model")
    return {"x": x, "y": test.y[idx].astype(np.int64), "brevitas_pred": logits.argmax(1),
            "brevitas_logits": logits, "source": source}


def check_against_shipped(test, logits: np.ndarray) -> None:
    """The regenerated split must contain the shipped windows, and this Brevitas forward must give
    their stored logits: otherwise the data or the checkpoint are not what was shipped."""
    from finngl.train import demo_indices
    shipped = _load_npz(SHIPPED_WINDOWS)
    idx = demo_indices(test, len(shipped["x"]))
    same_x = np.array_equal(test.batch(idx), shipped["x"])
    diff = float(np.abs(logits[idx] - shipped["brevitas_logits"]).max())
    print(f"[demo] regenerated split vs {SHIPPED_WINDOWS.name}: windows "
          f"{'identical' if same_x else 'DIFFERENT'}, Brevitas logits within {diff:.3g}")
    if not same_x:
        raise RuntimeError("the regenerated synthetic test split does not contain the shipped windows")


def parse_windows(value: str) -> Optional[int]:
    """'shipped' -> None (the 240 shipped windows), 'all' -> -1, 'N' -> N."""
    if value in ("shipped", "", None):
        return None
    if value == "all":
        return -1
    try:
        n = int(value)
    except ValueError:
        raise UserError(f"--windows {value!r}: expected 'shipped', 'all' or a number") from None
    if n < 1:
        raise UserError(f"--windows {value}: must be at least 1")
    return n


def prepare(out: Path, windows: str, fi2010: Optional[str], verify_windows: int,
            target_fps: float, clk_ns: float) -> None:
    """Writes OUT/windows.npz, OUT/verify_x.npy (the build's verification frames) and
    OUT/build_config.json."""
    count = parse_windows(windows)
    if fi2010:
        data = split_windows(Path(fi2010).expanduser(), None if count == -1 else (count or 240))
    elif count == -1:
        data = split_windows(None, None)
    else:
        data = shipped_windows(count)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "windows.npz", **{k: v for k, v in data.items() if k != "source"},
             source=np.array(data["source"]))
    n_verify = min(verify_windows, len(data["x"])) if verify_windows > 0 else len(data["x"])
    np.save(out / "verify_x.npy", data["x"][:n_verify])
    cfg = {"board": "ZCU104", "synth_clk_period_ns": clk_ns, "target_fps": target_fps,
           "verify_input_npy": str((out / "verify_x.npy").resolve())}
    (out / "build_config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    print(f"[demo] {len(data['x'])} windows -> {out / 'windows.npz'}; the build verifies and "
          f"C-simulates the first {n_verify}")
    print(f"[demo] data: {data['source']}")


# --------------------------------------------------------------------------------- accelerator

def _batch_free(model_path: Path, dest: Path) -> Path:
    """A copy of a host model (built for batch 1) whose inputs/outputs take any batch size, so
    that `finngl exec` runs all windows in one call."""
    import onnx
    m = onnx.load(str(model_path))
    for v in list(m.graph.input) + list(m.graph.output):
        dims = v.type.tensor_type.shape.dim
        if len(dims) and dims[0].dim_value == 1:
            dims[0].dim_param = "N"
    del m.graph.value_info[:]
    onnx.save(m, str(dest))
    return dest


def _finngl_exec(model: Path, inputs: Dict[str, np.ndarray], workdir: Path, finngl: str) -> Dict[str, np.ndarray]:
    from finngl.export.compare import finngl_exec
    return finngl_exec(model, inputs, finngl, workdir=workdir)


def run_accelerator(build: Path, x: np.ndarray, finngl: str = FINNGL, jobs: int = 0) -> dict:
    """Runs windows x through the generated accelerator as the build wired it: host_pre.onnx
    (`finngl exec`), the C simulation binary the build compiled (project/csim/csim, split over
    `jobs` processes; 0 = one per CPU), host_post.onnx. Returns {"logits", "csim_seconds"}."""
    io = json.loads((build / "project" / "io.json").read_text())
    binary = build / "project" / "csim" / "csim"
    if not binary.is_file():
        raise UserError(f"{binary}: no compiled C simulation (was the build stopped before csim?)")
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(x)))
    with tempfile.TemporaryDirectory(prefix="finngl_accel_") as tmp:
        tmp = Path(tmp)
        models = build / "intermediate_models"
        pre = _finngl_exec(_batch_free(models / "host_pre.onnx", tmp / "pre.onnx"),
                           {"x": x}, tmp / "pre", finngl)
        chunks = np.array_split(np.arange(len(x)), jobs)
        procs = []
        t0 = time.perf_counter()
        for c, sel in enumerate(chunks):
            d = tmp / f"chunk{c}"
            d.mkdir()
            for port in io["inputs"]:
                pre[port["name"]][sel].astype(np.int64).tofile(d / port["file"])
            procs.append(subprocess.Popen([str(binary.resolve()), str(len(sel)), str(d)],
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        for p in procs:
            log = p.communicate()[0]
            if p.returncode != 0:
                raise RuntimeError(f"C simulation failed ({p.returncode}): {log[-2000:]}")
        csim_seconds = time.perf_counter() - t0
        acc = {}
        for port in io["outputs"]:
            # frames are stacked along axis 0, as the executor stacks them (frame_shape [1, ...])
            parts = [np.fromfile(tmp / f"chunk{c}" / port["file"], dtype=np.int64)
                     .reshape([-1] + port["frame_shape"][1:]) for c, sel in enumerate(chunks)]
            acc[port["name"]] = np.concatenate(parts).astype(np.float32)
        import onnx
        post_model = onnx.load(str(models / "host_post.onnx"), load_external_data=False)
        feeds = {i.name: acc[i.name] for i in post_model.graph.input}
        post = _finngl_exec(_batch_free(models / "host_post.onnx", tmp / "post.onnx"), feeds,
                            tmp / "post", finngl)
    return {"logits": post["logits"], "csim_seconds": csim_seconds, "jobs": jobs}


def accelerator_logits(build: Path, x: np.ndarray, finngl: str = FINNGL, jobs: int = 0) -> dict:
    """The accelerator's logits for all windows x: the build's own C simulation output for the
    windows it verified, this module's run of the same binary for the rest (and for an overlap of
    up to 8 windows, which must agree bit for bit with the build's)."""
    path = build / "verification_output" / "logits.npy"
    if not path.is_file():
        raise UserError(f"{path}: missing (did `finngl build` finish its csim step into {build}?)")
    built = np.load(path)
    n_built = len(built)
    if n_built > len(x):
        raise UserError(f"{path} has {n_built} windows, more than the {len(x)} in windows.npz "
                        f"(the build and windows.npz come from different `prepare` runs)")
    info = {"from_build": n_built, "from_module": 0, "csim_seconds": 0.0, "overlap_checked": 0}
    if n_built == len(x):
        return {"logits": built, **info}
    start = max(0, n_built - 8)
    run = run_accelerator(build, x[start:], finngl, jobs)
    overlap = n_built - start
    if not np.array_equal(run["logits"][:overlap], built[start:]):
        raise RuntimeError("the accelerator run by demo_report disagrees with the build's C "
                           f"simulation on windows {start}..{n_built - 1} (a bug)")
    info.update(from_module=len(x) - n_built, csim_seconds=run["csim_seconds"],
                overlap_checked=overlap, jobs=run["jobs"])
    return {"logits": np.concatenate([built, run["logits"][overlap:]]), **info}


# ------------------------------------------------------------------ estimates vs the paper

def estimates(build: Path) -> dict:
    """The build's FINN-style estimates (report/estimate_*.json) in the paper's units: latency
    (critical path, FINN's sum of per-layer cycles) and initiation interval in ms, throughput,
    total LUT/FF/DSP and BRAM in 36 Kb blocks."""
    rep = build / "report"
    try:
        perf = json.loads((rep / "estimate_network_performance.json").read_text())
        res = json.loads((rep / "estimate_layer_resources.json").read_text())
    except FileNotFoundError as e:
        raise UserError(f"{e.filename}: missing (was {build} written by `finngl build`?)") from None
    clk_ns = perf["estimated_latency_ns"] / perf["critical_path_cycles"]
    layers = {name: r for name, r in res.items() if name != "total"}
    total = res.get("total") or {k: sum(r.get(k, 0) for r in layers.values())
                                 for k in ("LUT", "FF", "DSP", "BRAM_18K", "URAM")}
    return {"clk_ns": clk_ns, "latency_ms": perf["estimated_latency_ns"] * 1e-6,
            "critical_path_cycles": perf["critical_path_cycles"],
            "pipelined_ms": perf["estimated_pipelined_latency_ns"] * 1e-6,
            "pipelined_cycles": perf["pipelined_latency_cycles"],
            "ii_cycles": perf["max_cycles"], "ii_ms": perf["max_cycles"] * clk_ns * 1e-6,
            "slowest_layer": perf["max_cycles_node_name"], "fps": perf["estimated_throughput_fps"],
            "LUT": total["LUT"], "FF": total["FF"], "DSP": total["DSP"], "URAM": total["URAM"],
            "BRAM36": total["BRAM_18K"] / 2, "layers": len(layers)}


def format_estimates(est: dict) -> str:
    """Estimate next to the paper's figure (and the share of the ZCU104), one row per quantity."""
    mhz = 1e3 / est["clk_ns"]
    rows = [("latency (critical path)", f"{est['latency_ms']:.2f} ms ({est['critical_path_cycles']:,} cyc)",
             f"{PAPER['latency_ms']} ms ({PAPER['latency_cycles']:,} cyc)",
             f"{est['latency_ms'] / PAPER['latency_ms']:.2f}x"),
            ("latency (pipelined)", f"{est['pipelined_ms']:.2f} ms ({est['pipelined_cycles']:,} cyc)",
             f"{PAPER['latency_ms']} ms ({PAPER['latency_cycles']:,} cyc)",
             f"{est['pipelined_ms'] / PAPER['latency_ms']:.2f}x"),
            ("initiation interval", f"{est['ii_ms']:.2f} ms ({est['ii_cycles']:,} cyc)", "-", ""),
            ("throughput", f"{est['fps']:.1f} frames/s", f"({1e3 / PAPER['latency_ms']:.0f} = 1/latency)", "")]
    for key, label in (("LUT", "LUT"), ("FF", "FF"), ("BRAM36", "BRAM (36 Kb)"), ("DSP", "DSP")):
        ours = est[key]
        share = f" ({100 * ours / ZCU104[key]:.1f}%)"
        ours_s = (f"{ours:,.1f}" if key == "BRAM36" else f"{ours:,}") + share
        paper = PAPER[key]
        paper_s = (f"{paper:,.1f}" if key == "BRAM36" else f"{paper:,}") + f" ({100 * paper / ZCU104[key]:.1f}%)"
        rows.append((label, ours_s, paper_s, f"{ours / paper:.2f}x" if paper else ""))
    w = [max(len(r[i]) for r in rows) for i in range(4)]
    head = ("", "finngl estimate", "FINN-GL paper", "ratio")
    w = [max(wi, len(h)) for wi, h in zip(w, head)]
    lines = [f"ZCU104 (XCZU7EV) at {mhz:.0f} MHz, batch 1; estimates are FINN-R-style analytical "
             f"models, not synthesis results; the paper's are post-implementation"]
    lines.append("  ".join(h.ljust(wi) if i == 0 else h.rjust(wi) for i, (h, wi) in enumerate(zip(head, w))))
    for r in rows:
        lines.append("  ".join(c.ljust(wi) if i == 0 else c.rjust(wi) for i, (c, wi) in enumerate(zip(r, w))))
    lines.append(f"- latency (critical path): FINN's rule, every layer's cycles summed along the "
                 f"longest path (FIFOs included),\n  an upper bound for a dataflow design; latency "
                 f"(pipelined): finngl's estimate with layers overlapping\n  (a layer starts after its "
                 f"producers' first unit of work: vector, row or time step); initiation interval: "
                 f"the\n  slowest layer ({est['slowest_layer']}), 1 / throughput")
    if est["DSP"] == 0:
        lines.append("- DSP 0: the auto folder maps every multiplier to LUTs (resType=lut)")
    lines.append(f"- not estimated: LUTRAM (paper: {PAPER['LUTRAM']:,})")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- report

def compare_with_brevitas(logits: np.ndarray, data: dict) -> dict:
    """Predictions differing from Brevitas' and the largest |logit difference|."""
    pred = logits.argmax(1)
    return {"differ": int((pred != data["brevitas_pred"]).sum()),
            "max_logit_diff": float(np.abs(logits - data["brevitas_logits"]).max()) if len(logits) else 0.0,
            "n": int(len(pred))}


def ordered_steps(steps: Dict[str, float]) -> list:
    """Step names in build order (src/flow/build_config.cc), unknown ones last."""
    return [s for s in BUILD_STEPS if s in steps] + [s for s in steps if s not in BUILD_STEPS]


def format_steps(build: Path, extra: Dict[str, float]) -> str:
    """Wall time of each build step (DIR/time_per_step.json, in build order) and of the demo's
    own steps."""
    steps = json.loads((build / "time_per_step.json").read_text())
    names = ordered_steps(steps)
    lines = [f"  build {name:<28s}{steps[name]:8.2f} s" for name in names]
    lines.append(f"  build {'(sum of steps)':<28s}{sum(steps.values()):8.2f} s")
    lines += [f"  {name:<34s}{sec:8.2f} s" for name, sec in extra.items()]
    return "\n".join(lines)


def collect(out: Path, build: Path, jobs: int = 0, finngl: str = FINNGL) -> dict:
    """Everything the report shows, from the accelerator's outputs and the build's reports."""
    from finngl.train import classification_report
    data = _load_npz(out / "windows.npz")
    t0 = time.perf_counter()
    acc = accelerator_logits(build, data["x"], finngl, jobs)
    logits = acc.pop("logits")
    return {"data": data, "logits": logits, "accelerator": acc,
            "seconds": time.perf_counter() - t0,
            "brevitas": compare_with_brevitas(logits, data),
            "metrics": {"accelerator (C sim)": classification_report(data["y"], logits.argmax(1)),
                        "Brevitas": classification_report(data["y"], data["brevitas_pred"])},
            "estimates": estimates(build)}


def report(out: Path, build: Optional[Path], build_seconds: Optional[float], jobs: int,
           finngl: str = FINNGL) -> int:
    """Prints the report and writes it to OUT/report.json; returns 1 if any accelerator
    prediction differs from Brevitas'."""
    from finngl.train import format_table
    build = build or out / "build"
    r = collect(out, build, jobs, finngl)
    acc, cmp, n = r["accelerator"], r["brevitas"], len(r["logits"])
    print("=" * 100)
    print(f"finngl demo: {EXAMPLE.relative_to(ROOT) / 'model.onnx'} -> {build}")
    print(f"data: {str(r['data']['source'])}")
    how = f"{acc['from_build']} by the build's csim step"
    if acc["from_module"]:
        how += (f", {acc['from_module']} more by the same compiled C simulation run from demo_report "
                f"({acc['jobs']} processes, {acc['csim_seconds']:.1f} s, "
                f"{acc['csim_seconds'] * acc['jobs'] / max(1, acc['from_module'] + acc['overlap_checked']):.3f} "
                f"CPU s/window; {acc['overlap_checked']} overlapping windows equal the build's)")
    print(f"predictions: the generated accelerator's C simulation, {n} windows ({how})\n")
    print(format_table(r["metrics"]))
    verdict = "OK" if cmp["differ"] == 0 else "MISMATCH"
    print(f"\naccelerator vs Brevitas: {cmp['differ']} of {n} predictions differ, max |logit difference| "
          f"{cmp['max_logit_diff']:.3g}  [{verdict}]")
    print("\nestimates vs the paper:")
    print(format_estimates(r["estimates"]))
    print("\nwall time:")
    extra = {}
    if build_seconds is not None:
        extra["finngl build (process wall time)"] = build_seconds
    extra["accelerator outputs + report"] = r["seconds"]
    print(format_steps(build, extra))
    print("=" * 100)
    summary = {k: r[k] for k in ("accelerator", "brevitas", "metrics", "estimates", "seconds")}
    summary.update(source=str(r["data"]["source"]), windows=n, paper=PAPER, build_seconds=build_seconds,
                   time_per_step=json.loads((build / "time_per_step.json").read_text()))
    (out / "report.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 1 if cmp["differ"] else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m finngl.demo_report", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare", help="write OUT/windows.npz and OUT/build_config.json")
    p.add_argument("--out", type=Path, default=ROOT / "out" / "demo")
    p.add_argument("--windows", default="shipped",
                   help="'shipped' (the 240 windows of test_windows.npz), N (the first N of them; "
                        "with --fi2010: N windows of its test split), or 'all' (the whole test split)")
    p.add_argument("--fi2010", default=None, help="directory with the FI-2010 files (default: synthetic)")
    p.add_argument("--verify-windows", type=int, default=240,
                   help="windows the build verifies step by step and C-simulates itself (0: all)")
    p.add_argument("--target-fps", type=float, default=232.0, help="auto folding target (1 / 4.3 ms)")
    p.add_argument("--clk-ns", type=float, default=6.667)
    r = sub.add_parser("report", help="run the accelerator on the windows and print the report")
    r.add_argument("--out", type=Path, default=ROOT / "out" / "demo")
    r.add_argument("--build", type=Path, default=None, help="build directory (default OUT/build)")
    r.add_argument("--build-seconds", type=float, default=None, help="wall time of `finngl build`")
    r.add_argument("--jobs", type=int, default=0, help="C simulation processes (0: one per CPU)")
    r.add_argument("--finngl", default=FINNGL)
    args = ap.parse_args(argv)
    try:
        if args.cmd == "prepare":
            prepare(args.out, args.windows, args.fi2010, args.verify_windows, args.target_fps, args.clk_ns)
            return 0
        return report(args.out, args.build, args.build_seconds, args.jobs, args.finngl)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
