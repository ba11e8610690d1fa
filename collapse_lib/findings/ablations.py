"""App. G, the *ablations* family: training on all 2N against selecting N of 2N (Fig. 13), and the threshold
filter's decay rate (Fig. 14), seed by seed at the last iteration."""

from __future__ import annotations

from typing import TypedDict

from .. import selection
from ..words import mark, number, value_range
from .claim import Evidence, Finding, Row, Verdict
from .common import arm, quality_gate, spread
from .rule import composite, gate_all, gated, paired
from .wording import deciding, quality, test_short, test_words


class AppendixGResult(TypedDict):
    claim: str
    paper: str
    last_iteration: int
    replace: dict  # {selector: spread of the FD}
    fig_13: dict  # {"parts": {"greedy_below_all", "all_below_vanilla": paired tests}, "state"}
    fig_14: dict  # {"parts": {alpha: paired test against vanilla}, "state"}
    threshold_real_share: dict  # {alpha: spread of the real share at the last iteration}
    quality_gate: dict
    state: str


class AppendixG(Finding[AppendixGResult]):
    """App. G at the last iteration, paired by seed: Fig. 13 (replace: FD of greedy < all 2N < vanilla, two parts)
    and Fig. 14 (accumulate-subsample: the threshold filter's FD below vanilla's at every decay rate, a part per
    rate), each judged by the rule."""

    reads = ("ablation",)

    def compute(self, evidence: Evidence) -> AppendixGResult:
        table = evidence.table("ablation")
        gate, last = quality_gate(table), int(table["iteration"].max())
        rep, acc = table[table.paradigm == "replace"], table[table.paradigm == "accumulate-subsample"]
        fd = lambda part, **match: arm(part, "fd", **match)  # noqa: E731
        kid = lambda part, **match: arm(part, "kid", **match)  # noqa: E731
        order = {"greedy_below_all": paired(fd(rep, selector="greedy"), fd(rep, selector="all"), better="lower"),
                 "all_below_vanilla": paired(fd(rep, selector="all"), fd(rep, selector="random"), better="lower")}
        kid_order = {"greedy_below_all": paired(kid(rep, selector="greedy"), kid(rep, selector="all"), better="lower"),
                     "all_below_vanilla": paired(kid(rep, selector="all"), kid(rep, selector="random"), better="lower")}
        alphas = sorted(float(a) for a in acc.loc[acc.selector == "threshold", "alpha"].unique())
        decay = {a: paired(fd(acc, selector="threshold", alpha=a), fd(acc, selector="random"), better="lower")
                 for a in alphas}
        kid_decay = {a: paired(kid(acc, selector="threshold", alpha=a), kid(acc, selector="random"), better="lower")
                     for a in alphas}
        shares = {a: spread(arm(acc, "real_share", selector="threshold", alpha=a)) for a in alphas}
        gate_all((order, decay, kid_order, kid_decay), gate["holds"])
        fig_13 = {"parts": order, "kid": kid_order,
                  "state": gated(composite(t["state"] for t in order.values()), gate["holds"])}
        fig_14 = {"parts": decay, "kid": kid_decay,
                  "state": gated(composite(t["state"] for t in decay.values()), gate["holds"])}
        return AppendixGResult(
            claim="all-2N sits between vanilla and selection; the threshold filter is robust to its decay rate",
            paper="Fig. 13 (FD: greedy < all 2N < vanilla), Fig. 14 (every decay rate beats vanilla)", last_iteration=last,
            replace={s: spread(fd(rep, selector=s)) for s in ("random", "all", "greedy")}, fig_13=fig_13, fig_14=fig_14,
            threshold_real_share=shares, quality_gate=gate, state=fig_13["state"])

    def verdicts(self, r: AppendixGResult) -> list[Verdict]:
        o, last, k13, k14 = r["fig_13"]["parts"], r["last_iteration"], r["fig_13"]["kid"], r["fig_14"]["kid"]
        fds = ", ".join(f"{selection.get(k).short} {number(v['mean'], '.1f')} ({number(v['min'], '.1f')}.."
                        f"{number(v['max'], '.1f')})"
                        for k, v in r["replace"].items())
        decay = "; ".join(f"α = {a}: {mark(t['state'])} {test_words(t, '.1f', 'difference')} (KID {k14[a]['state']}), its "
                          f"D_{last} {value_range([r['threshold_real_share'][a]['min'], r['threshold_real_share'][a]['max']])} "
                          "real" for a, t in r["fig_14"]["parts"].items())
        return [quality(r["quality_gate"]),
                (r["fig_13"]["state"], f"replace, Fréchet distance at iteration {last}: {fds}; greedy "
                 f"below all 2N {mark(o['greedy_below_all']['state'])} {test_words(o['greedy_below_all'], '.1f', 'difference')} "
                 f"(KID {k13['greedy_below_all']['state']}); all 2N below vanilla {mark(o['all_below_vanilla']['state'])} "
                 f"{test_words(o['all_below_vanilla'], '.1f', 'difference')} (KID {k13['all_below_vanilla']['state']}) (the "
                 "paper, Fig. 13: greedy < all 2N < vanilla)"),
                (r["fig_14"]["state"], "accumulate-subsample, the threshold filter's Fréchet distance against vanilla's, "
                 f"seed by seed: {decay} (the paper, Fig. 14: every decay rate beats vanilla)")]

    def rows(self, r: AppendixGResult) -> list[Row]:
        o = r["fig_13"]["parts"]
        fds = ", ".join(f"{selection.get(k).short} {number(v['mean'], '.1f')}" for k, v in r["replace"].items())
        decay = ", ".join(f"α = {a}: {mark(t['state'])}" for a, t in r["fig_14"]["parts"].items())
        alpha, decides = deciding(r["fig_14"]["parts"])
        return [Row("App. G: all 2N sits between vanilla and greedy (Fig. 13)", "FID: greedy < all 2N < vanilla",
                    f"FD: {fds}; greedy < all 2N {mark(o['greedy_below_all']['state'])}, all 2N < vanilla "
                    f"{mark(o['all_below_vanilla']['state'])}", r["fig_13"]["state"],
                    test=test_short(o["greedy_below_all"], ".1f")),
                Row("App. G: every decay rate beats vanilla (Fig. 14)", "threshold FID below vanilla at every α",
                    f"FD below vanilla's: {decay}", r["fig_14"]["state"],
                    test=f"deciding rate (largest p), α = {alpha}: {test_short(decides, '.1f')}")]
