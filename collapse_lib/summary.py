"""The book's summary page: one row per claim of the paper (main text and appendix apart), each with the paper's
number, ours, the choices it holds under and its status; the first models' quality; every check's sentence. Also the
landing page's "at a glance" box and each chapter's "at this scale" box.

A judged chapter's finding gives its claims as ``Row``s (``Finding.rows``); ``render`` counts the headline from them.
"""

from __future__ import annotations

from .findings import FAILS, HOLDS, MAX_FD_OVER_FLOOR, MIN_TRACE_RATIO, UNTESTABLE, Row, learned_data
from .words import DATA_NAMES, FEATURE_NAMES, denoiser_words, mark, number

MARKS = {HOLDS: "✓", FAILS: "✗", UNTESTABLE: "not testable"}


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
    return [(c, row) for c in chapters if c.name in results for row in c.finding.rows(results[c.name])]


def unreadable(results: dict, chapters) -> list[str]:
    """The chapters whose results file lacks what its verdicts or summary rows read (a file an earlier version of
    the book wrote)."""
    bad = []
    for c in chapters:
        if c.name in results:
            try:
                c.finding.verdicts(results[c.name]), c.finding.rows(results[c.name])
            except (KeyError, TypeError, IndexError):
                bad.append(c.name)
    return bad


def headline(results: dict, chapters) -> dict:
    """How many of the paper's claims hold, fail and cannot be judged at this scale, and which fail."""
    rows = [(c, row) for c, row in claim_rows(results, chapters) if not c.finding.beyond_paper]
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
            lines += [f"- {mark(ok)} {text}" for ok, text in c.finding.verdicts(results[c.name])]
            lines.append("")
    return "\n".join(lines) + "\n"


def _scale(profile: str) -> dict:
    """What the shown profile runs, from its parameter files: data, denoiser, the Findings I-III sizes, float32
    sizes, iterations and seeds, and the feature space of the distances (``base``: the resolved run config)."""
    from .profiles import notebook_parameters, resolved_base

    p = notebook_parameters(profile, "01_generalization_to_memorization")
    return {"base": resolved_base(p.get("base")), "sizes": p.get("sizes", []), "float_sizes": p.get("float_sizes", []),
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
