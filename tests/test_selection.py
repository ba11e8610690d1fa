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


def _pools(rng):
    """Pools of every kind the pruning must stay exact on, each large enough to take the pruned path (float32)."""
    n = 4096
    centres = rng.normal(size=(40, 48)) * 4
    blobs = centres[rng.integers(0, 40, n)] + rng.normal(size=(n, 48))
    dups = rng.normal(size=(64, 48))[rng.integers(0, 64, n)]  # 4,096 rows, 64 distinct
    tight = rng.normal(size=48) * 10 + 1e-3 * rng.normal(size=(n, 48))  # one tight cluster far from the origin
    return {"blobs": blobs, "all equal": np.ones((n, 48)), "exact duplicates": dups, "one tight cluster": tight,
            "uniform noise": rng.uniform(-1, 1, size=(n, 256))}


@pytest.mark.parametrize("kind", ["blobs", "all equal", "exact duplicates", "one tight cluster", "uniform noise"])
def test_pruned_selectors_pick_what_the_plain_passes_pick_on_every_kind_of_pool(rng, kind):
    import warnings

    from collapse_lib.selection import PRUNE_MIN_ROWS

    x = _pools(rng)[kind].astype(np.float32)
    assert len(x) >= PRUNE_MIN_ROWS
    np.testing.assert_array_equal(greedy_select(x, 300, start=5, prune=True), greedy_select(x, 300, start=5, prune=False))
    tau = float(np.sqrt(((x - x[5]) ** 2).sum(1)).max()) or 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # pools of duplicates: the rest is taken in index order
        plain = threshold_decay_select(x, 300, tau=tau, alpha=0.9, start=5, prune=False)
        pruned = threshold_decay_select(x, 300, tau=tau, alpha=0.9, start=5, prune=True)
    np.testing.assert_array_equal(pruned, plain)


def test_the_plain_pass_is_algorithm_1_in_float32(rng):
    """Each pick of the compiled plain pass maximises |x|^2 - 2 x.p + |p|^2 over the pool in float32, ties low."""
    x = rng.normal(size=(600, 32)).astype(np.float32)
    picks = greedy_select(x, 60, start=0, prune=False)
    xsq = (x.astype(np.float64) ** 2).sum(1)
    for m in range(1, 60):
        d = np.min(xsq[:, None] - 2 * x.astype(np.float64) @ x[picks[:m]].T.astype(np.float64) + xsq[picks[:m]][None], 1)
        d[picks[:m]] = -1
        assert d[picks[m]] >= d.max() - 1e-3 * (1 + d.max())


def test_a_float16_pool_picks_what_its_float32_widening_picks(rng):
    x = (rng.normal(size=(3000, 40)) * 3).astype(np.float16)
    np.testing.assert_array_equal(greedy_select(x, 200, start=1), greedy_select(x.astype(np.float32), 200, start=1))


def test_a_memory_mapped_pool_is_read_in_place(tmp_path, rng):
    x = rng.normal(size=(3000, 16)).astype(np.float32)
    np.save(tmp_path / "pool.npy", x)
    pool = np.load(tmp_path / "pool.npy", mmap_mode="r")
    np.testing.assert_array_equal(greedy_select(pool, 100, start=2), greedy_select(x, 100, start=2))


def test_a_long_selection_shows_its_progress_unless_told_not_to(rng, capsys):
    x = rng.normal(size=(5000, 16)).astype(np.float32)
    greedy_select(x, 1500, start=0, progress=True)
    assert "greedy selection" in capsys.readouterr().err
    greedy_select(x, 1500, start=0, progress=False)
    assert capsys.readouterr().err == ""
