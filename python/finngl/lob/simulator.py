"""A seeded synthetic limit-order-book simulator that writes FI-2010-format files.

FI-2010 is not redistributable, so the demo and the tests run on this simulator's output. The files
have exactly FI-2010's layout and names (see fi2010.py), so `load_fi2010` reads them unchanged.

Order-flow model (per trading day, independent days; all sizes in lots of `lot_size` shares)
- Prices live on a tick grid (tick 0.01; every day opens at the reference price 20.00, see
  `reversion`). The book keeps a queue per price tick on each side; empty ticks are allowed, and a
  snapshot lists the 10 best non-empty levels per side (as FI-2010 does), so price gaps between
  levels vary.
- Six event types arrive one at a time: limit buy, limit sell, market buy, market sell, cancel
  buy, cancel sell. Their rates are modulated by a latent, persistent order-flow imbalance z, an
  AR(1) process per event with time constant `tau` events (stationary std 1):
    limit buy   rate_limit  * exp(+beta_limit  z) (+ refill),  limit sell  rate_limit  * exp(-beta_limit z) (+ refill)
    market buy  rate_market * exp(+beta_market z),             market sell rate_market * exp(-beta_market z)
    cancel buy  cancel_per_lot * bid depth * exp(-beta_cancel z), cancel sell cancel_per_lot * ask depth * exp(+beta_cancel z)
  (depth = lots within 2 * max_distance ticks of the best price; "refill" adds
  refill_rate * (1 - depth / refill_depth) to a side's limit rate while its depth is below
  refill_depth, the liquidity providers that keep a book from emptying).
- Limit orders are placed at a distance of 1..max_distance ticks from the opposite best price,
  with probability proportional to distance^-distance_exponent (so they may improve the best price
  inside the spread); cancellations hit a price level with probability proportional to its volume;
  market orders take volume from the best queue only; sizes are log-normal.
- The mid price moves when a best queue is depleted (market orders, cancellations) or improved.
- When z > 0, buyers add to the bid, sellers cancel from the ask and market buys eat the ask: the
  book becomes bid-heavy, the best ask queue thins, and the mid price drifts up for as long as z
  persists (tau = 1000 events = 100 samples, longer than the label horizon). z is also pulled
  back by the mid price's deviation from the reference price (`reversion`), which keeps daily
  moves realistic (about 1% of the price) and up/down labels balanced; so the price level is
  informative too (mean reversion). The recent book shape (queue imbalance, thin best queues) and
  the recent mid-price path predict the next move: real, learnable signal, but noisy. Measured
  over seeds 0-4 with the defaults (1000 samples per day, k = 10, windows of 100): a
  least-squares linear classifier fitted on days 1-7 reaches on days 8-10 65-76% with the last
  snapshot's 40 features and three mid-price changes, 62-73% without the 20 price features
  (volumes and mid-price changes only), against 35-39% for the majority class; knowing z itself
  gives 72-82%. A small float ConvLSTM (channels 8, hidden 16, 7.9K parameters, Adam, 5 epochs
  on CPU) reaches about 60-65% on the test days of seed 0. With a random opening price per day
  (`open_jitter` 0.02) the price level becomes a per-day nuisance and that model overfits to it
  (about 57%).
- A snapshot is taken every `events_per_sample` (10) events, as in FI-2010. A safety rule keeps 10
  non-empty levels per side: if a snapshot finds fewer within 2 * max_distance ticks, the next empty
  tick beyond receives a fresh order.

Rows written (149 x samples per file):
- rows 0-39: the 40 LOB features (level l: ask price, ask volume, bid price, bid volume; prices in
  currency units, volumes in shares) before normalisation;
- rows 40-143: handcrafted features in the spirit of FI-2010's u2-u9 (their exact definitions are
  not reproduced): 40-49 spread per level, 50-59 mid price per level, 60 ask price range
  (P_ask10 - P_ask1), 61 bid price range, 62-70 |P_ask(l+1) - P_ask(l)|, 71-79 |P_bid(l+1) -
  P_bid(l)|, 80-83 mean ask price, mean bid price, mean ask volume, mean bid volume, 84 sum of
  spreads, 85 sum of (ask volume - bid volume), 86-125 per-sample differences (d/dt per sample) of
  the 40 LOB features in the same order, 126-131 event intensities (each type's share of the
  events of the last 5 samples) of limit sell, limit buy, market buy, market sell, cancel sell, cancel buy,
  132-137 indicators "intensity over the last sample > over the last 5 samples" for those six
  types, 138-143 the per-sample differences of the six intensities;
- rows 144-148: labels for k = 1, 2, 3, 5, 10 samples, 1 = up, 2 = stationary, 3 = down (FI-2010's
  convention), computed the FI-2010/DeepLOB way from the mid price p_t = (ask1 + bid1) / 2:
  l_t = (mean(p_{t+1} .. p_{t+k}) - p_t) / p_t; up if l_t > alpha, down if l_t < -alpha, else
  stationary. Each day is simulated 10 samples beyond its last written sample, so every label
  sees its full horizon.
Rows 0-143 are normalised like FI-2010's (row-wise, with statistics of the training days 1-7):
"ZScore" (x - mean) / std; "MinMax" (x - min) / (max - min); "DecPre" x / 10^k with the smallest
k >= 0 making |x| < 1 on the training days. Constant rows become 0 (ZScore, MinMax).

alpha. DEFAULT_ALPHA = 3.5e-4 (0.035%, 0.7 tick on a 20.00 mid) was chosen from the simulated
|l_t| distribution at k = 10 so the three classes are roughly balanced there (seeds 0-4: down
33-35%, stationary 30-36%, up 32-36% of the windows); as in FI-2010 the stationary class grows at
shorter horizons (about 78% at k = 1). FI-2010's own alpha, 0.002, suits its real prices, not
this tick grid.

Files: Train_Dst_NoAuction_<Norm>_CF_7.txt (days 1-7) and Test_Dst_NoAuction_<Norm>_CF_{7,8,9}.txt
(days 8, 9, 10), plus SIMULATED.json with the parameters and class shares. Deterministic: the same
arguments give byte-identical files (on the same platform; floats are formatted with 6
significant digits).

CLI: python -m finngl.lob.simulator OUT_DIR [--seed N] [--samples-per-day N] [--alpha A]
                                     [--normalisation ZScore DecPre MinMax]
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np

from .fi2010 import HORIZONS, NUM_FEATURES, NUM_ROWS, TEST_FOLDS, FOLD, canonical_normalisation, file_name

DEFAULT_ALPHA = 3.5e-4
DEFAULT_SAMPLES_PER_DAY = 1000
TRAIN_DAYS = 7
TEST_DAYS = len(TEST_FOLDS)
LEVELS = 10
INTENSITY_SAMPLES = 5
FLOAT_FORMAT = "%.6g"


@dataclass(frozen=True)
class OrderFlowParams:
    """Parameters of the order-flow model (see the module docstring)."""
    tick: float = 0.01
    open_price: float = 20.0
    open_jitter: float = 0.0           # log-normal sigma of each day's opening (reference) price
    lot_size: int = 100                # shares per lot
    events_per_sample: int = 10
    burn_in_events: int = 2000         # simulated before the day's first sample
    tau: float = 1000.0                # latent imbalance time constant, events
    reversion: float = 0.1             # pull of z per tick of mid-price deviation from the day's open
    beta_limit: float = 1.0
    beta_market: float = 1.5
    beta_cancel: float = 1.0
    rate_limit: float = 0.5
    rate_market: float = 0.12
    cancel_per_lot: float = 0.0008
    refill_rate: float = 0.5
    refill_depth: float = 300.0        # lots
    max_distance: int = 20             # ticks from the opposite best price for limit orders
    distance_exponent: float = 0.6
    size_median: float = 3.0           # lots
    size_sigma: float = 0.7


@dataclass
class DaySimulation:
    book: np.ndarray      # [n, 40] float64 LOB features (prices in currency, volumes in shares)
    mid: np.ndarray       # [n] mid price
    counts: np.ndarray    # [n, 6] events per type during each sample (order of rows 126-131)
    latent: np.ndarray    # [n] latent imbalance z at each sample


def simulate_day(rng: np.random.Generator, n_samples: int, params: OrderFlowParams = OrderFlowParams()) -> DaySimulation:
    """Simulates one trading day and returns `n_samples` snapshots."""
    P = params
    eps_n = P.events_per_sample
    n_events = P.burn_in_events + n_samples * eps_n
    K = P.max_distance
    W = 2 * K
    phi = math.exp(-1.0 / P.tau)
    sig = math.sqrt(1.0 - phi * phi)
    eps = rng.standard_normal(n_events).tolist()
    u_type = rng.random(n_events).tolist()
    u_level = rng.random(n_events)
    cdf = np.cumsum(np.arange(1, K + 1, dtype=np.float64) ** -P.distance_exponent)
    dists = (np.searchsorted(cdf / cdf[-1], u_level, side="right") + 1).clip(1, K).tolist()
    u_level = u_level.tolist()
    sizes = np.maximum(1, np.round(rng.lognormal(math.log(P.size_median), P.size_sigma, n_events))).astype(np.int64).tolist()
    p0 = int(round(P.open_price * math.exp(P.open_jitter * float(rng.standard_normal())) / P.tick))
    n_ticks = 2 * p0 + 8 * W
    ask = [0] * n_ticks
    bid = [0] * n_ticks
    a, b = p0 + 1, p0 - 1
    for j in range(W):
        ask[a + j] = int(rng.integers(2, 30))
        bid[b - j] = int(rng.integers(2, 30))
    z = float(rng.standard_normal())
    lo_guard, hi_guard = 2 * W, n_ticks - 2 * W

    book = np.zeros((n_samples, 4 * LEVELS))
    mid = np.zeros(n_samples)
    latent = np.zeros(n_samples)
    counts = np.zeros((n_samples, 6))
    ctr = [0, 0, 0, 0, 0, 0]   # limit sell, limit buy, market buy, market sell, cancel sell, cancel buy
    Da = sum(ask[a:a + W])
    Db = sum(bid[b - W + 1:b + 1])
    bl, bm, bc = P.beta_limit, P.beta_market, P.beta_cancel
    rl, rm, cpl, rr, rd = P.rate_limit, P.rate_market, P.cancel_per_lot, P.refill_rate, P.refill_depth

    def next_ask(p):   # best ask after the queue at p emptied
        p += 1
        while ask[p] == 0:
            p += 1
            if p >= hi_guard:
                raise RuntimeError("simulated ask side left the price grid")
        return p

    def next_bid(p):
        p -= 1
        while bid[p] == 0:
            p -= 1
            if p <= lo_guard:
                raise RuntimeError("simulated bid side left the price grid")
        return p

    first = P.burn_in_events
    rev = (1.0 - phi) * P.reversion * 0.5       # (a + b - 2 p0) is twice the mid deviation in ticks
    two_p0 = 2 * p0
    for n in range(n_events):
        z = phi * z + sig * eps[n] - rev * (a + b - two_p0)
        el, em, ec = math.exp(bl * z), math.exp(bm * z), math.exp(bc * z)
        r_lb = rl * el + (rr * (1.0 - Db / rd) if Db < rd else 0.0)
        r_ls = rl / el + (rr * (1.0 - Da / rd) if Da < rd else 0.0)
        r_mb = rm * em
        r_ms = rm / em
        r_cb = cpl * Db / ec
        r_ca = cpl * Da * ec
        u = u_type[n] * (r_lb + r_ls + r_mb + r_ms + r_cb + r_ca)
        s = sizes[n]
        if u < r_lb:                                   # limit buy
            p = a - dists[n]
            if p <= b - W:
                p = b - W + 1
            bid[p] += s
            Db += s
            if p > b:
                b = p
            ctr[1] += 1
        elif u < r_lb + r_ls:                          # limit sell
            p = b + dists[n]
            ask[p] += s
            Da += s
            if p < a:
                a = p
            ctr[0] += 1
        elif u < r_lb + r_ls + r_mb:                   # market buy: takes from the best ask
            q = ask[a]
            if s < q:
                ask[a] = q - s
                Da -= s
            else:
                ask[a] = 0
                Da -= q
                a = next_ask(a)
            ctr[2] += 1
        elif u < r_lb + r_ls + r_mb + r_ms:            # market sell: takes from the best bid
            q = bid[b]
            if s < q:
                bid[b] = q - s
                Db -= s
            else:
                bid[b] = 0
                Db -= q
                b = next_bid(b)
            ctr[3] += 1
        elif u < r_lb + r_ls + r_mb + r_ms + r_cb:     # cancel buy: level chosen by volume
            target = u_level[n] * Db
            p, acc, stop = b, bid[b], b - W + 1
            while acc < target and p > stop:
                p -= 1
                acc += bid[p]
            c = min(bid[p], s)
            bid[p] -= c
            Db -= c
            if p == b and bid[b] == 0:
                b = next_bid(b)
            ctr[5] += 1
        else:                                          # cancel sell
            target = u_level[n] * Da
            p, acc, stop = a, ask[a], a + W - 1
            while acc < target and p < stop:
                p += 1
                acc += ask[p]
            c = min(ask[p], s)
            ask[p] -= c
            Da -= c
            if p == a and ask[a] == 0:
                a = next_ask(a)
            ctr[4] += 1
        if (n + 1) % eps_n == 0:
            pa, pb = a, b
            i = (n - first) // eps_n
            for lvl in range(LEVELS):
                while ask[pa] == 0:
                    pa += 1
                    if pa - a >= W:           # safety rule: keep 10 non-empty levels
                        ask[pa] = sizes[n]
                while bid[pb] == 0:
                    pb -= 1
                    if b - pb >= W:
                        bid[pb] = sizes[n]
                if n >= first:
                    book[i, 4 * lvl:4 * lvl + 4] = (pa, ask[pa], pb, bid[pb])
                pa += 1
                pb -= 1
            Da = sum(ask[a:a + W])
            Db = sum(bid[b - W + 1:b + 1])
            if n >= first:
                latent[i] = z
                counts[i] = ctr
            ctr = [0, 0, 0, 0, 0, 0]
            if a >= hi_guard or b <= lo_guard:
                raise RuntimeError("simulated price left the price grid")
    book[:, 0::2] *= P.tick                              # prices in currency (columns 0, 2, 4, ...)
    book[:, 1::2] *= P.lot_size                          # volumes in shares
    mid = 0.5 * (book[:, 0] + book[:, 2])
    return DaySimulation(book, mid, counts, latent)


# --------------------------------------------------------------------------- features, labels

def handcrafted_features(book: np.ndarray, counts: np.ndarray, events_per_sample: int = 10) -> np.ndarray:
    """Rows 40-143 (see the module docstring) from the LOB features [n, 40] and the event counts
    [n, 6]; returns [n, 104]."""
    pa, va, pb, vb = book[:, 0::4], book[:, 1::4], book[:, 2::4], book[:, 3::4]
    spread = pa - pb
    mids = 0.5 * (pa + pb)
    diff_a = np.abs(np.diff(pa, axis=1))
    diff_b = np.abs(np.diff(pb, axis=1))
    u3 = np.column_stack([pa[:, -1] - pa[:, 0], pb[:, 0] - pb[:, -1], diff_a, diff_b])
    u4 = np.column_stack([pa.mean(1), pb.mean(1), va.mean(1), vb.mean(1)])
    u5 = np.column_stack([spread.sum(1), (va - vb).sum(1)])
    u6 = np.diff(book, axis=0, prepend=book[:1])
    c = np.concatenate([np.zeros((INTENSITY_SAMPLES - 1, 6)), counts])
    csum = np.concatenate([np.zeros((1, 6)), np.cumsum(c, axis=0)])
    n = len(book)
    long = (csum[INTENSITY_SAMPLES:INTENSITY_SAMPLES + n] - csum[:n]) / (INTENSITY_SAMPLES * events_per_sample)
    short = counts / events_per_sample
    u8 = (short > long).astype(np.float64)
    u9 = np.diff(long, axis=0, prepend=long[:1])
    out = np.column_stack([spread, mids, u3, u4, u5, u6, long, u8, u9])
    assert out.shape[1] == NUM_ROWS - 5 - NUM_FEATURES
    return out


def fi2010_labels(mid: np.ndarray, alpha: float, horizons: Sequence[int] = HORIZONS, n_out: Optional[int] = None) -> np.ndarray:
    """FI-2010/DeepLOB labels [n_out, len(horizons)]: l_t = (mean(p_{t+1..t+k}) - p_t) / p_t;
    1 (up) if l_t > alpha, 3 (down) if l_t < -alpha, else 2 (stationary). `mid` must extend at
    least max(horizons) samples beyond the n_out labelled ones."""
    n = len(mid) if n_out is None else n_out
    if len(mid) < n + max(horizons):
        raise ValueError(f"need {n + max(horizons)} mid prices for {n} labels, got {len(mid)}")
    csum = np.concatenate([[0.0], np.cumsum(mid)])
    t = np.arange(n)
    out = np.empty((n, len(horizons)), dtype=np.int64)
    for h, k in enumerate(horizons):
        l = ((csum[t + k + 1] - csum[t + 1]) / k - mid[t]) / mid[t]
        out[:, h] = np.where(l > alpha, 1, np.where(l < -alpha, 3, 2))
    return out


def _normaliser(kind: str, train: np.ndarray):
    """Row-wise normalisation [rows, n] with statistics of `train`."""
    kind = canonical_normalisation(kind)
    if kind == "ZScore":
        mean = train.mean(axis=1, keepdims=True)
        std = train.std(axis=1, keepdims=True)
        std = np.where(std > 0, std, np.inf)
        return lambda x: (x - mean) / std
    if kind == "MinMax":
        lo, hi = train.min(axis=1, keepdims=True), train.max(axis=1, keepdims=True)
        rng = np.where(hi > lo, hi - lo, np.inf)
        return lambda x: (x - lo) / rng
    amax = np.abs(train).max(axis=1, keepdims=True)
    k = np.maximum(0, np.floor(np.log10(np.where(amax > 0, amax, 1.0))) + 1)
    scale = 10.0 ** k
    return lambda x: x / scale


def _write(path: Path, rows: np.ndarray) -> None:
    with open(path, "w", newline="\n") as f:
        np.savetxt(f, rows, fmt=FLOAT_FORMAT, delimiter=" ")


# ------------------------------------------------------------------------------------ driver

def simulate_fi2010(directory, seed: int = 0, samples_per_day: int = DEFAULT_SAMPLES_PER_DAY,
                    alpha: float = DEFAULT_ALPHA, normalisations: Sequence[str] = ("ZScore",),
                    params: Optional[OrderFlowParams] = None) -> List[Path]:
    """Simulates 10 trading days and writes, for each normalisation, the training file (days 1-7)
    and the three test files (days 8, 9, 10) in FI-2010's layout under `directory` (created if
    needed), plus SIMULATED.json. Returns the paths of the files written."""
    params = params or OrderFlowParams()
    if samples_per_day < 1:
        raise ValueError(f"samples_per_day must be positive, got {samples_per_day}")
    if not alpha >= 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    norms = [canonical_normalisation(n) for n in normalisations]
    if not norms:
        raise ValueError("no normalisation given")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)

    day_rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(TRAIN_DAYS + TEST_DAYS)]
    extra = max(HORIZONS)
    days = []
    for rng in day_rngs:
        d = simulate_day(rng, samples_per_day + extra, params)
        feats = np.column_stack([d.book, handcrafted_features(d.book, d.counts, params.events_per_sample)])
        labels = fi2010_labels(d.mid, alpha, HORIZONS, n_out=samples_per_day)
        days.append((feats[:samples_per_day].T, labels.T))
    train_raw = np.concatenate([f for f, _ in days[:TRAIN_DAYS]], axis=1)
    groups = [("train", FOLD, days[:TRAIN_DAYS])] + [("test", fold, [day]) for fold, day in zip(TEST_FOLDS, days[TRAIN_DAYS:])]

    paths: List[Path] = []
    for norm in norms:
        f = _normaliser(norm, train_raw)
        for split, fold, group in groups:
            feats = f(np.concatenate([g for g, _ in group], axis=1))
            labels = np.concatenate([l for _, l in group], axis=1).astype(np.float64)
            path = directory / file_name(split, norm, fold)
            _write(path, np.concatenate([feats, labels], axis=0))
            paths.append(path)

    all_labels = np.concatenate([l for _, l in days], axis=1)
    shares = {f"k={k}": {name: round(float((all_labels[h] == v).mean()), 4)
                         for name, v in (("down", 3), ("stationary", 2), ("up", 1))}
              for h, k in enumerate(HORIZONS)}
    manifest = {"generator": "finngl.lob.simulator (synthetic data, not FI-2010)", "seed": seed,
                "samples_per_day": samples_per_day, "days": {"train": list(range(1, TRAIN_DAYS + 1)),
                                                             "test": list(range(TRAIN_DAYS + 1, TRAIN_DAYS + TEST_DAYS + 1))},
                "alpha": alpha, "normalisations": norms, "label_shares": shares,
                "order_flow": asdict(params), "files": [p.name for p in paths]}
    (directory / "SIMULATED.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return paths


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m finngl.lob.simulator",
                                 description="Write synthetic limit-order-book data in FI-2010's file layout.")
    ap.add_argument("out_dir", help="output directory (created if needed)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--samples-per-day", type=int, default=DEFAULT_SAMPLES_PER_DAY)
    ap.add_argument("--alpha", type=float, default=DEFAULT_ALPHA,
                    help=f"label threshold on the relative mid-price move (default {DEFAULT_ALPHA})")
    ap.add_argument("--normalisation", nargs="+", default=["ZScore"], choices=["ZScore", "MinMax", "DecPre"])
    args = ap.parse_args(argv)
    if args.samples_per_day < 1:
        ap.error("--samples-per-day must be positive")
    paths = simulate_fi2010(args.out_dir, seed=args.seed, samples_per_day=args.samples_per_day,
                            alpha=args.alpha, normalisations=args.normalisation)
    for p in paths:
        print(p)
    manifest = json.loads((Path(args.out_dir) / "SIMULATED.json").read_text())
    print("label shares (all days):", json.dumps(manifest["label_shares"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
