"""The work of one loop: its context (data, real subset, evaluator, scheduler), each iteration's training,
sampling and measurement, and re-measuring finished iterations whose metrics predate ``METRICS_VERSION``.

Under data parallelism every process computes the same numbers; only rank 0 writes (``_Context.writes``).
"""

from __future__ import annotations

import shutil
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from ..data import load_dataset
from ..diffusion import Preconditioned, make_scheduler, sample_images, train_denoiser
from ..distributed import barrier, broadcast_from_main, init_from_env, is_main_process, rank_and_world
from ..features import make_features
from ..files import atomic_save_npz, atomic_write_json
from ..models import build_denoiser
from ..seeding import derive_seed, seed_everything
from . import readback, store
from .config import RunConfig
from .first_model import first_model_key, load_first_model, store_first_model, train_settings
from .measure import Evaluator, is_current, measure
from .paradigms import Pool, candidate_pool, next_training_set


def _device(cfg: RunConfig) -> torch.device:
    use_cuda = cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available())
    if use_cuda and not torch.cuda.is_available():
        raise RuntimeError("device: cuda was asked for but torch sees no CUDA device")
    return torch.device("cuda", torch.cuda.current_device()) if use_cuda else torch.device("cpu")


class _Context:
    """What every iteration needs: data, the real subset, the evaluator and selector features, the scheduler."""

    def __init__(self, cfg: RunConfig, run_dir: Path, device: torch.device, cache_dir: Path,
                 share_first_model: bool = True):
        self.cfg, self.run_dir, self.device = cfg, run_dir, device
        self.share_first_model = share_first_model
        self.writes = is_main_process()  # under data parallelism rank 0 alone writes the run folder
        self.data = load_dataset(cfg.dataset, root=cfg.data_root, image_size=cfg.image_size)
        if cfg.n_train > len(self.data):
            raise ValueError(f"n_train={cfg.n_train} exceeds the {len(self.data)} images of {cfg.dataset}")
        idx = self.data.subset(cfg.n_train, cfg.subset_seed)
        self.real = Pool(self.data.to_float(idx), self.data.labels[idx], np.zeros(len(idx), np.int16), self.data.ids[idx])
        self.image_shape = tuple(self.data.images.shape[1:])
        self.scheduler = make_scheduler(schedule=cfg.noise_schedule, prediction=cfg.prediction)
        self.cache_dir = Path(cache_dir)
        built = {}

        def featurizer(name: str):
            if name not in built:
                built[name] = make_features(name, real_images=self.data.to_float(), real_labels=self.data.labels,
                                            cache_dir=self.cache_dir, device=str(device), dinov2_path=cfg.dinov2_path,
                                            num_classes=self.data.num_classes, inception_path=cfg.inception_path)
            return built[name]

        self.evaluator = Evaluator.for_run(cfg, self.data, self.real, self.scheduler, featurizer)
        self.select_features = featurizer(cfg.select_feature)


def _save_model(model, scheduler, folder: Path) -> None:
    from diffusers import DDPMPipeline

    DDPMPipeline(unet=model, scheduler=scheduler).save_pretrained(folder, safe_serialization=True)


def _generation_labels(cfg: RunConfig, n_samples: int, num_classes: int) -> np.ndarray:
    if not cfg.conditional:
        return np.full(n_samples, -1, np.int64)
    return np.arange(n_samples, dtype=np.int64) % num_classes


def _trained_denoiser(ctx: _Context, d_n: Pool, n: int, progress: bool) -> tuple[torch.nn.Module, bool]:
    """The denoiser of iteration n and whether it was trained here (False: iteration 1's, loaded from the cache)."""
    cfg, settings = ctx.cfg, train_settings(ctx.cfg, len(d_n))
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
    if key is not None and ctx.writes:
        store_first_model(model, ctx.cache_dir, key)
    return model, True


def _sample(ctx: _Context, model, n: int, progress: bool, count: int | None = None, tag: str = "sample",
            guidance: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``count`` images of model n (default: G_n's size), stored on the data's grey levels when the config asks, and
    their conditioning labels. ``tag`` seeds the draw: G_n ("sample"), the measurement set ("measure") and the
    unguided quality-gate set ("gate") are independent draws, so the extra sets change nothing the loop trains on."""
    cfg = ctx.cfg
    count = cfg.samples_per_iteration if count is None else count
    labels = _generation_labels(cfg, count, ctx.data.num_classes)
    images = sample_images(model, count, image_shape=ctx.image_shape,
                           train_scheduler=ctx.scheduler, sampler=cfg.sampler, steps=cfg.sample_steps,
                           labels=labels if cfg.conditional else None,
                           guidance=cfg.guidance if guidance is None else guidance,
                           seed=derive_seed(cfg.seed, n, tag), batch_size=cfg.sample_batch,
                           device=ctx.device, precision=cfg.precision, progress=progress)
    return (ctx.data.quantize(images) if cfg.quantize_samples else images), labels


def _extra_sets(ctx: _Context, model, n: int, progress: bool) -> dict[str, Pool]:
    """The sets drawn for measurement only: ``measure`` (``measure_samples`` images, when the config asks, for the
    Fréchet distance and KID) and, for a guided model at iteration 1, ``gate`` (N plain conditional samples, w = 1,
    for the quality gate: guidance narrows samples by design, so the gate asks whether the model learned the
    data without it)."""
    cfg, out = ctx.cfg, {}
    if cfg.measure_samples:
        out["measure"] = Pool.generated(*_sample(ctx, model, n, progress, cfg.measure_samples, "measure"), n)
    if cfg.conditional and cfg.guidance != 1.0 and n == 1:
        out["gate"] = Pool.generated(*_sample(ctx, model, n, progress, cfg.n_train, "gate", guidance=1.0), n)
    return out


def _run_iteration(ctx: _Context, d_n: Pool, n: int, progress: bool) -> tuple[Pool, dict]:
    cfg, it = ctx.cfg, store.iteration_dir(ctx.run_dir, n)
    if ctx.writes:
        shutil.rmtree(it, ignore_errors=True)  # an iteration computed again starts from an empty folder
        atomic_save_npz(it / "train_set.npz", source=d_n.source, index=d_n.index, labels=d_n.labels)
    t0 = time.perf_counter()
    model, trained = _trained_denoiser(ctx, d_n, n, progress)
    t1 = time.perf_counter()
    images, gen_labels = _sample(ctx, model, n, progress)
    extra = _extra_sets(ctx, model, n, progress)
    t2 = time.perf_counter()
    if ctx.writes:
        atomic_save_npz(it / "samples.npz", images=images.astype(np.float32), labels=gen_labels)
        for name, pool in extra.items():
            atomic_save_npz(it / f"{name}.npz", images=pool.images.astype(np.float32), labels=pool.labels)
        if cfg.save_models:
            _save_model(getattr(model, "net", model).cpu(), ctx.scheduler, it / "model")
    g_n = Pool.generated(images, gen_labels, n)
    metrics = measure(ctx.evaluator, d_n, g_n, n, model=model, extra=extra)
    metrics.update(trained=trained, train_seconds=t1 - t0, sample_seconds=t2 - t1)
    _record_metrics(ctx, n, metrics)
    return g_n, metrics


def _record_metrics(ctx: _Context, n: int, metrics: dict, only_metrics: bool = False) -> None:
    """Write iteration n's metrics.json, then its manifest (the finished mark, written last), and the stats log.
    ``only_metrics``: the other files were checked and kept, so their manifest entries stay as recorded."""
    if ctx.writes:
        atomic_write_json(store.iteration_dir(ctx.run_dir, n) / store.METRICS_FILE, metrics)
        store.seal_iteration(ctx.run_dir, n, only=[store.METRICS_FILE] if only_metrics else None)
        readback.write_stats(ctx.run_dir, n)


def _remeasure_if_stale(ctx: _Context, n: int, generations: dict[int, Pool]) -> None:
    """Re-measure a finished iteration whose metrics predate METRICS_VERSION, from its stored artifacts."""
    old = readback.stored_metrics(ctx.run_dir, n)
    if is_current(old):
        return
    d_n = readback.stored_training_set(ctx.run_dir, n, ctx.data, generations.__getitem__)
    stored = readback.stored_model(ctx.run_dir, n)
    extra = readback.extra_sets(ctx.run_dir, n)
    metrics = {**measure(ctx.evaluator, d_n, generations[n], n, model=stored and stored[0], extra=extra),
               "remeasured": True}
    metrics.update({k: old[k] for k in store.BOOKKEEPING if k in old and k != "remeasured"})
    _record_metrics(ctx, n, metrics, only_metrics=True)


def _reusable(run_dir: Path, cfg: RunConfig, n: int, full: bool) -> bool:
    """Whether finished iteration n can be reused; a damaged one is named in a one-line warning (it is recomputed)."""
    problem = readback.reuse_problem(run_dir, n, cfg, full=full)
    if problem is not None and problem != "not finished":
        warnings.warn(f"{store.iteration_dir(run_dir, n).name} of {run_dir.name} cannot be reused ({problem}); "
                      f"recomputing from iteration {n}", RuntimeWarning, stacklevel=3)
    return problem is None


def _next_training_set(ctx: _Context, generations: dict[int, Pool], n: int) -> Pool:
    if n == 1:
        return ctx.real
    pool = candidate_pool(ctx.cfg, ctx.real, generations, n)
    return next_training_set(ctx.cfg, pool, ctx.select_features, derive_seed(ctx.cfg.seed, n, "select"),
                             ctx.data.num_classes, n)


def _first_to_compute(run_dir: Path, cfg: RunConfig, full: bool) -> int:
    """The first iteration that cannot be reused as stored (iterations + 1 when every one can)."""
    for n in range(1, cfg.iterations + 1):
        if not _reusable(run_dir, cfg, n, full):
            return n
    return cfg.iterations + 1


def _invalidate_from(ctx: _Context, n: int) -> None:
    """Iteration n is computed again: later iterations were built from the old one, so none of them is finished."""
    for k in range(n + 1, ctx.cfg.iterations + 1):
        store.unfinish_iteration(ctx.run_dir, k)


def run_iterations(cfg: RunConfig, run_dir: Path, *, cache_dir: Path, progress: bool, share_first_model: bool,
                   full_verify: bool = False) -> None:
    """Every iteration of ``cfg`` in ``run_dir``: intact finished ones reused (re-measured when stale), the rest
    computed; from the first iteration computed here on, every later one is computed too. Under data parallelism
    rank 0 decides which iterations are reused and tells the others."""
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    init_from_env()
    ctx = _Context(cfg, run_dir, _device(cfg), cache_dir, share_first_model)
    first = broadcast_from_main(_first_to_compute(run_dir, cfg, full_verify) if ctx.writes else None)
    generations: dict[int, Pool] = {}
    for n in range(1, cfg.iterations + 1):
        try:
            if n < first:
                generations[n] = readback.load_generation(run_dir, n)
                _remeasure_if_stale(ctx, n, generations)
            else:
                if n == first and ctx.writes:
                    _invalidate_from(ctx, n)
                generations[n], _ = _run_iteration(ctx, _next_training_set(ctx, generations, n), n, progress)
        except KeyboardInterrupt:
            raise store.LoopInterrupted(run_dir, n) from None
        barrier()
    if ctx.writes:
        readback.write_stats(run_dir, cfg.iterations)
        readback.write_table(run_dir, cfg)


def restore_models(run_dir: Path, *, progress: bool = False) -> None:
    """Train again, and save, the models of a run folder imported without them (``store.MODELS_LEFT_OUT``): each
    iteration's model from its stored training set with the run's own seeds, so on the machine that made the run
    they are the same weights. The samples and numbers stay as imported; the iterations are sealed with their models."""
    run_dir = Path(run_dir)
    cfg = readback.load_run_config(run_dir)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    ctx = _Context(cfg, run_dir, _device(cfg), store.cache_dir(run_dir.parent))
    for n in range(1, cfg.iterations + 1):
        folder = store.iteration_dir(run_dir, n)
        if (folder / "model").is_dir():
            continue
        d_n = readback.stored_training_set(run_dir, n, ctx.data, lambda j: readback.load_generation(run_dir, j))
        model, _ = _trained_denoiser(ctx, d_n, n, progress)
        _save_model(getattr(model, "net", model).cpu(), ctx.scheduler, folder / "model")
        store.seal_iteration(run_dir, n)
    (run_dir / store.MODELS_LEFT_OUT).unlink(missing_ok=True)

