"""Where the project's folders are, wherever a notebook or script runs from."""

from __future__ import annotations

import os
from pathlib import Path


def project_root(start: str | Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the working directory) that holds ``_toc.yml``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file():
            return folder
    return here


def results_dir(profile: str) -> Path:
    """results/<profile>/ under the project root, or under $COLLAPSE_RESULTS when set (tests); created."""
    path = Path(os.environ.get("COLLAPSE_RESULTS") or project_root() / "results") / profile
    path.mkdir(parents=True, exist_ok=True)
    return path


def runs_root() -> Path:
    """Where run folders live unless a caller says: $COLLAPSE_RUNS if set, else runs/ under the project root (the
    working directory outside a checkout)."""
    return Path(os.environ.get("COLLAPSE_RUNS") or project_root() / "runs")
