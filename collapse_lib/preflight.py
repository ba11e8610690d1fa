"""Before a profile trains anything: is everything it needs here? One line per need, each with the fix.

Data (CIFAR-10 batches, an image folder), the DINOv2 and Inception weights (local, cached, or downloadable),
a CUDA device and its memory, free disk against the projected size of the run folders, the projected GPU hours
per notebook (at a measured img/s where ``results/gpu/gpu_check.json`` holds one), and the executor (a Dask
scheduler that answers, or ``sbatch`` on PATH). ``scripts/build_book.py --profile paper --check`` prints them and
exits non-zero when one is missing; ``make book PROFILE=paper`` runs it first.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

#: the DINOv2 weights the paper profile downloads unless ``dinov2_path`` names a local folder
HUB_TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Check:
    ok: bool
    what: str  # the need, e.g. "data: CIFAR-10"
    detail: str  # what was found
    fix: str = ""  # what to do when it is missing

    def line(self) -> str:
        fix = "" if self.ok or not self.fix else f" — fix: {self.fix}"
        return f"{'✓' if self.ok else '✗'} {self.what}: {self.detail}{fix}"


def check_data(cfg, n_needed: int | None = None) -> Check:
    """The dataset of a config is where the loader looks and holds ``n_needed`` images (default: the config's N);
    the built-in sets install with the package."""
    from .data import DatasetMissing, load_dataset

    n_needed = n_needed or cfg.n_train
    if cfg.dataset not in ("cifar10", "imagefolder"):
        return Check(True, f"data: {cfg.dataset}", "installs offline with the package")
    try:
        data = load_dataset(cfg.dataset, root=cfg.data_root, image_size=cfg.image_size)
    except (DatasetMissing, OSError) as err:
        return Check(False, f"data: {cfg.dataset}", str(err).split(":")[0],
                     "put CIFAR-10's python batches (cifar-10-python.tar.gz, unpacked) under "
                     f"{cfg.data_root}/cifar-10-batches-py/" if cfg.dataset == "cifar10" else
                     f"put the images under {cfg.data_root}/")
    if len(data) < n_needed:
        return Check(False, f"data: {cfg.dataset}", f"{len(data)} images under {cfg.data_root}, fewer than N = {n_needed}",
                     "use the full data set, or smaller sizes")
    return Check(True, f"data: {cfg.dataset}", f"{len(data):,} images under {cfg.data_root}")


def _hub_reachable(url: str = "https://huggingface.co") -> bool:
    import urllib.request

    try:
        urllib.request.urlopen(url, timeout=HUB_TIMEOUT_SECONDS)
        return True
    except OSError:
        return False


def check_dinov2(path: str) -> Check:
    """DINOv2 weights: a local folder, the Hugging Face cache, or a hub that answers."""
    if Path(path).is_dir():
        ok = (Path(path) / "config.json").is_file()
        return Check(ok, "DINOv2 weights", f"local folder {path}" + ("" if ok else " without config.json"),
                     "save a DINOv2 there with save_pretrained, or point dinov2_path at one")
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = isinstance(try_to_load_from_cache(path, "config.json"), str)
    except ImportError:  # pragma: no cover - a transformers dependency
        cached = False
    if cached:
        return Check(True, "DINOv2 weights", f"{path} in the Hugging Face cache")
    if _hub_reachable():
        return Check(True, "DINOv2 weights", f"{path} downloads on first use (the hub answers)")
    return Check(False, "DINOv2 weights", f"{path} is neither a local folder nor cached, and the hub does not answer",
                 f"on a connected machine: huggingface-cli download {path}, then copy the cache or set dinov2_path")


def check_inception(path: str | None) -> Check:
    """The FID Inception: a TorchScript stand-in named by ``inception_path``, or torch-fidelity with its weights."""
    if path is not None:
        ok = Path(path).is_file()
        return Check(ok, "FID Inception", f"{path}" + ("" if ok else " is missing"), "point inception_path at the file")
    try:
        import torch_fidelity  # noqa: F401
    except ImportError:
        return Check(False, "FID Inception", "torch-fidelity is not installed", "pip install -e '.[fid]'")
    cached = list((Path.home() / ".cache" / "torch" / "hub" / "checkpoints").glob("*inception*"))
    if cached:
        return Check(True, "FID Inception", f"weights cached ({cached[0].name})")
    if _hub_reachable("https://github.com"):
        return Check(True, "FID Inception", "torch-fidelity downloads its weights on first use")
    return Check(False, "FID Inception", "weights not cached and github.com does not answer",
                 "run once on a connected machine so ~/.cache/torch/hub/checkpoints holds them")


def check_cuda(device: str) -> Check:
    """A CUDA device, where the profile asks for one (``device: cuda``)."""
    if device != "cuda":
        return Check(True, "device", f"{device} (no GPU asked for)")
    import torch

    if not torch.cuda.is_available():
        return Check(False, "device", "the profile asks for cuda, but torch sees no CUDA device",
                     "run on a GPU machine with the CUDA build of torch (README, GPU machines)")
    props = torch.cuda.get_device_properties(0)
    return Check(True, "device", f"{torch.cuda.device_count()} x {props.name}, {props.total_memory / 2**30:.0f} GiB")


def projected_bytes(plan) -> int:
    """What the run folders will hold: each iteration's samples (float32), training-set provenance and model."""
    total, params = 0, {}
    for run in plan:
        cfg = run.cfg
        side = cfg.image_size or {"cifar10": 32, "mnist": 28, "digits": 8}.get(cfg.dataset, 32)
        channels = 1 if cfg.dataset in ("mnist", "digits") else 3
        key = (cfg.model, side, channels, cfg.width, cfg.blocks)
        if cfg.save_models and key not in params:
            params[key] = _parameter_count(*key)
        per_iteration = cfg.samples_per_iteration * channels * side * side * 4 + cfg.n_train * 24
        per_iteration += params.get(key, 0) * 4 if cfg.save_models else 0
        total += per_iteration * cfg.iterations
    return total


def _parameter_count(model: str, side: int, channels: int, width: int, blocks: int) -> int:
    from .models import build_denoiser

    return sum(p.numel() for p in build_denoiser(model, sample_size=side, in_channels=channels, width=width,
                                                 blocks=blocks).parameters())


def check_disk(plan, runs_root: Path) -> Check:
    need = projected_bytes(plan)
    probe = runs_root if runs_root.exists() else next(p for p in runs_root.parents if p.exists())
    free = shutil.disk_usage(probe).free
    detail = f"{free / 2**30:,.1f} GiB free under {probe}, the run folders need about {need / 2**30:,.1f} GiB"
    return Check(free >= need, "disk", detail, "free space, or set COLLAPSE_RUNS to a larger disk")


def check_executor(execution: dict) -> Check:
    """The engine the profile runs on: this machine, a Dask scheduler that answers, or Slurm's sbatch."""
    from .loop.executors import ExecutorSpecError, check_spec, make_executor

    spec, options = execution.get("executor", "local"), execution.get("executor_options") or {}
    kind = check_spec(spec, options)
    if kind == "local":
        return Check(True, "executor", "this machine")
    if kind == "slurm" and options.get("cluster") not in ("local", "debug"):
        ok = shutil.which("sbatch") is not None
        return Check(ok, "executor", "slurm: sbatch " + ("on PATH" if ok else "not on PATH"),
                     "run on a Slurm login node, or choose executor: local")
    try:
        make_executor(spec, **options)
    except ExecutorSpecError as err:
        return Check(False, "executor", str(err), "start the scheduler, or fix its address")
    return Check(True, "executor", f"{spec} answers")


def gpu_hours_lines(profile: str) -> list[str]:
    """The projected GPU hours per notebook (``cost``), at the measured img/s when results/gpu/ holds one."""
    from . import cost

    return cost.report(profile).splitlines()


def preflight(profile: str, runs_root: Path | None = None) -> tuple[list[Check], list[str]]:
    """Every check of ``profile`` (one per distinct need) and the cost lines; nothing trains."""
    from .paths import runs_root as default_root
    from .plan import book_plan
    from .profiles import common_parameters, execution

    root = Path(runs_root) if runs_root is not None else default_root()
    plan = book_plan(profile, root)
    checks, seen = [], set()

    def add(key, make):
        if key not in seen:
            seen.add(key)
            checks.append(make())

    largest = {}
    for run in plan:
        key = (run.cfg.dataset, run.cfg.data_root, run.cfg.image_size)
        largest[key] = max(largest.get(key, 0), run.cfg.n_train)
    for run in plan:
        c = run.cfg
        key = (c.dataset, c.data_root, c.image_size)
        add(("data", *key), lambda c=c, key=key: check_data(c, largest[key]))
        if "dinov2" in (c.metric_feature, c.select_feature, c.fd_feature):
            add(("dinov2", c.dinov2_path), lambda c=c: check_dinov2(c.dinov2_path))
        if c.fd_feature == "inception":
            add(("inception", c.inception_path), lambda c=c: check_inception(c.inception_path))
        add(("device", c.device), lambda c=c: check_cuda(c.device))
    checks.append(check_disk(plan, root))
    checks.append(check_executor(execution(common_parameters(profile).get("execution"))))
    return checks, gpu_hours_lines(profile)
