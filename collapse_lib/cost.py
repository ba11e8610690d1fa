"""What a profile costs on a GPU: per notebook the runs, models, optimizer steps, training images and sampler
evaluations it adds (``plan``), and the GPU hours they take.

The hours come from ``results/gpu/gpu_check.json`` (``scripts/gpu_check.py``) when it holds the measured img/s of
the profile's denoiser at its precision; else from the FLOPs torch counts for one forward pass over an assumed
sustained throughput (``GPU_TFLOPS``). The line under the table says which.
"""

from __future__ import annotations

import json
from pathlib import Path

#: sustained mixed-precision throughput assumed for one data-centre GPU on these small 32x32 UNets (A100/H100
#: class; about a fifth of an A100's bf16 peak) when no measurement is recorded
GPU_TFLOPS = 60.0


def gpu_check_path() -> Path:
    from .paths import project_root

    return project_root(Path(__file__).parent) / "results" / "gpu" / "gpu_check.json"


def measured(path: Path | None = None) -> dict | None:
    """The recorded GPU check, or None when none has been run and committed."""
    path = path or gpu_check_path()
    return json.loads(path.read_text()) if path.is_file() else None


def count(profile: str = "paper") -> dict[str, dict]:
    """Per notebook that trains runs of its own: runs, models, optimizer steps, training images, sampler evaluations."""
    from .chapters import CHAPTERS
    from .plan import book_plan

    out = {c.name: {"runs": 0, "models": 0, "steps": 0, "images": 0, "evals": 0}
           for c in CHAPTERS.values() if c.experiment is not None}
    for run in book_plan(profile):
        cfg, c = run.cfg, out[run.chapter]
        c["runs"] += 1
        c["model"] = (cfg.model, cfg.image_size or (32 if cfg.dataset == "cifar10" else 28), cfg.conditional)
        c["precision"] = cfg.precision
        c["models"] += sum(1 for s in run.steps if s)
        c["steps"] += sum(run.steps)
        c["images"] += sum(run.steps) * cfg.batch_size
        guided = 2 if cfg.conditional and cfg.guidance != 1.0 else 1
        c["evals"] += cfg.iterations * cfg.samples_per_iteration * cfg.sample_steps * guided
    return out


def unet_flops(model_name: str, size: int, conditional: bool) -> float:
    """FLOPs of one forward pass of one image through a denoiser (torch's FLOP counter)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from .models import build_denoiser

    channels = 3 if model_name == "unet-cifar" else 1
    model = build_denoiser(model_name, sample_size=size, in_channels=channels, num_classes=10 if conditional else None)
    x, t = torch.randn(1, channels, size, size), torch.tensor([10])
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x, t, class_labels=torch.tensor([1]) if conditional else None)
    return float(counter.get_total_flops())


def _measured_rates(check: dict | None, model: str, precision: str) -> tuple[float, float] | None:
    """(training img/s, sampler image-steps/s) of ``model`` at ``precision``, eager and contiguous as the loop runs
    it, from a recorded GPU check; None when it holds no such entry."""
    if not check:
        return None
    train = next((r["img_per_s"] for r in check.get("train", []) if r.get("model") == model and
                  r.get("precision") == precision and not r.get("compile") and not r.get("channels_last")
                  and r.get("img_per_s")), None)
    sample = next((r["img_steps_per_s"] for r in check.get("sample", []) if r.get("model") == model
                   and r.get("img_steps_per_s")), None)
    return (train, sample) if train and sample else None


def hours(c: dict, check: dict | None, gpu_tflops: float, flops: dict) -> tuple[float, str]:
    """GPU hours of one notebook's counts, and how they were obtained."""
    rates = _measured_rates(check, c["model"][0], c.get("precision", "fp32"))
    if rates:
        return (c["images"] / rates[0] + c["evals"] / rates[1]) / 3600, "measured"
    if c["model"] not in flops:
        flops[c["model"]] = unet_flops(*c["model"])
    f = flops[c["model"]]
    return (3 * f * c["images"] + f * c["evals"]) / (gpu_tflops * 1e12) / 3600, "assumed"


def report(profile: str = "paper", gpu_tflops: float = GPU_TFLOPS, check: dict | None = None) -> str:
    """The cost table of ``profile``, one line per notebook, with how its GPU hours were obtained."""
    check = measured() if check is None else check
    lines = [f"{profile} profile, counted from params/{profile}/ (02-04 read 01's runs, 06 reads 05's, 09 both):",
             f"{'notebook':<36} {'runs':>5} {'models':>7} {'steps':>11} {'train images':>14} {'sampler evals':>15} "
             f"{'GPU hours':>10}"]
    flops, total, how = {}, 0.0, set()
    for notebook, c in count(profile).items():
        if c.get("model") is None:
            lines.append(f"{notebook:<36} {'every run shared with an earlier notebook':>66}")
            continue
        h, source = hours(c, check, gpu_tflops, flops)
        total += h
        how.add(source)
        lines.append(f"{notebook:<36} {c['runs']:>5} {c['models']:>7} {c['steps']:>11,} {c['images']:>14,} "
                     f"{c['evals']:>15,} {h:>10,.1f}")
    lines.append(f"{'whole book':<36} {'':>5} {'':>7} {'':>11} {'':>14} {'':>15} {total:>10,.1f}")
    if "measured" in how:
        lines.append(f"GPU hours from the measured img/s of {check.get('device', 'the GPU')} in results/gpu/gpu_check.json "
                     "(training at the profile's precision, eager; sampling image-steps/s)")
    if "assumed" in how:
        lines.append(f"GPU hours = (3 x forward FLOPs x training images + forward FLOPs x sampler evaluations) / "
                     f"{gpu_tflops:g} TFLOP/s sustained (assumed: no GPU measurement recorded for this denoiser)")
    return "\n".join(lines)
