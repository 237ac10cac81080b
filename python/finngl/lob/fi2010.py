"""Loader for the FI-2010 limit-order-book benchmark (Ntakaris et al. 2018) in DeepLOB's protocol.

File layout (the official text files and the files `finngl.lob.simulator` writes): whitespace-
separated floats, 149 rows x N columns, one column per sample (one sample per 10 order-book events):
- rows 0-39: the 40 LOB features, per level l = 1..10 in FI-2010's interleaved order
  ask price l, ask volume l, bid price l, bid volume l (row 4(l-1) + 0..3);
- rows 40-143: FI-2010's handcrafted features (ignored here, only their presence is checked);
- rows 144-148: labels for the horizons k = 1, 2, 3, 5, 10 samples, values 1, 2, 3.

Labels. FI-2010's convention is 1 = up, 2 = stationary, 3 = down (``label_convention="fi2010"``,
the default); some sources state the reverse (``"reversed"``: 1 = down). Both map onto finngl's
classes down = 0, stationary = 1, up = 2 (`CLASSES`). Value 2 is "stationary" under either
convention. `check_label_convention` (run by `load_fi2010` on the training file) checks both
assumptions against the data and warns (`LabelConventionWarning`) when they look wrong:
1. support: with one threshold alpha for all horizons, "stationary" must be the most frequent
   value at the shortest horizon (k = 1) and its share must shrink from k = 1 to k = 10, because the
   mid price moves further over longer horizons. A warning names the value that behaves like
   stationary when it is not 2.
2. direction: the mid-price proxy ask price 1 + bid price 1 (rows 0 and 2; any normalisation used by
   FI-2010 is increasing in the price, so the proxy rises when the mid price rises) is averaged
   over the next k samples; windows labelled "up" must on average see a larger future move than
   windows labelled "down". A negative score at k = 10 (and the majority of horizons) means the
   convention is the other one, and the warning says so.

Protocol (DeepLOB, Setup 2 "anchored" fold 7, NoAuction): train on Train_Dst_NoAuction_<Norm>_CF_7
(days 1-7), the last 20% of its columns (unshuffled) as validation; test on Test_Dst_NoAuction_<Norm>
_CF_7, _CF_8, _CF_9 (days 8, 9, 10) stacked. Inputs are windows of `window` consecutive samples, each
labelled by the label of its last sample. Unlike DeepLOB's notebook, no window straddles the
train/validation boundary or a test-file boundary (the days inside the training file are not
marked in the data, so windows there may cross a day).

Window arrays. `LobSet.x` is float32 [num_windows, 1, window, 40]: a read-only zero-copy view for
splits made of one contiguous segment (train, validation); the test split (three files) is
gathered into a new array on first access (about 2 GB for the real test days with window 100);
`LobSet.batch(indices)` gathers only the requested windows.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

NUM_ROWS = 149
NUM_FEATURES = 40
LABEL_ROW = 144
HORIZONS = (1, 2, 3, 5, 10)
CLASSES = ("down", "stationary", "up")
FOLD = 7                      # DeepLOB's Setup 2 fold: days 1-7 train, days 8-10 test
TEST_FOLDS = (7, 8, 9)
NORMALISATIONS = {"zscore": "ZScore", "minmax": "MinMax", "decpre": "DecPre"}
LABEL_CONVENTIONS = ("fi2010", "reversed")

# Train_Dst_NoAuction_ZScore_CF_7.txt / Test_Dst_NoAuction_DecPre_CF_9.txt (the official names;
# the official directories spell the normalisation "Zscore", the files "ZScore": case-insensitive)
FILE_RE = re.compile(r"^(Train|Test)_Dst_(NoAuction|Auction)_(ZScore|MinMax|DecPre)_CF_(\d+)\.txt$",
                     re.IGNORECASE)


class LabelConventionWarning(UserWarning):
    """The labels do not behave as the chosen label convention expects."""


def file_name(split: str, normalisation: str, fold: int) -> str:
    """Official FI-2010 file name, e.g. file_name("train", "ZScore", 7) ->
    'Train_Dst_NoAuction_ZScore_CF_7.txt'."""
    return f"{split.capitalize()}_Dst_NoAuction_{canonical_normalisation(normalisation)}_CF_{fold}.txt"


def canonical_normalisation(normalisation: str) -> str:
    key = str(normalisation).lower()
    if key not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {normalisation!r}: expected one of "
                         f"{', '.join(NORMALISATIONS.values())}")
    return NORMALISATIONS[key]


# ------------------------------------------------------------------------------- file reading

def read_fi2010_file(path) -> Tuple[np.ndarray, np.ndarray]:
    """Reads one FI-2010 text file. Returns (features float32 [N, 40], raw labels int8 [N, 5]),
    samples along axis 0, label columns in HORIZONS order, values as stored (1, 2, 3).

    Raises FileNotFoundError for a missing file and ValueError (message starting with the path)
    for a wrong row count, rows of different lengths, non-numeric or non-finite values, and
    labels outside {1, 2, 3}. Rows 40-143 are checked for their length only."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such FI-2010 file")
    kept: Dict[int, np.ndarray] = {}
    n_cols = None
    row = 0
    with open(path, "r", encoding="ascii", errors="replace") as f:
        for line in f:
            tokens = line.split()
            if not tokens:
                continue  # blank lines (e.g. a trailing newline) are not rows
            if n_cols is None:
                n_cols = len(tokens)
            elif len(tokens) != n_cols:
                raise ValueError(f"{path}: row {row} has {len(tokens)} values but row 0 has {n_cols}; "
                                 f"every row must hold one value per sample")
            if row < NUM_FEATURES or LABEL_ROW <= row < NUM_ROWS:
                kept[row] = _parse_row(path, row, tokens)
            row += 1
            if row > NUM_ROWS:
                break
        if row > NUM_ROWS:
            extra = 1 + sum(1 for line in f if line.strip())
            row = NUM_ROWS + extra
    if row == 0:
        raise ValueError(f"{path}: file is empty; expected {NUM_ROWS} rows of samples")
    if row != NUM_ROWS:
        hint = (f" (the file looks transposed: its rows hold {n_cols} values; FI-2010 files have one "
                f"row per feature and one column per sample)" if n_cols == NUM_ROWS else "")
        raise ValueError(f"{path}: expected {NUM_ROWS} rows (40 LOB features, 104 handcrafted features, "
                         f"5 label rows), found {row}{hint}")
    features = np.stack([kept[r] for r in range(NUM_FEATURES)], axis=1)
    if not np.isfinite(features).all():
        r, c = np.argwhere(~np.isfinite(features.T))[0]
        raise ValueError(f"{path}: row {r}, column {c}: non-finite feature value {float(features[c, r])!r}")
    labels = np.stack([kept[LABEL_ROW + h] for h in range(len(HORIZONS))], axis=1)
    bad = ~np.isin(labels, (1.0, 2.0, 3.0))
    if bad.any():
        c, h = np.argwhere(bad)[0]
        raise ValueError(f"{path}: label row {LABEL_ROW + h} (horizon k={HORIZONS[h]}) column {c} has "
                         f"value {float(labels[c, h])!r}; labels must be 1, 2 or 3 ({int(bad.sum())} bad "
                         f"values in the label rows)")
    return features.astype(np.float32), labels.astype(np.int8)


def _parse_row(path: Path, row: int, tokens: List[str]) -> np.ndarray:
    try:
        return np.array(tokens, dtype=np.float64)
    except ValueError:
        for col, tok in enumerate(tokens):
            try:
                float(tok)
            except ValueError:
                raise ValueError(f"{path}: row {row}, column {col}: non-numeric value {tok[:40]!r}") from None
        raise


# ---------------------------------------------------------------------------- file discovery

def find_fi2010_files(directory, normalisation: str = "ZScore") -> Dict[str, object]:
    """Finds the fold-7 NoAuction files of one normalisation anywhere under `directory` (the
    official archive nests them in e.g. NoAuction/1.NoAuction_Zscore/NoAuction_Zscore_Training/).
    Returns {"train": Path, "test": [Path CF_7, Path CF_8, Path CF_9]}."""
    directory = Path(directory)
    if not directory.exists():
        raise FileNotFoundError(f"FI-2010 directory {directory} does not exist")
    if not directory.is_dir():
        raise NotADirectoryError(f"FI-2010 directory {directory} is not a directory")
    norm = canonical_normalisation(normalisation)
    found: Dict[Tuple[str, int], List[Path]] = {}
    others = set()
    for p in sorted(directory.rglob("*.txt")):
        m = FILE_RE.match(p.name)
        if not m or not p.is_file():
            continue
        split, auction, file_norm, fold = m.group(1).lower(), m.group(2).lower(), m.group(3).lower(), int(m.group(4))
        if auction != "noauction" or file_norm != norm.lower():
            others.add(f"{m.group(2)}_{m.group(3)}")
            continue
        found.setdefault((split, fold), []).append(p)
    wanted = [("train", FOLD)] + [("test", f) for f in TEST_FOLDS]
    missing = [file_name(s, norm, f) for s, f in wanted if (s, f) not in found]
    if missing:
        hint = f"; found files for {', '.join(sorted(others))} instead" if others else ""
        raise FileNotFoundError(f"FI-2010 directory {directory}: missing {', '.join(missing)} "
                                f"(searched recursively; NoAuction {norm} files for DeepLOB's setup: "
                                f"train CF_{FOLD}, test CF_{TEST_FOLDS[0]}..CF_{TEST_FOLDS[-1]}){hint}")
    for key in wanted:
        if len(found[key]) > 1:
            raise ValueError(f"FI-2010 directory {directory}: {file_name(key[0], norm, key[1])} is ambiguous, "
                             f"found {len(found[key])} copies: {', '.join(map(str, found[key]))}")
    return {"train": found[("train", FOLD)][0], "test": [found[("test", f)][0] for f in TEST_FOLDS]}


# ---------------------------------------------------------------------------------- labels

def labels_to_classes(raw: np.ndarray, convention: str = "fi2010") -> np.ndarray:
    """Raw label values (1, 2, 3) -> classes down = 0, stationary = 1, up = 2 (int64)."""
    raw = np.asarray(raw).astype(np.int64)
    if convention == "fi2010":     # 1 = up, 2 = stationary, 3 = down
        return 3 - raw
    if convention == "reversed":   # 1 = down, 2 = stationary, 3 = up
        return raw - 1
    raise ValueError(f"unknown label convention {convention!r}: expected one of {LABEL_CONVENTIONS}")


def class_support(y: np.ndarray) -> Dict[str, int]:
    """Number of samples or windows per class, by class name."""
    counts = np.bincount(np.asarray(y, dtype=np.int64), minlength=len(CLASSES))
    return {name: int(c) for name, c in zip(CLASSES, counts)}


@dataclass
class LabelReport:
    """What `check_label_convention` measured.

    support[k]: counts of the raw values (1, 2, 3) for horizon k.
    stationary_share[k]: share of the raw value 2 for horizon k.
    direction[k]: (mean future move of the mid-price proxy over windows labelled up - the same over
        windows labelled down) / std of the move, under `convention`; positive when consistent.
    warnings: the problems found (also issued as LabelConventionWarning)."""
    convention: str
    support: Dict[int, Tuple[int, int, int]]
    stationary_share: Dict[int, float]
    direction: Dict[int, float]
    warnings: List[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"label convention {self.convention!r}"]
        for k in self.support:
            lines.append(f"  k={k:2d}: raw 1/2/3 = {self.support[k]}, stationary share "
                         f"{self.stationary_share[k]:.3f}, direction score {self.direction[k]:+.3f}")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def check_label_convention(features: np.ndarray, labels_raw: np.ndarray, convention: str = "fi2010",
                           source: str = "labels", warn: bool = True) -> LabelReport:
    """Checks the label convention against the data (see the module docstring): per-horizon
    support of the raw values and the direction of the future mid-price move per class.
    `features` [N, 40] and `labels_raw` [N, 5] as returned by read_fi2010_file."""
    labels_raw = np.asarray(labels_raw)
    mid = features[:, 0].astype(np.float64) + features[:, 2].astype(np.float64)
    n = len(mid)
    csum = np.concatenate([[0.0], np.cumsum(mid)])
    support, share, direction, problems = {}, {}, {}, []
    for h, k in enumerate(HORIZONS):
        counts = tuple(int((labels_raw[:, h] == v).sum()) for v in (1, 2, 3))
        support[k] = counts
        share[k] = counts[1] / max(1, n)
        direction[k] = float("nan")
        if n > k + 1:
            t = np.arange(n - k)
            move = (csum[t + k + 1] - csum[t + 1]) / k - mid[t]
            y = labels_to_classes(labels_raw[: n - k, h], convention)
            sd = move.std()
            if (y == 0).any() and (y == 2).any() and sd > 0:
                direction[k] = float((move[y == 2].mean() - move[y == 0].mean()) / sd)
    # 1. support: the stationary value 2 dominates at k=1 and shrinks towards k=10
    share1 = {v: support[1][v - 1] / max(1, n) for v in (1, 2, 3)}
    share10 = {v: support[10][v - 1] / max(1, n) for v in (1, 2, 3)}
    top = max((1, 2, 3), key=lambda v: share1[v])
    if top != 2:
        shrinks = " and shrinks with the horizon like a stationary class" if share10[top] < share1[top] else ""
        problems.append(f"{source}: raw label value {top} is the most frequent at k=1 (share {share1[top]:.2f}, "
                        f"{share10[top]:.2f} at k=10){shrinks}, not the stationary value 2 (share "
                        f"{share1[2]:.2f}, {share10[2]:.2f} at k=10); the labels may not use FI-2010's "
                        f"1 = up / 2 = stationary / 3 = down coding")
    elif share1[2] < share10[2] - 0.02:
        problems.append(f"{source}: the share of the stationary value 2 grows with the horizon ({share1[2]:.2f} "
                        f"at k=1, {share10[2]:.2f} at k=10); with one threshold for all horizons it should "
                        f"shrink, so the label rows may be in another order or another coding")
    # 2. direction: do windows labelled up see the mid price rise?
    scores = [d for d in direction.values() if np.isfinite(d)]
    d10 = direction[10]
    if np.isfinite(d10) and d10 < 0 and sum(d < 0 for d in scores) > len(scores) / 2:
        other = "reversed" if convention == "fi2010" else "fi2010"
        problems.append(f"{source}: under label convention {convention!r} the windows labelled 'up' see the "
                        f"mid price fall (direction score {d10:+.3f} at k=10); the labels look like "
                        f"convention {other!r}, pass label_convention={other!r}")
    if warn:
        for p in problems:
            warnings.warn(p, LabelConventionWarning, stacklevel=3)
    return LabelReport(convention, support, share, direction, problems)


# ---------------------------------------------------------------------------------- windows

class LobSet:
    """Windows over one split: `features` [S, 40] float32 (the split's samples, segments
    concatenated), `segments` [(start, end)] contiguous runs no window may straddle (one per
    source file or split part), `sources` their file names. Window i covers
    features[starts[i] : starts[i] + window] and is labelled y[i] = class of its last sample."""

    def __init__(self, features: np.ndarray, classes: np.ndarray, segments: Sequence[Tuple[int, int]],
                 window: int, sources: Sequence[str] = ()):
        self.features = np.ascontiguousarray(features, dtype=np.float32)
        self.sample_classes = np.asarray(classes, dtype=np.int64)
        self.segments = [(int(s), int(e)) for s, e in segments]
        self.sources = list(sources)
        self.window = int(window)
        self.starts = np.concatenate(
            [np.arange(s, e - window + 1, dtype=np.int64) for s, e in self.segments]
            or [np.zeros(0, np.int64)])
        self.y = self.sample_classes[self.starts + window - 1]
        self._x = None

    def __len__(self) -> int:
        return len(self.starts)

    def _view(self) -> np.ndarray:
        """All windows of `features` (also straddling ones) as a read-only view [S-W+1, 1, W, 40]."""
        v = np.lib.stride_tricks.sliding_window_view(self.features, self.window, axis=0)  # [S-W+1, 40, W]
        return v.transpose(0, 2, 1)[:, None]

    @property
    def x(self) -> np.ndarray:
        """float32 [num_windows, 1, window, 40]."""
        if self._x is None:
            view = self._view()
            n = len(self.starts)
            if n and np.array_equal(self.starts, np.arange(self.starts[0], self.starts[0] + n)):
                self._x = view[self.starts[0]: self.starts[0] + n]
            else:
                self._x = view[self.starts] if n else np.zeros((0, 1, self.window, NUM_FEATURES), np.float32)
        return self._x

    def batch(self, indices) -> np.ndarray:
        """Windows `indices` as a new float32 array [len(indices), 1, window, 40]."""
        return np.ascontiguousarray(self._view()[self.starts[np.asarray(indices)]])

    def support(self) -> Dict[str, int]:
        return class_support(self.y)


@dataclass
class LobSplits:
    train: LobSet
    val: LobSet
    test: LobSet
    normalisation: str
    horizon: int
    window: int
    label_convention: str
    files: Dict[str, object]
    label_report: Optional[LabelReport] = None

    def summary(self) -> str:
        parts = [f"FI-2010 NoAuction {self.normalisation}, horizon k={self.horizon}, window {self.window}"]
        for name in ("train", "val", "test"):
            s = getattr(self, name)
            parts.append(f"  {name}: {len(s)} windows, support {s.support()}")
        return "\n".join(parts)


def load_fi2010(directory, normalisation: str = "ZScore", horizon: int = 10, window: int = 100,
                val_fraction: float = 0.2, label_convention: str = "fi2010",
                check_labels: bool = True) -> LobSplits:
    """Loads DeepLOB's Setup 2 splits (see the module docstring) from the FI-2010 files (official
    or simulated) found under `directory`. Returns LobSplits whose train/val/test hold `x` float32
    [num_windows, 1, window, 40] and `y` int64 [num_windows] (down 0, stationary 1, up 2)."""
    if horizon not in HORIZONS:
        raise ValueError(f"horizon must be one of {HORIZONS} (samples), got {horizon!r}")
    if not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"window must be a positive integer, got {window!r}")
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction!r}")
    if label_convention not in LABEL_CONVENTIONS:
        raise ValueError(f"unknown label convention {label_convention!r}: expected one of {LABEL_CONVENTIONS}")
    norm = canonical_normalisation(normalisation)
    files = find_fi2010_files(directory, norm)
    h = HORIZONS.index(horizon)

    train_f, train_l = read_fi2010_file(files["train"])
    report = (check_label_convention(train_f, train_l, label_convention, source=str(files["train"]))
              if check_labels else None)
    n = len(train_f)
    n_train = int(np.floor(n * (1.0 - val_fraction)))
    classes = labels_to_classes(train_l[:, h], label_convention)
    for name, length in (("training", n_train), ("validation", n - n_train)):
        if length < window:
            raise ValueError(f"{files['train']}: the {name} part has {length} samples, fewer than one window "
                             f"of {window} (file has {n} samples, validation fraction {val_fraction})")
    train = LobSet(train_f[:n_train], classes[:n_train], [(0, n_train)], window, [files["train"].name])
    val = LobSet(train_f[n_train:], classes[n_train:], [(0, n - n_train)], window, [files["train"].name])

    feats, cls, segs, start = [], [], [], 0
    for p in files["test"]:
        f, l = read_fi2010_file(p)
        if len(f) < window:
            raise ValueError(f"{p}: {len(f)} samples, fewer than one window of {window}")
        feats.append(f)
        cls.append(labels_to_classes(l[:, h], label_convention))
        segs.append((start, start + len(f)))
        start += len(f)
    test = LobSet(np.concatenate(feats), np.concatenate(cls), segs, window, [p.name for p in files["test"]])
    return LobSplits(train, val, test, norm, horizon, window, label_convention, files, report)
