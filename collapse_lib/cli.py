"""Command line: ``collapse select``, ``collapse score``, ``collapse run``, ``collapse detect``, ``collapse bundle``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from ._inputs import InputError, load_labels, load_matrix, writable_output

#: rows the report reads of a set by default: entropy and MNND of equal-size random samples of each set
REPORT_ROWS = 2000


def _summary(x: np.ndarray, rows: int | None, rng) -> dict:
    """Entropy and MNND of ``x``: of ``rows`` rows drawn at random (every row when None or the set is no larger)."""
    from .metrics import kl_entropy, mnnd

    take = x if rows is None or rows >= len(x) else x[np.sort(rng.choice(len(x), rows, replace=False))]
    take = np.asarray(take).reshape(len(take), -1)
    return {"n": int(len(x)), "entropy": kl_entropy(take), "mnnd": mnnd(take)}


def _report(sets: dict[str, np.ndarray], exact: bool, seed: int | None) -> dict:
    """The report of several sets: entropy and MNND, each read on the same number of random rows (the KL estimate
    falls with the number of points, so only equal sizes compare); all of every set with ``exact``."""
    rows = None if exact else min(REPORT_ROWS, *(len(x) for x in sets.values()))
    seed = 0 if seed is None else seed
    rng = np.random.default_rng(seed)
    out = {name: _summary(x, rows, rng) for name, x in sets.items()}
    return {**out, "report": {"rows": rows or "all", "seed": seed, "exact": exact}}


def cmd_select(args) -> int:
    from .selection import get

    selector = get(args.method)
    missing = [f"--{p}" for p in selector.parameters if getattr(args, p) is None]
    if missing:
        raise InputError(f"--method {args.method} needs {' and '.join(missing)}")
    out = writable_output(args.out, suffix=".npy", inputs=(args.pool,))
    pool = load_matrix(args.pool, mmap=True)
    t0 = time.perf_counter()
    try:
        idx = selector.pick(pool, args.size, seed=args.seed, start=args.start, tau=args.tau, alpha=args.alpha,
                            progress=False if args.quiet else None)
    except ValueError as err:
        raise InputError(str(err)) from None
    except KeyboardInterrupt:
        raise InputError(f"interrupted; {args.out} was not written") from None
    seconds = time.perf_counter() - t0
    from .files import atomic_save_npy

    atomic_save_npy(out, idx)
    report = {"method": args.method, "seconds": round(seconds, 4), "out": args.out,
              **_report({"pool": pool, "selection": pool[np.sort(idx)]}, args.exact_report, args.seed)}
    print(json.dumps(report, indent=2))
    return 0


def cmd_score(args) -> int:
    from .metrics import covariance_trace, generalization_score

    gen, train = load_matrix(args.generated, mmap=True), load_matrix(args.train, mmap=True)
    d_gen, d_train = int(np.prod(gen.shape[1:])), int(np.prod(train.shape[1:]))
    if d_gen != d_train:
        raise InputError(f"feature dimensions differ: {args.generated} has {d_gen}, {args.train} has {d_train}")
    try:
        sets = _report({"generated": gen, "train": train}, args.exact_report, 0)
        out = {"gs": generalization_score(gen, train), **sets["generated"], "cov_trace": covariance_trace(gen),
               "train": sets["train"], "report": sets["report"]}
    except ValueError as err:
        raise InputError(str(err)) from None
    print(json.dumps(out, indent=2))
    return 0


def _executor_options(items: list[str]) -> dict:
    import yaml

    options = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--executor-option {item}: expected KEY=VALUE (e.g. partition=gpu)")
        key, value = item.split("=", 1)
        options[key.strip()] = yaml.safe_load(value)
    return options


def _check_device(cfg) -> None:
    if cfg.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise InputError("device=cuda, but torch sees no CUDA device here (use device=cpu or auto)")


def cmd_run(args) -> int:
    from .loop.config import ConfigError, load_config
    from .loop.executors import ExecutorSpecError, make_executor
    from .loop.runner import run_loop
    from .paths import runs_root

    try:
        cfg = load_config(args.config, overrides=args.set)
    except ConfigError as err:
        raise InputError(str(err)) from None
    root = Path(args.runs_root) if args.runs_root else runs_root()
    options = _executor_options(args.executor_option)
    if args.executor != "local" and args.out:
        raise InputError("--out names a local folder; with --executor the run goes under --runs-root")
    try:
        engine = make_executor(args.executor, **options)
    except ExecutorSpecError as err:
        raise InputError(str(err)) from None
    if engine is None:
        _check_device(cfg)
        try:
            run_dir = run_loop(cfg, out=Path(args.out) if args.out else None, runs_root=root, progress=not args.quiet,
                               share_first_model=not args.train_first_model, verify=args.verify)
        except FileExistsError as err:
            raise InputError(str(err)) from None
    else:
        run_dir = _run_on(engine, cfg, root, args)
    if os.environ.get("RANK", "0") == "0":  # under torchrun only rank 0 reports (read from the launcher's env)
        print(_run_summary(run_dir))
        print(run_dir)
    return 0


def _run_on(engine, cfg, root: Path, args) -> Path:
    """Run one config on a cluster engine (``--executor``); the run folder lands under the runs root."""
    from .loop.many import run_many
    from .loop.store import run_dir_of

    run_many([cfg], runs_root=root, executor=engine, share_first_model=not args.train_first_model)
    return run_dir_of(cfg, root)


def _run_summary(run_dir: Path) -> str:
    """The run's key numbers per iteration, as a small text table."""
    import pandas as pd

    table = pd.read_csv(Path(run_dir) / "metrics.csv")
    cols = [c for c in ("iteration", "gs", "memorized_share", "entropy", "trace_ratio", "fd", "fd_floor") if c in table]
    return table[cols].round(3).to_string(index=False)


def _detect_inputs(args, model) -> tuple[np.ndarray, np.ndarray | None]:
    """The images (finite, in [-1, 1], shaped for the model) and the labels a conditional model needs."""
    images = load_matrix(args.images).astype(np.float32)
    shape = (model.config.in_channels, model.config.sample_size, model.config.sample_size)
    if int(np.prod(images.shape[1:])) != int(np.prod(shape)):
        raise InputError(f"{args.images}: images of {images.shape[1:]} do not fit the model's {shape}")
    if not np.isfinite(images).all():
        raise InputError(f"{args.images}: holds NaN or inf values")
    if images.min() < -1.001 or images.max() > 1.001:
        raise InputError(f"{args.images}: values span {images.min():.3g}..{images.max():.3g}; the denoiser takes images "
                         "in [-1, 1] (scale x/127.5 - 1 for 8-bit images)")
    conditional = bool(getattr(model.config, "num_class_embeds", None))
    if conditional and args.labels is None:
        raise InputError("the model is class-conditional: pass --labels LABELS.npy")
    if not conditional and args.labels is not None:
        raise InputError("--labels: the model is unconditional and takes no labels")
    labels = load_labels(args.labels) if conditional else None
    if labels is not None and len(labels) != len(images):
        raise InputError(f"--labels: {len(labels)} labels for {len(images)} images")
    return images.reshape(len(images), *shape), labels


def cmd_detect(args) -> int:
    from .diffusion import load_trained
    from .representation import DEFAULT_TIMESTEP, activation_spikiness, model_stable_rank

    try:
        model, scheduler = load_trained(args.model_dir)
    except (FileNotFoundError, OSError, KeyError, ValueError) as err:
        raise InputError(f"{args.model_dir}: cannot load a denoiser ({err})") from None
    images, labels = _detect_inputs(args, model)
    timestep = DEFAULT_TIMESTEP if args.timestep is None else args.timestep
    try:
        scores = activation_spikiness(model, images, timestep=timestep, scheduler=scheduler, labels=labels)
    except ValueError as err:
        raise InputError(str(err)) from None
    ranks = model_stable_rank(model)
    print(json.dumps({"model": str(args.model_dir), "timestep": timestep, "spikiness": [round(float(v), 6) for v in scores],
                      "spikiness_mean": float(scores.mean()), "stable_rank_mean": ranks["mean"],
                      "stable_rank": ranks["per_layer"]}, indent=1))
    return 0


def _count(minimum: int):
    """An argparse type: a whole number >= ``minimum`` (the error names the option through argparse)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value
    return parse


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (the usage is one --help away)."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def _add_select(sub, selectors) -> None:
    s = sub.add_parser("select", help="pick a high-entropy training subset from a pool of feature vectors")
    s.add_argument("pool", help="(n, d) features: .npy (read memory-mapped), .npz, .pt, or a folder of .npy shards")
    s.add_argument("--size", type=_count(1), required=True, help="how many to pick")
    pickable = [n for n, sel in selectors.items() if sel.pick is not None and not sel.needs_sources]  # a file has no sources
    s.add_argument("--method", choices=pickable, default="greedy",
                   help="a selector of the registry (collapse_lib.selection.SELECTORS)")
    s.add_argument("--tau", type=float, help="threshold filter: initial threshold (> 0)")
    s.add_argument("--alpha", type=float, help="threshold filter: decay factor in (0, 1)")
    s.add_argument("--seed", type=_count(0), help="seed for the first pick (or the random subset)")
    s.add_argument("--start", type=_count(0), help="fix the first pick to this index")
    s.add_argument("--out", required=True, help="where to write the picked indices (.npy, int64)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.add_argument("--exact-report", action="store_true",
                   help=f"entropy and MNND of all of the pool and the selection (all pairs: slow on large pools; by "
                        f"default each is read on the same {REPORT_ROWS:,} random rows)")
    s.set_defaults(func=cmd_select)


def cmd_bundle_export(args) -> int:
    from .bundle import BundleError, export_bundle

    out = writable_output(args.out, suffix=None)
    try:
        manifest = export_bundle(args.profile, out, runs=args.runs, models=args.models)
    except BundleError as err:
        raise InputError(str(err)) from None
    size = sum(m["size"] for m in manifest["members"].values())
    print(f"{args.out}: the {args.profile} profile, {len(manifest['members'])} files ({size / 1e6:.1f} MB before "
          f"compression){', run folders' if args.runs else ''}{' with models' if args.models else ''}")
    return 0


def cmd_bundle_import(args) -> int:
    from .bundle import BundleError, import_bundle

    try:
        report = import_bundle(args.bundle, force=args.force)
    except BundleError as err:
        raise InputError(str(err)) from None
    note = (f"; {len(report['runs_without_models'])} run folders without models (trained again where needed)"
            if report["runs_without_models"] else "")
    print(f"{args.bundle}: the {report['profile']} profile, {report['written']} files written, "
          f"{report['unchanged']} already identical{note}")
    return 0


def _add_bundle(sub) -> None:
    b = sub.add_parser("bundle", help="pack a computed profile into one verified file, or import one")
    actions = b.add_subparsers(dest="action", required=True, parser_class=_Parser)
    e = actions.add_parser("export", help="pack results/<profile>/, its executed pages and (--runs) its run folders")
    e.add_argument("profile", help="the profile to pack (cpu, paper, rehearsal, smoke)")
    e.add_argument("--out", required=True, help="the bundle to write (a .tar.gz)")
    e.add_argument("--runs", action="store_true", help="also the run folders the results name (no models)")
    e.add_argument("--models", action="store_true", help="with --runs: also every iteration's model")
    e.set_defaults(func=cmd_bundle_export)
    i = actions.add_parser("import", help="verify a bundle whole, then place its files in this checkout")
    i.add_argument("bundle", help="a bundle written by 'collapse bundle export'")
    i.add_argument("--force", action="store_true", help="replace local files whose content differs from the bundle's")
    i.set_defaults(func=cmd_bundle_import)


def _add_run(sub) -> None:
    r = sub.add_parser("run", help="run a self-consuming loop from a YAML config")
    r.add_argument("--config", required=True, help="YAML file (see params/*/run.yaml)")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override one config key")
    r.add_argument("--out", help="run folder (default: <runs root>/<name>-<hash>)")
    r.add_argument("--runs-root", help="folder of run folders and the run cache (default: $COLLAPSE_RUNS, else runs/)")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    r.add_argument("--verify", action="store_true", help="check the sha256 of every stored file before reusing it")
    r.add_argument("--executor", default="local", metavar="SPEC",
                   help="where the run executes: local (default), dask://HOST:PORT or slurm (needs '.[cluster]')")
    r.add_argument("--executor-option", action="append", default=[], metavar="KEY=VALUE",
                   help="slurm: partition, gpus_per_task, cpus_per_task, time_limit_min, mem_gb, folder, cluster")
    r.add_argument("--train-first-model", action="store_true",
                   help="train iteration 1 even when the run cache holds the identical denoiser from another run")
    r.set_defaults(func=cmd_run)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .selection import SELECTORS

    ap = _Parser(prog="collapse", description=__doc__)
    ap.add_argument("--version", action="version", version=f"collapse {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_select(sub, SELECTORS)
    c = sub.add_parser("score", help="generalization score, entropy, MNND, covariance trace as JSON")
    c.add_argument("generated", help="generated samples or their features: .npy, .npz or .pt")
    c.add_argument("--train", required=True, help="the training set in the same space")
    c.add_argument("--exact-report", action="store_true",
                   help=f"entropy and MNND of all rows (by default of the same {REPORT_ROWS:,} random rows of each set)")
    c.set_defaults(func=cmd_score)
    d = sub.add_parser("detect", help="per-image spikiness of a denoiser's hidden representation and its stable rank")
    d.add_argument("model_dir", help="a saved denoiser: a run's iter_NN/model folder")
    d.add_argument("images", help="images in [-1, 1]: (n, C, H, W) or (n, C*H*W), .npy/.npz/.pt")
    d.add_argument("--timestep", type=_count(0), help="noise level of the read (of 1000; default: a low one)")
    d.add_argument("--labels", help="class labels (.npy/.npz/.pt) for a class-conditional denoiser")
    d.set_defaults(func=cmd_detect)
    _add_run(sub)
    _add_bundle(sub)
    return ap


def _warning_line(message, category, filename, lineno, line=None) -> str:
    """A warning on the command line is one line: what happened and what is done about it, no source line."""
    return f"warning: {message}\n"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warnings.formatwarning = _warning_line
    from .files import DamagedFile

    try:
        return args.func(args)
    except KeyboardInterrupt as stop:
        where = f" at iteration {stop.iteration}" if hasattr(stop, "iteration") else ""
        print(f"interrupted{where}; run the same command again to resume", file=sys.stderr)
        return 130
    except DamagedFile as err:
        raise InputError(str(err)) from None


if __name__ == "__main__":
    sys.exit(main())
