"""What the loop measures at each iteration, and re-measuring finished iterations from their artifacts.

Metrics of D_n (the training set) use all of it. Metrics of G_n (the model's samples) use an evaluation set
of the first ``n_train`` samples, so a run that generates a 2N pool for selection is measured on as many
samples as one that generates N: nearest-neighbour distances, entropy estimates and Fréchet distances all
depend on the sample count, and comparing different counts would favour the larger pool.

``METRICS_VERSION`` names this definition. A finished iteration measured under an older version is
re-measured from its stored training-set provenance and samples (no retraining) when its run is reused.
The metric functions are imported where they are used, so checking a stored version loads no torch.

An ``Evaluator`` owns what every iteration of a run is measured against: the feature spaces and the real
data's references (its covariance trace, Fréchet floor, within-class NND).
"""

from __future__ import annotations

import warnings
from functools import cached_property

import numpy as np

from .paradigms import Pool

#: the definition of what ``measure`` returns: bump it when a metric changes, and finished iterations are re-measured
#: from their stored artifacts on reuse (what each version changed is in the git history)
METRICS_VERSION = 9
#: the number of rows the entropy is also read at (the KL estimate falls with the number of points, so sets of
#: different sizes compare only at one size), and how many seeded subsamples that reading averages
ENTROPY_SUBSAMPLE = 64
ENTROPY_DRAWS = 8
#: KID's subsets (Bińkowski et al. use 100 of 1,000; 50 give its standard error to a few per cent)
KID_SUBSET, KID_SUBSETS = 1000, 50


def evaluation_set(g_n: Pool, n_train: int) -> Pool:
    """The first ``n_train`` samples of G_n (class-balanced when labels cycle through the classes)."""
    return g_n.take(np.arange(min(n_train, len(g_n))))


def within_class_nnd(features: np.ndarray, labels: np.ndarray) -> float:
    """Mean over classes of the MNND inside each class (Fig. 4's within-class diversity)."""
    from ..metrics import mnnd

    vals = [mnnd(features[labels == c]) for c in np.unique(labels) if (labels == c).sum() >= 2]
    return float(np.mean(vals))


def noise_images(n: int, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Per-pixel Gaussian noise clipped to [-1, 1]: the Fréchet distance a model that learned nothing scores."""
    return np.clip(np.random.default_rng(seed).normal(size=(n, *shape)), -1, 1).astype(np.float32)


def quiet_frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The Fréchet distance without the rank-deficiency warning: at small N (fewer samples than feature dimensions)
    it is biased upward, and the run's FD floor, measured at the same N, carries the same bias."""
    from ..metrics import frechet_distance

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*rank-deficient.*", category=RuntimeWarning)
        return frechet_distance(a, b)


def memorization_metrics(f_gen: np.ndarray, f_train: np.ndarray, real_trace: float, copy_scale: float) -> dict:
    """How close G_n sits to D_n: the near-copy share (D_n's images within ``copy_scale`` of each other count as one;
    and the plain ratio test beside it), GS over D_n's own MNND, spread relative to the real subset."""
    from ..metrics import covariance_trace, generalization_score, memorized_share, memorized_share_raw, mnnd

    gs, spacing = generalization_score(f_gen, f_train), mnnd(f_train)
    return {"gs": gs, "memorized_share": memorized_share(f_gen, f_train, scale=copy_scale),
            "memorized_share_raw": memorized_share_raw(f_gen, f_train), "copy_scale": copy_scale,
            "gs_ratio": gs / spacing if spacing > 0 else float("nan"),  # every image of D_n has an exact twin
            "trace_ratio": covariance_trace(f_gen) / real_trace}


def set_entropy(features: np.ndarray, grid_step: float | None = None, seed: int = 0) -> float:
    """The book's entropy of a set: the KL estimate of the set as stored.

    With ``grid_step`` (pixel features of images stored at the data's grey levels) every coordinate is first
    dequantized: uniform noise over its grey-level cell, seeded, the usual way to give discrete images a density
    (Theis et al., 2016). Copies of one image then count as close points, as copies of a float image already
    are, so under both storages a set that collapses into copies loses entropy. (Dropping exact duplicates
    instead, ``distinct_entropy``, makes a set of a few images repeated many times look spread out.)
    """
    from ..metrics import kl_entropy

    if grid_step:
        rng = np.random.default_rng(seed)
        features = features + rng.uniform(-grid_step / 2, grid_step / 2, size=features.shape).astype(features.dtype)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*exact duplicate rows.*", category=RuntimeWarning)
        return kl_entropy(features)


def distinct_entropy(features: np.ndarray) -> float:
    """The sensitivity reading: the KL estimate of the set's distinct rows (a duplicate adds nothing)."""
    from ..metrics import kl_entropy

    distinct = np.unique(features, axis=0)
    return kl_entropy(distinct) if len(distinct) > 1 else float("nan")


def fixed_size_entropy(features: np.ndarray, grid_step: float | None = None, size: int = ENTROPY_SUBSAMPLE,
                       draws: int = ENTROPY_DRAWS, seed: int = 0) -> float:
    """``set_entropy`` of ``size`` rows drawn without replacement, averaged over ``draws`` seeded draws (the whole set
    when it holds no more than ``size`` rows): comparable across sets of different sizes."""
    if len(features) <= size:
        return set_entropy(features, grid_step, seed)
    rng = np.random.default_rng(seed)
    return float(np.mean([set_entropy(features[rng.choice(len(features), size, replace=False)], grid_step, seed + d)
                          for d in range(draws)]))


def entropy_readings(features: np.ndarray, grid_step: float | None) -> dict:
    """The entropy of a training set three ways (see the method page) and its share of distinct rows."""
    return {"entropy": set_entropy(features, grid_step), "entropy_distinct": distinct_entropy(features),
            "entropy_fixed_n": fixed_size_entropy(features, grid_step),
            "distinct_share": len(np.unique(features, axis=0)) / len(features)}


def model_metrics(model, g_eval: Pool, scheduler, conditional: bool) -> dict:
    """What the model alone says (``representation``): the mean spikiness of its hidden activation on its own
    samples at a low noise level, and the mean stable rank of its weight matrices; None without a model."""
    if model is None:
        return {"spikiness": None, "stable_rank": None}
    from ..representation import DEFAULT_TIMESTEP, activation_spikiness, model_stable_rank

    scores = activation_spikiness(model, g_eval.images, timestep=DEFAULT_TIMESTEP, scheduler=scheduler,
                                  labels=g_eval.labels if conditional else None)
    return {"spikiness": float(scores.mean()), "stable_rank": model_stable_rank(model)["mean"]}


class Evaluator:
    """What a run's iterations are measured against: the metric and Fréchet feature spaces, the real subset D_1
    and the full real set (``all_real``), the storage grid (``grid_step``), and the noise schedule and
    conditioning that the model's own signals are read with."""

    def __init__(self, *, metric_features, fd_features, real: Pool, fd_reference: np.ndarray, n_eval: int,
                 grid_step: float | None, scheduler, conditional: bool):
        self.metric_features, self.fd_features, self.real = metric_features, fd_features, real
        self.n_eval, self.grid_step, self.scheduler, self.conditional = n_eval, grid_step, scheduler, conditional
        self.real_fd = fd_features(fd_reference) if fd_features is not None else None
        self.fd_reference_size = len(fd_reference)

    @staticmethod
    def held_out(data, real: Pool) -> np.ndarray:
        """The real images outside D_1, the Fréchet reference: a sample the model never saw scores the same
        against it as D_1 itself does (the floor). All real images when D_1 holds nearly all of them."""
        rest = ~np.isin(data.ids, real.index)
        return data.to_float(np.flatnonzero(rest)) if rest.sum() >= 2 else data.to_float()

    @classmethod
    def for_run(cls, cfg, data, real: Pool, scheduler, featurizer) -> Evaluator:
        """The evaluator of a run of ``cfg`` on ``data``; ``featurizer(name)`` builds a feature space by name.

        ``grid_step``: the spacing of the data's grey levels in [-1, 1] when generated images are stored on them and
        distances are measured in pixels (the entropy estimate then dequantizes, see ``set_entropy``); else None.
        """
        grid = 2.0 / data.max_value if cfg.quantize_samples and cfg.metric_feature == "pixel" else None
        return cls(metric_features=featurizer(cfg.metric_feature),
                   fd_features=featurizer(cfg.fd_feature) if cfg.fd_feature is not None else None,
                   real=real, fd_reference=cls.held_out(data, real), n_eval=cfg.n_train, grid_step=grid,
                   scheduler=scheduler, conditional=cfg.conditional)

    @cached_property
    def copy_scale(self) -> float:
        """The distance within which D_n's images count as one for the near-copy test: ``MERGE_FRACTION`` x the
        MNND of the real subset D_1 (a clean reference; D_n itself fills with copies)."""
        from ..metrics import copy_scale

        return copy_scale(self.metric_features(self.real.images))

    @cached_property
    def real_trace(self) -> float:
        """Covariance trace of the real training subset D_1 in the metric features (trace_ratio's denominator)."""
        from ..metrics import covariance_trace

        return covariance_trace(self.metric_features(self.real.images))

    @cached_property
    def fd_references(self) -> dict:
        """Fréchet distances of the real subset D_1 (the floor at this N) and of clipped noise to the reference, and
        the KID of D_1 (its floor: KID is unbiased in the sample count, so it compares with any set's)."""
        fake = noise_images(len(self.real), self.real.images.shape[1:])
        real = self.fd_features(self.real.images)
        return {"fd_floor": quiet_frechet_distance(real, self.real_fd),
                "fd_noise": quiet_frechet_distance(self.fd_features(fake), self.real_fd),
                "kid_floor": kid(real, self.real_fd)[0]}

    @cached_property
    def real_within_class_nnd(self) -> float:
        """Within-class NND of the real training subset: featurized and measured once per run, not per iteration."""
        return within_class_nnd(self.metric_features(self.real.images), self.real.labels)


def kid(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """KID of two feature sets with the book's subsets (50 subsets of up to 1,000 rows)."""
    from ..metrics import kernel_inception_distance

    return kernel_inception_distance(a, b, subset_size=KID_SUBSET, subsets=KID_SUBSETS)


def distances(ev: Evaluator, g_eval: Pool, extra: dict[str, Pool]) -> dict:
    """The distances of the samples to the held-out real images: ``fd`` and ``kid`` of the measurement set (the
    first N samples of G_n when the run draws none), ``fd_n`` of the first N samples (the sample count of the floor,
    which the quality gate compares it with), the references, and for a guided model at iteration 1 the plain
    conditional samples' ``fd_unguided_n`` and ``trace_ratio_unguided`` (what its quality gate reads)."""
    from ..metrics import covariance_trace

    measured = extra.get("measure", g_eval)
    f_measured = ev.fd_features(measured.images)
    kid_value, kid_se = kid(f_measured, ev.real_fd)
    out = {"fd": quiet_frechet_distance(f_measured, ev.real_fd), "kid": kid_value, "kid_se": kid_se,
           "fd_n": quiet_frechet_distance(ev.fd_features(g_eval.images), ev.real_fd), "n_measured": len(measured),
           **ev.fd_references, "fd_reference_size": ev.fd_reference_size}
    if "gate" in extra:
        gate = extra["gate"].images
        out.update(fd_unguided_n=quiet_frechet_distance(ev.fd_features(gate), ev.real_fd),
                   trace_ratio_unguided=covariance_trace(ev.metric_features(gate)) / ev.real_trace)
    return out


def measure(ev: Evaluator, d_n: Pool, g_n: Pool, n: int, model=None, extra: dict[str, Pool] | None = None) -> dict:
    """Every per-iteration number of the run (``model``: the denoiser that drew G_n, when at hand; ``extra``: the sets
    drawn for measurement only, see ``distances``)."""
    from ..metrics import covariance_trace, mnnd

    g_eval = evaluation_set(g_n, ev.n_eval)
    f_train, f_gen = ev.metric_features(d_n.images), ev.metric_features(g_eval.images)
    sources, counts = np.unique(d_n.source, return_counts=True)
    m = {
        "iteration": n, "metrics_version": METRICS_VERSION,
        **memorization_metrics(f_gen, f_train, ev.real_trace, ev.copy_scale), **entropy_readings(f_train, ev.grid_step),
        "mnnd": mnnd(f_train), "cov_trace": covariance_trace(f_train), "gen_entropy": set_entropy(f_gen, ev.grid_step),
        "gen_mnnd": mnnd(f_gen), "gen_cov_trace": covariance_trace(f_gen),
        "real_share": float(np.mean(d_n.source == 0)), "n_train_set": len(d_n), "n_generated": len(g_n),
        "n_evaluated": len(g_eval),
        "source_share": {int(s): float(c / len(d_n)) for s, c in zip(sources, counts, strict=True)},
        "fd": None, "fd_floor": None, "fd_noise": None, "within_class_nnd": None, "train_within_class_nnd": None,
        **model_metrics(model, g_eval, ev.scheduler, ev.conditional),
    }
    if ev.fd_features is not None:
        m.update(distances(ev, g_eval, extra or {}))
    if ev.conditional:
        m["within_class_nnd"] = within_class_nnd(f_gen, g_eval.labels)
        m["train_within_class_nnd"] = within_class_nnd(f_train, d_n.labels)
        m["real_within_class_nnd"] = ev.real_within_class_nnd
    return m


def is_current(metrics: dict) -> bool:
    """Whether a stored metrics.json was measured under today's definition."""
    return metrics.get("metrics_version", 1) == METRICS_VERSION
