"""The self-consuming loop: train on D_n, sample G_n, measure, build D_{n+1}; one run folder per config.

Under ``torchrun``/``accelerate launch`` every process trains the same model with DDP on its share of each
batch and samples its share of the batches; rank 0 writes the run folder.

Run folder ``runs/<name>-<hash>/``: ``config.json``, ``stats.jsonl``, ``metrics.csv`` and per iteration
``iter_NN/`` with ``train_set.npz`` (source and index of every training item), ``samples.npz`` (G_n and
its labels), ``model/`` (a diffusers DDPMPipeline) and ``metrics.json`` (written last: the finished mark).
A rerun reuses finished iterations; a killed run resumes from the last finished one with the same numbers,
because every random draw of iteration n is seeded from (seed, n) alone. For the same reason runs that
differ only after iteration 1 share its denoiser through ``<runs root>/_cache/first_models/`` (see
``first_model``); ``metrics.json`` says ``trained: false`` where it was loaded rather than trained.
"""

from __future__ import annotations

import json
import time
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..data import load_dataset
from ..diffusion import Preconditioned, make_scheduler, sample_images, train_denoiser
from ..distributed import barrier, init_from_env, is_main_process, rank_and_world
from ..features import make_features
from ..metrics import covariance_trace
from ..models import build_denoiser
from ..seeding import derive_seed, seed_everything
from . import store
from .config import RunConfig, validate
from .first_model import first_model_key, load_first_model, store_first_model, train_settings
from .measure import is_current, measure, noise_images, quiet_frechet_distance, within_class_nnd
from .paradigms import Pool, candidate_pool, next_training_set
from .parallel import check_workers, run_dir_of, run_parallel

#: config keys copied into each row of the tidy table
TABLE_KEYS = ("name", "dataset", "paradigm", "selector", "n_train", "seed", "pool_factor", "conditional",
              "guidance", "alpha", "model", "train_steps")


def _claim(run_dir: Path, cfg: RunConfig) -> None:
    path = run_dir / "config.json"
    if path.is_file():
        old = json.loads(path.read_text())
        if old.get("config") != cfg.to_dict():
            raise FileExistsError(f"{run_dir} holds a run of a different configuration; choose another --out")
        return
    store.atomic_write_json(path, {"config": cfg.to_dict(), "hash": cfg.config_hash()})


def _device(cfg: RunConfig) -> torch.device:
    use_cuda = cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available())
    if use_cuda and not torch.cuda.is_available():
        raise RuntimeError("device: cuda was asked for but torch sees no CUDA device")
    return torch.device("cuda", torch.cuda.current_device()) if use_cuda else torch.device("cpu")


class _Context:
    """What every iteration needs: data, real pool, feature extractors, scheduler."""

    def __init__(self, cfg: RunConfig, run_dir: Path, device: torch.device, share_first_model: bool = True):
        self.cfg, self.run_dir, self.device = cfg, run_dir, device
        self.share_first_model = share_first_model
        self.data = load_dataset(cfg.dataset, root=cfg.data_root, image_size=cfg.image_size)
        if cfg.n_train > len(self.data):
            raise ValueError(f"n_train={cfg.n_train} exceeds the {len(self.data)} images of {cfg.dataset}")
        idx = self.data.subset(cfg.n_train, cfg.subset_seed)
        self.real = Pool(self.data.to_float(idx), self.data.labels[idx], np.zeros(len(idx), np.int16), self.data.ids[idx])
        self.image_shape = tuple(self.data.images.shape[1:])
        self.scheduler = make_scheduler(schedule=cfg.noise_schedule, prediction=cfg.prediction)
        self.cache_dir = run_dir.parent / "_cache"
        all_real = self.data.to_float()
        kw = dict(real_images=all_real, real_labels=self.data.labels, cache_dir=self.cache_dir, device=str(device),
                  dinov2_path=cfg.dinov2_path, num_classes=self.data.num_classes)
        self.metric_features = make_features(cfg.metric_feature, **kw)
        self.select_features = (self.metric_features if cfg.select_feature == cfg.metric_feature
                                else make_features(cfg.select_feature, **kw))
        self.fd_features = None
        if cfg.fd_feature is not None:
            self.fd_features = make_features(cfg.fd_feature, **kw)
            self.real_fd = self.fd_features(all_real)

    @property
    def grid_step(self) -> float | None:
        """Spacing of the data's grey levels in [-1, 1] when generated images are stored on them and distances are
        measured in pixels (the entropy estimate then dequantizes, see ``measure.set_entropy``); else None."""
        if self.cfg.quantize_samples and self.cfg.metric_feature == "pixel":
            return 2.0 / self.data.max_value
        return None

    @cached_property
    def real_trace(self) -> float:
        """Covariance trace of the real training subset D_1 in the metric features (trace_ratio's denominator)."""
        return covariance_trace(self.metric_features(self.real.images))

    @cached_property
    def fd_references(self) -> dict:
        """Fréchet distances of the real subset D_1 (the floor at this N) and of clipped noise to the full real set."""
        fake = noise_images(len(self.real), self.image_shape)
        return {"fd_floor": quiet_frechet_distance(self.fd_features(self.real.images), self.real_fd),
                "fd_noise": quiet_frechet_distance(self.fd_features(fake), self.real_fd)}

    @cached_property
    def real_within_class_nnd(self) -> float:
        """Within-class NND of the real training subset: featurized and measured once per run, not per iteration."""
        return within_class_nnd(self.metric_features(self.real.images), self.real.labels)


def _save_model(model, scheduler, folder: Path) -> None:
    from diffusers import DDPMPipeline

    DDPMPipeline(unet=model, scheduler=scheduler).save_pretrained(folder, safe_serialization=True)


def _generation_labels(cfg: RunConfig, n_samples: int, num_classes: int) -> np.ndarray:
    if not cfg.conditional:
        return np.full(n_samples, -1, np.int64)
    return np.arange(n_samples, dtype=np.int64) % num_classes


def _trained_denoiser(ctx: _Context, d_n: Pool, n: int, progress: bool) -> tuple[torch.nn.Module, bool]:
    """The denoiser of iteration n and whether it was trained here (False: iteration 1's, loaded from the cache)."""
    cfg, settings = ctx.cfg, train_settings(ctx.cfg)
    seed_everything(derive_seed(cfg.seed, n, "init"))
    model = build_denoiser(cfg.model, sample_size=ctx.image_shape[-1], in_channels=ctx.image_shape[0],
                           num_classes=ctx.data.num_classes if cfg.conditional else None,
                           width=cfg.width, blocks=cfg.blocks)
    if cfg.prediction == "edm":
        model = Preconditioned(model, ctx.scheduler.alphas_cumprod)
    key = first_model_key(cfg, settings, ctx.device, rank_and_world()[1]) if n == 1 and ctx.share_first_model else None
    if key is not None and load_first_model(model, ctx.cache_dir, key):
        return model.to(ctx.device), False
    labels = torch.from_numpy(d_n.labels) if cfg.conditional else None
    model = train_denoiser(model, torch.from_numpy(d_n.images), labels, settings=settings, scheduler=ctx.scheduler,
                           seed=derive_seed(cfg.seed, n, "train"), device=ctx.device, progress=progress)
    if key is not None:
        store_first_model(model, ctx.cache_dir, key)
    return model, True


def _run_iteration(ctx: _Context, d_n: Pool, n: int, progress: bool) -> tuple[Pool, dict]:
    cfg, it = ctx.cfg, store.iteration_dir(ctx.run_dir, n)
    store.atomic_save_npz(it / "train_set.npz", source=d_n.source, index=d_n.index, labels=d_n.labels)
    t0 = time.perf_counter()
    model, trained = _trained_denoiser(ctx, d_n, n, progress)
    t1 = time.perf_counter()
    gen_labels = _generation_labels(cfg, cfg.samples_per_iteration, ctx.data.num_classes)
    images = sample_images(model, cfg.samples_per_iteration, image_shape=ctx.image_shape,
                           train_scheduler=ctx.scheduler, sampler=cfg.sampler, steps=cfg.sample_steps,
                           labels=gen_labels if cfg.conditional else None, guidance=cfg.guidance,
                           seed=derive_seed(cfg.seed, n, "sample"), batch_size=cfg.sample_batch,
                           device=ctx.device, precision=cfg.precision, progress=progress)
    if cfg.quantize_samples:
        images = ctx.data.quantize(images)
    t2 = time.perf_counter()
    store.atomic_save_npz(it / "samples.npz", images=images.astype(np.float32), labels=gen_labels)
    if cfg.save_models:
        _save_model(getattr(model, "net", model).cpu(), ctx.scheduler, it / "model")
    g_n = Pool.generated(images, gen_labels, n)
    metrics = measure(ctx, d_n, g_n, n, model=model)
    metrics.update(trained=trained, train_seconds=t1 - t0, sample_seconds=t2 - t1)
    _record_metrics(ctx.run_dir, n, metrics)
    return g_n, metrics


def _record_metrics(run_dir: Path, n: int, metrics: dict) -> None:
    """Write iteration n's metrics.json (its finished mark, written last) and log them to stats.jsonl."""
    store.atomic_write_json(store.iteration_dir(run_dir, n) / store.DONE_FILE, metrics)
    store.append_jsonl(run_dir / "stats.jsonl", metrics)


def _stored_metrics(run_dir: Path, n: int) -> dict:
    return json.loads((store.iteration_dir(run_dir, n) / store.DONE_FILE).read_text())


def _all_finished_and_current(run_dir: Path, iterations: int) -> bool:
    return all(store.is_finished(run_dir, n) and is_current(_stored_metrics(run_dir, n)) for n in range(1, iterations + 1))


def _is_complete(run_dir: Path, cfg: RunConfig) -> bool:
    """Every iteration of the run finished and measured by the current metrics, and its table written."""
    return _all_finished_and_current(run_dir, cfg.iterations) and (run_dir / "metrics.csv").is_file()


def _remeasure_if_stale(ctx: _Context, n: int, generations: dict[int, Pool]) -> None:
    """Re-measure a finished iteration whose metrics predate METRICS_VERSION, from its stored artifacts."""
    old = _stored_metrics(ctx.run_dir, n)
    if is_current(old):
        return
    d_n = _training_set(ctx.data, np.load(store.iteration_dir(ctx.run_dir, n) / "train_set.npz"), generations.__getitem__)
    metrics = {**measure(ctx, d_n, generations[n], n, model=stored_model(ctx.run_dir, n)), "remeasured": True}
    metrics.update({k: old[k] for k in ("trained", "train_seconds", "sample_seconds") if k in old})
    _record_metrics(ctx.run_dir, n, metrics)


def stored_model(run_dir: Path, n: int):
    """The denoiser of iteration n as saved in the run folder (None when the run did not save models), ready to call:
    an EDM-preconditioned run's network comes back inside its preconditioning."""
    from ..diffusion import load_trained

    folder = store.iteration_dir(Path(run_dir), n) / "model"
    return load_trained(folder)[0] if folder.is_dir() else None


def _training_set(data, ids, generation) -> Pool:
    """D_n rebuilt from its provenance (``ids``: source, index, labels); ``generation(j)`` returns G_j."""
    images = np.empty((len(ids["source"]), *data.images.shape[1:]), np.float32)
    for s in np.unique(ids["source"]):
        rows = ids["source"] == s
        if s == 0:
            images[rows] = data.to_float(np.searchsorted(data.ids, ids["index"][rows]))
        else:
            images[rows] = generation(int(s)).images[ids["index"][rows]]
    return Pool(images, ids["labels"], ids["source"], ids["index"])


def _load_generation(run_dir: Path, n: int) -> Pool:
    z = np.load(store.iteration_dir(run_dir, n) / "samples.npz")
    return Pool.generated(z["images"], z["labels"], n)


def run_loop(cfg: RunConfig, *, out: Path | None = None, runs_root: str | Path = "runs",
             progress: bool = True, share_first_model: bool = True) -> Path:
    """Run (or finish, or reuse) the self-consuming loop of ``cfg``; returns the run folder.

    ``share_first_model``: load iteration 1's denoiser from the run cache when another run has trained the
    identical one (same real subset, denoiser, training settings and seed; see ``first_model``), and store it
    there otherwise. The numbers do not change; only the training time of iteration 1 is saved.
    """
    cfg = validate(cfg)
    run_dir = Path(out) if out is not None else run_dir_of(cfg, runs_root)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    _claim(run_dir, cfg)
    if _is_complete(run_dir, cfg):
        return run_dir
    init_from_env()
    ctx = _Context(cfg, run_dir, _device(cfg), share_first_model)
    generations: dict[int, Pool] = {}
    for n in range(1, cfg.iterations + 1):
        if store.is_finished(run_dir, n):
            generations[n] = _load_generation(run_dir, n)
            _remeasure_if_stale(ctx, n, generations)
            continue
        if n == 1:
            d_n = ctx.real
        else:
            pool = candidate_pool(cfg, ctx.real, generations, n)
            d_n = next_training_set(cfg, pool, ctx.select_features, derive_seed(cfg.seed, n, "select"),
                                    ctx.data.num_classes)
        generations[n], _ = _run_iteration(ctx, d_n, n, progress)
        barrier()
    if is_main_process():
        write_table(run_dir, cfg)
    return run_dir


def write_table(run_dir: Path, cfg: RunConfig) -> pd.DataFrame:
    """The run's tidy table: one row per iteration, config keys first (``metrics.csv``)."""
    rows = []
    for n in range(1, cfg.iterations + 1):
        m = _stored_metrics(run_dir, n)
        m.pop("source_share", None)
        rows.append({**{k: getattr(cfg, k) for k in TABLE_KEYS}, "run": run_dir.name, **m})
    table = pd.DataFrame(rows)
    store.atomic_write_text(run_dir / "metrics.csv", table.to_csv(index=False))
    return table


def read_runs(run_dirs) -> pd.DataFrame:
    """Concatenate the tidy tables of several finished runs."""
    return pd.concat([pd.read_csv(Path(d) / "metrics.csv") for d in run_dirs], ignore_index=True)


def run_many(configs: list[RunConfig], *, runs_root: str | Path = "runs", progress: bool = False,
             share_first_model: bool = True, workers: int = 1, executor=None) -> pd.DataFrame:
    """Run (or reuse) several configs and return their combined table (every config validated first).

    ``workers`` > 1 runs that many at once, each in its own process (``parallel``); give each run
    ``threads`` = cores / workers. ``executor`` (any ``concurrent.futures.Executor``: a Dask client's
    ``get_executor()``, ``executors.SubmititExecutor`` for Slurm, a process pool) runs them there instead;
    ``runs_root`` must then be a folder every engine's workers see. The numbers are the same as one after another.
    """
    configs = [validate(c) for c in configs]
    check_workers(workers, configs, remote=executor is not None)
    to_run = [c for c in configs if not _is_complete(run_dir_of(c, runs_root), c)]
    if to_run and (executor is not None or (workers > 1 and len(to_run) > 1)):
        run_parallel(to_run, workers=workers, runs_root=runs_root, share_first_model=share_first_model,
                     executor=executor)
    return read_runs([run_loop(c, runs_root=runs_root, progress=progress, share_first_model=share_first_model)
                      for c in configs])


def load_run_config(run_dir: Path) -> RunConfig:
    """The RunConfig stored in a run folder."""
    from .config import from_dict

    return from_dict(json.loads((Path(run_dir) / "config.json").read_text())["config"])


def load_iteration(run_dir: Path, n: int) -> tuple[Pool, Pool]:
    """(D_n, G_n) of a finished iteration, images in [-1, 1], rebuilt from the stored provenance."""
    run_dir = Path(run_dir)
    cfg = load_run_config(run_dir)
    data = load_dataset(cfg.dataset, root=cfg.data_root, image_size=cfg.image_size)
    ids = np.load(store.iteration_dir(run_dir, n) / "train_set.npz")
    d_n = _training_set(data, ids, lambda j: _load_generation(run_dir, j))
    return d_n, _load_generation(run_dir, n)
