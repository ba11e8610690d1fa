"""App. G, the *ablations* family: training on all 2N against selecting N of 2N (Fig. 13), and the threshold
filter's decay rate (Fig. 14), seed pair by seed pair at the last iteration."""

from __future__ import annotations

from typing import TypedDict

from .. import selection
from ..words import number
from .claim import Evidence, Finding, Row, Verdict, judged, status
from .common import last_iteration, quality_gate, seed_pairs
from .selection import spread
from .wording import quality


class AppendixGResult(TypedDict):
    claim: str
    paper: str
    last_iteration: int
    replace: dict  # {selector: spread of entropy, GS, FD}
    fd_order: dict  # {"greedy_below_all", "all_below_vanilla": seed pairs}
    threshold_by_alpha: dict  # {alpha: seed pairs against vanilla}
    accumulate_vanilla: dict
    quality_gate: dict
    claims: dict  # {"fig_13", "fig_14": status}
    holds: bool
    status: str


class AppendixG(Finding[AppendixGResult]):
    """App. G at the last iteration, every seed: Fig. 13 (replace: FD of greedy < all 2N < vanilla) and Fig. 14
    (accumulate-subsample: the threshold filter beats vanilla's FD at every decay rate)."""

    reads = ("ablation",)

    def compute(self, evidence: Evidence) -> AppendixGResult:
        table = evidence.table("ablation")
        last, gate = last_iteration(table), quality_gate(table)
        rep, acc = last[last.paradigm == "replace"], last[last.paradigm == "accumulate-subsample"]
        fd = lambda part, sel: part.loc[part.selector == sel, "fd"]  # noqa: E731
        order = {"greedy_below_all": seed_pairs(fd(rep, "greedy"), fd(rep, "all"), higher=False),
                 "all_below_vanilla": seed_pairs(fd(rep, "all"), fd(rep, "random"), higher=False)}
        thr = acc[acc.selector == "threshold"]
        decay = {float(a): seed_pairs(g["fd"], fd(acc, "random"), higher=False) for a, g in thr.groupby("alpha")}
        claims = {"fig_13": status(all(v["all"] for v in order.values()), gate["holds"]),
                  "fig_14": status(bool(decay) and all(v["all"] for v in decay.values()), gate["holds"])}
        return AppendixGResult(
            claim="all-2N sits between vanilla and selection; the threshold filter is robust to its decay rate",
            paper="Fig. 13 (FD: greedy < all 2N < vanilla), Fig. 14 (every decay rate beats vanilla)",
            last_iteration=int(last["iteration"].max()), replace=spread(rep), fd_order=order,
            threshold_by_alpha=decay, accumulate_vanilla=spread(acc).get("random", {}), quality_gate=gate,
            claims=claims, holds=all(v == "holds" for v in claims.values()), status=claims["fig_13"])

    def verdicts(self, r: AppendixGResult) -> list[Verdict]:
        rep, order = r["replace"], r["fd_order"]
        fds = ", ".join(f"{selection.get(k).short} {v['fd']['mean']:.1f} ({v['fd']['min']:.1f}..{v['fd']['max']:.1f})"
                        for k, v in rep.items())
        dec = ", ".join(f"α = {a}: {v['mean_a']:.1f} ({v['wins']} of {v['pairs']} pairs)"
                        for a, v in r["threshold_by_alpha"].items())
        vanilla = r["accumulate_vanilla"].get("fd", {}).get("mean")
        return [quality(r["quality_gate"]),
                (judged(r["claims"]["fig_13"]), f"replace, Fréchet distance at iteration {r['last_iteration']}: {fds}; "
                 f"greedy below all 2N in {order['greedy_below_all']['wins']} of {order['greedy_below_all']['pairs']} seed "
                 f"pairs, all 2N below vanilla in {order['all_below_vanilla']['wins']} of "
                 f"{order['all_below_vanilla']['pairs']} (the paper, Fig. 13: greedy < all 2N < vanilla)"),
                (judged(r["claims"]["fig_14"]), f"accumulate-subsample, the threshold filter's Fréchet distance: {dec}, "
                 f"against vanilla's {number(vanilla, '.1f')} (the paper, Fig. 14: every decay rate beats vanilla)")]

    def rows(self, r: AppendixGResult) -> list[Row]:
        rep, order = r["replace"], r["fd_order"]
        fds = ", ".join(f"{selection.get(k).short} {v['fd']['mean']:.1f}" for k, v in rep.items())
        dec = ", ".join(f"α = {a}: {v['wins']}/{v['pairs']}" for a, v in r["threshold_by_alpha"].items())
        return [Row("App. G: all 2N sits between vanilla and greedy (Fig. 13)", "FID: greedy < all 2N < vanilla",
                    f"FD: {fds}; pairs greedy < all 2N {order['greedy_below_all']['wins']}/{order['greedy_below_all']['pairs']}, "
                    f"all 2N < vanilla {order['all_below_vanilla']['wins']}/{order['all_below_vanilla']['pairs']}",
                    r["claims"]["fig_13"]),
                Row("App. G: every decay rate beats vanilla (Fig. 14)", "threshold FID below vanilla at every α",
                    f"seed pairs with a lower FD than vanilla: {dec}", r["claims"]["fig_14"])]
