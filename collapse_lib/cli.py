"""Command line: ``collapse select``, ``collapse score``, ``collapse run``, ``collapse detect``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

POOL_SUFFIXES = (".npy", ".npz", ".pt")


def _read(p: Path, names: tuple[str, ...] = ("features", "images")) -> object:
    """The raw contents of a .npy, .npz or .pt file (errors become one line naming the file); in a .npz the
    first of ``names`` it holds, or its only array (a run's iter_NN/samples.npz holds images and labels)."""
    try:
        if p.suffix == ".npy":
            return np.load(p, allow_pickle=False)
        if p.suffix == ".npz":
            z = np.load(p, allow_pickle=False)
            for name in names:
                if name in z.files:
                    return z[name]
            if len(z.files) == 1:
                return z[z.files[0]]
            raise SystemExit(f"error: {p}: holds {z.files}; name the array {' or '.join(map(repr, names))}")
        import torch

        obj = torch.load(p, map_location="cpu", weights_only=True)
        if isinstance(obj, dict):
            obj = obj.get("features", next(iter(obj.values())) if len(obj) == 1 else None)
        if obj is None or not isinstance(obj, torch.Tensor):
            raise SystemExit(f"error: {p}: expected a tensor, or a dict with a 'features' tensor")
        return obj.float().numpy()
    except SystemExit:
        raise
    except Exception as err:  # a corrupt file, an object array, a pickle: one line, not a traceback
        raise SystemExit(f"error: {p}: not a readable {p.suffix} array ({type(err).__name__}: {err})") from None


def _existing(path: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise SystemExit(f"error: no such file: {path}")
    if p.suffix not in POOL_SUFFIXES:
        raise SystemExit(f"error: {path}: expected one of {', '.join(POOL_SUFFIXES)}")
    return p


def load_labels(path: str) -> np.ndarray:
    """Integer class labels, one per image, from .npy, .npz (key ``labels`` or the only array) or .pt."""
    x = np.asarray(_read(_existing(path), names=("labels",))).reshape(-1)
    if x.dtype.kind not in "iu" and not (x.dtype.kind == "f" and np.all(x == np.round(x))):
        raise SystemExit(f"error: {path}: labels must be whole numbers (dtype {x.dtype})")
    return x.astype(np.int64)


def load_matrix(path: str) -> np.ndarray:
    """Load a numeric (n, ...) array from .npy, .npz (key ``features`` or the only array) or .pt (a tensor or dict)."""
    x = np.asarray(_read(_existing(path)))
    if x.dtype.kind not in "fiub":
        raise SystemExit(f"error: {path}: not a numeric array (dtype {x.dtype})")
    if x.ndim < 2:
        raise SystemExit(f"error: {path}: expected an (n, d) array or a batch of images; got shape {x.shape}")
    if x.shape[0] == 0 or x.size == 0:
        raise SystemExit(f"error: {path}: the array is empty (shape {x.shape})")
    return x


def _summary(x: np.ndarray) -> dict:
    from .metrics import kl_entropy, mnnd

    return {"n": int(len(x)), "entropy": kl_entropy(x), "mnnd": mnnd(x)}


def cmd_select(args) -> int:
    from .selection import get

    selector = get(args.method)
    missing = [f"--{p}" for p in selector.parameters if getattr(args, p) is None]
    if missing:
        raise SystemExit(f"error: --method {args.method} needs {' and '.join(missing)}")
    if not args.out.endswith(".npy"):
        raise SystemExit(f"error: --out must name a .npy file; got {args.out}")
    pool = load_matrix(args.pool)
    t0 = time.perf_counter()
    try:
        idx = selector.pick(pool, args.size, seed=args.seed, start=args.start, tau=args.tau, alpha=args.alpha)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    seconds = time.perf_counter() - t0
    from .files import atomic_save_npy

    atomic_save_npy(Path(args.out), idx)
    flat = pool.reshape(len(pool), -1)
    report = {"method": args.method, "seconds": round(seconds, 4), "out": args.out,
              "pool": _summary(flat), "selection": _summary(flat[idx])}
    print(json.dumps(report, indent=2))
    return 0


def cmd_score(args) -> int:
    from .metrics import covariance_trace, generalization_score

    gen, train = load_matrix(args.generated), load_matrix(args.train)
    d_gen, d_train = int(np.prod(gen.shape[1:])), int(np.prod(train.shape[1:]))
    if d_gen != d_train:
        raise SystemExit(f"error: feature dimensions differ: {args.generated} has {d_gen}, {args.train} has {d_train}")
    try:
        out = {"gs": generalization_score(gen, train), **_summary(gen.reshape(len(gen), -1)),
               "cov_trace": covariance_trace(gen)}
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    print(json.dumps(out, indent=2))
    return 0


def cmd_run(args) -> int:
    from .loop.config import ConfigError, load_config
    from .loop.runner import run_loop

    try:
        cfg = load_config(args.config, overrides=args.set)
    except ConfigError as err:
        raise SystemExit(f"error: {err}") from None
    if args.executor == "local":
        run_dir = run_loop(cfg, out=Path(args.out) if args.out else None, progress=not args.quiet,
                           share_first_model=not args.train_first_model)
    else:
        run_dir = _run_on(args, cfg)
    if os.environ.get("RANK", "0") == "0":  # under torchrun only rank 0 reports (read from the launcher's env)
        print(_run_summary(run_dir))
        print(run_dir)
    return 0


def _run_on(args, cfg) -> Path:
    """Run one config on a cluster engine (``--executor``); the run folder lands under --runs-root."""
    import yaml

    from .loop.executors import ExecutorSpecError, make_executor
    from .loop.many import run_many
    from .loop.store import run_dir_of

    if args.out:
        raise SystemExit("error: --out names a local folder; with --executor the run goes under --runs-root")
    try:
        options = dict(item.split("=", 1) for item in args.executor_option)
        engine = make_executor(args.executor, **{k: yaml.safe_load(v) for k, v in options.items()})
    except (ValueError, ExecutorSpecError) as err:
        raise SystemExit(f"error: {err}") from None
    run_many([cfg], runs_root=args.runs_root, executor=engine, share_first_model=not args.train_first_model)
    return run_dir_of(cfg, args.runs_root)


def _run_summary(run_dir: Path) -> str:
    """The run's key numbers per iteration, as a small text table."""
    import pandas as pd

    table = pd.read_csv(Path(run_dir) / "metrics.csv")
    cols = [c for c in ("iteration", "gs", "memorized_share", "entropy", "trace_ratio", "fd", "fd_floor") if c in table]
    return table[cols].round(3).to_string(index=False)


def cmd_detect(args) -> int:
    from .diffusion import load_trained
    from .representation import DEFAULT_TIMESTEP, activation_spikiness, model_stable_rank

    try:
        model, scheduler = load_trained(args.model_dir)
    except (FileNotFoundError, OSError, KeyError, ValueError) as err:
        raise SystemExit(f"error: {args.model_dir}: cannot load a denoiser ({err})") from None
    images = load_matrix(args.images).astype(np.float32)
    shape = (model.config.in_channels, model.config.sample_size, model.config.sample_size)
    if int(np.prod(images.shape[1:])) != int(np.prod(shape)):
        raise SystemExit(f"error: {args.images}: images of {images.shape[1:]} do not fit the model's {shape}")
    labels = None
    if getattr(model.config, "num_class_embeds", None):
        if args.labels is None:
            raise SystemExit("error: the model is class-conditional: pass --labels LABELS.npy")
        labels = load_labels(args.labels)
    timestep = DEFAULT_TIMESTEP if args.timestep is None else args.timestep
    try:
        scores = activation_spikiness(model, images.reshape(len(images), *shape), timestep=timestep,
                                      scheduler=scheduler, labels=labels)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    ranks = model_stable_rank(model)
    print(json.dumps({"model": str(args.model_dir), "timestep": timestep, "spikiness": [round(float(v), 6) for v in scores],
                      "spikiness_mean": float(scores.mean()), "stable_rank_mean": ranks["mean"],
                      "stable_rank": ranks["per_layer"]}, indent=1))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .selection import SELECTORS

    ap = argparse.ArgumentParser(prog="collapse", description=__doc__)
    ap.add_argument("--version", action="version", version=f"collapse {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("select", help="pick a high-entropy training subset from a pool of feature vectors")
    s.add_argument("pool", help="(n, d) features: .npy, .npz or .pt")
    s.add_argument("--size", type=int, required=True, help="how many to pick")
    s.add_argument("--method", choices=[n for n, sel in SELECTORS.items() if sel.pick is not None], default="greedy",
                   help="a selector of the registry (collapse_lib.selection.SELECTORS)")
    s.add_argument("--tau", type=float, help="threshold filter: initial threshold (> 0)")
    s.add_argument("--alpha", type=float, help="threshold filter: decay factor in (0, 1)")
    s.add_argument("--seed", type=int, help="seed for the first pick (or the random subset)")
    s.add_argument("--start", type=int, help="fix the first pick to this index")
    s.add_argument("--out", required=True, help="where to write the picked indices (.npy, int64)")
    s.set_defaults(func=cmd_select)
    c = sub.add_parser("score", help="generalization score, entropy, MNND, covariance trace as JSON")
    c.add_argument("generated", help="generated samples or their features: .npy, .npz or .pt")
    c.add_argument("--train", required=True, help="the training set in the same space")
    c.set_defaults(func=cmd_score)
    d = sub.add_parser("detect", help="per-image spikiness of a denoiser's hidden representation and its stable rank")
    d.add_argument("model_dir", help="a saved denoiser: a run's iter_NN/model folder")
    d.add_argument("images", help="images in [-1, 1]: (n, C, H, W) or (n, C*H*W), .npy/.npz/.pt")
    d.add_argument("--timestep", type=int, help="noise level of the read (of 1000; default: a low one)")
    d.add_argument("--labels", help="class labels (.npy/.npz/.pt) for a class-conditional denoiser")
    d.set_defaults(func=cmd_detect)
    r = sub.add_parser("run", help="run a self-consuming loop from a YAML config")
    r.add_argument("--config", required=True, help="YAML file (see params/*/run.yaml)")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override one config key")
    r.add_argument("--out", help="run folder (default: runs/<name>-<hash>)")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    r.add_argument("--executor", default="local", metavar="SPEC",
                   help="where the run executes: local (default), dask://HOST:PORT or slurm (needs '.[cluster]')")
    r.add_argument("--executor-option", action="append", default=[], metavar="KEY=VALUE",
                   help="slurm: partition, gpus_per_task, cpus_per_task, time_limit_min, mem_gb, folder")
    r.add_argument("--runs-root", default="runs", help="shared folder of run folders (with --executor)")
    r.add_argument("--train-first-model", action="store_true",
                   help="train iteration 1 even when the run cache holds the identical denoiser from another run")
    r.set_defaults(func=cmd_run)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
