"""Selection at a practitioner's scale: exact greedy and threshold selection on up to a million 384-d feature vectors,
against our own plain pass and fpsample's exact FPS (an optional benchmark dependency), in one run.

    python benchmarks/selection_scale.py             # the whole table (minutes; run on idle cores)
    python benchmarks/selection_scale.py --quick     # the same on pools a tenth of the size

Pools (float32, seed 0): ``blobs``, 200 centres drawn from N(0, 16 I) in 384-d, each row a centre plus N(0, I) noise;
``digits``, the classifier features of scikit-learn's digits tiled with Gaussian noise to the pool size (real
features). Start index 0 everywhere. Each line prints the seconds, picks per second, the bandwidth bound (one pass
over the pool a pick: what a plain pass cannot beat) and whether the picks equal the reference's.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def blobs(n: int, d: int = 384, centres: int = 200, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.normal(0, 4, size=(centres, d)).astype(np.float32)
    out = np.empty((n, d), np.float32)
    for s in range(0, n, 65536):
        m = min(65536, n - s)
        out[s:s + m] = c[rng.integers(0, centres, m)] + rng.normal(size=(m, d)).astype(np.float32)
    return out


def digits_features(n: int, seed: int = 0) -> np.ndarray:
    """Real features tiled to n rows: the digits' 1,797 classifier features (128-d), each copy with noise of a tenth
    of their spread."""
    from collapse_lib.data import load_dataset
    from collapse_lib.experiments import real_classifier

    data = load_dataset("digits")
    clf = real_classifier("digits")
    feats = np.asarray(clf(data.to_float()), np.float32)
    rng = np.random.default_rng(seed)
    scale = 0.1 * feats.std(0).mean()
    out = np.empty((n, feats.shape[1]), np.float32)
    for s in range(0, n, 65536):
        m = min(65536, n - s)
        out[s:s + m] = feats[rng.integers(0, len(feats), m)] + rng.normal(0, scale, size=(m, feats.shape[1]))
    return out


def pass_seconds(x: np.ndarray, repeats: int = 5) -> float:
    """One pass over the pool (a matrix-vector product on every core): the bandwidth bound of a pick."""
    import torch

    t = torch.from_numpy(x)
    p = t[0].clone()
    t @ p
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        t @ p
        best = min(best, time.perf_counter() - t0)
    return best


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def line(what: str, seconds: float, picks: int, bound: float, same: bool | None) -> str:
    agree = "" if same is None else ("same picks" if same else "PICKS DIFFER")
    return (f"{what:<46} {seconds:8.1f} s  {picks / seconds:9,.0f} picks/s  bandwidth bound {picks * bound:7.1f} s  "
            f"{agree}")


def greedy_lines(x: np.ndarray, size: int, label: str, fpsample: bool = True, plain: bool = True) -> list[str]:
    from collapse_lib.selection import greedy_select

    bound = pass_seconds(x)
    ours, t_ours = timed(lambda: greedy_select(x, size, start=0, progress=False))
    out = [line(f"greedy {size:,} of {len(x):,} x {x.shape[1]} ({label})", t_ours, size, bound, None)]
    if plain:
        ref, t_ref = timed(lambda: greedy_select(x, size, start=0, prune=False, progress=False))
        out.append(line("  our plain pass", t_ref, size, bound, bool(np.array_equal(ours, ref))))
        out.append(f"  the plain pass's time over the pruned one's: {t_ref / t_ours:.2f}")
    if fpsample:
        try:
            import fpsample as fps
        except ImportError:
            out.append("  fpsample: not installed (pip install fpsample)")
        else:
            theirs, t_fps = timed(lambda: fps.fps_sampling(x, size, start_idx=0))
            out.append(line("  fpsample.fps_sampling (exact, C++)", t_fps, size, bound, bool(np.array_equal(ours, theirs))))
            out.append(f"  ours / fpsample: {t_fps / t_ours:.1f}x faster")
            if not np.array_equal(ours, theirs):
                out.append(first_difference(x, ours, theirs))
    return out


def first_difference(x: np.ndarray, ours: np.ndarray, theirs: np.ndarray) -> str:
    """Where two FPS orders part: the two candidates' min-distances to the shared earlier picks, in float64. A gap
    below float32's rounding is a near-tie that the two float32 distance formulas (ours |x|^2 - 2x.p + |p|^2,
    fpsample's sum of squared differences) may decide either way; a larger gap would be an error."""
    i = int(np.flatnonzero(ours != theirs)[0])
    prev = x[ours[:i]].astype(np.float64)
    exact = [((prev - x[j].astype(np.float64)) ** 2).sum(1).min() for j in (ours[i], theirs[i])]
    gap = abs(exact[0] - exact[1]) / max(exact)
    tie = "a near-tie below float32 rounding" if gap < 1e-5 else "AN ERROR"
    return (f"  the orders part at pick {i:,}: exact (float64) min-distances {exact[0]:.6f} (ours) and {exact[1]:.6f} "
            f"(fpsample), a relative gap of {gap:.1e} ({tie})")


def threshold_lines(x: np.ndarray, size: int, label: str, plain_check: int = 0) -> list[str]:
    """The threshold filter starting at the pool's largest distance to the first pick (App. C.1's "start high")."""
    from collapse_lib.selection import threshold_decay_select

    tau = float(np.sqrt(((x - x[0]) ** 2).sum(1, dtype=np.float64)).max())
    ours, t = timed(lambda: threshold_decay_select(x, size, tau=tau, alpha=0.9, start=0, progress=False))
    out = [line(f"threshold {size:,} of {len(x):,} x {x.shape[1]} ({label}, α 0.9)", t, size, pass_seconds(x), None)]
    if plain_check:
        ref = threshold_decay_select(x, plain_check, tau=tau, alpha=0.9, start=0, prune=False, progress=False)
        out.append(f"  the first {plain_check:,} picks equal the plain pass's: {bool(np.array_equal(ours[:plain_check], ref))}")
    return out


def cli_line(x: np.ndarray, size: int) -> str:
    """``collapse select`` on the pool as a .npy, start-up and report included, with its peak resident memory."""
    with tempfile.TemporaryDirectory() as tmp:
        pool = Path(tmp) / "pool.npy"
        np.save(pool, x)
        cmd = [sys.executable, "-m", "collapse_lib.cli", "select", str(pool), "--size", str(size), "--start", "0",
               "--quiet", "--out", str(Path(tmp) / "picks.npy")]
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        peak_kb = int(proc.stderr.strip().splitlines()[-1])
        report = json.loads(proc.stdout)["report"] if proc.returncode == 0 else {"error": proc.stderr[-300:]}
    return (f"collapse select {size:,} of {len(x):,} x {x.shape[1]} (.npy)   {seconds:8.1f} s with start-up and report; "
            f"peak memory {peak_kb / 1e6:.2f} GB = {peak_kb * 1e3 / x.nbytes:.2f}x the pool; report {report}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="pools a tenth of the size")
    args = ap.parse_args()
    k = 10 if args.quick else 1
    lines = []
    small = blobs(200_000 // k)
    lines += greedy_lines(small, 2000 // k, "blobs")
    del small
    large = blobs(1_000_000 // k)
    lines += greedy_lines(large, 10_000 // k, "blobs", fpsample=False, plain=False)
    lines += threshold_lines(large, 10_000 // k, "blobs", plain_check=1000 // k)
    lines.append(cli_line(large, 10_000 // k))
    from collapse_lib.selection import greedy_select

    first = greedy_select(large[:: 1], 1000 // k, start=0, prune=False, progress=False)
    lines.append(f"  greedy, the first {1000 // k:,} picks equal the plain pass's: "
                 f"{bool(np.array_equal(greedy_select(large, 1000 // k, start=0, progress=False), first))}")
    del large
    real = digits_features(1_000_000 // k)
    lines += greedy_lines(real, 10_000 // k, "digit features, tiled", fpsample=False, plain=False)
    noise = np.random.default_rng(0).uniform(-1, 1, size=(100_000 // k, 384)).astype(np.float32)
    lines += greedy_lines(noise, 1000 // k, "uniform noise: nothing to prune", fpsample=False)
    print("\n".join(lines))
    print(f"peak memory of this benchmark process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
