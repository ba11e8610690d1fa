"""Write the book's generated parts: the summary chapter from results/<profile>/*.json, the landing page's figure
and the method page's loop schematic.

    python scripts/summary.py --profile cpu --out book/summary.md
"""

from __future__ import annotations

import argparse
from pathlib import Path

from collapse_lib import chapters, summary
from collapse_lib.files import DamagedFile
from collapse_lib.report import read_results

ROOT = Path(__file__).resolve().parents[1]


def story_figure(profile: str, out: Path) -> bool:
    """The landing page's figure from results/<profile>/metrics.csv (Finding I's runs) and the run cache."""
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from collapse_lib import experiments, plots
    from collapse_lib.paths import results_dir

    path = results_dir(profile) / "metrics.csv"
    if not path.is_file():
        return False
    table = pd.read_csv(path)
    sizes = table[table.experiment == "sizes"]
    if "quantize_samples" in sizes:
        sizes = sizes[sizes.quantize_samples.fillna(True).astype(bool)]  # the primary storage, every seed
    if sizes.empty:
        return False
    largest = sizes[(sizes.n_train == sizes.n_train.max()) & (sizes.seed == sizes.seed.min())]
    last = int(largest.iteration.max())
    run = experiments.default_runs_root() / largest.run.iloc[0]
    samples = None
    if run.is_dir():
        by_it = experiments.samples_by_iteration(run, [1, last], k=24)
        samples = {f"N = {int(largest.n_train.iloc[0])}, iteration {n}": imgs for n, imgs in by_it.items()}
    fig = plots.story(sizes, samples)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=200, bbox_inches="tight")
    return True


def loop_figure(out: Path) -> None:
    """The method page's schematic of the three paradigms (the paper's Fig. 5)."""
    import matplotlib

    matplotlib.use("Agg")
    from collapse_lib import plots

    out.parent.mkdir(parents=True, exist_ok=True)
    plots.loop_schematic().savefig(out, dpi=200, bbox_inches="tight")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--profile", default="cpu")
    ap.add_argument("--out", default=str(ROOT / "book" / "summary.md"))
    args = ap.parse_args()
    try:
        results = read_results(args.profile)
    except DamagedFile as err:
        raise SystemExit(f"{err}; rebuild that page with scripts/build_book.py --only") from None
    stale = summary.unreadable(results, chapters.judged())
    if stale:
        raise SystemExit(f"results/{args.profile}/{stale[0]}.json was written by an earlier version of the book and "
                         f"cannot be summarized; rebuild those pages: scripts/build_book.py --profile {args.profile} "
                         f"--only {' '.join(stale)}")
    Path(args.out).write_text(summary.render(args.profile, results, chapters.judged()))
    paper_done = bool(list((ROOT / "results" / "paper").glob("*.json")))
    gpu_done = (ROOT / "results" / "gpu" / "gpu_check.json").is_file()
    (Path(args.out).parent / "glance.md").write_text(summary.glance(args.profile, results, chapters.judged(),
                                                                    paper_done, gpu_done))
    if args.profile == "cpu" and Path(args.out).resolve() == (ROOT / "book" / "summary.md").resolve():
        readme = ROOT / "README.md"
        readme.write_text(summary.with_readme_block(readme.read_text(),
                                                    summary.readme_block(args.profile, results, chapters.judged())))
    story_figure(args.profile, Path(args.out).parent / "figures" / "story.png")
    loop_figure(Path(args.out).parent / "figures" / "loop.png")


if __name__ == "__main__":
    main()
