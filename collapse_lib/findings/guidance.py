"""Fig. 4, the *guidance* family: selection under classifier-free guidance, judged seed by seed at the last
iteration; the quality gate reads the first models' plain conditional samples."""

from __future__ import annotations

from typing import TypedDict

from ..words import mark, number
from .claim import Evidence, Finding, Row, Verdict
from .common import arm, quality_gate, spread
from .rule import gate_all, gated, paired
from .wording import quality, test_short, test_words


class FigureFourResult(TypedDict):
    claim: str
    paper: str
    last_iteration: int
    within_class_nnd: dict  # greedy against vanilla, paired by seed
    fd: dict  # the same for the Fréchet distance
    kid: dict
    train_within_class_nnd: dict  # {selector: spread at the last iteration}
    entropy_by_iteration: list
    real_within_class_nnd: float | None
    quality_gate: dict
    claims: dict  # {"diversity", "fid": state}
    state: str


class FigureFour(Finding[FigureFourResult]):
    """Fig. 4: with classifier-free guidance, greedy selection keeps the within-class diversity of the samples (mean
    within-class NND) above vanilla's, and lowers their FD; each a paired difference per seed at the last iteration,
    judged by the rule. First models that fail the quality gate (read on their unguided samples) make both not
    testable."""

    reads = ("cfg",)

    def compute(self, evidence: Evidence) -> FigureFourResult:
        table = evidence.table("cfg")
        gate, last = quality_gate(table), int(table["iteration"].max())
        test = lambda m, better: paired(arm(table, m, selector="greedy"), arm(table, m, selector="random"),  # noqa: E731
                                        better=better)
        diversity, fd, kid = gate_all([test("within_class_nnd", "higher"), test("fd", "lower"), test("kid", "lower")],
                                      gate["holds"])
        real = table["real_within_class_nnd"].dropna()
        train = {s: spread(arm(table, "train_within_class_nnd", selector=s)) for s in sorted(table["selector"].unique())}
        entropy = table.groupby(["selector", "iteration"])["entropy"].agg(["mean", "min", "max"]).reset_index()
        claims = {"diversity": gated(diversity["state"], gate["holds"]), "fid": gated(fd["state"], gate["holds"])}
        return FigureFourResult(
            claim="greedy selection preserves within-class diversity under classifier-free guidance",
            paper="Fig. 4: vanilla CFG samples in a class become near-identical by iteration 8; selection keeps them "
                  "varied and its FID lower",
            last_iteration=last, within_class_nnd=diversity, fd=fd, kid=kid, train_within_class_nnd=train,
            entropy_by_iteration=entropy.to_dict("records"),
            real_within_class_nnd=float(real.iloc[0]) if len(real) else None, quality_gate=gate, claims=claims,
            state=claims["diversity"])

    def verdicts(self, r: FigureFourResult) -> list[Verdict]:
        last, claims, d, fd = r["last_iteration"], r["claims"], r["within_class_nnd"], r["fd"]
        return [quality(r["quality_gate"]),
                (claims["diversity"], f"greedy keeps a higher within-class NND of the samples than vanilla at iteration "
                 f"{last}: {number(d['mean_a'])} against {number(d['mean_b'])}, {test_words(d, '.3f', 'difference')} "
                 f"(real digits: {number(r['real_within_class_nnd'])}; the paper: vanilla's samples in a class become "
                 "nearly identical)"),
                (claims["fid"], f"greedy lowers the Fréchet distance of the guided samples: {number(fd['mean_a'], '.1f')} "
                 f"against {number(fd['mean_b'], '.1f')}, {test_words(fd, '.1f', 'difference')}; KID "
                 f"{mark(r['kid']['state'])} {r['kid']['state']}")]

    def rows(self, r: FigureFourResult) -> list[Row]:
        d, fd = r["within_class_nnd"], r["fd"]
        return [Row("Fig. 4: selection keeps within-class diversity under CFG", "vanilla's classes become near-identical",
                    f"within-class NND vanilla {number(d['mean_b'])} → greedy {number(d['mean_a'])}",
                    r["claims"]["diversity"], test=test_short(d, ".3f")),
                Row("Fig. 4: selection lowers the FID under CFG", "FID lower with selection",
                    f"FD vanilla {number(fd['mean_b'], '.1f')} → greedy {number(fd['mean_a'], '.1f')}",
                    r["claims"]["fid"], test=test_short(fd, ".1f"))]
