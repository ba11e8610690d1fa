"""Metrics of the paper, as pure functions over (n, d) arrays or tensors (image batches are flattened).

Distances are Euclidean in whatever feature space the caller passes (pixels, DINOv2 features, ...).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import linalg, special, stats

from ._arrays import as_matrix
from .neighbors import knn, nearest_distance


def generalization_score(generated, train) -> float:
    """Eq. (1): mean over generated samples of the distance to the nearest training sample."""
    g = as_matrix(generated, name="generated")
    t = as_matrix(train, name="train")
    return float(nearest_distance(g, t).mean())


#: a sample is a near-copy when its nearest training image is closer than this share of the second-nearest
COPY_RATIO = 1.0 / 3.0
#: training images closer than this share of a reference set's MNND are merged into one before the ratio test.
#: Below the closest pair of distinct real digits at every size (0.43 x MNND among all 1,797), so two different
#: real images are never merged, while a model's copies of one image (drawn ~10 x closer than real images sit)
#: are; see the method page.
MERGE_FRACTION = 0.25


def copy_scale(reference) -> float:
    """The distance within which training images count as one: ``MERGE_FRACTION`` x the MNND of ``reference``'s
    distinct rows (pass a clean set, e.g. the real training subset, when the training set holds copies); 0 when it
    holds a single distinct row."""
    distinct = np.unique(as_matrix(reference, name="reference"), axis=0)
    return MERGE_FRACTION * mnnd(distinct) if len(distinct) > 1 else 0.0


def duplicate_clusters(x, scale: float) -> np.ndarray:
    """Cluster label of every row: rows joined by a chain of pairs at distance <= ``scale`` share one
    (single linkage; ``scale`` 0 joins exact duplicates only). Labels are 0..k-1 in order of first appearance."""
    from .neighbors import radius_components

    return radius_components(x, scale)


def _second_cluster_distance(g: np.ndarray, t: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per generated row: the distance to its nearest training row and to the nearest row of another cluster.
    Neighbours are fetched 2, 8, 32, ... at a time until one outside the nearest cluster turns up."""
    first, near = knn(g, t, 1)
    d1, own = first[:, 0], labels[near[:, 0]]
    d2 = np.full(len(g), np.inf)
    todo, k = np.arange(len(g)), 2
    while len(todo):
        k = min(k, len(t))
        dist, idx = knn(g[todo], t, k)
        other = labels[idx] != own[todo, None]
        found = other.any(1)
        d2[todo[found]] = dist[found, other[found].argmax(1)]
        todo = todo[~found]
        if k == len(t):
            break
        k *= 4
    return d1, d2


def nearest_ratio(generated, train, *, scale: float | None = None) -> np.ndarray:
    """Per generated sample, its distance to the nearest training image over the distance to the nearest image
    of another cluster, where training images within ``scale`` of each other form one cluster (see
    ``duplicate_clusters``; None: ``copy_scale(train)``; 0: exact duplicates only, the plain ratio test).

    A copy of an image that the training set holds several near-identical versions of has a small ratio: its
    second neighbour is the next *different* image, not another version of the one it copies. A sample
    that sits on a training image has ratio 0.
    """
    g = as_matrix(generated, name="generated")
    t = as_matrix(train, name="train", min_rows=1)
    if g.shape[1] != t.shape[1]:
        raise ValueError(f"generated has dimension {g.shape[1]} but train has {t.shape[1]}")
    scale = copy_scale(t) if scale is None else float(scale)
    labels = duplicate_clusters(t, scale)
    d1, d2 = _second_cluster_distance(g, t, labels)
    # a training set that is one cluster has no second image: a sample within the merge scale of it copies it
    # (ratio 0), one farther away does not (ratio 1)
    lone = ~np.isfinite(d2)
    ratio = np.divide(d1, d2, out=np.zeros(len(g)), where=(d2 > 0) & ~lone)
    ratio[lone] = np.where(d1[lone] <= scale, 0.0, 1.0)
    return ratio


def memorized_share(generated, train, *, ratio: float = COPY_RATIO, scale: float | None = None) -> float:
    """Share of generated samples that copy a training image or a cluster of near-identical training images:
    nearest < ``ratio`` x the distance to the nearest other cluster (``nearest_ratio``; ``scale`` None infers the
    merge scale from ``train``, see ``copy_scale``).

    The near-copy criterion of Carlini et al. (2023, Sec. 4) and Yoon et al. (2023), with ratio 1/3, made
    robust to training sets that hold several versions of one image (a self-consuming loop's do).
    """
    if not 0 < ratio < 1:
        raise ValueError(f"ratio must lie strictly between 0 and 1; got {ratio}")
    return float(np.mean(nearest_ratio(generated, train, scale=scale) < ratio))


def memorized_share_raw(generated, train, *, ratio: float = COPY_RATIO) -> float:
    """The plain ratio test: nearest < ``ratio`` x second-nearest distinct training image (exact duplicates
    count once, near-duplicates do not). Fails on clusters of near-duplicates, whose members are each other's
    second neighbours; kept beside ``memorized_share`` as the choice a referee would vary."""
    if not 0 < ratio < 1:
        raise ValueError(f"ratio must lie strictly between 0 and 1; got {ratio}")
    return float(np.mean(nearest_ratio(generated, train, scale=0.0) < ratio))


def log_unit_ball_volume(d: int) -> float:
    """log c_d, the log-volume of the Euclidean unit ball in d dimensions."""
    return 0.5 * d * math.log(math.pi) - special.gammaln(0.5 * d + 1.0)


def _distinct_rows(x: np.ndarray, k: int, name: str) -> np.ndarray:
    unique = np.unique(x, axis=0)
    warnings.warn(
        f"{name}: {len(x) - len(unique)} exact duplicate rows make some neighbour distances 0 "
        f"(log 0 = -inf); the entropy is estimated on the {len(unique)} distinct rows",
        RuntimeWarning,
        stacklevel=3,
    )
    if len(unique) <= k:
        raise ValueError(f"{name}: needs more than k={k} distinct rows; got {len(unique)}")
    return unique


def kl_entropy(x, k: int = 1) -> float:
    """Kozachenko-Leonenko differential entropy (nats), Sec. 3: psi(n) - psi(k) + log c_d + (d/n) sum log eps_k.

    Exact duplicate rows (whose k-th neighbour distance would be 0) are estimated on the distinct rows
    only, with a RuntimeWarning: an atom carries no extra spread, and the estimate stays finite.
    """
    x = as_matrix(x, name="x")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}")
    if len(x) <= k:
        raise ValueError(f"x: needs more than k={k} rows; got {len(x)}")
    eps = knn(x, None, k)[0][:, k - 1]
    if (eps == 0).any():
        x = _distinct_rows(x, k, "x")
        eps = knn(x, None, k)[0][:, k - 1]
    n, d = x.shape
    return float(special.digamma(n) - special.digamma(k) + log_unit_ball_volume(d) + d * np.log(eps).mean())


def mnnd(x) -> float:
    """Eq. (4): mean distance from each point to its nearest other point in the same set."""
    return float(nearest_distance(as_matrix(x, name="x", min_rows=2)).mean())


def covariance_trace(x) -> float:
    """Trace of the sample covariance (ddof=1): the total variance summed over coordinates."""
    x = as_matrix(x, name="x", min_rows=2)
    return float(x.astype(np.float64).var(axis=0, ddof=1).sum())


def _mean_cov(x: np.ndarray):
    x = x.astype(np.float64)
    return x.mean(0), np.atleast_2d(np.cov(x, rowvar=False))


def _psd_sqrt(c: np.ndarray) -> np.ndarray:
    w, v = linalg.eigh(c)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(feats_a, feats_b) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (FID when the features are Inception's).

    Uses Tr((S_a S_b)^(1/2)) = sum sqrt(eig(S_a^(1/2) S_b S_a^(1/2))), a symmetric PSD form that is
    stable where scipy's general ``sqrtm`` is not (rank-deficient covariances).
    """
    a = as_matrix(feats_a, name="feats_a", min_rows=2)
    b = as_matrix(feats_b, name="feats_b", min_rows=2)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feature dimensions differ: {a.shape[1]} vs {b.shape[1]}")
    d = a.shape[1]
    for name, f in (("feats_a", a), ("feats_b", b)):
        if len(f) < d:
            warnings.warn(f"{name}: {len(f)} samples < {d} dimensions; the covariance is rank-deficient "
                          "and the Fréchet distance is biased upward", RuntimeWarning, stacklevel=2)
    mu_a, cov_a = _mean_cov(a)
    mu_b, cov_b = _mean_cov(b)
    root_a = _psd_sqrt(cov_a)
    cross = np.sqrt(np.clip(linalg.eigvalsh(root_a @ cov_b @ root_a), 0, None)).sum()
    value = float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2.0 * cross)
    return max(value, 0.0)


def kernel_inception_distance(feats_a, feats_b, *, subset_size: int = 1000, subsets: int = 100,
                              seed: int = 0) -> tuple[float, float]:
    """KID (Bińkowski et al. 2018, "Demystifying MMD GANs"): the unbiased estimate of the squared MMD between two
    feature sets under the cubic polynomial kernel k(x, y) = (x·y / d + 1)^3, averaged over ``subsets`` random
    subsets of ``subset_size`` rows of each (fewer when a set is smaller); returns (mean, standard error of the
    mean). Unbiased in the number of samples, so sets of different sizes compare, and it can fall below zero when
    the two sets come from one distribution."""
    a = as_matrix(feats_a, name="feats_a", min_rows=2).astype(np.float64)
    b = as_matrix(feats_b, name="feats_b", min_rows=2).astype(np.float64)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feature dimensions differ: {a.shape[1]} vs {b.shape[1]}")
    m, d = min(subset_size, len(a), len(b)), a.shape[1]
    rng = np.random.default_rng(seed)
    values = np.empty(subsets)
    for s in range(subsets):
        x, y = a[rng.choice(len(a), m, replace=False)], b[rng.choice(len(b), m, replace=False)]
        values[s] = unbiased_mmd2((x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3)
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(subsets)) if subsets > 1 else float("nan")


def unbiased_mmd2(k_xx: np.ndarray, k_yy: np.ndarray, k_xy: np.ndarray) -> float:
    """The unbiased squared MMD from the three kernel matrices of two equal-size samples (Gretton et al. 2012,
    Eq. 3): the within-sample means leave out the diagonal."""
    m = len(k_xx)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2.0 * k_xy.mean())


def bootstrap_ci(metric, *arrays, n_boot: int = 2000, level: float = 0.95, seed: int = 0):
    """Percentile bootstrap interval of ``metric(*arrays)``, resampling rows of all arrays jointly."""
    arrays = [np.asarray(a) for a in arrays]
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError("bootstrap_ci: all arrays need the same number of rows")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1); got {level}")
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_boot):
        take = rng.integers(0, n, n)
        v = metric(*(a[take] for a in arrays))
        if np.isfinite(v):
            values.append(v)
    if not values:  # every resample undefined (e.g. a constant column)
        return float("nan"), float("nan")
    lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def _pearson_r(x, y) -> float:
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def pearson(x, y, *, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> dict:
    """Pearson r with its two-sided p-value and a percentile bootstrap confidence interval."""
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if len(x) != len(y) or len(x) < 3:
        raise ValueError(f"pearson needs two sequences of equal length >= 3; got {len(x)} and {len(y)}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("pearson: inputs contain NaN or inf")
    res = stats.pearsonr(x, y)
    lo, hi = bootstrap_ci(_pearson_r, x, y, n_boot=n_boot, level=level, seed=seed)
    return {"r": float(res.statistic), "p": float(res.pvalue), "ci_low": lo, "ci_high": hi, "n": len(x), "level": level}


def roc_auc(scores, positive) -> float:
    """Area under the ROC curve of ``scores`` for telling ``positive`` rows from the rest: the probability that a
    random positive scores above a random negative (ties count half; the Mann-Whitney U statistic over n+ n-)."""
    scores = np.asarray(scores, dtype=np.float64).ravel()
    positive = np.asarray(positive, dtype=bool).ravel()
    if len(scores) != len(positive):
        raise ValueError(f"roc_auc: {len(scores)} scores but {len(positive)} labels")
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = stats.rankdata(scores)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def youden_threshold(scores, positive) -> dict:
    """The score threshold that maximizes TPR - FPR (Youden's J) for "score >= threshold means positive";
    all values NaN when every row, or none, is positive."""
    scores = np.asarray(scores, dtype=np.float64).ravel()
    positive = np.asarray(positive, dtype=bool).ravel()
    best = {"threshold": float("nan"), "tpr": float("nan"), "fpr": float("nan"), "j": -1.0}
    if positive.all() or not positive.any():  # no threshold separates a class from nothing
        return {**best, "j": float("nan")}
    for t in np.unique(scores):
        tpr, fpr = float((scores[positive] >= t).mean()), float((scores[~positive] >= t).mean())
        if tpr - fpr > best["j"]:
            best = {"threshold": float(t), "tpr": tpr, "fpr": fpr, "j": tpr - fpr}
    return best


def spearman(x, y) -> float:
    """Spearman rank correlation (used for the monotone-decline checks of Finding II)."""
    return float(stats.spearmanr(x, y).statistic)
