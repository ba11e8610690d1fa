"""The book's summary page: one row per claim of the paper (main text and appendix apart), each with the paper's
number, ours, the choices it holds under and its status; the first models' quality; every check's sentence.

Each judged chapter's ``rows(result)`` returns its claims as ``Row``s; ``render`` counts the headline from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import selection
from .findings import FAILS, HOLDS, MAX_FD_OVER_FLOOR, MIN_TRACE_RATIO, UNTESTABLE, learned_data
from .report import DATA_NAMES, FEATURE_NAMES, denoiser_words, mark, number, value_range

MARKS = {HOLDS: "✓", FAILS: "✗", UNTESTABLE: "not testable"}


@dataclass(frozen=True)
class Row:
    claim: str  # the paper's claim, with its figure
    paper: str  # the paper's number or statement
    ours: str  # our numbers under the primary choices
    status: str  # findings.HOLDS, FAILS or UNTESTABLE
    under: str = ""  # the choices it holds under


def _under(result: dict) -> str:
    return "; ".join(result.get("holds_under") or []) or "none"


def rows_1(r):
    runs = list(r["runs"][r["primary"]].values())
    sizes = sorted(runs[0]["per_size"], key=int)
    first = lambda n: value_range([run["per_size"][n]["copies"]["first"] for run in runs])  # noqa: E731
    last = lambda n: value_range([run["per_size"][n]["copies"]["last"] for run in runs])  # noqa: E731
    ours = "; ".join(f"N = {n}: near-copies {first(n)} → {last(n)}" for n in sizes)
    return [Row("Finding I: GS falls as models turn to copying (Fig. 1)",
                "GS falls near-exponentially; 1,024 images copied from iteration 1, larger sets later",
                f"by iteration {r['last_iteration']}, {len(runs)} seeds: {ours}", r["status"], _under(r))]


def rows_2(r):
    runs = list(r["runs"][r["primary"]].values())
    rho = [v["spearman"] for run in runs for v in run["per_size"].values()]
    return [Row("Finding II: the entropy of the training set falls (Fig. 2a)", "steady decline",
                f"rank correlation with the iteration {value_range(rho)} at every size and seed", r["status"], _under(r))]


def rows_3(r):
    v = r["per_storage"][r["primary"].split(",")[0]]
    e, fixed = v["pooled"]["stored set"], v["pooled"]["fixed subsample"]
    return [Row("Finding III: entropy predicts log GS (Fig. 2b)", "Pearson r = 0.91",
                f"pooled r = {number(e['r'])} ({number(e['ci_low'])}..{number(e['ci_high'])}); within one size "
                f"{value_range(list(v['per_size'].values()))}; at a fixed subsample size {number(fixed['r'])}",
                r["status"], _under(r))]


def rows_4(r):
    runs = list(r["runs"][r["primary"]].values())
    return [Row("App. E: MNND collapses, variance does not (Fig. 7)", "MNND falls ~exponentially; trace slightly",
                f"N = {r['n_train']}: MNND ×{value_range([x['mnnd_ratio'] for x in runs])}, trace "
                f"×{value_range([x['trace_ratio'] for x in runs])}", r["status"], _under(r))]


def _pairs(c, metric, spec):
    v = c["metrics"][metric]
    return f"{v['mean_b']:{spec}} → {v['mean_a']:{spec}} ({v['wins']}/{v['pairs']} pairs)"


def rows_5(r):
    acc, rep = r["per_paradigm"]["accumulate-subsample"], r["per_paradigm"]["replace"]
    order = r["app_f1"]["greedy_below_threshold"]

    def line(c):
        return f"vanilla → greedy: FD {_pairs(c, 'fd', '.1f')}, GS {_pairs(c, 'gs', '.2f')}, entropy {_pairs(c, 'entropy', '.1f')}"

    claims = r["claims"]
    return [Row("Sec. 5: greedy beats vanilla, accumulate-subsample (Fig. 3)", "FID 88.4 → 52.1 at iteration 8 (×0.59)",
                f"{line(acc['greedy'])}; FD ×{r['fd_ratio_accumulate']:.2f}", claims["accumulate"]),
            Row("App. F.1: greedy beats vanilla, replace (Figs. 8-10)", "entropy and GS higher, FID lower",
                line(rep["greedy"]), claims["replace"]),
            Row("App. F.1: greedy beats the threshold filter (accumulate-subsample)", "both lower the FID, greedy more (vanilla 75.7, greedy 44.7 at iteration 8; no FID given for the filter)",
                f"FD greedy {order['mean_a']:.1f}, threshold {order['mean_b']:.1f} ({order['wins']}/{order['pairs']} pairs)",
                claims["greedy_vs_threshold"])]


def rows_6(r):
    low = r["lowest_over_seeds"]
    ours = ", ".join(f"n = {n}: {float(v):.2f} vs {1 / int(n):.2f}" for n, v in sorted(low.items(), key=lambda kv: int(kv[0])))
    return [Row("App. F.2: selection keeps real images (Fig. 11)", "FFHQ greedy 65% real at iteration 8 (1/n: 12.5%)",
                f"greedy's real share, lowest seed: {ours}", r["status"])]


def rows_7(r):
    d, fd = r["within_class_nnd"]["metrics"]["within_class_nnd"], r["fd"]["metrics"]["fd"]
    return [Row("Fig. 4: selection keeps within-class diversity under CFG", "vanilla's classes become near-identical",
                f"within-class NND vanilla {d['mean_b']:.2f} → greedy {d['mean_a']:.2f} ({d['wins']}/{d['pairs']} pairs)",
                r["claims"]["diversity"]),
            Row("Fig. 4: selection lowers the FID under CFG", "FID lower with selection",
                f"FD vanilla {fd['mean_b']:.1f} → greedy {fd['mean_a']:.1f} ({fd['wins']}/{fd['pairs']} pairs)",
                r["claims"]["fid"])]


def rows_8(r):
    rep, order = r["replace"], r["fd_order"]
    fds = ", ".join(f"{selection.get(k).short} {v['fd']['mean']:.1f}" for k, v in rep.items())
    dec = ", ".join(f"α = {a}: {v['wins']}/{v['pairs']}" for a, v in r["threshold_by_alpha"].items())
    return [Row("App. G: all 2N sits between vanilla and greedy (Fig. 13)", "FID: greedy < all 2N < vanilla",
                f"FD: {fds}; pairs greedy < all 2N {order['greedy_below_all']['wins']}/{order['greedy_below_all']['pairs']}, "
                f"all 2N < vanilla {order['all_below_vanilla']['wins']}/{order['all_below_vanilla']['pairs']}",
                r["claims"]["fig_13"]),
            Row("App. G: every decay rate beats vanilla (Fig. 14)", "threshold FID below vanilla at every α",
                f"seed pairs with a lower FD than vanilla: {dec}", r["claims"]["fig_14"])]


def rows_9(r):
    auc = r["auc"]
    by_it = [v["mean"] for v in r["auc_by_iteration"].values() if v["mean"] is not None]
    s = r["correlations"].get("stable_rank_vs_memorized_share") or {}
    return [Row("Beyond the paper: memorization from the model alone (ch. 9)", "— (arXiv 2512.20963)",
                f"spikiness AUC pooled {number(auc['mean'])}, per iteration {value_range(by_it) if by_it else 'n/a'}; stable rank "
                f"r = {number(s.get('r'))} with the near-copy share", r["status"])]


def _quality_rows(results: dict, titles: dict) -> list[str]:
    """One row per chapter that trains models and size: did its first models learn the data?"""
    lines = ["| chapter | N | trace ratio | FD / real floor | near-copies | learned |", "|---|---|---|---|---|---|"]
    for name, r in results.items():
        gate = r.get("quality_gate")
        if not gate or name not in titles:
            continue
        for n, v in sorted(gate["per_size"].items(), key=lambda kv: int(kv[0])):
            lines.append(f"| [{titles[name]}]({name}) | {n} | {number(v['trace_ratio_min'])}-{number(v['trace_ratio_max'])} | "
                         f"{number(v['fd_over_floor_min'], '.1f')}-{number(v['fd_over_floor_max'], '.1f')} | "
                         f"{number(v['memorized_share'])} | {mark(learned_data(v))} |")
    return lines


def claim_rows(results: dict, chapters) -> list[tuple[object, Row]]:
    """(chapter, row) for every claim of every judged chapter that has results."""
    return [(c, row) for c in chapters if c.name in results for row in c.rows(results[c.name])]


def unreadable(results: dict, chapters) -> list[str]:
    """The chapters whose results file lacks what its verdicts or summary rows read (a file an earlier version of
    the book wrote)."""
    bad = []
    for c in chapters:
        if c.name in results:
            try:
                c.verdicts(results[c.name]), c.rows(results[c.name])
            except (KeyError, TypeError, IndexError):
                bad.append(c.name)
    return bad


def headline(results: dict, chapters) -> dict:
    """How many of the paper's claims hold, fail and cannot be judged at this scale, and which fail."""
    rows = [(c, row) for c, row in claim_rows(results, chapters) if not c.beyond_paper]
    count = {s: [row for _, row in rows if row.status == s] for s in (HOLDS, FAILS, UNTESTABLE)}
    return {"total": len(rows), **{s: len(v) for s, v in count.items()},
            "failing": [(c.name, row.claim) for c, row in rows if row.status == FAILS],
            "untestable": [(c.name, row.claim) for c, row in rows if row.status == UNTESTABLE]}


def render(profile: str, results: dict, chapters) -> str:
    """The summary page: a row per claim of ``chapters`` (``chapters.judged()``), the first models' quality, then
    every check's sentence."""
    head = headline(results, chapters)
    gate = (f"{MIN_TRACE_RATIO:g} of the real subset's covariance trace and their Fréchet distance is at most "
            f"{MAX_FD_OVER_FLOOR:g} times the real floor")
    lines = [
        "# Summary: which of the paper's claims hold at this scale", "",
        f"**{head[HOLDS]} of the paper's {head['total']} claims hold** at the **{profile}** profile, {head[FAILS]} do not, "
        f"and {head[UNTESTABLE]} cannot be judged at this scale (their first models fail the quality check). Each row",
        "gives the paper's number beside ours under the primary choices (samples on the data's grey levels, the copy",
        "test that merges near-duplicates, the stored set's entropy) and the choices it holds under. A claim holds",
        "only when it holds for every seed; a result on the mean alone is a ✗.", "",
        "| claim | paper | ours | holds | holds under |", "|---|---|---|---|---|"]
    for c, row in claim_rows(results, chapters):
        lines.append(f"| [{row.claim}]({c.name}) | {row.paper} | {row.ours} | {MARKS[row.status]} | {row.under or '—'} |")
    missing = [c for c in chapters if c.name not in results]
    lines += [f"| {c.title} | | not run | | |" for c in missing]
    titles = {c.name: c.title for c in chapters}
    lines += ["", "## Did the models learn the data?", "",
              "At iteration 1 every model is trained on real images. It has learned them when its samples keep at least",
              f"{gate} (the distance of the real subset itself, against real images outside it), for every seed.", "",
              *_quality_rows(results, titles), "", "## Every check", ""]
    for c in chapters:
        if c.name in results:
            lines += [f"**[{c.title}]({c.name})**", ""]
            lines += [f"- {mark(ok)} {text}" for ok, text in c.verdicts(results[c.name])]
            lines.append("")
    return "\n".join(lines) + "\n"


def _scale(profile: str) -> dict:
    """What the shown profile runs, from its parameter files: data, denoiser, the Findings I-III sizes, float32
    sizes, iterations and seeds, and the feature space of the distances."""
    from .profiles import profile_parameters

    p = profile_parameters(profile, "01_generalization_to_memorization")
    return {"base": p.get("base", {}), "sizes": p.get("sizes", []), "float_sizes": p.get("float_sizes", []),
            "iterations": p.get("iterations"), "seeds": p.get("seeds", [])}


def glance(profile: str, results: dict, chapters, paper_results: bool = False, gpu_measured: bool = False) -> str:
    """The landing page's first screen: the scale of the shown profile, how many of the paper's claims hold, the
    ones that do not (linked), and whether the paper profile has been executed."""
    head, sc = headline(results, chapters), _scale(profile)
    base = sc["base"]
    sizes = ", ".join(f"{n:,}" for n in sc["sizes"])
    floats = " and ".join(f"{n:,}" for n in sc["float_sizes"])
    storage = "samples stored on the data's grey levels" if base.get("quantize_samples") else "samples stored as float32"
    if floats and base.get("quantize_samples"):
        storage += f", and as float32 for N = {floats}"
    feature = str(base.get("metric_feature", "pixel"))
    space = FEATURE_NAMES.get(feature, feature)
    link = lambda name, claim: f"[{claim}]({name})"  # noqa: E731
    failing = "; ".join(link(n, c) for n, c in head["failing"]) or "none"
    untestable = "; ".join(link(n, c) for n, c in head["untestable"]) or "none"
    paper = ("The **paper profile** (CIFAR-10, the Appendix D UNets, DINOv2 features, FID) has results under "
             "`results/paper/`." if paper_results else
             "The **paper profile** (CIFAR-10 subsets of 1,024-32,768 images, the Appendix D UNets, DINOv2 features, "
             "FID) **has not been executed**: no GPU was available to this project. No CIFAR-10 number in this book is "
             "ours; its code path is rehearsed end to end on CPU stand-ins in the tests.")
    gpu = " A GPU check has been measured (`results/gpu/`)." if gpu_measured else ""
    return "\n".join([
        "```{admonition} At a glance",
        ":class: tip",
        f"**{head[HOLDS]} of the paper's {head['total']} claims hold at this scale**, {head[FAILS]} do not and "
        f"{head[UNTESTABLE]} cannot be judged here ([summary](summary)).",
        "",
        f"- **Scale shown** (the `{profile}` profile): {DATA_NAMES.get(base.get('dataset'), base.get('dataset'))}; "
        f"N = {sizes} training images for Findings I-III, {sc['iterations']} iterations, {len(sc['seeds'])} seed{'s' if len(sc['seeds']) != 1 else ''}; "
        f"{storage}; the denoiser: {denoiser_words(base)}; GS, entropy and near-copies measured on {space}.",
        f"- **Do not hold:** {failing}.",
        f"- **Not testable at this scale:** {untestable}.",
        f"- {paper}{gpu}",
        "```", ""])


#: how a chapter's first screen names each status
STATUS_WORDS = {HOLDS: "✓ holds", FAILS: "✗ does not hold", UNTESTABLE: "not testable at this scale"}


def chapter_glance(profile: str, rows: list[Row], beyond_paper: bool = False) -> str:
    """A chapter's first screen: each claim of the paper it judges, whether it holds at this profile's scale, our
    numbers beside the paper's, and the choices it holds under (MyST markdown, an admonition)."""
    lines = ["```{admonition} At this scale", ":class: tip",
             f"At the `{profile}` profile's scale (its settings are in the table below); each check, with its "
             "threshold, is in the verdict at the end of the page.", ""]
    for row in rows:
        under = f" Holds under: {row.under}." if row.under and row.under != "none" else ""
        source = row.paper.lstrip("— ").strip("()")
        paper = f"Not a claim of the paper; the idea is from {source}" if beyond_paper else f"The paper: {row.paper}"
        lines.append(f"- **{row.claim}: {STATUS_WORDS[row.status]}.** {paper}. Ours: {row.ours}.{under}")
    return "\n".join([*lines, "```", ""])
