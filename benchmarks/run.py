"""Speed benchmarks: each prints a ratio against a reference timed in the same run, on this machine.

    python benchmarks/run.py            # all (a few minutes on 2 cores)
    python benchmarks/run.py greedy     # one of: greedy, scaling, threshold, knn, load, startup, book, paper, scale
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

THREADS = 2


def clustered(n: int, d: int, clusters: int = 64, spread: float = 0.5, seed: int = 0) -> np.ndarray:
    """A pool of n points in `clusters` Gaussian blobs (like DINOv2 features of generated images)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, d)).astype(np.float32) * 3
    return centres[rng.integers(0, clusters, n)] + rng.normal(size=(n, d)).astype(np.float32) * spread


def authors_greedy(x: np.ndarray, size: int, start: int) -> list[int]:
    """The loop shape of the authors' released greedy selection: cdist of the pool to the new point per step."""
    pool = torch.from_numpy(x)
    picks, min_d = [start], torch.full((len(x),), float("inf"))
    for _ in range(size - 1):
        d = torch.cdist(pool, pool[picks[-1] : picks[-1] + 1]).squeeze(1)
        min_d = torch.minimum(min_d, d)
        min_d[picks] = -1
        picks.append(int(torch.argmax(min_d)))
    return picks


def plain_threshold(x: np.ndarray, size: int, tau: float, alpha: float, start: int) -> list[int]:
    """Algorithm 2 written as a plain loop over candidates (numpy distance per candidate)."""
    chosen = [start]
    in_set = np.zeros(len(x), bool)
    in_set[start] = True
    while len(chosen) < size:
        added = False
        for i in range(len(x)):
            if in_set[i]:
                continue
            if np.sqrt(((x[chosen] - x[i]) ** 2).sum(1)).min() > tau:
                chosen.append(i)
                in_set[i] = True
                added = True
                if len(chosen) == size:
                    return chosen
        if not added:
            tau *= alpha
    return chosen


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def valid_farthest_point(x: np.ndarray, picks, rel: float = 1e-4) -> bool:
    """Each pick attains the max over unpicked points of the min-distance to earlier picks (float64 check)."""
    x64 = x.astype(np.float64)
    min_d = np.full(len(x), np.inf)
    seen = np.zeros(len(x), bool)
    for a, b in zip(picks[:-1], picks[1:], strict=True):
        min_d = np.minimum(min_d, np.sqrt(((x64 - x64[a]) ** 2).sum(1)))
        seen[a] = True
        best = min_d[~seen].max()
        if min_d[b] < best * (1 - rel):
            return False
    return True


def _greedy_times(n: int = 8192, d: int = 384, size: int = 2048) -> tuple[float, float]:
    from collapse_lib.selection import greedy_select

    x = clustered(n, d)
    return timed(authors_greedy, x, size, 0)[1], timed(greedy_select, x, size, start=0)[1]


def _threshold_times() -> tuple[float, float]:
    from collapse_lib.selection import threshold_decay_select

    x = clustered(6000, 64, clusters=40)
    return (timed(plain_threshold, x, 1500, 8.0, 0.9, 0)[1],
            timed(threshold_decay_select, x, 1500, tau=8.0, alpha=0.9, start=0)[1])


BUSY = "while True:\n    pass\n"


def beside_a_busy_process(fn):
    """``fn()`` while another process keeps one core busy (what a shared machine does to a benchmark)."""
    busy = subprocess.Popen([sys.executable, "-c", BUSY])
    try:
        time.sleep(0.5)
        return fn()
    finally:
        busy.kill()
        busy.wait()


def bench_load() -> None:
    """The selectors against their references, idle and beside a busy process: the speed-up each keeps under load."""
    for name, times in (("greedy 2048 of 8192x384 vs the authors' loop", _greedy_times),
                        ("threshold filter 1500 of 6000x64 vs the plain loop", _threshold_times)):
        ref, ours = times()
        ref_busy, ours_busy = beside_a_busy_process(times)
        idle, busy = ref / ours, ref_busy / ours_busy
        print(f"{name}: x{idle:.1f} idle ({ours:.2f} s), x{busy:.1f} beside a busy process ({ours_busy:.2f} s); "
              f"keeps {busy / idle:.0%} of its idle ratio (target: at least 50%)")


def bench_greedy() -> None:
    from collapse_lib.selection import greedy_select

    x = clustered(8192, 384)
    ref, t_ref = timed(authors_greedy, x, 2048, 0)
    ours, t_ours = timed(greedy_select, x, 2048, start=0)
    plain, t_plain = timed(greedy_select, x, 2048, start=0, prune=False)
    print(f"greedy 2048 of 8192x384 (clustered): authors' loop {t_ref:.2f} s | ours {t_ours:.2f} s "
          f"(x{t_ref / t_ours:.1f}) | ours without pruning {t_plain:.2f} s (x{t_ref / t_plain:.1f})")
    print(f"  valid farthest-point sequence: ours {valid_farthest_point(x, list(ours))}, "
          f"same picks as without pruning: {np.mean(ours == plain):.3f}, as authors' loop: {np.mean(ours == ref):.3f}")


def bench_scaling() -> None:
    from collapse_lib.selection import greedy_select

    print("greedy scaling (384-d clustered, size = n/4):   n   authors' loop   ours   ratio")
    for n in (4096, 8192, 16384, 32768, 65536):
        x = clustered(n, 384)
        size = n // 4
        _, t_ours = timed(greedy_select, x, size, start=0)
        if n <= 16384:
            _, t_ref = timed(authors_greedy, x, size, 0)
            print(f"{n:>46} {t_ref:>12.2f} s {t_ours:>7.2f} s   x{t_ref / t_ours:.1f}")
        else:
            print(f"{n:>46} {'(skipped)':>14} {t_ours:>7.2f} s")


def bench_threshold() -> None:
    from collapse_lib.selection import threshold_decay_select

    x = clustered(6000, 64, clusters=40)
    tau = 8.0
    ref, t_ref = timed(plain_threshold, x, 1500, tau, 0.9, 0)
    ours, t_ours = timed(threshold_decay_select, x, 1500, tau=tau, alpha=0.9, start=0)
    print(f"threshold filter 1500 of 6000x64: plain loop {t_ref:.2f} s | ours {t_ours:.3f} s (x{t_ref / t_ours:.0f}); "
          f"same selection: {list(ours) == ref}")


KNN_CHILD = r"""
import json, resource, sys, time
import numpy as np, torch
torch.set_num_threads(2)
import faiss; faiss.omp_set_num_threads(2)
which = sys.argv[1]
rng = np.random.default_rng(0)
x = rng.normal(size=(60000, 128)).astype(np.float32)
y = rng.normal(size=(60000, 128)).astype(np.float32)
t0 = time.perf_counter()
if which == "ours":
    from collapse_lib.metrics import kl_entropy, generalization_score
    kl_entropy(x); generalization_score(y, x)
else:
    from sklearn.neighbors import NearestNeighbors
    NearestNeighbors(n_neighbors=2, n_jobs=2).fit(x).kneighbors(x)
    NearestNeighbors(n_neighbors=1, n_jobs=2).fit(x).kneighbors(y)
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
"""


def bench_knn() -> None:
    res = {}
    for which in ("ours", "sklearn"):
        out = subprocess.run([sys.executable, "-c", KNN_CHILD, which], capture_output=True, text=True, check=True)
        res[which] = json.loads(out.stdout.strip().splitlines()[-1])
    o, s = res["ours"], res["sklearn"]
    print(f"kl_entropy + generalization_score on 60000x128: ours {o['seconds']:.2f} s, peak {o['peak_gb']:.2f} GB | "
          f"scikit-learn NearestNeighbors {s['seconds']:.2f} s, peak {s['peak_gb']:.2f} GB (x{s['seconds'] / o['seconds']:.1f})")


def cpu_book_training_steps() -> tuple[int, int]:
    """(unique runs, optimizer steps) the cpu profile trains from an empty runs/: shared runs counted once, and
    iteration 1 counted once per first model (runs that differ only after it load it from the run cache)."""
    from collapse_lib.plan import book_plan

    plan = book_plan("cpu")
    return len(plan), sum(sum(run.steps) for run in plan)


def _step_seconds(threads: int, width: int, blocks: int, batch_size: int, lr: float, ema_decay: float | None = None,
                  prediction: str = "epsilon", noise_schedule: str = "linear", steps: int = 300) -> float:
    """Seconds per training step of the cpu profile's denoiser at ``threads`` torch threads (after a warm-up)."""
    from collapse_lib.diffusion import TrainSettings, make_scheduler, train_denoiser
    from collapse_lib.models import MLPDenoiser

    torch.set_num_threads(threads)
    images = torch.rand(256, 1, 8, 8) * 2 - 1

    def train(n):
        model = MLPDenoiser(sample_size=8, width=width, blocks=blocks)
        settings = TrainSettings(steps=n, batch_size=batch_size, lr=lr, ema_decay=ema_decay)
        scheduler = make_scheduler(schedule=noise_schedule, prediction=prediction)
        return timed(train_denoiser, model, images, None, settings=settings, scheduler=scheduler, seed=0)[1]

    train(30)
    return train(steps) / steps


def _parallel_step_seconds(workers: int, **kw) -> float:
    """Effective seconds per step with ``workers`` processes training at once (wall of the slowest / all steps)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        per_step = [f.result() for f in [pool.submit(_step_seconds, **kw) for _ in range(workers)]]
    return max(per_step) / workers


def bench_book() -> None:
    """The cpu book's cost on this machine: its training steps times one measured cpu-profile training step,
    with the profile's workers x threads, against one process on all THREADS threads (the reference)."""
    from collapse_lib.profiles import execution, profile_parameters

    params = profile_parameters("cpu", "01_generalization_to_memorization")
    base, workers = params["base"], execution(params.get("execution"))["workers"]
    kw = {k: base[k] for k in ("width", "blocks", "batch_size", "lr", "ema_decay", "prediction", "noise_schedule") if k in base}
    serial = _step_seconds(THREADS, **kw)
    per_step = _parallel_step_seconds(workers, threads=base["threads"], **kw) if workers > 1 else serial
    torch.set_num_threads(THREADS)
    n_runs, steps = cpu_book_training_steps()
    print(f"cpu book: {n_runs} runs, {steps:,} training steps; one step here {serial * 1e3:.1f} ms on {THREADS} "
          f"threads, {per_step * 1e3:.1f} ms with the profile's {workers} workers x {base['threads']} threads "
          f"(ratio {per_step / serial:.2f}) -> {steps * per_step / 60:.0f} min of training (target for the whole "
          "book: 60 min; sampling, metrics and the HTML build come on top, see the README's measured builds)")


def bench_paper() -> None:
    """The paper profile's runs, steps and projected GPU hours (benchmarks/paper_cost.py)."""
    from paper_cost import report

    print(report())


def bench_startup() -> None:
    """Seconds to answer for the commands a user types most: help, a bad config, a small select and score, and a
    rerun of a finished smoke run, beside ``python -c "import torch"`` (the floor for anything that computes)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        np.save(tmp / "pool.npy", np.random.default_rng(0).normal(size=(300, 16)).astype(np.float32))
        (tmp / "bad.yaml").write_text("n_train: 64\ncolour: blue\n")
        smoke = Path(__file__).resolve().parents[1] / "params" / "smoke" / "run.yaml"
        cli = [sys.executable, "-m", "collapse_lib.cli"]
        runs = ["--runs-root", str(tmp / "runs"), "--quiet"]
        cases = {"python -c 'import torch'": [sys.executable, "-c", "import torch"], "collapse --help": [*cli, "--help"],
                 "collapse run (a bad config)": [*cli, "run", "--config", str(tmp / "bad.yaml")],
                 "collapse select (300x16)": [*cli, "select", str(tmp / "pool.npy"), "--size", "10", "--out",
                                              str(tmp / "keep.npy")],
                 "collapse score (300x16)": [*cli, "score", str(tmp / "pool.npy"), "--train", str(tmp / "pool.npy")],
                 "collapse run (smoke, first)": [*cli, "run", "--config", str(smoke), *runs],
                 "collapse run (smoke, rerun)": [*cli, "run", "--config", str(smoke), *runs]}
        for label, cmd in cases.items():
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=False)
            print(f"{label:<32} {time.perf_counter() - t0:6.2f} s")


def bench_scale() -> None:
    """Greedy and threshold selection on up to a million 384-d vectors, against our plain pass and fpsample
    (benchmarks/selection_scale.py, in its own process: its pools take a few GB)."""
    subprocess.run([sys.executable, str(Path(__file__).parent / "selection_scale.py")], check=True)


BENCHES = {"greedy": bench_greedy, "scaling": bench_scaling, "threshold": bench_threshold, "knn": bench_knn,
           "load": bench_load, "startup": bench_startup, "book": bench_book, "paper": bench_paper,
           "scale": bench_scale}


def main(argv: list[str]) -> int:
    torch.set_num_threads(THREADS)
    for name in argv or list(BENCHES):
        if name not in BENCHES:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {sorted(BENCHES)}")
        BENCHES[name]()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"(this process peaked at {peak:.2f} GB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
