"""The rule every claim is judged by, fixed before the build (the method page states it).

Seeds are matched: within one seed every arm of a comparison shares the real subset D_1 and the first model, and
each seed draws its own real subset. So a claim reads one *effect per seed* (a paired difference between two arms,
or a change within one arm, in the paper's direction when positive) and asks whether their mean is above zero:

- with fewer than ``PERMUTATION_FROM`` seeds, the paired one-sided t-test; from that many on, the exact sign-flip
  permutation test of the mean (all 2^n sign patterns; no normality assumed, p reaches 1/2^n);
- beside it, the mean effect with the interval of the same test: the mean effects it would not reject either way
  at ``ALPHA`` (for the t-test the 90% t-interval, for the sign-flip test the interval read off the subset means),
  so a claim holds exactly when its interval lies on the paper's side.

A claim *holds* when p < ``ALPHA`` in the paper's direction, is *contradicted* when p < ``ALPHA`` the other way,
and is *inconclusive* otherwise: too few seeds to decide is never a failure. It is *not testable* when its first
models fail the quality gate. A claim of several parts (entropy, GS and distance) holds when every part holds and
is contradicted when any part is contradicted (the intersection of one-sided tests needs no correction; the
book's claims are not corrected for their number).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable, Mapping

import numpy as np
from scipy import stats

from ..words import CONTRADICTED, HOLDS, INCONCLUSIVE, UNTESTABLE

STATES = (HOLDS, INCONCLUSIVE, CONTRADICTED, UNTESTABLE)
ALPHA = 0.05
#: from this many seeds on the exact sign-flip permutation test decides (p can then reach 1/64)
PERMUTATION_FROM = 6
#: the two-sided level of the interval whose ends are the one-sided tests' bounds at ALPHA
LEVEL = 1 - 2 * ALPHA
#: the interval's name on every page
INTERVAL = f"{round(100 * LEVEL)}% interval"


def _t_interval(x: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    if len(x) < 2:
        return float("nan"), float("nan")
    half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean() - half), float(x.mean() + half)


def _t_p(x: np.ndarray) -> float:
    """One-sided p of the paired t-test that the mean effect is above zero (undefined with one seed or a tie)."""
    if len(x) < 2 or (np.ptp(x) == 0 and x[0] == 0):
        return float("nan")
    if np.ptp(x) == 0:  # every seed the same non-zero effect: no spread to doubt it
        return 0.0 if x[0] > 0 else 1.0
    with warnings.catch_warnings():  # effects equal to the last digits: the t statistic is huge, p is right
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.ttest_1samp(x, 0.0, alternative="greater").pvalue)


def _sign_flip_p(x: np.ndarray) -> float:
    """Exact one-sided p of the sign-flip permutation test: the share of the 2^n sign patterns whose mean is at
    least the observed one (the observed pattern included)."""
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=len(x))))
    means = (signs * x).mean(axis=1)
    return float(np.mean(means >= x.mean() - 1e-12 * max(1.0, abs(x.mean()))))


def _sign_flip_interval(x: np.ndarray) -> tuple[float, float]:
    """The sign-flip test inverted: shifted by mu, the one-sided p counts the observed pattern and every non-empty
    subset of seeds whose mean is at most mu, so the mu it rejects at ALPHA lie below the k-th smallest subset mean
    (k the least count with p >= ALPHA); the upper end is the k-th largest, by symmetry."""
    n = len(x)
    subsets = np.array(list(itertools.product((0.0, 1.0), repeat=n)))[1:]
    means = np.sort(subsets @ x / subsets.sum(axis=1))
    k = max(1, int(np.ceil(ALPHA * 2 ** n - 1 - 1e-9)))
    return float(means[k - 1]), float(means[-k])


def state_of(p: float, p_other: float) -> str:
    if p == p and p < ALPHA:
        return HOLDS
    if p_other == p_other and p_other < ALPHA:
        return CONTRADICTED
    return INCONCLUSIVE


def seed_test(effects: Mapping[int, float], *, better: str = "higher", null: float = 0.0) -> dict:
    """Judge per-seed effects (``{seed: value}``) by the rule: ``better`` says which way the paper points
    ("higher": the value exceeds ``null``; "lower": it falls below it). Returns the per-seed values, their mean with
    its interval, the method, p in the paper's direction and the other way, and the state."""
    if better not in ("higher", "lower"):
        raise ValueError(f"better: 'higher' or 'lower', got {better!r}")
    per_seed = {int(s): float(v) for s, v in effects.items() if v is not None and v == v}
    raw = np.array(list(per_seed.values()), dtype=float)
    x = (raw - null) * (1.0 if better == "higher" else -1.0)
    method = "sign-flip permutation" if len(x) >= PERMUTATION_FROM else "paired t-test"
    test = _sign_flip_p if len(x) >= PERMUTATION_FROM else _t_p
    p, p_other = (test(x), test(-x)) if len(x) else (float("nan"), float("nan"))
    lo, hi = (_sign_flip_interval(x) if len(x) >= PERMUTATION_FROM else _t_interval(x)) if len(x) else (np.nan,) * 2
    sign = 1.0 if better == "higher" else -1.0
    lo, hi = sorted((null + sign * lo, null + sign * hi))
    return {"per_seed": per_seed, "mean": float(raw.mean()) if len(raw) else float("nan"), "ci_low": lo,
            "ci_high": hi, "null": null, "better": better, "n": len(x), "method": method, "p": p,
            "p_other": p_other, "state": state_of(p, p_other)}


def paired(a: Mapping[int, float], b: Mapping[int, float], *, better: str) -> dict:
    """Arm ``a`` against arm ``b`` seed by seed (their difference a - b), with the ratio of the two beside it."""
    seeds = sorted(set(a) & set(b))
    out = seed_test({s: a[s] - b[s] for s in seeds}, better=better)
    out["ratio"] = ratio({s: a[s] for s in seeds}, {s: b[s] for s in seeds})
    out["mean_a"] = float(np.mean([a[s] for s in seeds])) if seeds else float("nan")
    out["mean_b"] = float(np.mean([b[s] for s in seeds])) if seeds else float("nan")
    return out


def ratio(a: Mapping[int, float], b: Mapping[int, float]) -> dict:
    """The geometric mean over seeds of a / b with its t-interval on the log scale (undefined when a value is not
    positive)."""
    pairs = [(a[s], b[s]) for s in a if s in b]
    if not pairs or any(x <= 0 or y <= 0 for x, y in pairs):
        return {"mean": float("nan"), "ci_low": float("nan"), "ci_high": float("nan")}
    logs = np.log([x / y for x, y in pairs])
    lo, hi = _t_interval(logs)
    return {"mean": float(np.exp(logs.mean())), "ci_low": float(np.exp(lo)), "ci_high": float(np.exp(hi))}


def composite(states: Iterable[str]) -> str:
    """A claim of several parts: holds when every part holds, contradicted when any part is, else inconclusive."""
    states = list(states)
    if not states:
        return INCONCLUSIVE
    if UNTESTABLE in states:
        return UNTESTABLE
    if all(s == HOLDS for s in states):
        return HOLDS
    return CONTRADICTED if CONTRADICTED in states else INCONCLUSIVE


def gated(state: str, testable: bool) -> str:
    """A state, or not testable when the claim's quality gate fails."""
    return state if testable else UNTESTABLE


def gate_all(obj, testable: bool):
    """Every test inside ``obj`` (dicts and lists, nested) marked not testable when the quality gate fails: its
    numbers stay, its state is no verdict. Returns ``obj``."""
    if not testable:
        if isinstance(obj, dict):
            if "state" in obj:
                obj["state"] = UNTESTABLE
            for v in obj.values():
                gate_all(v, testable)
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                gate_all(v, testable)
    return obj
