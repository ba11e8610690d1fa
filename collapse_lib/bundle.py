"""Result bundles: a profile computed once, carried to any checkout as one verified file.

``export_bundle`` packs ``results/<profile>/``, the profile's executed pages (``book/`` for cpu, the staged pages
``_build/stage-<profile>/book/`` for the others) and, with ``runs``, the light files of the run folders those
results name (configs, stats, tables, per-iteration metrics, manifests and sample sets; the models only with
``models``). A manifest (``MANIFEST.json``, the archive's first member) records the format, the project, the size
and sha256 of every member, and the commit and run-config hashes that made them.

``import_bundle`` verifies everything before it writes anything: the archive reads whole, the manifest is of this
format and project, every member is a plain file whose path stays inside its folder, every member is listed and
every listed member is there with its size and hash; then it refuses to overwrite a local file whose content
differs (unless ``force``), and places the files, each atomically. Run folders imported without their models carry
``MODELS_LEFT_OUT``: the book reads them as they are, and a step that needs a model trains it again
(``loop.iterations.restore_models``).
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .loop.store import MODELS_LEFT_OUT

FORMAT, FORMAT_VERSION, PROJECT = "collapse-bundle", 1, "collapse-lib"
MANIFEST = "MANIFEST.json"
#: the files of an iteration folder a bundle carries (models only when asked)
ITERATION_FILES = ("metrics.json", "manifest.json", "samples.npz", "train_set.npz", "measure.npz", "gate.npz")
RUN_FILES = ("config.json", "stats.jsonl", "metrics.csv")
#: the generated parts of the book a bundle carries besides the executed notebooks
PAGE_FILES = ("summary.md", "glance.md", "figures/story.png", "figures/loop.png")


class BundleError(Exception):
    """A bundle that cannot be exported or imported as asked; the message is one line and names the file."""


@dataclass(frozen=True)
class Places:
    """Where a profile's files live in a checkout."""

    results: Path  # results/<profile>/
    pages: Path  # the folder of its executed pages
    runs: Path  # the runs root


def places(profile: str, root: Path | None = None, runs_root: Path | None = None,
           results_root: Path | None = None) -> Places:
    """The folders of ``profile`` in the checkout at ``root`` (default: this one), creating none of them."""
    import os

    from .paths import project_root
    from .paths import runs_root as default_runs

    root = Path(root) if root is not None else project_root(Path(__file__).parent)
    results = Path(results_root or os.environ.get("COLLAPSE_RESULTS") or root / "results") / profile
    pages = root / "book" if profile == "cpu" else root / "_build" / f"stage-{profile}" / "book"
    return Places(results, pages, Path(runs_root) if runs_root is not None else default_runs())


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def _run_names(results: Path) -> list[str]:
    """The run folders the profile's tidy table names."""
    import pandas as pd

    table = results / "metrics.csv"
    if not table.is_file():
        return []
    return sorted(set(pd.read_csv(table, usecols=["run"])["run"].dropna()))


def _run_members(folder: Path, models: bool) -> list[Path]:
    files = [folder / f for f in RUN_FILES if (folder / f).is_file()]
    for it in sorted(folder.glob("iter_*")):
        files += [it / f for f in ITERATION_FILES if (it / f).is_file()]
        if models and (it / "model").is_dir():
            files += sorted(p for p in (it / "model").rglob("*") if p.is_file())
    return files


def members_of(profile: str, where: Places, runs: bool, models: bool) -> dict[str, Path]:
    """Archive path -> local file of everything a bundle of ``profile`` carries."""
    out = {f"results/{profile}/{p.name}": p for p in sorted(where.results.glob("*")) if p.is_file()}
    if not out:
        raise BundleError(f"{where.results}: no results of the {profile} profile to export (build it first)")
    pages = sorted(where.pages.glob("*.ipynb")) + [where.pages / f for f in PAGE_FILES if (where.pages / f).is_file()]
    out.update({f"pages/{p.relative_to(where.pages).as_posix()}": p for p in pages})
    if runs:
        for name in _run_names(where.results):
            folder = where.runs / name
            if not folder.is_dir():
                raise BundleError(f"{folder}: a run the results name is not in the runs folder (export without --runs, "
                                  "or build the profile here)")
            out.update({f"runs/{p.relative_to(where.runs).as_posix()}": p for p in _run_members(folder, models)})
    return out


def export_bundle(profile: str, out: str | Path, *, runs: bool = False, models: bool = False,
                  root: Path | None = None, runs_root: Path | None = None, results_root: Path | None = None) -> dict:
    """Write the bundle of ``profile`` to ``out`` (a gzip tar); returns its manifest."""
    from .files import atomic_write_bytes

    if models and not runs:
        raise BundleError("--models needs --runs: models are carried inside their run folders")
    where = places(profile, root, runs_root, results_root)
    files = members_of(profile, where, runs, models)
    data = {name: path.read_bytes() for name, path in files.items()}
    hashes = {}
    for name in data:
        parts = PurePosixPath(name).parts
        if parts[0] == "runs" and parts[-1] == "config.json":
            hashes[parts[1]] = json.loads(data[name]).get("hash")
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "project": PROJECT, "profile": profile,
                "commit": _commit(Path(root) if root is not None else Path(__file__).parent), "runs": runs,
                "models": models,
                "config_hashes": hashes,
                "members": {name: {"size": len(b), "sha256": _sha256(b)} for name, b in data.items()}}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, blob in [(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode()), *data.items()]:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(blob), 0o644, 0
            tar.addfile(info, io.BytesIO(blob))
    atomic_write_bytes(Path(out), buffer.getvalue())
    return manifest


def _safe(name: str, bundle: Path) -> PurePosixPath:
    """A member's path, refused when it would leave its folder (absolute, '..', a backslash, not normalized)."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name or str(path) != name or not path.parts:
        raise BundleError(f"{bundle}: member {name!r} would be written outside its folder; refused, nothing written")
    return path


def _read(bundle: Path) -> tuple[dict, dict[str, bytes]]:
    """The manifest and every member's bytes, refused in one line when the archive is damaged or foreign."""
    try:
        with tarfile.open(bundle, mode="r:*") as tar:
            entries = tar.getmembers()
            for entry in entries:
                _safe(entry.name, bundle)
                if not entry.isfile():
                    raise BundleError(f"{bundle}: member {entry.name!r} is a link or a folder, not a file; refused, "
                                      "nothing written")
            blobs = {e.name: tar.extractfile(e).read() for e in entries}
    except BundleError:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError) as err:
        raise BundleError(f"{bundle}: not a complete bundle ({type(err).__name__}: {err}); nothing written") from None
    if MANIFEST not in blobs:
        raise BundleError(f"{bundle}: no {MANIFEST}; not a bundle of this project, nothing written")
    try:
        manifest = json.loads(blobs.pop(MANIFEST))
    except ValueError:
        raise BundleError(f"{bundle}: its {MANIFEST} is not valid JSON; nothing written") from None
    if manifest.get("format") != FORMAT or manifest.get("project") != PROJECT:
        raise BundleError(f"{bundle}: a {manifest.get('format')!r} bundle of {manifest.get('project')!r}, not a "
                          f"{FORMAT} of {PROJECT}; nothing written")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BundleError(f"{bundle}: format version {manifest.get('format_version')}, this checkout reads "
                          f"{FORMAT_VERSION}; nothing written")
    return manifest, blobs


def _verify(bundle: Path, manifest: dict, blobs: dict[str, bytes]) -> None:
    listed = manifest.get("members", {})
    extra = sorted(set(blobs) - set(listed))
    missing = sorted(set(listed) - set(blobs))
    if extra:
        raise BundleError(f"{bundle}: member {extra[0]!r} is not in its manifest; nothing written")
    if missing:
        raise BundleError(f"{bundle}: member {missing[0]!r} of its manifest is missing (the archive is damaged or "
                          "incomplete); nothing written")
    for name, record in listed.items():
        if len(blobs[name]) != record["size"] or _sha256(blobs[name]) != record["sha256"]:
            raise BundleError(f"{bundle}: member {name!r} does not match its recorded size and sha256 (damaged); "
                              "nothing written")


def _destination(name: str, profile: str, where: Places) -> Path:
    parts = PurePosixPath(name).parts
    base = {"results": where.results.parent, "pages": where.pages, "runs": where.runs}.get(parts[0])
    if base is None or (parts[0] == "results" and parts[1] != profile):
        raise BundleError(f"member {name!r} belongs to no folder of the {profile} profile")
    return base.joinpath(*parts[1:])


def import_bundle(bundle: str | Path, *, force: bool = False, root: Path | None = None,
                  runs_root: Path | None = None, results_root: Path | None = None) -> dict:
    """Verify ``bundle`` whole, then place its files (refusing to overwrite a differing local file unless ``force``);
    returns a report: profile, files written, files already identical, run folders marked as imported without
    models."""
    bundle = Path(bundle)
    if not bundle.is_file():
        raise BundleError(f"{bundle}: no such file")
    manifest, blobs = _read(bundle)
    _verify(bundle, manifest, blobs)
    profile = manifest["profile"]
    where = places(profile, root, runs_root, results_root)
    try:
        targets = {name: _destination(name, profile, where) for name in blobs}
    except BundleError as err:
        raise BundleError(f"{bundle}: {err}; nothing written") from None
    same = {n for n, p in targets.items() if p.is_file() and p.read_bytes() == blobs[n]}
    clash = sorted(n for n, p in targets.items() if p.exists() and n not in same)
    if clash and not force:
        raise BundleError(f"{bundle}: {len(clash)} local file(s) differ from the bundle's, e.g. {targets[clash[0]]}; "
                          "nothing written (import with --force to replace them)")
    _place({targets[n]: blobs[n] for n in blobs if n not in same})
    left_out = sorted({PurePosixPath(n).parts[1] for n in blobs if n.startswith("runs/")}) if not manifest["models"] else []
    for run in left_out:
        (where.runs / run / MODELS_LEFT_OUT).write_text("this run folder was imported from a bundle without its "
                                                        "models; they are trained again where a step needs them\n")
    return {"profile": profile, "written": len(blobs) - len(same), "unchanged": len(same), "runs_without_models": left_out}


def _place(files: dict[Path, bytes]) -> None:
    """Write every file through a temporary file beside it and a rename (a reader never sees half a file)."""
    from .files import atomic_write_bytes

    for path, data in files.items():
        if path.is_dir():
            shutil.rmtree(path)
        atomic_write_bytes(path, data)


def verify_bundle(bundle: str | Path) -> dict:
    """The manifest of a bundle that passes every check ``import_bundle`` makes before writing."""
    bundle = Path(bundle)
    manifest, blobs = _read(bundle)
    _verify(bundle, manifest, blobs)
    return manifest



