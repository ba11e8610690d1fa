"""Sentence pieces every finding's verdicts share: a test in words, the choices a claim holds under, the first
models' quality, a value per training-set size."""

from __future__ import annotations

from ..words import CONTRADICTED, HOLDS, number, p_value, value_range
from .rule import INTERVAL


def p_of(t: dict) -> str:
    """The p that decides a test: in the paper's direction, or, for a contradicted claim, the other way."""
    if t.get("state") == CONTRADICTED:
        return f"{p_value(t['p_other'])} the other way"
    return p_value(t["p"])


def per_size(per_size: dict, fmt) -> str:
    """'N = 64: ..., N = 256: ...' with ``fmt(n)`` for each size, in increasing N."""
    return ", ".join(f"N = {n}: {fmt(n)}" for n in sorted(per_size, key=int))


def test_words(t: dict, spec: str = ".2f", what: str = "mean") -> str:
    """A test (``rule.seed_test``) in words: the mean effect with its interval, p and the method over n seeds."""
    if not t["n"]:
        return "no seed to judge"
    return (f"{what} {number(t['mean'], spec)} ({INTERVAL} {number(t['ci_low'], spec)} to {number(t['ci_high'], spec)}), "
            f"{p_of(t)} ({t['method']}, {seeds(t['n'])})")


def seeds(n: int) -> str:
    return f"{n} seed{'s' if n != 1 else ''}"


def test_short(t: dict, spec: str = ".2f") -> str:
    """'p = 0.037; -39.4 (-68.0 to -10.9)' for a summary row."""
    return f"{p_of(t)}; {number(t['mean'], spec)} ({number(t['ci_low'], spec)} to {number(t['ci_high'], spec)})"


def deciding(tests: dict) -> tuple:
    """(key, test) of the test of several (``{key: test}``) with the largest p (an undefined p counts as 1), the one
    that decides a composite; among equal p (an exact test's smallest p, reached by several), the mean nearest its
    null."""
    def order(item):
        t = item[1]
        p = 1.0 if t["p"] is None or t["p"] != t["p"] else t["p"]
        mean = t.get("mean")
        gap = abs(mean - t.get("null", 0.0)) if isinstance(mean, (int, float)) and mean == mean else 0.0
        return p, -gap
    return max(tests.items(), key=order)


def ratio_words(r: dict) -> str:
    return f"{number(r['mean'])} ({INTERVAL} {number(r['ci_low'])} to {number(r['ci_high'])})"


def per_seed(t: dict, spec: str = ".2f") -> str:
    """The per-seed values of a test, as a range."""
    return value_range(list(t["per_seed"].values()), spec)


def under_choices(states: dict[str, str]) -> str:
    """A claim's state under every choice, in words: 'holds under every choice (...)', or grouped by state."""
    groups: dict[str, list[str]] = {}
    for choice, state in states.items():
        groups.setdefault(state, []).append(choice)
    if set(groups) == {HOLDS}:
        return f"holds under every choice ({' / '.join(groups[HOLDS])})"
    return "; ".join(f"{state} under {' / '.join(choices)}" for state, choices in groups.items())


def under_list(result: dict) -> str:
    """The choices a claim holds under, for its summary row ("none" when it holds under none)."""
    return "; ".join(result.get("holds_under") or []) or "none"


def quality(gate: dict) -> tuple[str | None, str]:
    """The first model learned the data (trace ratio and FD against the real floor at iteration 1); a note, not a
    claim (a failed gate makes the chapter's claims not testable)."""
    per, th = gate["per_size"], gate["thresholds"]
    if not per:
        return None, "the first models' quality could not be judged: the table holds no iteration 1"
    traces = [v["trace_ratio_min"] for v in per.values()] + [v["trace_ratio_max"] for v in per.values()]
    fds = [v["fd_over_floor_min"] for v in per.values()] + [v["fd_over_floor_max"] for v in per.values()]
    whose = "their plain conditional samples (guidance w = 1)" if gate.get("unguided") else "their samples"
    verdict = "learned the data" if gate["holds"] else "did not all learn the data"
    text = (f"the first models (trained on real images) {verdict}: at iteration 1 {whose} keep {value_range(traces)} of "
            f"the real subset's covariance trace (needed: at least {th['min_trace_ratio']:g}) and score a Fréchet "
            f"distance {value_range(fds, '.1f')} times the real subset's own at the same sample count (needed: at most "
            f"{th['max_fd_over_floor']:g}; per-pixel noise scores {value_range([v['fd_noise'] for v in per.values()], '.0f')})")
    if gate.get("unguided"):
        guided = [v[k] for v in per.values() for k in ("guided_fd_over_floor_min", "guided_fd_over_floor_max")]
        spread_ = [v[k] for v in per.values() for k in ("guided_trace_ratio_min", "guided_trace_ratio_max")]
        text += (f"; their guided samples score {value_range(guided, '.1f')} times the floor and keep "
                 f"{value_range(spread_)} of the spread, the narrowing guidance brings by design")
    return None, text
