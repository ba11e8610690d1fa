"""Result bundles: a profile exported here and imported into a fresh checkout restores its results, pages and run
folders byte for byte; a damaged, truncated, incomplete, escaping or foreign bundle is refused in one line with
nothing written; a run imported without its models is reused as it is and trains its models again when asked."""

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from collapse_lib import bundle
from collapse_lib.bundle import BundleError, export_bundle, import_bundle

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def smoke_profile():
    """The smoke profile of this test session (built by the book test before this file, else built here)."""
    results = Path(os.environ["COLLAPSE_RESULTS"]) / "smoke"
    if not (results / "metrics.csv").is_file():
        proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py"), "--profile", "smoke"],
                              capture_output=True, text=True, timeout=1200)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return results


@pytest.fixture
def clone(tmp_path):
    """A fresh checkout: its own root, results and runs folders, all empty."""
    root = tmp_path / "clone"
    (root / "book").mkdir(parents=True)
    (root / "_toc.yml").write_text("root: book/intro\n")
    return root


def _import(path: Path, clone: Path, **kw) -> dict:
    return import_bundle(path, root=clone, runs_root=clone / "runs", results_root=clone / "results", **kw)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _export(smoke_profile, tmp_path, **kw) -> Path:
    out = tmp_path / "smoke.tar.gz"
    export_bundle("smoke", out, **kw)
    return out


def test_a_bundle_restores_the_profile_byte_for_byte(smoke_profile, tmp_path, clone):
    out = _export(smoke_profile, tmp_path, runs=True)
    manifest = bundle.verify_bundle(out)
    runs, root = Path(os.environ["COLLAPSE_RUNS"]), clone
    assert manifest["profile"] == "smoke" and manifest["runs"] and not manifest["models"] and manifest["config_hashes"]
    report = _import(out, root)
    assert report["written"] == len(manifest["members"]) and report["runs_without_models"]
    assert _files(root / "results" / "smoke") == _files(smoke_profile)
    pages = ROOT / "_build" / "stage-smoke" / "book"
    assert {k: v for k, v in _files(root / "_build" / "stage-smoke" / "book").items()} == \
        {k: v for k, v in _files(pages).items() if k.endswith(".ipynb") or k in bundle.PAGE_FILES}
    run = report["runs_without_models"][0]
    restored = _files(root / "runs" / run)
    assert restored["config.json"] == (runs / run / "config.json").read_bytes()
    assert all(restored[k] == (runs / run / k).read_bytes() for k in restored if k != bundle.MODELS_LEFT_OUT)
    again = _import(out, root)  # importing twice changes nothing
    assert again["written"] == 0 and again["unchanged"] == len(manifest["members"])


def test_a_run_imported_without_models_is_reused_and_trains_its_models_when_asked(smoke_profile, tmp_path, clone):
    from collapse_lib.loop import readback
    from collapse_lib.loop.iterations import restore_models

    out = _export(smoke_profile, tmp_path, runs=True)
    report = _import(out, clone)
    run = clone / "runs" / report["runs_without_models"][0]
    cfg = readback.load_run_config(run)
    assert all(readback.reuse_problem(run, n, cfg) is None for n in range(1, cfg.iterations + 1))
    restore_models(run)
    original = Path(os.environ["COLLAPSE_RUNS"]) / run.name
    weights = "iter_01/model/unet/diffusion_pytorch_model.safetensors"
    assert (run / weights).read_bytes() == (original / weights).read_bytes()  # the same machine, the same weights
    assert not (run / bundle.MODELS_LEFT_OUT).exists()
    assert all(readback.reuse_problem(run, n, cfg, full=True) is None for n in range(1, cfg.iterations + 1))


def _rewrite(src: Path, dst: Path, change) -> Path:
    """A copy of a bundle with its (name, bytes) members passed through ``change`` (which may drop or add some)."""
    with tarfile.open(src) as tar:
        members = [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(dst, "w:gz") as tar:
        for name, blob in change(members):
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return dst


def _refused(path: Path, clone: Path, match: str):
    with pytest.raises(BundleError, match=match) as err:
        _import(path, clone)
    assert "\n" not in str(err.value) and str(path) in str(err.value) and "nothing written" in str(err.value)
    assert not (clone / "results").exists() and not (clone / "runs").exists() and not (clone / "_build").exists()


def test_a_truncated_bundle_is_refused(smoke_profile, tmp_path, clone):
    out = _export(smoke_profile, tmp_path)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(out.read_bytes()[: len(out.read_bytes()) // 2])
    _refused(cut, clone, "not a complete bundle")


def test_a_bundle_with_a_flipped_byte_is_refused(smoke_profile, tmp_path, clone):
    out = _export(smoke_profile, tmp_path)
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x40
    flipped = tmp_path / "flipped.tar.gz"
    flipped.write_bytes(bytes(data))
    _refused(flipped, clone, "not a complete bundle|does not match")


def test_a_member_whose_bytes_changed_is_refused(smoke_profile, tmp_path, clone):
    out = _export(smoke_profile, tmp_path)
    changed = _rewrite(out, tmp_path / "changed.tar.gz",
                       lambda ms: [(n, b + b" " if n.endswith("metrics.csv") else b) for n, b in ms])
    _refused(changed, clone, "does not match its recorded size and sha256")


def test_a_missing_member_is_refused(smoke_profile, tmp_path, clone):
    out = _export(smoke_profile, tmp_path)
    missing = _rewrite(out, tmp_path / "missing.tar.gz", lambda ms: [m for m in ms if not m[0].endswith("metrics.csv")])
    _refused(missing, clone, "missing")


def test_a_member_escaping_its_folder_is_refused(smoke_profile, tmp_path, clone):
    out = _export(smoke_profile, tmp_path)

    def escape(members):
        manifest = json.loads(dict(members)[bundle.MANIFEST])
        manifest["members"]["../evil.txt"] = {"size": 4, "sha256": "0" * 64}
        return [(bundle.MANIFEST, json.dumps(manifest).encode())] + members[1:] + [("../evil.txt", b"evil")]

    _refused(_rewrite(out, tmp_path / "escape.tar.gz", escape), clone, "outside its folder")
    assert not (tmp_path / "evil.txt").exists()
    absolute = _rewrite(out, tmp_path / "absolute.tar.gz", lambda ms: ms + [("/tmp/evil.txt", b"evil")])
    _refused(absolute, clone, "outside its folder")


def test_a_link_member_is_refused(smoke_profile, tmp_path, clone):
    out = _export(smoke_profile, tmp_path)
    link = tmp_path / "link.tar.gz"
    with tarfile.open(out) as src, tarfile.open(link, "w:gz") as dst:
        for m in src.getmembers():
            dst.addfile(m, src.extractfile(m))
        info = tarfile.TarInfo("results/smoke/link")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        dst.addfile(info)
    _refused(link, clone, "is a link or a folder")


def test_a_foreign_bundle_is_refused(smoke_profile, tmp_path, clone):
    out = _export(smoke_profile, tmp_path)

    def foreign(members):
        manifest = json.loads(dict(members)[bundle.MANIFEST])
        return [(bundle.MANIFEST, json.dumps({**manifest, "project": "someone-else"}).encode())] + members[1:]

    _refused(_rewrite(out, tmp_path / "foreign.tar.gz", foreign), clone, "not a collapse-bundle of collapse-lib")
    plain = tmp_path / "plain.tar.gz"
    with tarfile.open(plain, "w:gz") as tar:
        info = tarfile.TarInfo("notes.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    _refused(plain, clone, "not a bundle of this project")


def test_a_differing_local_file_is_kept_unless_forced(smoke_profile, tmp_path, clone):
    out = _export(smoke_profile, tmp_path)
    mine = clone / "results" / "smoke" / "metrics.csv"
    mine.parent.mkdir(parents=True)
    mine.write_text("mine\n")
    with pytest.raises(BundleError, match="differ from the bundle's.*--force"):
        _import(out, clone)
    assert mine.read_text() == "mine\n" and len(list(mine.parent.iterdir())) == 1
    _import(out, clone, force=True)
    assert mine.read_bytes() == (smoke_profile / "metrics.csv").read_bytes()


def test_the_command_line_exports_and_refuses_in_one_line(smoke_profile, tmp_path):
    out = tmp_path / "cli.tar.gz"
    proc = subprocess.run([sys.executable, "-m", "collapse_lib.cli", "bundle", "export", "smoke", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and out.is_file(), proc.stderr
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(out.read_bytes()[:100])
    proc = subprocess.run([sys.executable, "-m", "collapse_lib.cli", "bundle", "import", str(bad)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"error: {bad}: ")
