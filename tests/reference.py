"""Plain, obviously-correct float64 reference implementations the library is tested against."""

import math

import numpy as np
from scipy.special import digamma, gammaln


def pairwise(a, b):
    a = np.asarray(a, np.float64).reshape(len(a), -1)
    b = np.asarray(b, np.float64).reshape(len(b), -1)
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))


def kth_self_distance(x, k):
    d = pairwise(x, x)
    np.fill_diagonal(d, np.inf)
    return np.sort(d, axis=1)[:, k - 1]


def kl_entropy(x, k=1):
    x = np.asarray(x, np.float64).reshape(len(x), -1)
    n, dim = x.shape
    log_cd = dim / 2 * math.log(math.pi) - gammaln(dim / 2 + 1)
    return digamma(n) - digamma(k) + log_cd + dim * np.mean(np.log(kth_self_distance(x, k)))


def greedy(x, size, start):
    """Algorithm 1 written plainly: argmax over S \\ D of min over D, ties to the lowest index."""
    x = np.asarray(x, np.float64)
    chosen = [start]
    while len(chosen) < size:
        best, best_d = None, -1.0
        for i in range(len(x)):
            if i in chosen:
                continue
            d = min(np.linalg.norm(x[i] - x[j]) for j in chosen)
            if d > best_d:
                best, best_d = i, d
        chosen.append(best)
    return np.array(chosen)


def threshold_decay(x, size, tau, alpha, start):
    """Algorithm 2 exactly as boxed: decay tau only after a pass that added nothing."""
    x = np.asarray(x, np.float64)
    chosen = [start]
    while len(chosen) < size:
        added = False
        for i in range(len(x)):
            if i in chosen:
                continue
            if min(np.linalg.norm(x[i] - x[j]) for j in chosen) > tau:
                chosen.append(i)
                added = True
            if len(chosen) == size:
                return np.array(chosen)
        if not added:
            tau *= alpha
    return np.array(chosen)


def gaussian_entropy(cov):
    """Closed-form differential entropy (nats) of N(mu, cov)."""
    d = cov.shape[0]
    return 0.5 * (d * math.log(2 * math.pi * math.e) + np.linalg.slogdet(cov)[1])


def nearest_ratio(gen, train):
    """Nearest over second-nearest distance to the distinct training rows, by brute force."""
    train = np.unique(np.asarray(train, np.float64).reshape(len(train), -1), axis=0)
    d = np.sort(pairwise(gen, train), axis=1)
    return np.array([a / b if b > 0 else 0.0 for a, b in zip(d[:, 0], d[:, 1], strict=True)])


def single_linkage(x, scale):
    """Cluster labels: rows joined by a chain of pairs at distance <= scale (union-find over all pairs)."""
    d = pairwise(x, x)
    parent = list(range(len(x)))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            if d[i, j] <= scale:
                parent[root(j)] = root(i)
    return np.array([root(i) for i in range(len(x))])


def cluster_ratio(gen, train, scale):
    """Distance to the nearest training row over the distance to the nearest row of another cluster."""
    labels = single_linkage(train, scale)
    d = pairwise(gen, train)
    out = []
    for row in d:
        nearest = int(np.argmin(row))
        other = row[labels != labels[nearest]]
        out.append(row[nearest] / other.min() if other.min() > 0 else 0.0)
    return np.array(out)
