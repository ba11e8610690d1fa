import math
import warnings

import numpy as np
import pytest
import torch
from scipy import linalg

from collapse_lib import metrics
from collapse_lib.neighbors import available_backends, knn

from . import reference as ref


def test_generalization_score_matches_brute_force(rng):
    gen, train = rng.normal(size=(70, 9)), rng.normal(size=(130, 9))
    expected = ref.pairwise(gen, train).min(1).mean()
    assert metrics.generalization_score(gen, train) == pytest.approx(expected, rel=1e-12)


def test_generalization_score_is_zero_for_copies(rng):
    train = rng.normal(size=(50, 4))
    assert metrics.generalization_score(train[::2], train) == 0.0


@pytest.mark.parametrize("k", [1, 2, 5])
def test_kl_entropy_matches_reference(rng, k):
    x = rng.normal(size=(300, 6)) * [1, 2, 3, 0.5, 1, 1]
    assert metrics.kl_entropy(x, k=k) == pytest.approx(ref.kl_entropy(x, k), rel=1e-10)


def test_kl_entropy_converges_to_gaussian_closed_form(rng):
    cov = np.diag([1.0, 4.0, 0.25])
    x = rng.multivariate_normal(np.zeros(3), cov, size=40000)
    assert metrics.kl_entropy(x) == pytest.approx(ref.gaussian_entropy(cov), abs=0.03)


def test_kl_entropy_duplicates_warn_and_stay_finite(rng):
    x = rng.normal(size=(200, 5))
    dup = np.concatenate([x, x[:30]])
    with pytest.warns(RuntimeWarning, match="duplicate"):
        h = metrics.kl_entropy(dup)
    assert math.isfinite(h)
    assert h == pytest.approx(ref.kl_entropy(x), rel=1e-10)


def test_kl_entropy_all_identical_rows_is_an_error():
    with pytest.raises(ValueError, match="distinct"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metrics.kl_entropy(np.ones((10, 3)))


def test_mnnd_and_covariance_trace_match_numpy(rng):
    x = rng.normal(size=(150, 7))
    assert metrics.mnnd(x) == pytest.approx(ref.kth_self_distance(x, 1).mean(), rel=1e-12)
    assert metrics.covariance_trace(x) == pytest.approx(np.trace(np.cov(x, rowvar=False)), rel=1e-12)


def test_mnnd_counts_duplicates_as_zero(rng):
    x = rng.normal(size=(20, 3))
    d = np.concatenate([x, x])
    assert metrics.mnnd(d) == 0.0


def test_frechet_distance_matches_sqrtm_formula(rng):
    a = rng.normal(size=(400, 5))
    b = rng.normal(size=(300, 5)) * 1.5 + 0.3
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = ((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(ca + cb - 2 * linalg.sqrtm(ca @ cb).real)
    assert metrics.frechet_distance(a, b) == pytest.approx(expected, rel=1e-8)
    assert metrics.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_warns_when_fewer_samples_than_dims(rng):
    with pytest.warns(RuntimeWarning, match="rank-deficient"):
        metrics.frechet_distance(rng.normal(size=(8, 20)), rng.normal(size=(50, 20)))


def test_pearson_with_bootstrap_interval(rng):
    x = rng.normal(size=200)
    y = 2 * x + rng.normal(size=200)
    out = metrics.pearson(x, y, n_boot=500, seed=1)
    assert out["r"] == pytest.approx(np.corrcoef(x, y)[0, 1])
    assert out["ci_low"] < out["r"] < out["ci_high"]
    assert out["p"] < 1e-10
    assert out == metrics.pearson(x, y, n_boot=500, seed=1)


def test_metrics_accept_torch_and_images(rng):
    imgs = rng.normal(size=(40, 1, 4, 4))
    t = torch.from_numpy(imgs).float()
    assert metrics.mnnd(t) == pytest.approx(metrics.mnnd(imgs.reshape(40, 16)), rel=1e-5)
    assert metrics.mnnd(t.half()) == pytest.approx(metrics.mnnd(imgs.reshape(40, 16)), rel=1e-2)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: metrics.mnnd(np.array([[0.0, np.nan], [1, 1]])), "NaN"),
        (lambda: metrics.kl_entropy(np.ones(5)), "shape"),
        (lambda: metrics.kl_entropy(np.random.rand(5, 2), k=0), "k must"),
        (lambda: metrics.generalization_score(np.ones((3, 2)), np.ones((3, 3))), "dimension"),
        (lambda: metrics.mnnd(np.ones((1, 3))), "at least 2"),
        (lambda: metrics.pearson([1, 2], [1, 2]), "length"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("backend", available_backends())
def test_knn_backends_agree_with_brute_force(rng, backend):
    q, b = rng.normal(size=(90, 12)), rng.normal(size=(200, 12))
    dist, idx = knn(q, b, 4, backend=backend, chunk_rows=7)
    full = ref.pairwise(q, b)
    np.testing.assert_allclose(dist, np.sort(full, 1)[:, :4], rtol=1e-12)
    np.testing.assert_array_equal(idx, np.argsort(full, 1, kind="stable")[:, :4])


@pytest.mark.parametrize("backend", available_backends())
def test_knn_self_search_excludes_self_even_with_duplicates(rng, backend):
    x = rng.normal(size=(50, 3))
    x = np.concatenate([x, x[:10], x[:10]])  # rows 0..9 appear three times
    dist, idx = knn(x, None, 2, backend=backend)
    assert not (idx == np.arange(len(x))[:, None]).any()
    assert (dist[:10] == 0).all() and (dist[50:] == 0).all()
    assert (dist[10:50, 0] > 0).all()


def test_nearest_ratio_matches_brute_force(rng):
    gen, train = rng.normal(size=(60, 7)), rng.normal(size=(90, 7))
    np.testing.assert_allclose(metrics.nearest_ratio(gen, train, scale=0.0), ref.nearest_ratio(gen, train), rtol=1e-12)
    for scale in (0.3, 0.8, 1.5):  # merges from a few pairs to long chains
        np.testing.assert_allclose(metrics.nearest_ratio(gen, train, scale=scale), ref.cluster_ratio(gen, train, scale),
                                   rtol=1e-12)


def test_duplicate_clusters_match_single_linkage(rng):
    x = np.concatenate([rng.normal(size=(30, 4)), rng.normal(size=(5, 4)) * 0.01 + 5])
    for scale in (0.0, 0.2, 1.0):
        ours, plain = metrics.duplicate_clusters(x, scale), ref.single_linkage(x, scale)
        same = ours[:, None] == ours[None, :]
        assert (same == (plain[:, None] == plain[None, :])).all(), scale


def test_memorized_share_counts_near_copies(rng):
    train = rng.normal(size=(100, 16)) * 3
    copies = train[:30] + rng.normal(size=(30, 16)) * 0.01  # near-copies of 30 training images
    novel = rng.normal(size=(70, 16)) * 3  # fresh draws from the same distribution
    gen = np.concatenate([copies, novel])
    scale = metrics.copy_scale(train)
    expected = float(np.mean(ref.cluster_ratio(gen, train, scale) < 1 / 3))
    assert metrics.memorized_share(gen, train) == pytest.approx(expected)
    assert 0.3 <= metrics.memorized_share(gen, train) <= 0.35  # the copies, and no fresh draw in 16 dimensions
    assert metrics.memorized_share(novel, train) == 0.0
    assert metrics.memorized_share_raw(gen, train) == pytest.approx(float(np.mean(ref.nearest_ratio(gen, train) < 1 / 3)))


def test_memorized_share_counts_a_duplicated_training_image_once(rng):
    train = rng.normal(size=(40, 8))
    doubled = np.concatenate([train, train[:10]])  # ten images appear twice
    copies = train[:10] + 1e-3
    assert metrics.memorized_share(copies, doubled) == 1.0
    assert metrics.memorized_share_raw(copies, doubled) == 1.0
    with pytest.raises(ValueError, match="ratio"):
        metrics.memorized_share(copies, train, ratio=1.5)


def _grey(x):
    """Images in [-1, 1] stored at the digits' 17 grey levels."""
    return np.round((np.clip(x, -1, 1) + 1) * 8) / 8 - 1


def _constructed_training_set(rng, quantized: bool):
    """D_n of 20 distinct images, one of them (A) with 9 near-identical versions beside it, and one (B) held 3
    times exactly: the set a self-consuming loop hands itself once its model repeats a few images."""
    distinct = rng.uniform(-1, 1, (20, 64))
    if quantized:  # versions differ by a grey level on a few pixels, as stored copies do
        versions = np.repeat(distinct[:1], 9, 0)
        for v in versions:
            v[rng.choice(64, 3, replace=False)] += rng.choice([-0.125, 0.125], 3)
        store = _grey
    else:  # versions differ by a little noise everywhere, as float copies do
        versions = distinct[:1] + rng.normal(0, 0.02, (9, 64))
        store = lambda x: x  # noqa: E731
    train = store(np.concatenate([distinct, versions, distinct[1:2], distinct[1:2]]))
    return train, store(distinct), store, versions


def _new_version(rng, image, quantized: bool):
    """One more version of an image, like the stored ones but equal to none of them."""
    if not quantized:
        return image + rng.normal(0, 0.02, image.shape)
    out = image.copy()
    out[:, rng.choice(64, 3, replace=False)] += rng.choice([-0.125, 0.125], 3)
    return _grey(out)


@pytest.mark.parametrize("quantized", [False, True])
def test_a_copy_of_a_cluster_of_near_duplicates_is_a_copy(rng, quantized):
    train, distinct, store, versions = _constructed_training_set(rng, quantized)
    scale = metrics.copy_scale(distinct)
    inside = _new_version(rng, distinct[:1], quantized)  # a sample among A's versions
    assert not (np.abs(train - inside).sum(1) == 0).any()
    assert metrics.memorized_share(inside, train, scale=scale) == 1.0
    assert metrics.nearest_ratio(inside, train, scale=0.0)[0] > 1 / 3  # the plain test misses it: A's versions
    assert metrics.memorized_share_raw(inside, train) == 0.0  # are each other's second neighbours


@pytest.mark.parametrize("quantized", [False, True])
def test_a_sample_midway_between_two_images_is_not_a_copy(rng, quantized):
    train, distinct, store, _ = _constructed_training_set(rng, quantized)
    midway = store((distinct[2:3] + distinct[3:4]) / 2)
    assert metrics.memorized_share(midway, train, scale=metrics.copy_scale(distinct)) == 0.0
    assert metrics.memorized_share_raw(midway, train) == 0.0


@pytest.mark.parametrize("quantized", [False, True])
def test_a_copy_of_an_image_held_several_times_exactly_is_a_copy(rng, quantized):
    train, distinct, store, _ = _constructed_training_set(rng, quantized)
    exact = distinct[1:2].copy()
    assert metrics.memorized_share(exact, train, scale=metrics.copy_scale(distinct)) == 1.0
    assert metrics.memorized_share_raw(exact, train) == 1.0
    assert metrics.memorized_share(exact, train) == 1.0  # the scale inferred from train itself


def test_the_inferred_scale_never_merges_two_real_digits():
    from collapse_lib.data import load_digits

    digits = load_digits().to_float().reshape(-1, 64)
    labels = metrics.duplicate_clusters(digits, metrics.copy_scale(digits))
    assert len(np.unique(labels)) == len(np.unique(digits, axis=0))


def test_roc_auc_is_the_share_of_correctly_ordered_pairs(rng):
    scores, positive = rng.normal(size=60), rng.random(60) < 0.3
    scores[positive] += 1.0
    scores[5] = scores[6]  # a tie
    pairs = [(1.0 if a > b else 0.5 if a == b else 0.0) for a in scores[positive] for b in scores[~positive]]
    assert metrics.roc_auc(scores, positive) == pytest.approx(np.mean(pairs))
    assert metrics.roc_auc(scores, np.zeros(60, bool)) != metrics.roc_auc(scores, np.zeros(60, bool))  # NaN


def test_youden_threshold_separates_a_clean_split():
    scores = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    best = metrics.youden_threshold(scores, scores > 0.5)
    assert best["threshold"] == 0.7 and best["tpr"] == 1.0 and best["fpr"] == 0.0


def test_youden_threshold_with_one_class_is_undefined_and_quiet():
    import warnings

    scores = np.array([0.1, 0.5, 0.9])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "mean of empty slice" on a page
        for labels in (np.zeros(3, bool), np.ones(3, bool)):
            best = metrics.youden_threshold(scores, labels)
            assert all(np.isnan(best[k]) for k in ("threshold", "tpr", "fpr", "j"))


def test_a_training_set_of_one_cluster_is_copied_when_a_sample_lies_within_it(rng):
    base = rng.uniform(-1, 1, (1, 16))
    train = base + rng.normal(0, 0.01, (12, 16))  # twelve versions of one image, nothing else
    near, far = base + 0.005, base + 2.0
    assert metrics.memorized_share(near, train, scale=0.2) == 1.0
    assert metrics.memorized_share(far, train, scale=0.2) == 0.0
    same = np.repeat(base, 5, 0)  # one image held five times exactly
    assert metrics.memorized_share_raw(base, same) == 1.0 and metrics.memorized_share_raw(far, same) == 0.0
    assert metrics.copy_scale(same) == 0.0


def test_radius_components_hold_large_clusters_in_bounded_pieces(rng):
    from collapse_lib.neighbors import radius_components

    x = np.concatenate([rng.normal(0, 0.001, (400, 8)), rng.normal(0, 0.001, (300, 8)) + 5, rng.normal(size=(50, 8)) * 9])
    labels = radius_components(x, 0.1, chunk_rows=37)  # many chunks, each folded into the components so far
    assert len(np.unique(labels[:400])) == 1 and len(np.unique(labels[400:700])) == 1 and labels[0] != labels[400]
    plain = ref.single_linkage(x[::5], 0.1)
    ours = radius_components(x[::5], 0.1, chunk_rows=7)
    assert ((ours[:, None] == ours[None, :]) == (plain[:, None] == plain[None, :])).all()


def test_unbiased_mmd2_matches_the_sum_written_plainly(rng):
    from collapse_lib.metrics import unbiased_mmd2

    x, y = rng.normal(size=(7, 3)), rng.normal(size=(7, 3)) + 0.5
    k = lambda a, b: (a @ b / 3 + 1) ** 3  # noqa: E731
    m = len(x)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    kxx, kyy, kxy = (x @ x.T / 3 + 1) ** 3, (y @ y.T / 3 + 1) ** 3, (x @ y.T / 3 + 1) ** 3
    assert unbiased_mmd2(kxx, kyy, kxy) == pytest.approx(xx + yy - 2 * xy)


def test_kid_is_unbiased_near_zero_for_one_distribution_and_grows_with_a_shift(rng):
    from collapse_lib.metrics import kernel_inception_distance

    a, b = rng.normal(size=(400, 8)), rng.normal(size=(300, 8))
    same, se = kernel_inception_distance(a, b, subset_size=200, subsets=50)
    assert abs(same) < 4 * se + 1e-3  # unbiased: no offset from the sample size
    small = kernel_inception_distance(a, b + 0.3, subset_size=200, subsets=50)[0]
    large = kernel_inception_distance(a, b + 1.0, subset_size=200, subsets=50)[0]
    assert same < small < large
