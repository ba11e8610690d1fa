"""The rule every claim is judged by: constructed per-seed effects whose answer is known."""

import itertools

import numpy as np
import pytest
from scipy import stats

from collapse_lib.findings.rule import (
    CONTRADICTED,
    HOLDS,
    INCONCLUSIVE,
    UNTESTABLE,
    composite,
    gated,
    paired,
    ratio,
    seed_test,
)


def test_a_clear_effect_in_three_seeds_holds():
    r = seed_test({0: 19.2, 1: 40.7, 2: 58.4}, better="higher")
    assert r["state"] == HOLDS and r["method"] == "paired t-test" and r["n"] == 3
    # the book's Sec. 5 numbers: vanilla - greedy FD per seed, one-sided paired t, p = 0.037
    assert r["p"] == pytest.approx(stats.ttest_1samp([19.2, 40.7, 58.4], 0, alternative="greater").pvalue)
    assert r["p"] == pytest.approx(0.037, abs=0.001)
    assert r["ci_low"] < r["mean"] < r["ci_high"] and r["mean"] == pytest.approx(39.433, abs=1e-3)


def test_a_mixed_effect_is_inconclusive_not_contradicted():
    r = seed_test({0: 4.8, 1: -30.0, 2: 40.0}, better="higher")
    assert r["state"] == INCONCLUSIVE and r["ci_low"] < 0 < r["ci_high"]


def test_a_reversed_effect_is_contradicted():
    r = seed_test({0: -10.0, 1: -12.0, 2: -9.0}, better="higher")
    assert r["state"] == CONTRADICTED and r["p"] > 0.95 and r["p_other"] < 0.05
    assert seed_test({0: -10.0, 1: -12.0, 2: -9.0}, better="lower")["state"] == HOLDS


def test_a_tie_is_inconclusive():
    for effects in ({0: 0.0, 1: 0.0, 2: 0.0}, {s: 0.0 for s in range(6)}):
        assert seed_test(effects, better="higher")["state"] == INCONCLUSIVE
    assert seed_test({0: 5.0}, better="higher")["state"] == INCONCLUSIVE  # one seed cannot decide


def test_six_seeds_use_the_exact_sign_flip_test():
    effects = {0: 1.0, 1: 2.0, 2: 3.0, 3: 4.0, 4: 5.0, 5: 6.0}
    r = seed_test(effects, better="higher")
    assert r["method"] == "sign-flip permutation" and r["p"] == pytest.approx(1 / 64) and r["state"] == HOLDS
    mixed = {0: 3.0, 1: -1.0, 2: 2.0, 3: 0.5, 4: -0.2, 5: 1.5}
    x = np.array(list(mixed.values()))
    plain = np.mean([np.mean(np.array(signs) * x) >= x.mean() - 1e-12
                     for signs in itertools.product((1, -1), repeat=6)])  # the test written plainly
    assert seed_test(mixed, better="higher")["p"] == pytest.approx(plain)


def test_a_threshold_other_than_zero_and_the_lower_direction():
    r = seed_test({0: 0.80, 1: 0.78, 2: 0.79}, better="higher", null=0.85)
    assert r["state"] == CONTRADICTED  # every seed's r clearly below the 0.85 the claim asks for
    assert seed_test({0: 0.90, 1: 0.93, 2: 0.92}, better="higher", null=0.85)["state"] == HOLDS


def test_paired_arms_and_their_ratio():
    greedy, vanilla = {0: 60.0, 1: 70.0, 2: 80.0}, {0: 100.0, 1: 110.0, 2: 120.0}
    r = paired(greedy, vanilla, better="lower")
    assert r["state"] == HOLDS and r["mean"] == pytest.approx(-40.0)
    expected = np.exp(np.mean(np.log([0.6, 70 / 110, 80 / 120])))
    assert r["ratio"]["mean"] == pytest.approx(expected) and r["ratio"]["ci_low"] < expected < r["ratio"]["ci_high"]
    assert np.isnan(ratio({0: -1.0}, {0: 1.0})["mean"])


def test_a_composite_with_one_part_reversed_is_contradicted():
    assert composite([HOLDS, HOLDS, HOLDS]) == HOLDS
    assert composite([HOLDS, INCONCLUSIVE, HOLDS]) == INCONCLUSIVE
    assert composite([HOLDS, CONTRADICTED, INCONCLUSIVE]) == CONTRADICTED
    assert composite([HOLDS, UNTESTABLE]) == UNTESTABLE and gated(HOLDS, False) == UNTESTABLE


def test_the_interval_is_the_tests_own():
    """A claim holds exactly when its interval lies on the paper's side, contradicted exactly when it lies on the
    other side, for both tests and both directions (random effects, many draws)."""
    rng = np.random.default_rng(0)
    for n in (3, 4, 6, 8):
        for _ in range(150):
            x = rng.normal(rng.normal(0, 1), 1, size=n)
            for better in ("higher", "lower"):
                r = seed_test(dict(enumerate(x)), better=better)
                paper_side = r["ci_low"] > 0 if better == "higher" else r["ci_high"] < 0
                other_side = r["ci_high"] < 0 if better == "higher" else r["ci_low"] > 0
                assert (r["state"] == HOLDS) == paper_side and (r["state"] == CONTRADICTED) == other_side, (n, x, r)


def test_the_sign_flip_interval_inverts_the_test_written_plainly():
    x = np.array([3.0, -1.0, 2.0, 0.5, -0.2, 1.5])
    r = seed_test(dict(enumerate(x)), better="higher")

    def p_above(mu):  # the one-sided sign-flip p of the mean effect exceeding mu, over all 64 patterns
        y = x - mu
        return np.mean([np.mean(np.array(s) * y) >= y.mean() - 1e-12 for s in itertools.product((1, -1), repeat=6)])

    def p_below(mu):  # the same test the other way
        y = mu - x
        return np.mean([np.mean(np.array(s) * y) >= y.mean() - 1e-12 for s in itertools.product((1, -1), repeat=6)])

    grid = np.linspace(-3, 4, 1401)
    kept = [mu for mu in grid if p_above(mu) >= 0.05 and p_below(mu) >= 0.05]  # rejected neither way
    step = grid[1] - grid[0]
    assert r["ci_low"] - step <= min(kept) and max(kept) <= r["ci_high"] + step
    assert abs(min(kept) - r["ci_low"]) <= step and abs(max(kept) - r["ci_high"]) <= step
    assert r["ci_low"] < x.mean() < r["ci_high"]
