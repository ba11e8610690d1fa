import numpy as np
import pytest
import torch

from collapse_lib.selection import greedy_select, random_select, threshold_decay_select

from . import reference as ref


def min_dists_to_earlier(x, picks):
    d = ref.pairwise(x, x[picks])
    return np.array([d[picks[i], :i].min() for i in range(1, len(picks))]), d


@pytest.mark.parametrize("prune", [False, True])
def test_greedy_matches_plain_algorithm_1(clustered, prune):
    expected = ref.greedy(clustered[:250], 40, start=7)
    got = greedy_select(clustered[:250], 40, start=7, prune=prune)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == np.int64


def test_greedy_pruned_equals_plain_on_a_large_pool(rng):
    centres = rng.normal(size=(30, 24)) * 6
    x = centres[rng.integers(0, 30, 5000)] + rng.normal(size=(5000, 24))
    a = greedy_select(x, 800, start=11, prune=False)
    b = greedy_select(x, 800, start=11, prune=True)
    np.testing.assert_array_equal(a, b)


def test_greedy_each_pick_attains_the_max_min_distance(rng):
    x = rng.normal(size=(3000, 20)).astype(np.float32)
    picks = greedy_select(x, 300, seed=3)
    assert len(set(picks.tolist())) == 300
    d = ref.pairwise(x, x[picks])
    for i in range(1, 300):
        mind = d[:, :i].min(1)
        mind[picks[:i]] = -1
        assert mind[picks[i]] == pytest.approx(mind.max(), rel=1e-5)


def test_greedy_ties_go_to_lowest_index():
    x = np.array([[0.0], [1.0], [-1.0], [1.0], [-1.0]])
    np.testing.assert_array_equal(greedy_select(x, 3, start=0), [0, 1, 2])


def test_greedy_with_duplicates_never_repeats(rng):
    x = np.repeat(rng.normal(size=(4, 2)), 3, axis=0)
    picks = greedy_select(x, 12, start=0)
    assert sorted(picks.tolist()) == list(range(12))


def test_greedy_seed_draws_the_start_and_is_reproducible(clustered):
    a = greedy_select(clustered, 20, seed=5)
    assert (a == greedy_select(clustered, 20, seed=5)).all()
    assert (a == greedy_select(clustered, 20, start=int(a[0]))).all()


def test_greedy_on_torch_tensors_and_images(clustered):
    t = torch.from_numpy(clustered[:200]).reshape(200, 1, 4, 4)
    np.testing.assert_array_equal(greedy_select(t, 25, start=2), ref.greedy(clustered[:200], 25, start=2))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_greedy_on_cuda_matches_cpu(clustered):
    t = torch.from_numpy(clustered).cuda()
    np.testing.assert_array_equal(greedy_select(t, 50, start=1), greedy_select(clustered, 50, start=1))


@pytest.mark.parametrize("tau, alpha", [(9.0, 0.9), (2.0, 0.5), (50.0, 0.3)])
def test_threshold_decay_matches_plain_algorithm_2(clustered, tau, alpha):
    x = clustered[:300]
    expected = ref.threshold_decay(x, 120, tau, alpha, start=4)
    np.testing.assert_array_equal(threshold_decay_select(x, 120, tau=tau, alpha=alpha, start=4), expected)


def test_threshold_decay_fills_duplicates_with_warning():
    x = np.repeat(np.eye(3), 2, axis=0)
    with pytest.warns(RuntimeWarning, match="duplicate"):
        picks = threshold_decay_select(x, 6, tau=1.0, alpha=0.5, start=0)
    assert sorted(picks.tolist()) == list(range(6))


def test_random_select_is_a_seeded_subset():
    a = random_select(100, 30, seed=1)
    assert len(set(a.tolist())) == 30 and a.max() < 100 and a.dtype == np.int64
    assert (a == random_select(np.zeros((100, 2)), 30, seed=1)).all()


BAD = [
    (lambda x: greedy_select(x, 0), "at least 1"),
    (lambda x: greedy_select(x, 1000), "exceeds"),
    (lambda x: greedy_select(x[0], 3), "shape"),
    (lambda x: greedy_select(np.where(np.eye(600, 16) > 0, np.nan, x), 3), "NaN"),
    (lambda x: greedy_select(x, 3, start=600), "start"),
    (lambda x: greedy_select(x, 2.5), "integer"),
    (lambda x: threshold_decay_select(x, 3, tau=0, alpha=0.5), "tau"),
    (lambda x: threshold_decay_select(x, 3, tau=-1, alpha=0.5), "tau"),
    (lambda x: threshold_decay_select(x, 3, tau=1, alpha=1.0), "alpha"),
    (lambda x: threshold_decay_select(x, 3, tau=1, alpha=0), "alpha"),
    (lambda x: random_select(x, 601), "exceeds"),
    (lambda x: random_select(x, -1), "at least 1"),
]


@pytest.mark.parametrize("call, match", BAD)
def test_bad_input_raises_value_error(clustered, call, match):
    with pytest.raises(ValueError, match=match):
        call(clustered)
