"""The paper's experiments as lists of run configs (what the chapters ask for), run through the cache.

Each builder takes a ``base`` dict of RunConfig values shared by a profile (dataset, denoiser, training)
and returns configs; ``run_experiment`` runs or reuses them and returns one tidy table whose
``experiment`` column is ``sizes``, ``selection``, ``control``, ``cfg`` or ``ablation``.

Seeds are matched and vary the data: seed s draws its own real subset (``subset_seed = s``; within a seed the
subsets of different sizes are nested), its own first model, and every arm of a comparison under seed s shares
both, so claims compare arms seed by seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .loop.config import RunConfig, from_dict
from .loop.many import run_many
from .paths import runs_root


def default_runs_root() -> Path:
    """Where run folders live: $COLLAPSE_RUNS if set (tests point it at a temp folder), else <project>/runs."""
    return runs_root()


def real_classifier(dataset: str = "digits", *, data_root: str | None = None, image_size: int | None = None,
                    runs_root=None):
    """The classifier the loop trains on a dataset's real images for Fréchet distances (cached in the run cache)."""
    from .data import load_dataset
    from .features import ClassifierFeatures

    data = load_dataset(dataset, root=data_root, image_size=image_size)
    cache = Path(runs_root or default_runs_root()) / "_cache"
    return ClassifierFeatures(data.to_float(), data.labels, cache_dir=cache, num_classes=data.num_classes)


def _cfg(base: dict, **changes) -> RunConfig:
    return from_dict({**base, **changes})


def sizes_configs(base: dict, *, sizes, iterations: int, seeds=(0,), float_sizes=()) -> list[RunConfig]:
    """Findings I-III: replace paradigm, no selection, one run per training-set size and seed, samples stored as the
    base says (the data's grey levels); and the same for ``float_sizes`` with samples kept as float32 (the storage
    a referee would vary). The two storages share each first model (iteration 1 trains on real data alike)."""
    grid = [_cfg(base, name=f"sizes-n{n}", n_train=n, iterations=iterations, paradigm="replace",
                 selector="random", pool_factor=1.0, seed=s, subset_seed=s) for n in sizes for s in seeds]
    floats = [_cfg(base, name=f"sizes-float-n{n}", n_train=n, iterations=iterations, paradigm="replace",
                   selector="random", pool_factor=1.0, seed=s, subset_seed=s, quantize_samples=False)
              for n in float_sizes for s in seeds]
    return grid + floats


def selection_configs(base: dict, *, n_train: int, iterations: int, seeds=(0,),
                      paradigms=("replace", "accumulate-subsample"), selectors=("random", "greedy", "threshold"),
                      pool_factor: float = 2.0, alpha: float = 0.9, seeds_by_selector: dict | None = None,
                      tau=None) -> list[RunConfig]:
    """Sec. 5 / App. F: vanilla vs greedy vs threshold under replace (pool 2N) and accumulate-subsample.

    Vanilla replace generates exactly N (the paper's baseline); the selectors generate pool_factor * N.
    Under accumulate-subsample every model generates N and the pool is all real and generated images.
    ``seeds_by_selector`` gives some selectors their own seeds (e.g. fewer for a costly comparison). ``tau``
    (a number or a rule, see ``RunConfig.tau``) reaches the threshold filter's runs only.
    """
    out = []
    for p in paradigms:
        for sel in selectors:
            pf = pool_factor if (p == "replace" and sel != "random") else 1.0
            extra = {"tau": tau} if sel == "threshold" and tau is not None else {}
            out += [_cfg(base, name=f"sel-{p}-{sel}", n_train=n_train, iterations=iterations, paradigm=p,
                         selector=sel, pool_factor=pf, alpha=alpha, seed=s, subset_seed=s, **extra)
                    for s in (seeds_by_selector or {}).get(sel, seeds)]
    return out


def greedy_real_shares(table: pd.DataFrame, selector: str = "greedy") -> dict[int, list[float]]:
    """Per seed, the share of real images in D_2, D_3, ... of the accumulate-subsample runs of ``selector``: the
    schedule the matched control keeps."""
    rows = table[(table["paradigm"] == "accumulate-subsample") & (table["selector"] == selector) & (table["iteration"] >= 2)]
    return {int(s): [float(v) for v in g.sort_values("iteration")["real_share"]] for s, g in rows.groupby("seed")}


def control_configs(base: dict, *, shares: dict[int, list[float]], n_train: int, iterations: int, seeds=(0,),
                    pool_factor: float = 2.0, alpha: float = 0.9, tau=None, control_feature: str = "classifier",
                    **_) -> list[RunConfig]:
    """The controls of Sec. 5 that say why selection helps (or does not):

    - under accumulate-subsample, ``matched``: a uniform draw that keeps, at every iteration, the share of real
      images greedy selection kept in the same seed's run (``shares``, in its config): does greedy help by entropy,
      or only by the real images it keeps?
    - under replace, greedy and the threshold filter selecting in ``control_feature`` space rather than pixels:
      does the replace result come from what farthest-point selection in pixel space picks?
    """
    out = [_cfg(base, name="ctl-accumulate-subsample-matched", n_train=n_train, iterations=iterations,
                paradigm="accumulate-subsample", selector="matched", real_schedule=shares[s], seed=s, subset_seed=s)
           for s in seeds if s in shares]
    for sel in ("greedy", "threshold"):
        extra = {"tau": tau} if sel == "threshold" and tau is not None else {}
        out += [_cfg(base, name=f"ctl-replace-{sel}-{control_feature}", n_train=n_train, iterations=iterations,
                     paradigm="replace", selector=sel, pool_factor=pool_factor, alpha=alpha, seed=s, subset_seed=s,
                     select_feature=control_feature, **extra) for s in seeds]
    return out


def cfg_configs(base: dict, *, n_train: int, iterations: int, guidance: float, seeds=(0,),
                selectors=("random", "greedy"), pool_factor: float = 2.0) -> list[RunConfig]:
    """Fig. 4: class-conditional denoiser with classifier-free guidance, replace, with and without selection."""
    return [_cfg(base, name=f"cfg-{sel}", n_train=n_train, iterations=iterations, paradigm="replace",
                 selector=sel, pool_factor=pool_factor if sel != "random" else 1.0, conditional=True,
                 guidance=guidance, seed=s, subset_seed=s) for sel in selectors for s in seeds]


def ablation_configs(base: dict, *, n_train: int, iterations: int, seeds=(0,), alphas=(0.5, 0.7, 0.9),
                     tau=None) -> list[RunConfig]:
    """App. G: train on all 2N vs select N of 2N (replace); threshold filter at several decay rates
    (accumulate-subsample). Runs equal to a Sec. 5 run share its name and so its run folder."""
    out = []
    for s in seeds:
        common = dict(n_train=n_train, iterations=iterations, seed=s, subset_seed=s, paradigm="replace")
        out.append(_cfg(base, name="sel-replace-random", selector="random", pool_factor=1.0, **common))
        out.append(_cfg(base, name="abl-replace-all", selector="all", pool_factor=2.0, **common))
        out.append(_cfg(base, name="sel-replace-greedy", selector="greedy", pool_factor=2.0, **common))
        acc = {**common, "paradigm": "accumulate-subsample"}
        out.append(_cfg(base, name="sel-accumulate-subsample-random", selector="random", **acc))
        extra = {"tau": tau} if tau is not None else {}
        for a in alphas:
            out.append(_cfg(base, name="sel-accumulate-subsample-threshold", selector="threshold", alpha=a, **acc, **extra))
    return out


def runs_config(table: pd.DataFrame, **match) -> RunConfig:
    """The stored config of the first run among ``table``'s rows that match every ``column=value`` of ``match``."""
    from .loop.readback import load_run_config

    for column, value in match.items():
        table = table[table[column] == value]
    return load_run_config(default_runs_root() / table["run"].iloc[0])


def _sorted(values) -> list:
    return sorted(v.item() if hasattr(v, "item") else v for v in pd.unique(values))


def describe_sizes(table: pd.DataFrame) -> dict:
    """The settings a page shows for Findings I-III runs (from their rows)."""
    grid, floats = table[table["quantize_samples"].astype(bool)], table[~table["quantize_samples"].astype(bool)]
    return {"training_set_sizes": _sorted(grid["n_train"]), "float32_storage_sizes": _sorted(floats["n_train"]),
            "iterations": int(table["iteration"].max()), "seeds": _sorted(table["seed"])}


def describe_selection(table: pd.DataFrame) -> dict:
    """The settings a page shows for Sec. 5 runs (from their rows and a threshold-filter run's stored config)."""
    out = {"training_set_size": int(table["n_train"].iloc[0]), "iterations": int(table["iteration"].max()),
           "seeds": _sorted(table["seed"]), "paradigms": _sorted(table["paradigm"]),
           "selectors": [s for s in ("random", "greedy", "threshold", "all") if s in set(table["selector"])],
           "pool_factor": float(table.loc[table["selector"] != "random", "pool_factor"].max())}
    if "threshold" in out["selectors"]:
        out["threshold_decay_rate"] = _sorted(table.loc[table["selector"] == "threshold", "alpha"])
        out["threshold_start"] = runs_config(table, selector="threshold").tau
    return out


def describe_cfg(table: pd.DataFrame) -> dict:
    """The settings a page shows for Fig. 4 runs."""
    return {"training_set_size": int(table["n_train"].iloc[0]), "iterations": int(table["iteration"].max()),
            "seeds": _sorted(table["seed"]), "guidance_w": float(table["guidance"].iloc[0]),
            "selectors": _sorted(table["selector"])}


def describe_ablation(table: pd.DataFrame) -> dict:
    """The settings a page shows for App. G runs."""
    return {"training_set_size": int(table["n_train"].iloc[0]), "iterations": int(table["iteration"].max()),
            "seeds": _sorted(table["seed"]),
            "decay_rates": _sorted(table.loc[table["selector"] == "threshold", "alpha"])}


def first_samples_confidence(tables: dict[str, pd.DataFrame], **_) -> dict:
    """Finding I's evidence that the first models draw digits: for each size (grid storage, the first seed), the
    share of its iteration-1 samples that a classifier trained on the real images assigns to one class with
    probability above 0.9."""
    table = tables["sizes"]
    cfg = runs_config(table)
    classifier = real_classifier(cfg.dataset, data_root=cfg.data_root, image_size=cfg.image_size)
    first = {n: samples_by_iteration(run, [1], k=n)[1] for n, run in runs_by(table, quantize_samples=True).items()}
    return {"confident_share_iteration_1": {n: classifier.confident_share(g) for n, g in first.items()}}


def detection_evidence(tables: dict[str, pd.DataFrame], *, timestep: int, **_) -> dict:
    """Chapter 09's evidence from the run folders: every evaluated sample of the Finding I runs (grid storage, every
    iteration) with its spikiness and near-copy ratio, and the mean spikiness of the Sec. 5 runs (vanilla and
    greedy) at their last iteration."""
    sizes = tables["sizes"]
    sizes = sizes[sizes["quantize_samples"].astype(bool)]
    root = default_runs_root()
    samples = pd.concat([per_sample_signals(root / run, it, timestep=timestep) for run in sizes["run"].unique()
                         for it in range(1, int(sizes["iteration"].max()) + 1)], ignore_index=True)
    chosen = tables["selection"][tables["selection"]["selector"].isin(["random", "greedy"])]
    last = chosen[chosen["iteration"] == chosen["iteration"].max()]
    spikiness = last.groupby(["paradigm", "selector"])["spikiness"].mean().unstack().to_dict("index")
    return {"samples": samples, "selection_spikiness_last": spikiness}


def run_experiment(experiment: str, configs: list[RunConfig], *, runs_root=None, progress: bool = False,
                   workers: int = 1, executor: str | None = "local", executor_options: dict | None = None) -> pd.DataFrame:
    """Run or reuse every config (``workers`` at a time, on the engine ``executor`` names: ``local``,
    ``dask://HOST:PORT`` or ``slurm`` with ``executor_options``); return their rows tagged with ``experiment``."""
    from .loop.executors import make_executor

    engine = make_executor(executor, **(executor_options or {}))
    table = run_many(configs, runs_root=runs_root or default_runs_root(), progress=progress, workers=workers,
                     executor=engine)
    table.insert(0, "experiment", experiment)
    return table


def runs_by(table: pd.DataFrame, key: str = "n_train", *, seed: int | None = None, **match) -> dict:
    """The run folder of each value of ``key`` among the rows of one seed (default: the smallest) that match every
    ``column=value`` of ``match`` (e.g. ``quantize_samples=True``)."""
    rows = table[table["seed"] == (table["seed"].min() if seed is None else seed)]
    for column, value in match.items():
        rows = rows[rows[column] == value]
    return {v.item() if hasattr(v, "item") else v: default_runs_root() / g["run"].iloc[0] for v, g in rows.groupby(key)}


def nearest_training_images(run_dir, iteration: int, *, k: int = 8):
    """k samples of one iteration (evenly spread over G_n), their nearest images in that iteration's D_n and the
    distances (pixel space): what Fig. 1 and Fig. 12 show."""
    import numpy as np

    from .loop.readback import load_iteration
    from .neighbors import knn

    d_n, g_n = load_iteration(run_dir, iteration)
    take = np.linspace(0, len(g_n) - 1, k).astype(int)
    dist, idx = knn(g_n.images[take], d_n.images, 1)
    return g_n.images[take], d_n.images[idx[:, 0]], dist[:, 0]


def samples_by_iteration(run_dir, iterations, *, k: int = 12) -> dict:
    """The first k samples of G_n for each iteration n in ``iterations`` (Figs. 15-20's grids)."""
    from .loop.readback import load_iteration

    return {n: load_iteration(run_dir, n)[1].images[:k] for n in iterations}


def per_sample_signals(run_dir, iteration: int, *, timestep: int | None = None) -> pd.DataFrame:
    """Each evaluated sample of one iteration: its spikiness under the model that drew it (read at ``timestep``,
    default ``representation.DEFAULT_TIMESTEP``) and its near-copy ratio to D_n (pixel space, D_n's near-duplicates
    merged at the run's scale as the loop's near-copy share does; ``ratio_raw``: the plain test), with
    ``memorized`` = ratio < 1/3. Needs the run's saved models."""
    from .loop.measure import evaluation_set
    from .loop.readback import load_iteration, load_run_config, stored_model
    from .loop.store import models_left_out
    from .metrics import COPY_RATIO, copy_scale, nearest_ratio
    from .representation import DEFAULT_TIMESTEP, activation_spikiness

    cfg = load_run_config(run_dir)
    stored = stored_model(run_dir, iteration)
    if stored is None and models_left_out(run_dir):  # imported without its models: train them again
        from .loop.iterations import restore_models

        restore_models(run_dir)
        stored = stored_model(run_dir, iteration)
    if stored is None:
        raise FileNotFoundError(f"{run_dir}: iteration {iteration} saved no model (save_models: false)")
    model, scheduler = stored
    d_n, g_n = load_iteration(run_dir, iteration)
    g = evaluation_set(g_n, cfg.n_train)
    spiky = activation_spikiness(model, g.images, timestep=timestep or DEFAULT_TIMESTEP, scheduler=scheduler,
                                 labels=g.labels if cfg.conditional else None)
    scale = copy_scale(load_iteration(run_dir, 1)[0].images)  # D_1, the real subset
    ratio = nearest_ratio(g.images, d_n.images, scale=scale)
    return pd.DataFrame({"n_train": cfg.n_train, "selector": cfg.selector, "paradigm": cfg.paradigm, "seed": cfg.seed,
                         "quantize_samples": cfg.quantize_samples, "iteration": iteration, "spikiness": spiky,
                         "ratio": ratio, "ratio_raw": nearest_ratio(g.images, d_n.images, scale=0.0),
                         "memorized": ratio < COPY_RATIO})


def merge_scale_sensitivity(runs: dict[str, dict], *, fractions=(0.0, 0.125, 0.25, 0.5), iterations=(1,)) -> pd.DataFrame:
    """The near-copy share of the smallest and largest size of each storage's runs (``{storage: {N: run}}``) with
    D_n's near-duplicates merged at each fraction of the real subset's MNND (0: the plain test), per iteration."""
    from .loop.measure import evaluation_set
    from .loop.readback import load_iteration
    from .metrics import memorized_share, mnnd

    rows = {}
    for storage, by_size in runs.items():
        for n in sorted({min(by_size), max(by_size)}) if by_size else []:
            real = load_iteration(by_size[n], 1)[0].images
            spacing = mnnd(np.unique(real.reshape(len(real), -1), axis=0))
            for it in iterations:
                d_n, g_n = load_iteration(by_size[n], it)
                g = evaluation_set(g_n, n).images
                rows[(storage, f"N = {n}", f"n = {it}")] = {
                    f"merge at {f:g} x MNND": memorized_share(g, d_n.images, scale=f * spacing) for f in fractions}
    out = pd.DataFrame(rows).T.round(3)
    if len(out):
        out.index.names = ["storage", "size", "iteration"]
    return out
