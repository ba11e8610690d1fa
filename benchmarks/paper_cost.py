"""What the paper profile costs (``collapse_lib.cost``), with one training step timed on this machine's CPU so the
GPU/CPU factor behind an assumed throughput is printed beside it.

    python benchmarks/paper_cost.py [--gpu-tflops 15]
"""

from __future__ import annotations

import sys
import time

import torch

from collapse_lib import cost


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


def report(gpu_tflops: float = cost.GPU_TFLOPS) -> str:
    lines = [cost.report("paper", gpu_tflops)]
    for model, size in (("unet-cifar", 32), ("unet-mnist", 32)):
        f = cost.unet_flops(model, size, False)
        step = cpu_step_seconds(model, size)
        rate = 3 * f * 8 / step / 1e9
        lines.append(f"{model} at {size}x{size}: {f / 1e9:.2f} GFLOP per image forward; one training step of 8 images "
                     f"{step:.2f} s on 2 CPU threads here ({rate:.0f} GFLOP/s), so {gpu_tflops:g} TFLOP/s is "
                     f"{gpu_tflops * 1e3 / rate:,.0f}x this CPU")
    return "\n".join(lines)


if __name__ == "__main__":
    tflops = float(sys.argv[sys.argv.index("--gpu-tflops") + 1]) if "--gpu-tflops" in sys.argv else cost.GPU_TFLOPS
    print(report(tflops))
