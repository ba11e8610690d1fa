"""The book's summary page: one row per claim of the paper (main text and appendix apart), each with the paper's
number, ours, the choices it holds under and its status; the first models' quality; every check's sentence. Also the
landing page's "at a glance" box and each chapter's "at this scale" box.

A judged chapter's finding gives its claims as ``Row``s (``Finding.rows``); ``render`` counts the headline from them.
"""

from __future__ import annotations

from .findings import CONTRADICTED, HOLDS, INCONCLUSIVE, MAX_FD_OVER_FLOOR, MIN_TRACE_RATIO, UNTESTABLE, Row, learned_data
from .findings.rule import ALPHA, INTERVAL, PERMUTATION_FROM
from .words import DATA_NAMES, FEATURE_NAMES, denoiser_words, mark, number

#: how a table, a glance box and a sentence name each state
STATE_WORDS = {HOLDS: "✓ holds", INCONCLUSIVE: "? inconclusive", CONTRADICTED: "✗ contradicted",
               UNTESTABLE: "• not testable at this scale"}
ORDER = (HOLDS, INCONCLUSIVE, CONTRADICTED, UNTESTABLE)


def _quality_rows(results: dict, titles: dict) -> list[str]:
    """One row per chapter that trains models and size: did its first models learn the data?"""
    lines = ["| chapter | N | storage | trace ratio | FD / real floor | near-copies | learned |",
             "|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        gate = r.get("quality_gate")
        if not gate or name not in titles:
            continue
        for n, v in sorted(gate["per_size"].items(), key=lambda kv: int(kv[0])):
            storages = ", ".join(v.get("storages", []))
            lines.append(f"| [{titles[name]}]({name}) | {n} | {storages} | {number(v['trace_ratio_min'])}-{number(v['trace_ratio_max'])} | "
                         f"{number(v['fd_over_floor_min'], '.1f')}-{number(v['fd_over_floor_max'], '.1f')} | "
                         f"{number(v['memorized_share'])} | {'✓' if learned_data(v) else '✗'} |")
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
            except (KeyError, TypeError, IndexError, AttributeError, ValueError):
                bad.append(c.name)
    return bad


def headline(results: dict, chapters) -> dict:
    """How many of the paper's claims hold, are inconclusive, are contradicted and cannot be judged at this scale,
    and which (chapter, claim) are in each state."""
    rows = [(c, row) for c, row in claim_rows(results, chapters) if not c.finding.beyond_paper]
    return {"total": len(rows), **{s: sum(row.status == s for _, row in rows) for s in ORDER},
            "claims": {s: [(c.name, row.claim) for c, row in rows if row.status == s] for s in ORDER}}


def _counts(head: dict) -> str:
    """'6 of the paper's 12 claims hold, 3 are inconclusive, 2 are contradicted and 1 cannot be judged at this
    scale' (a state no claim is in is left out)."""
    def are(n: int) -> str:
        return "is" if n == 1 else "are"

    rest = [f"{n} {are(n)} {word}" for n, word in ((head[INCONCLUSIVE], "inconclusive"),
                                                   (head[CONTRADICTED], "contradicted")) if n]
    if head[UNTESTABLE]:
        rest.append(f"{head[UNTESTABLE]} cannot be judged at this scale")
    verb = "holds" if head[HOLDS] == 1 else "hold"
    first = f"{head[HOLDS]} of the paper's {head['total']} claims {verb}"
    if not rest:
        return first
    return f"{', '.join([first, *rest[:-1]])} and {rest[-1]}"


def render(profile: str, results: dict, chapters) -> str:
    """The summary page: a row per claim of ``chapters`` (``chapters.judged()``), the first models' quality, then
    every check's sentence."""
    head = headline(results, chapters)
    gate = (f"{MIN_TRACE_RATIO:g} of the real subset's covariance trace and their Fréchet distance is at most "
            f"{MAX_FD_OVER_FLOOR:g} times the real floor")
    lines = [
        "# Summary: which of the paper's claims hold at this scale", "",
        f"**{_counts(head)}** at the **{profile}** profile. Each row gives the paper's number beside ours under the",
        "primary choices (samples on the data's grey levels, the copy test that merges near-duplicates, the stored",
        "set's entropy), each part's state, the deciding test and the choices the claim holds under. Seeds are",
        "matched: every arm of a seed shares its real subset and first model, and a claim is judged on one effect per",
        f"seed by a one-sided test in the paper's direction (a paired t-test below {PERMUTATION_FROM} seeds, the exact",
        f"sign-flip permutation test from {PERMUTATION_FROM} on): it **holds** when p < {ALPHA:g}, is **contradicted**",
        f"when p < {ALPHA:g} the other way, and is **inconclusive** otherwise (the [method](method) page states the rule).",
        "The claims are not corrected for their number.", "",
        "| claim | paper | ours | state | test | holds under |", "|---|---|---|---|---|---|"]
    for c, row in claim_rows(results, chapters):
        lines.append(f"| [{row.claim}]({c.name}) | {row.paper} | {row.ours} | {STATE_WORDS[row.status]} | "
                     f"{row.test or '—'} | {row.under if row.under and row.under != 'none' else '—'} |")
    missing = [c for c in chapters if c.name not in results]
    lines += [f"| {c.title} | | not run | | | |" for c in missing]
    titles = {c.name: c.title for c in chapters}
    lines += ["", "## Did the models learn the data?", "",
              "At iteration 1 every model is trained on real images. It has learned them when its samples keep at least",
              f"{gate} (the distance of the real subset itself, against real images outside it, at the same sample",
              "count), for every seed. A guided model is judged on its plain conditional samples.", "",
              *_quality_rows(results, titles), "", "## Every check", ""]
    for c in chapters:
        if c.name in results:
            lines += [f"**[{c.title}]({c.name})**", ""]
            lines += [f"- {mark(state)} {text}" for state, text in c.finding.verdicts(results[c.name])]
            lines.append("")
    return "\n".join(lines) + "\n"


def _scale(profile: str) -> dict:
    """What the shown profile runs, from its parameter files: data, denoiser, the Findings I-III sizes, float32
    sizes, iterations and seeds, and the feature space of the distances (``base``: the resolved run config)."""
    from .profiles import notebook_parameters, resolved_base

    p = notebook_parameters(profile, "01_generalization_to_memorization")
    s = notebook_parameters(profile, "05_selection_mitigates_collapse")
    return {"base": resolved_base(p.get("base")), "sizes": p.get("sizes", []), "float_sizes": p.get("float_sizes", []),
            "iterations": p.get("iterations"), "seeds": p.get("seeds", []),
            "selection": {"n_train": s.get("n_train"), "iterations": s.get("iterations"), "seeds": s.get("seeds", [])}}


def _seeds(seeds: list) -> str:
    return f"{len(seeds)} seed{'s' if len(seeds) != 1 else ''} (each its own real subset)"


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
    link = lambda state: "; ".join(f"[{claim}]({name})" for name, claim in head["claims"][state]) or "none"  # noqa: E731
    paper = ("The **paper profile** (CIFAR-10, the Appendix D UNets, DINOv2 features, FID) has results under "
             "`results/paper/`." if paper_results else
             "The **paper profile** (CIFAR-10 subsets of 1,024-32,768 images, the Appendix D UNets, DINOv2 features, "
             "FID) **has not been executed**: no GPU was available to this project. No CIFAR-10 number in this book is "
             "ours; its code path is rehearsed end to end on CPU stand-ins in the tests.")
    gpu = " A GPU check has been measured (`results/gpu/`)." if gpu_measured else ""
    return "\n".join([
        "```{admonition} At a glance",
        ":class: tip",
        f"**{_counts(head)}** at this scale ([summary](summary)).",
        "",
        f"- **Scale shown** (the `{profile}` profile): {DATA_NAMES.get(base.get('dataset'), base.get('dataset'))}; "
        f"N = {sizes} training images for Findings I-III, {sc['iterations']} iterations, {_seeds(sc['seeds'])}; "
        f"N = {sc['selection']['n_train']:,} for the selection chapters, {sc['selection']['iterations']} iterations, "
        f"{_seeds(sc['selection']['seeds'])}; "
        f"{storage}; the denoiser: {denoiser_words(base)}; GS, entropy and near-copies measured on {space}.",
        f"- **Inconclusive:** {link(INCONCLUSIVE)}.",
        f"- **Contradicted:** {link(CONTRADICTED)}.",
        f"- **Not testable at this scale:** {link(UNTESTABLE)}.",
        f"- {paper}{gpu}",
        "```", ""])


def chapter_glance(profile: str, rows: list[Row], beyond_paper: bool = False) -> str:
    """A chapter's first screen: each claim of the paper it judges, its state at this profile's scale with the deciding
    test, our numbers beside the paper's, and the choices it holds under (MyST markdown, an admonition)."""
    lines = ["```{admonition} At this scale", ":class: tip",
             f"At the `{profile}` profile's scale (its settings are in the table below); each check, with its "
             "threshold, is in the verdict at the end of the page.", ""]
    for row in rows:
        under = f" Holds under: {row.under}." if row.under and row.under != "none" else ""
        source = row.paper.lstrip("— ").strip("()")
        paper = f"Not a claim of the paper; the idea is from {source}" if beyond_paper else f"The paper: {row.paper}"
        test = f" ({row.test})" if row.test else ""
        lines.append(f"- **{row.claim}: {STATE_WORDS[row.status]}{test}.** {paper}. Ours: {row.ours}.{under}")
    return "\n".join([*lines, "```", ""])


#: the README's generated block: scripts/summary.py writes the cpu profile's claims between these lines
README_START, README_END = "<!-- claims: written by scripts/summary.py from results/cpu/ -->", "<!-- end of claims -->"


def readme_block(profile: str, results: dict, chapters) -> str:
    """The README's account of what holds: the headline and a line per claim with its state and deciding test, from
    the results (no number typed by hand)."""
    head = headline(results, chapters)
    lines = [README_START, "", f"At this scale **{_counts(head)}** ([summary](book/summary.md)):", "",
             f"| claim | the paper | state | test (p; mean effect and its {INTERVAL}) |", "|---|---|---|---|"]
    for c, row in claim_rows(results, chapters):
        lines.append(f"| [{row.claim}](book/{c.name}.ipynb) | {row.paper} | {STATE_WORDS[row.status]} | "
                     f"{row.test or '—'} |")
    return "\n".join([*lines, "", README_END])


def with_readme_block(readme: str, block: str) -> str:
    """``readme`` with its generated block replaced by ``block`` (unchanged when it has no such block)."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < 0:
        return readme
    return readme[:start] + block + readme[end + len(README_END):]

