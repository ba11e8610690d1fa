"""Building each iteration's training set D_n from the real data and earlier generations, with provenance.

Every item carries ``source`` (0 = real, j = generation j) and ``index`` (its position in that source), so
the share of real images in D_n (Fig. 11) is counted, never inferred.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import selection
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


def select_per_class(selector, features, labels, size, seed, num_classes, **settings) -> np.ndarray:
    """Class-balanced selection: size / num_classes per class, each chosen within its class."""
    per = size // num_classes
    picks = []
    for c in range(num_classes):
        members = np.flatnonzero(labels == c)
        if len(members) < per:
            raise ValueError(f"class {c} has {len(members)} candidates, fewer than the {per} to select")
        picks.append(members[selector.pick(features[members], per, seed=seed + c, **settings)])
    return np.concatenate(picks)


def next_training_set(cfg: RunConfig, pool: Pool, featurize, seed: int, num_classes: int, n: int) -> Pool:
    """D_n from its candidate pool: everything (accumulate, a selector that keeps the pool, or a vanilla pool of
    exactly N) or the N the configured selector picks (class-balanced for a conditional run that measures)."""
    selector = selection.get(cfg.selector)
    keep_all = selector.pick is None or (len(pool) == cfg.n_train and not selector.needs_features)
    if cfg.paradigm == "accumulate" or keep_all:
        return pool
    settings = {"tau": cfg.tau, "alpha": cfg.alpha}
    if selector.needs_sources:
        share = cfg.real_schedule[n - 2]
        return pool.take(selector.pick(None, cfg.n_train, seed=seed, sources=pool.source, real_share=share))
    if not selector.needs_features:
        return pool.take(selector.pick(pool.images, cfg.n_train, seed=seed, **settings))
    feats = featurize(pool.images)
    if cfg.conditional:
        idx = select_per_class(selector, feats, pool.labels, cfg.n_train, seed, num_classes, **settings)
    else:
        idx = selector.pick(feats, cfg.n_train, seed=seed, **settings)
    return pool.take(idx)
