"""What the paper profile costs, counted from params/paper/ and timed on this machine.

Per notebook: the runs it adds (runs shared with an earlier notebook and first models shared between runs
are counted once), the denoisers trained, their optimizer steps and training images, and the sampler's
network evaluations. The cost in GPU hours is FLOPs over a stated sustained GPU throughput: the Appendix D
UNets' FLOPs are counted by torch, and one training step is also timed on this machine's CPU, so the
GPU/CPU factor behind the projection is printed beside it.
"""

from __future__ import annotations

import sys
import time

import torch

#: sustained mixed-precision throughput assumed for one data-centre GPU on these small 32x32 UNets (A100/H100
#: class; about a fifth of an A100's bf16 peak): the projection scales with it (--gpu-tflops)
GPU_TFLOPS = 60.0


def count(profile: str = "paper") -> dict[str, dict]:
    """Per notebook: runs, models, optimizer steps, training images and sampling evaluations it adds."""
    from collapse_lib.chapters import CHAPTERS
    from collapse_lib.plan import book_plan

    out = {c.name: {"runs": 0, "models": 0, "steps": 0, "images": 0, "evals": 0}
           for c in CHAPTERS.values() if c.builder is not None}
    for run in book_plan(profile):
        cfg, c = run.cfg, out[run.chapter]
        c["runs"] += 1
        c["model"] = (cfg.model, cfg.image_size or (32 if cfg.dataset == "cifar10" else 28), cfg.conditional)
        c["models"] += sum(1 for s in run.steps if s)
        c["steps"] += sum(run.steps)
        c["images"] += sum(run.steps) * cfg.batch_size
        guided = 2 if cfg.conditional and cfg.guidance != 1.0 else 1
        c["evals"] += cfg.iterations * cfg.samples_per_iteration * cfg.sample_steps * guided
    return out


def unet_flops(model_name: str, size: int, conditional: bool) -> float:
    """FLOPs of one forward pass of one image through a paper denoiser (torch's FLOP counter)."""
    from torch.utils.flop_counter import FlopCounterMode

    from collapse_lib.models import build_denoiser

    channels = 3 if model_name == "unet-cifar" else 1
    model = build_denoiser(model_name, sample_size=size, in_channels=channels, num_classes=10 if conditional else None)
    x, t = torch.randn(1, channels, size, size), torch.tensor([10])
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x, t, class_labels=torch.tensor([1]) if conditional else None)
    return float(counter.get_total_flops())


def cpu_step_seconds(model_name: str, size: int, batch: int = 8, threads: int = 2) -> float:
    """Seconds of one forward+backward+AdamW step at ``batch`` images on this CPU (after a warm-up)."""
    from collapse_lib.models import build_denoiser

    torch.set_num_threads(threads)
    channels = 3 if model_name == "unet-cifar" else 1
    model = build_denoiser(model_name, sample_size=size, in_channels=channels)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x, t = torch.randn(batch, channels, size, size), torch.randint(0, 1000, (batch,))
    times = []
    for _ in range(4):
        t0 = time.perf_counter()
        loss = (model(x, t).sample - x).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    return min(times[1:])


def report(gpu_tflops: float = GPU_TFLOPS) -> str:
    counts = count()
    lines = ["paper profile, counted from params/paper/ (02-04 and 09 reuse 01's runs and its stored models):",
             f"{'notebook':<36} {'runs':>5} {'models':>7} {'steps':>11} {'train images':>14} {'sampler evals':>15} "
             f"{'GPU hours':>10}"]
    flops_cache, total = {}, 0.0
    cpu_notes = []
    for notebook, c in counts.items():
        model = c.get("model")
        if model is None:
            lines.append(f"{notebook:<36} {'every run shared with an earlier notebook':>66}")
            continue
        if model not in flops_cache:
            flops_cache[model] = unet_flops(*model)
            step = cpu_step_seconds(model[0], model[1])
            cpu_rate = 3 * flops_cache[model] * 8 / step / 1e9
            cpu_notes.append(f"{model[0]} at {model[1]}x{model[1]}: {flops_cache[model] / 1e9:.2f} GFLOP per image "
                             f"forward; one training step of 8 images {step:.2f} s on 2 CPU threads here "
                             f"({cpu_rate:.0f} GFLOP/s), so the stated GPU is {gpu_tflops * 1e3 / cpu_rate:,.0f}x this CPU")
        f = flops_cache[model]
        hours = (3 * f * c["images"] + f * c["evals"]) / (gpu_tflops * 1e12) / 3600
        total += hours
        lines.append(f"{notebook:<36} {c['runs']:>5} {c['models']:>7} {c['steps']:>11,} {c['images']:>14,} "
                     f"{c['evals']:>15,} {hours:>10,.0f}")
    lines.append(f"{'whole book':<36} {'':>5} {'':>7} {'':>11} {'':>14} {'':>15} {total:>10,.0f}")
    lines.append(f"GPU hours = (3 x forward FLOPs x training images + forward FLOPs x sampler evaluations) / "
                 f"{gpu_tflops:g} TFLOP/s sustained (--gpu-tflops)")
    return "\n".join(lines + cpu_notes)


if __name__ == "__main__":
    tflops = float(sys.argv[sys.argv.index("--gpu-tflops") + 1]) if "--gpu-tflops" in sys.argv else GPU_TFLOPS
    print(report(tflops))
