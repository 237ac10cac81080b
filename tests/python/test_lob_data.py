"""The FI-2010 loader (finngl.lob.fi2010) on small hand-made files, and the synthetic order-book
simulator (finngl.lob.simulator): file layout, windows, splits, label mapping and checks, errors,
determinism, class balance and the learnability of its signal."""
import sys
import warnings

import numpy as np
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "python"))
from finngl.lob import fi2010, simulator  # noqa: E402
from finngl.lob.fi2010 import LabelConventionWarning, load_fi2010  # noqa: E402


# ----------------------------------------------------------------------------- file helpers

def _mid_walk(n, seed):
    """A random-walk mid price (in ticks of 0.01 around 20) to derive consistent labels from."""
    steps = np.random.default_rng(seed).choice([-1, 0, 0, 1], size=n + 10)
    return 20.0 + 0.01 * np.cumsum(steps)


def _columns(n, file_id, seed, alpha=2e-4):
    """149 x n rows: features encode (file id, sample index) and a book consistent with the mid
    price; labels are computed from that mid price the FI-2010 way (1 = up)."""
    mid = _mid_walk(n, seed)
    rows = np.zeros((fi2010.NUM_ROWS, n))
    t = np.arange(n)
    for lvl in range(10):
        rows[4 * lvl] = mid[:n] + 0.005 + 0.01 * lvl       # ask price
        rows[4 * lvl + 1] = 100 * (lvl + 1)                # ask volume
        rows[4 * lvl + 2] = mid[:n] - 0.005 - 0.01 * lvl   # bid price
        rows[4 * lvl + 3] = 100 * (lvl + 2)                # bid volume
    rows[1] = t                  # ask volume 1: sample index within the file
    rows[3] = file_id            # bid volume 1: which file
    rows[40:144] = 7.0           # handcrafted features: ignored by the loader
    rows[144:] = simulator.fi2010_labels(mid, alpha, n_out=n).T
    return rows


def _write(path, rows, fmt="%.7e"):
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savetxt(path, rows, fmt=fmt)
    return path


def _make_set(directory, norm="ZScore", sizes=(50, 20, 25, 30), seed=0, nested=False):
    """Train file with sizes[0] columns, test files CF_7/8/9 with sizes[1:]; file ids 0..3."""
    paths = []
    for i, n in enumerate(sizes):
        split, fold = ("train", 7) if i == 0 else ("test", 6 + i)
        sub = directory
        if nested:   # the official archive's layout
            sub = directory / f"NoAuction_{norm.capitalize()}" / f"NoAuction_{norm.capitalize()}_{'Training' if i == 0 else 'Testing'}"
        paths.append(_write(sub / fi2010.file_name(split, norm, fold), _columns(n, i, seed + i)))
    return paths


# ------------------------------------------------------------------------------- the loader

def test_loader_shapes_windows_and_splits(tmp_path):
    _make_set(tmp_path)
    s = load_fi2010(tmp_path, window=5)
    # train file: 50 columns -> 40 train + 10 validation samples (last 20%, unshuffled)
    assert s.train.x.shape == (40 - 4, 1, 5, 40) and s.train.x.dtype == np.float32
    assert s.val.x.shape == (10 - 4, 1, 5, 40)
    assert s.test.x.shape == ((20 - 4) + (25 - 4) + (30 - 4), 1, 5, 40)
    for part in (s.train, s.val, s.test):
        assert part.y.dtype == np.int64 and part.y.shape == (len(part.x),)
        assert set(np.unique(part.y)) <= {0, 1, 2}
        assert len(part) == len(part.x)
    # windows are consecutive samples; train starts at sample 0, validation at sample 40
    assert np.array_equal(s.train.x[0, 0, :, 1], np.arange(5))
    assert np.array_equal(s.train.x[-1, 0, :, 1], np.arange(35, 40))
    assert np.array_equal(s.val.x[0, 0, :, 1], np.arange(40, 45))
    assert np.array_equal(s.val.x[-1, 0, :, 1], np.arange(45, 50))
    # no test window straddles a file: one file id and consecutive indices inside every window
    ids = s.test.x[:, 0, :, 3]
    assert (ids == ids[:, :1]).all()
    assert (np.diff(s.test.x[:, 0, :, 1], axis=1) == 1).all()
    assert [int((ids[:, 0] == k).sum()) for k in (1, 2, 3)] == [16, 21, 26]
    assert s.test.sources == [fi2010.file_name("test", "ZScore", f) for f in (7, 8, 9)]
    # batch() gathers the same windows as x
    idx = [0, 17, 40, 62]
    assert np.array_equal(s.test.batch(idx), s.test.x[idx])


@pytest.mark.parametrize("horizon", fi2010.HORIZONS)
def test_loader_labels_are_last_row_of_window_for_each_horizon(tmp_path, horizon):
    paths = _make_set(tmp_path)
    s = load_fi2010(tmp_path, window=5, horizon=horizon)
    raw = np.loadtxt(paths[0])[144 + fi2010.HORIZONS.index(horizon)]
    expect = 3 - raw.astype(np.int64)             # FI-2010: 1 up -> 2, 2 stationary -> 1, 3 down -> 0
    assert np.array_equal(s.train.y, expect[4:40])
    assert np.array_equal(s.val.y, expect[44:50])
    test_raw = [np.loadtxt(p)[144 + fi2010.HORIZONS.index(horizon)] for p in paths[1:]]
    assert np.array_equal(s.test.y, np.concatenate([3 - r[4:].astype(np.int64) for r in test_raw]))


def test_label_mapping_and_conventions():
    raw = np.array([1, 2, 3, 3, 1])
    assert fi2010.labels_to_classes(raw).tolist() == [2, 1, 0, 0, 2]
    assert fi2010.labels_to_classes(raw, "reversed").tolist() == [0, 1, 2, 2, 0]
    assert fi2010.class_support(np.array([0, 2, 2, 1, 2])) == {"down": 1, "stationary": 1, "up": 3}
    with pytest.raises(ValueError, match="label convention"):
        fi2010.labels_to_classes(raw, "up-first")


def test_normalisation_choice_and_official_layout(tmp_path):
    """Two normalisations side by side in the official nested layout: each is read from its own
    files (the directory spells Zscore, the files ZScore; names match case-insensitively)."""
    _make_set(tmp_path, "ZScore", nested=True, seed=0)
    dec = _make_set(tmp_path, "DecPre", nested=True, seed=100)
    # scale the DecPre files' prices so the two sets differ
    for p in dec:
        rows = np.loadtxt(p)
        rows[0:40:2] /= 100.0
        _write(p, rows)
    z = load_fi2010(tmp_path, normalisation="ZScore", window=5)
    d = load_fi2010(tmp_path, normalisation="decpre", window=5)
    assert z.normalisation == "ZScore" and d.normalisation == "DecPre"
    assert z.files["train"].parent.name == "NoAuction_Zscore_Training"
    assert abs(float(z.train.x[0, 0, 0, 0]) - 20.0) < 1 and abs(float(d.train.x[0, 0, 0, 0]) - 0.2) < 0.01
    with pytest.raises(FileNotFoundError, match="MinMax"):
        load_fi2010(tmp_path, normalisation="MinMax", window=5)
    with pytest.raises(ValueError, match="unknown normalisation"):
        load_fi2010(tmp_path, normalisation="L2", window=5)


def test_label_check_accepts_consistent_and_flags_reversed_labels():
    rows = _columns(3000, 0, seed=7)
    feats, labels = rows[:40].T.astype(np.float32), rows[144:].T
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rep = fi2010.check_label_convention(feats, labels, "fi2010")
    assert rep.warnings == [] and rep.direction[10] > 0.5
    assert rep.stationary_share[1] > rep.stationary_share[10]
    assert rep.support[1][1] == int((labels[:, 0] == 2).sum())
    with pytest.warns(LabelConventionWarning, match="reversed|fi2010"):
        rep = fi2010.check_label_convention(feats, labels, "reversed")
    assert rep.direction[10] < 0
    # a coding where 1 is stationary: value 1 dominates at k=1
    recoded = np.choose(labels.astype(int) - 1, [2, 1, 3])   # 1 -> 2, 2 -> 1, 3 -> 3
    with pytest.warns(LabelConventionWarning, match="value 1 is the most frequent"):
        fi2010.check_label_convention(feats, recoded, "fi2010")


def test_loader_warns_on_reversed_convention(tmp_path):
    _make_set(tmp_path, sizes=(600, 120, 120, 120))
    with pytest.warns(LabelConventionWarning):
        s = load_fi2010(tmp_path, window=10, label_convention="reversed")
    assert s.label_report.warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = load_fi2010(tmp_path, window=10)
    assert s.label_report.warnings == []


# ----------------------------------------------------------------------------------- errors

def test_error_missing_directory(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError, match="nope.*does not exist"):
        load_fi2010(missing)
    f = _write(tmp_path / "a.txt", np.zeros((2, 2)))
    with pytest.raises(NotADirectoryError, match="a.txt"):
        load_fi2010(f)


def test_error_missing_files(tmp_path):
    paths = _make_set(tmp_path / "set")
    paths[2].unlink()
    with pytest.raises(FileNotFoundError, match="missing Test_Dst_NoAuction_ZScore_CF_8.txt"):
        load_fi2010(tmp_path / "set", window=5)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"empty: missing Train_Dst_NoAuction_ZScore_CF_7.txt, "
                                                r"Test_Dst_NoAuction_ZScore_CF_7.txt"):
        load_fi2010(tmp_path / "empty")


def test_error_wrong_row_count(tmp_path):
    paths = _make_set(tmp_path)
    rows = np.loadtxt(paths[1])
    _write(paths[1], rows[:148])
    with pytest.raises(ValueError, match=r"Test_Dst_NoAuction_ZScore_CF_7.txt: expected 149 rows .* found 148"):
        load_fi2010(tmp_path, window=5)
    _write(paths[1], rows.T)   # 20 samples x 149: transposed
    with pytest.raises(ValueError, match="transposed"):
        load_fi2010(tmp_path, window=5)


def test_error_non_numeric_and_ragged(tmp_path):
    paths = _make_set(tmp_path)
    lines = paths[0].read_text().splitlines()
    good = list(lines)
    tokens = lines[12].split()
    tokens[3] = "abc"
    lines[12] = " ".join(tokens)
    paths[0].write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"Train_Dst_NoAuction_ZScore_CF_7.txt: row 12, column 3: non-numeric value 'abc'"):
        load_fi2010(tmp_path, window=5)
    lines = list(good)
    lines[30] = " ".join(lines[30].split()[:-1])
    paths[0].write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="row 30 has 49 values but row 0 has 50"):
        load_fi2010(tmp_path, window=5)
    lines = list(good)
    lines[5] = lines[5].replace(lines[5].split()[0], "nan", 1)
    paths[0].write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="row 5, column 0: non-finite"):
        load_fi2010(tmp_path, window=5)


def test_error_labels_outside_range(tmp_path):
    paths = _make_set(tmp_path)
    rows = np.loadtxt(paths[3])
    rows[148, 7] = 0.0
    _write(paths[3], rows)
    with pytest.raises(ValueError, match=r"CF_9.txt: label row 148 \(horizon k=10\) column 7 has value 0.0; labels must be 1, 2 or 3"):
        load_fi2010(tmp_path, window=5)
    rows[148, 7] = 2.5
    _write(paths[3], rows)
    with pytest.raises(ValueError, match="value 2.5"):
        load_fi2010(tmp_path, window=5)


def test_error_arguments_and_short_files(tmp_path):
    _make_set(tmp_path)
    with pytest.raises(ValueError, match="horizon must be one of"):
        load_fi2010(tmp_path, horizon=4)
    with pytest.raises(ValueError, match="window must be a positive integer"):
        load_fi2010(tmp_path, window=0)
    with pytest.raises(ValueError, match=r"validation part has 10 samples, fewer than one window of 11"):
        load_fi2010(tmp_path, window=11)
    with pytest.raises(ValueError, match=r"CF_7.txt: 20 samples, fewer than one window of 21"):
        load_fi2010(tmp_path, window=21, val_fraction=0.5)


def test_error_ambiguous_files(tmp_path):
    paths = _make_set(tmp_path)
    copy = tmp_path / "copy" / paths[0].name
    copy.parent.mkdir()
    copy.write_bytes(paths[0].read_bytes())
    with pytest.raises(ValueError, match="ambiguous"):
        load_fi2010(tmp_path, window=5)


# -------------------------------------------------------------------------------- simulator

def test_simulator_deterministic_and_readable(tmp_path):
    a = simulator.simulate_fi2010(tmp_path / "a", seed=3, samples_per_day=150)
    b = simulator.simulate_fi2010(tmp_path / "b", seed=3, samples_per_day=150)
    c = simulator.simulate_fi2010(tmp_path / "c", seed=4, samples_per_day=150)
    assert [p.name for p in a] == [fi2010.file_name("train", "ZScore", 7)] + \
        [fi2010.file_name("test", "ZScore", f) for f in (7, 8, 9)]
    for pa, pb, pc in zip(a, b, c):
        assert pa.read_bytes() == pb.read_bytes()
        assert pa.read_bytes() != pc.read_bytes()
    assert (tmp_path / "a" / "SIMULATED.json").read_bytes() == (tmp_path / "b" / "SIMULATED.json").read_bytes()
    rows = np.loadtxt(a[0])
    assert rows.shape == (149, 7 * 150)
    assert set(np.unique(rows[144:])) <= {1.0, 2.0, 3.0}
    # z-scored with training statistics: training rows have mean 0 and std 1 (or are constant 0)
    std = rows[:144].std(axis=1)
    assert np.allclose(rows[:144].mean(axis=1), 0, atol=1e-4)
    assert np.all((np.abs(std - 1) < 1e-3) | (std == 0))
    s = load_fi2010(tmp_path / "a", window=20)
    assert s.train.x.shape == (int(0.8 * 1050) - 19, 1, 20, 40)
    assert s.test.x.shape == (3 * (150 - 19), 1, 20, 40)


def test_simulator_normalisations_and_cli(tmp_path):
    paths = simulator.simulate_fi2010(tmp_path, seed=1, samples_per_day=120, normalisations=("DecPre", "MinMax"))
    assert len(paths) == 8
    d = load_fi2010(tmp_path, "DecPre", window=10)
    m = load_fi2010(tmp_path, "MinMax", window=10)
    # DecPre: prices around 20 -> 0.2; MinMax: training values within [0, 1]
    assert 0.1 < float(d.train.x[:, 0, :, 0].mean()) < 0.4
    assert m.train.x.min() >= 0 and m.train.x.max() <= 1
    assert np.array_equal(d.train.y, m.train.y)
    assert simulator.main([str(tmp_path / "cli"), "--seed", "1", "--samples-per-day", "120",
                           "--normalisation", "DecPre"]) == 0
    assert (tmp_path / "cli" / paths[0].name).read_bytes() == paths[0].read_bytes()


def test_fi2010_labels_definition():
    mid = np.array([10.0, 10.0, 10.1, 10.1, 9.9, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0])
    lab = simulator.fi2010_labels(mid, alpha=0.001, n_out=5)
    # k=1 at t=0: next mid 10.0 -> stationary; t=1: 10.1 -> up; t=3: 9.9 -> down
    assert lab[:, 0].tolist() == [2, 1, 2, 3, 1]
    # k=2 at t=0: mean(10.0, 10.1) = 10.05 -> +0.5% -> up
    assert lab[0, 1] == 1
    with pytest.raises(ValueError, match="need"):
        simulator.fi2010_labels(mid, alpha=0.001, n_out=10)


@pytest.fixture(scope="module")
def sim_splits(tmp_path_factory):
    d = tmp_path_factory.mktemp("sim")
    simulator.simulate_fi2010(d, seed=0, samples_per_day=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LabelConventionWarning)
        return load_fi2010(d, window=100)


def test_simulator_class_balance(sim_splits):
    rep = sim_splits.label_report
    assert rep.warnings == []
    # k=10 (alpha chosen for it): every class between 25% and 45% of all samples
    y = np.concatenate([sim_splits.train.y, sim_splits.val.y, sim_splits.test.y])
    shares = np.bincount(y, minlength=3) / len(y)
    assert shares.min() > 0.25 and shares.max() < 0.45, shares
    # FI-2010-like: stationary dominates short horizons and shrinks with the horizon
    assert rep.stationary_share[1] > 0.5 > rep.stationary_share[10]


def _order_flow_features(split):
    """Simple features of each window without price levels: the last snapshot's 20 volumes, its
    spread (ask 1 - bid 1, normalised) and the mid-price-proxy change over the last 1, 10, 50
    samples."""
    x = split.x[:, 0]
    mid = x[:, :, 0] + x[:, :, 2]
    return np.column_stack([x[:, -1, 1::2], x[:, -1, 0] - x[:, -1, 2], mid[:, -1] - mid[:, -2],
                            mid[:, -1] - mid[:, -11], mid[:, -1] - mid[:, -51],
                            np.ones(len(x))]).astype(np.float64)


def test_simulator_signal_is_learnable(sim_splits):
    """The order flow carries signal: a least-squares one-vs-rest linear classifier on the book's
    volumes and recent mid-price changes (no price levels), fitted on days 1-7, beats the majority
    class of the test days (8-10) by a clear margin (measured: 0.69 against 0.37 for seed 0)."""
    xtr = np.concatenate([_order_flow_features(sim_splits.train), _order_flow_features(sim_splits.val)])
    ytr = np.concatenate([sim_splits.train.y, sim_splits.val.y])
    w = np.linalg.lstsq(xtr, np.eye(3)[ytr], rcond=None)[0]
    pred = (_order_flow_features(sim_splits.test) @ w).argmax(1)
    acc = float((pred == sim_splits.test.y).mean())
    majority = np.bincount(sim_splits.test.y, minlength=3).max() / len(sim_splits.test.y)
    assert acc > majority + 0.15, (acc, majority)
