"""Sentence pieces every finding's verdicts share: the choices a check holds under, the first models' quality, a
value per training-set size."""

from __future__ import annotations

from ..words import value_range


def per_size(per_size: dict, fmt) -> str:
    """'N = 64: ..., N = 256: ...' with ``fmt(n)`` for each size, in increasing N."""
    return ", ".join(f"N = {n}: {fmt(n)}" for n in sorted(per_size, key=int))


def seed_results(runs: dict) -> list[dict]:
    """The per-seed results of one choice, in seed order (``{seed: result}``, seeds as JSON keys)."""
    return list(runs.values())


def under_choices(verdicts: dict[str, bool]) -> str:
    """Which choices a check holds under, in words: 'under every choice', or 'under X; not under Y'."""
    yes = [k for k, ok in verdicts.items() if ok]
    no = [k for k, ok in verdicts.items() if not ok]
    if not no:
        return f"holds under every choice ({'; '.join(yes)})"
    if not yes:
        return f"holds under no choice ({'; '.join(no)})"
    return f"holds under {'; '.join(yes)}; not under {'; '.join(no)}"


def under_list(result: dict) -> str:
    """The choices a claim holds under, for its summary row ("none" when it holds under none)."""
    return "; ".join(result.get("holds_under") or []) or "none"


def quality(gate: dict) -> tuple[bool, str]:
    """The first model learned the data (trace ratio and FD against the real floor at iteration 1)."""
    per, th = gate["per_size"], gate["thresholds"]
    if not per:
        return False, "the first models' quality could not be judged: the table holds no iteration 1"
    traces = [v["trace_ratio_min"] for v in per.values()] + [v["trace_ratio_max"] for v in per.values()]
    fds = [v["fd_over_floor_min"] for v in per.values()] + [v["fd_over_floor_max"] for v in per.values()]
    return gate["holds"], (
        "the first models (trained on real images) learned the data: at iteration 1 their samples keep "
        f"{value_range(traces)} of the real subset's covariance trace (needed: at least {th['min_trace_ratio']:g}) and "
        f"their Fréchet distance is {value_range(fds, '.1f')} times the real subset's own (needed: at most "
        f"{th['max_fd_over_floor']:g}; per-pixel noise scores {value_range([v['fd_noise'] for v in per.values()], '.0f')})")
