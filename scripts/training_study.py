"""The cpu profile's training study: which denoiser settings learn the digits, memorize small sets, and drift.

    python scripts/training_study.py            # all settings (about half an hour on 2 cores), cached in runs/
    python scripts/training_study.py --list     # the settings, without running anything

Each setting trains the first model (real data) at the smallest and the largest size of the study and is
measured by the loop itself (memorized share, GS / MNND, trace ratio, Fréchet distance and its real floor);
a few settings also run the replace loop for several iterations. Results go to
results/cpu/training_study.csv (one row per run and iteration) and training_study_samples.npz (16 samples of
each run at its first and last iteration), which the book's appendix page reads without training anything.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from collapse_lib import experiments
from collapse_lib.loop.config import from_dict
from collapse_lib.loop.many import run_many
from collapse_lib.loop.readback import load_iteration
from collapse_lib.paths import results_dir

SIZES = (128, 512)
LOOP_ITERATIONS = 5
BASE = {"dataset": "digits", "model": "mlp", "width": 256, "blocks": 3, "threads": 1, "fd_feature": "classifier",
        "warmup_steps": 100, "weight_decay": 0.0, "save_models": False, "iterations": 1, "paradigm": "replace"}
#: label -> (what changes from BASE, whether the replace loop is run for LOOP_ITERATIONS too)
SETTINGS = {
    "eps, no EMA, DDIM-100, 2k (first cpu build)": (
        {"prediction": "epsilon", "noise_schedule": "linear", "lr": 1e-3, "batch_size": 256, "train_steps": 2000,
         "sampler": "ddim", "sample_steps": 100}, True),
    "eps, EMA, DDPM-1000, 2k": (
        {"prediction": "epsilon", "noise_schedule": "linear", "ema_decay": 0.999, "lr": 1e-3, "batch_size": 256,
         "train_steps": 2000, "sampler": "ddpm", "sample_steps": 1000}, False),
    "v, EMA, DDPM-1000, 2k": (
        {"prediction": "v", "noise_schedule": "linear", "ema_decay": 0.999, "lr": 1e-3, "batch_size": 256,
         "train_steps": 2000, "sampler": "ddpm", "sample_steps": 1000}, False),
    "x0, EMA, DDIM-100, 2k": (
        {"prediction": "x0", "noise_schedule": "linear", "ema_decay": 0.999, "lr": 1e-3, "batch_size": 256,
         "train_steps": 2000, "sampler": "ddim", "sample_steps": 100}, False),
    "x0, cosine, lr 2e-3, EMA, 3k": (
        {"prediction": "x0", "noise_schedule": "cosine", "ema_decay": 0.999, "lr": 2e-3, "batch_size": 256,
         "train_steps": 3000, "sampler": "ddim", "sample_steps": 100}, True),
    "EDM precond., cosine, lr 2e-3, EMA, 3k": (
        {"prediction": "edm", "noise_schedule": "cosine", "ema_decay": 0.999, "lr": 2e-3, "batch_size": 256,
         "train_steps": 3000, "sampler": "ddim", "sample_steps": 100}, True),
    "x0, cosine, lr 2e-3, EMA, 3k, quantized": (
        {"prediction": "x0", "noise_schedule": "cosine", "ema_decay": 0.999, "lr": 2e-3, "batch_size": 256,
         "train_steps": 3000, "sampler": "ddim", "sample_steps": 100, "quantize_samples": True}, True),
    "x0, cosine, lr 2e-3, EMA, 6k, batch 64, quantized": (
        {"prediction": "x0", "noise_schedule": "cosine", "ema_decay": 0.999, "lr": 2e-3, "batch_size": 64,
         "train_steps": 6000, "sampler": "ddim", "sample_steps": 100, "quantize_samples": True}, False),
    "x0, cosine, lr 2e-3, EMA, 6k, batch 128, quantized (cpu profile)": (
        {"prediction": "x0", "noise_schedule": "cosine", "ema_decay": 0.999, "lr": 2e-3, "batch_size": 128,
         "train_steps": 6000, "sampler": "ddim", "sample_steps": 100, "quantize_samples": True}, True),
}


def study_configs() -> dict[str, list]:
    """Every run of the study by setting label (first-model runs, plus the loops where asked)."""
    out = {}
    for i, (label, (changes, loop)) in enumerate(SETTINGS.items()):
        runs = [from_dict({**BASE, **changes, "name": f"study-{i:02d}", "n_train": n}) for n in SIZES]
        if loop:
            runs += [c.replace(iterations=LOOP_ITERATIONS) for c in runs]
        out[label] = runs
    return out


def _samples(run_dirs: pd.Series, iterations: pd.Series, k: int = 16) -> dict[str, np.ndarray]:
    """k samples of each run at its first and last iteration, keyed '<run>/<iteration>'."""
    out = {}
    for run, last in zip(run_dirs, iterations, strict=True):
        for n in sorted({1, int(last)}):
            out[f"{run}/{n}"] = load_iteration(experiments.default_runs_root() / run, n)[1].images[:k]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--list", action="store_true", help="print the settings and exit")
    ap.add_argument("--workers", type=int, default=2, help="runs trained at once (one thread each)")
    args = ap.parse_args()
    configs = study_configs()
    if args.list:
        for label, runs in configs.items():
            print(f"{label}: {len(runs)} runs")
        return 0
    tables = []
    classifier = experiments.real_classifier("digits")
    for label, runs in configs.items():
        t0 = time.perf_counter()
        table = run_many(runs, runs_root=experiments.default_runs_root(), workers=args.workers)
        table.insert(0, "setting", label)
        table["loop_iterations"] = table.groupby("run")["iteration"].transform("max")
        table["confident_share"] = [
            classifier.confident_share(load_iteration(experiments.default_runs_root() / r, int(n))[1].images[:r_n])
            for r, n, r_n in zip(table.run, table.iteration, table.n_train, strict=True)]
        tables.append(table)
        print(f"{label}: {time.perf_counter() - t0:.0f} s", flush=True)
    study = pd.concat(tables, ignore_index=True)
    out = results_dir("cpu")
    study.to_csv(out / "training_study.csv", index=False)
    last = study.groupby("run")["iteration"].max()
    np.savez_compressed(out / "training_study_samples.npz", **_samples(last.index.to_series(), last))
    print(f"wrote {out / 'training_study.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
