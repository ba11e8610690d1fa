"""Building each iteration's training set D_n from the real data and earlier generations, with provenance.

Every item carries ``source`` (0 = real, j = generation j) and ``index`` (its position in that source), so
the share of real images in D_n (Fig. 11) is counted, never inferred.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..metrics import knn
from ..selection import greedy_select, random_select, threshold_decay_select
from .config import RunConfig


@dataclass
class Pool:
    """Images in [-1, 1] with labels and provenance."""

    images: np.ndarray
    labels: np.ndarray
    source: np.ndarray
    index: np.ndarray

    def __len__(self) -> int:
        return len(self.images)

    def take(self, idx: np.ndarray) -> Pool:
        return Pool(self.images[idx], self.labels[idx], self.source[idx], self.index[idx])

    @staticmethod
    def concat(pools: list[Pool]) -> Pool:
        return Pool(*(np.concatenate([getattr(p, f) for p in pools]) for f in ("images", "labels", "source", "index")))

    @staticmethod
    def generated(images: np.ndarray, labels: np.ndarray, generation: int) -> Pool:
        n = len(images)
        return Pool(images, labels, np.full(n, generation, np.int16), np.arange(n, dtype=np.int64))


def candidate_pool(cfg: RunConfig, real: Pool, generations: dict[int, Pool], n: int) -> Pool:
    """The candidates D_n is drawn from (n >= 2): G_{n-1} (replace) or D_real and G_1..G_{n-1} (accumulate)."""
    if cfg.paradigm == "replace":
        return generations[n - 1]
    return Pool.concat([real] + [generations[j] for j in range(1, n)])


def default_tau(features: np.ndarray) -> float:
    """Threshold filter's starting tau when the config gives none: twice the pool's median NN distance."""
    d = knn(features, None, 1)[0][:, 0]
    return float(2.0 * np.median(d[d > 0])) if (d > 0).any() else 1.0


def radius_tau(features: np.ndarray) -> float:
    """A starting tau high enough that the filter begins like greedy selection (App. C.1: "sufficiently high"):
    the largest distance of a pool point from the pool's mean, so a first pass admits only a few points and
    the decay rate decides how fast the threshold comes down."""
    f = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
    r = float(np.sqrt(((f - f.mean(0)) ** 2).sum(1)).max())
    return r if r > 0 else 1.0


def starting_tau(tau, features: np.ndarray) -> float:
    """The threshold filter's initial tau: a number as given, or by rule (``config.TAU_RULES``; None: twice-median-nn)."""
    if tau is None or tau == "twice-median-nn":
        return default_tau(features)
    if tau == "radius":
        return radius_tau(features)
    return float(tau)


def select(cfg: RunConfig, features: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Indices of ``size`` candidates chosen by the configured selector."""
    if cfg.selector == "random":
        return random_select(len(features), size, seed=seed)
    if cfg.selector == "greedy":
        return greedy_select(features, size, seed=seed)
    tau = starting_tau(cfg.tau, features)
    return threshold_decay_select(features, size, tau=tau, alpha=cfg.alpha, seed=seed)


def select_per_class(cfg, features, labels, size, seed, num_classes) -> np.ndarray:
    """Class-balanced selection: size / num_classes per class, each chosen within its class."""
    per = size // num_classes
    picks = []
    for c in range(num_classes):
        members = np.flatnonzero(labels == c)
        if len(members) < per:
            raise ValueError(f"class {c} has {len(members)} candidates, fewer than the {per} to select")
        picks.append(members[select(cfg, features[members], per, seed + c)])
    return np.concatenate(picks)


def next_training_set(cfg: RunConfig, pool: Pool, featurize, seed: int, num_classes: int) -> Pool:
    """D_n from its candidate pool: everything (accumulate, or replace with no surplus) or a selected N."""
    if cfg.paradigm == "accumulate" or cfg.selector == "all" or (len(pool) == cfg.n_train and cfg.selector == "random"):
        return pool
    if cfg.selector == "random":
        return pool.take(np.sort(random_select(len(pool), cfg.n_train, seed=seed)))
    feats = featurize(pool.images)
    if cfg.conditional:
        idx = select_per_class(cfg, feats, pool.labels, cfg.n_train, seed, num_classes)
    else:
        idx = select(cfg, feats, cfg.n_train, seed)
    return pool.take(idx)
