"""Training-subset selectors (Sec. 4 and App. C) and their registry.

The algorithms (``greedy_select``, ``threshold_decay_select``, ``random_select``) are pure functions on arrays in
``selection.algorithms``; they are loaded on first use, so reading the registry imports no torch.

``SELECTORS`` names every selector a run config, the CLI, the loop, the figures and the page wording may use:
a new selector is one function plus one ``register(Selector(...))``. An unknown name raises ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

_ALGORITHMS = ("greedy_select", "threshold_decay_select", "random_select", "PRUNE_MIN_ROWS", "PRUNE_MIN_PICKS")
#: how the threshold filter's starting tau is set from the pool when a config names a rule (None: twice-median-nn)
TAU_RULES = ("radius", "twice-median-nn")


def __getattr__(name: str):
    if name in _ALGORITHMS:
        from . import algorithms

        return getattr(algorithms, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Selector:
    """One way to build D_n from a candidate pool."""

    name: str  # what a config and the CLI call it
    label: str  # how a legend or a table names it
    short: str  # how a sentence names it
    color: str  # its colour in every figure (hex)
    #: (features, size, *, seed, start, tau, alpha) -> indices into features; None: the whole pool is kept
    pick: Callable[..., np.ndarray] | None
    needs_features: bool = True  # False: the pick ignores the features (the pool is not featurized)
    needs_sources: bool = False  # True: the pick is given each candidate's source and the real share to keep
    parameters: tuple[str, ...] = ()  # settings a command-line pick must be given (e.g. tau, alpha)


SELECTORS: dict[str, Selector] = {}


def register(selector: Selector) -> Selector:
    """Add ``selector`` to the registry (a name already taken raises)."""
    if selector.name in SELECTORS:
        raise ValueError(f"selector {selector.name!r} is registered already")
    SELECTORS[selector.name] = selector
    return selector


def unregister(name: str) -> None:
    """Remove a selector (tests that register a toy one)."""
    SELECTORS.pop(name, None)


def get(name: str) -> Selector:
    """The registered selector called ``name``."""
    try:
        return SELECTORS[name]
    except KeyError:
        raise ValueError(f"unknown selector {name!r}; choose one of {', '.join(SELECTORS)}") from None


def default_tau(features) -> float:
    """Threshold filter's starting tau when the config gives none: twice the pool's median NN distance."""
    from ..neighbors import knn

    d = knn(features, None, 1)[0][:, 0]
    return float(2.0 * np.median(d[d > 0])) if (d > 0).any() else 1.0


def radius_tau(features) -> float:
    """A starting tau high enough that the filter begins like greedy selection (App. C.1: "sufficiently high"):
    the largest distance of a pool point from the pool's mean, so a first pass admits only a few points and
    the decay rate decides how fast the threshold comes down."""
    f = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
    r = float(np.sqrt(((f - f.mean(0)) ** 2).sum(1)).max())
    return r if r > 0 else 1.0


def starting_tau(tau, features) -> float:
    """The threshold filter's initial tau: a number as given, or by rule (``TAU_RULES``; None: twice-median-nn)."""
    if tau is None or tau == "twice-median-nn":
        return default_tau(features)
    if tau == "radius":
        return radius_tau(features)
    return float(tau)


def _random(features, size, *, seed, **_):
    from .algorithms import random_select

    return np.sort(random_select(len(features), size, seed=seed))


def _greedy(features, size, *, seed, start=None, progress=False, **_):
    from .algorithms import greedy_select

    return greedy_select(features, size, start=start, seed=seed, progress=progress)


def _threshold(features, size, *, seed, start=None, tau=None, alpha=0.9, progress=False, **_):
    from .algorithms import threshold_decay_select

    return threshold_decay_select(features, size, tau=starting_tau(tau, features), alpha=alpha, start=start, seed=seed,
                                  progress=progress)


def _matched(features, size, *, seed, sources, real_share, **_):
    """Uniform within the real and within the generated candidates, keeping round(real_share * size) real images (a
    control: the real images another selector kept, without its choice among them)."""
    rng = np.random.default_rng(seed)
    real, generated = np.flatnonzero(sources == 0), np.flatnonzero(sources != 0)
    keep = min(len(real), max(size - len(generated), int(round(real_share * size))))
    picks = np.concatenate([rng.choice(real, keep, replace=False), rng.choice(generated, size - keep, replace=False)])
    return np.sort(picks)


register(Selector("random", "vanilla", "vanilla", "#0173b2", _random, needs_features=False))
register(Selector("greedy", "greedy selection", "greedy", "#de8f05", _greedy))
register(Selector("threshold", "threshold filter", "threshold", "#029e73", _threshold, parameters=("tau", "alpha")))
register(Selector("all", "all 2N", "all 2N", "#cc78bc", None, needs_features=False))
register(Selector("matched", "uniform, greedy's real share", "matched uniform", "#949494", _matched,
                  needs_features=False, needs_sources=True))
