"""One command that measures what the paper profile's cost rests on, on one GPU, and writes one JSON file.

    python scripts/gpu_check.py [--out results/gpu/gpu_check.json] [--cpu-smoke] [--budget-s 420]

- training img/s (forward + backward + AdamW) of both Appendix D UNets at batch 128, in fp32, bf16 and fp16
  autocast (fp16 with a gradient scaler, as the loop trains), eager and under torch.compile, contiguous and
  channels_last (compiled variants last, skipped when the time budget is spent);
- DDPM sampling image-steps/s at batch 1,024 (a few of the 1,000 steps);
- DINOv2-small CLS features img/s (its weights when cached, else random weights in the same architecture);
- exact 1-NN of 65,536 x 384 queries against 32,768 x 384 (faiss-gpu when installed, else the torch backend);
- greedy selection of 32,768 of 65,536 x 384 and of 32,768 of 1,048,576 x 384 on the GPU (a clustered pool: 200
  centres from N(0, 16 I), each row a centre plus N(0, I)), with the first 1,000 picks checked against the CPU's.

``--cpu-smoke`` runs every part at tiny sizes on the CPU (the tests do), so the script is known to work before a
GPU hour is spent. ``collapse_lib.cost`` reads the JSON (results/gpu/gpu_check.json) for the paper profile's hours.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
PRECISIONS = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}
FULL = {"batch": 128, "steps": 10, "sample_batch": 1024, "sample_steps": 5, "dinov2_batch": 256, "dinov2_images": 2048,
        "nn": (65536, 32768, 384), "greedy": (65536, 32768, 384), "greedy_large": (1048576, 32768, 384)}
SMOKE = {"batch": 2, "steps": 1, "sample_batch": 4, "sample_steps": 2, "dinov2_batch": 2, "dinov2_images": 2,
         "nn": (512, 256, 384), "greedy": (512, 64, 384), "greedy_large": (8192, 256, 384)}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _unet(name: str, device: torch.device, channels_last: bool):
    from collapse_lib.models import build_denoiser

    channels = 3 if name == "unet-cifar" else 1
    model = build_denoiser(name, sample_size=32, in_channels=channels).to(device)
    return model.to(memory_format=torch.channels_last) if channels_last else model, channels


def train_rate(name: str, precision: str, compiled: bool, channels_last: bool, size: dict, device: torch.device) -> dict:
    """Training img/s of one UNet variant (after warm-up steps, which include any compilation)."""
    model, channels = _unet(name, device, channels_last)
    step_model = torch.compile(model) if compiled else model
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=device.type == "cuda")
    scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16" and device.type == "cuda")
    x = torch.randn(size["batch"], channels, 32, 32, device=device)
    if channels_last:
        x = x.to(memory_format=torch.channels_last)
    t = torch.randint(0, 1000, (size["batch"],), device=device)

    def step():
        with torch.autocast(device.type, dtype=PRECISIONS[precision], enabled=PRECISIONS[precision] is not None):
            loss = (step_model(x, t).sample.float() - x).square().mean()
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()

    t0 = time.perf_counter()
    for _ in range(2):
        step()
    _sync(device)
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(size["steps"]):
        step()
    _sync(device)
    seconds = time.perf_counter() - t0
    return {"model": name, "precision": precision, "compile": compiled, "channels_last": channels_last,
            "batch": size["batch"], "img_per_s": size["batch"] * size["steps"] / seconds, "warmup_s": warm}


def sample_rate(name: str, size: dict, device: torch.device, precision: str = "fp16") -> dict:
    """DDPM sampling image-steps/s at the sampler's batch (a few of its steps), through the loop's sampler."""
    from collapse_lib.diffusion import make_scheduler, sample_images

    model, channels = _unet(name, device, False)
    scheduler = make_scheduler()
    kw = dict(image_shape=(channels, 32, 32), train_scheduler=scheduler, sampler="ddpm", steps=size["sample_steps"],
              batch_size=size["sample_batch"], device=device, precision=precision if device.type == "cuda" else "fp32")
    sample_images(model, 2, **{**kw, "batch_size": 2})  # warm-up
    _sync(device)
    t0 = time.perf_counter()
    sample_images(model, size["sample_batch"], **kw)
    _sync(device)
    seconds = time.perf_counter() - t0
    return {"model": name, "precision": kw["precision"], "batch": size["sample_batch"], "steps": size["sample_steps"],
            "img_steps_per_s": size["sample_batch"] * size["sample_steps"] / seconds}


def _dinov2_small(device: torch.device):
    """DINOv2-small from the Hugging Face cache, else its architecture with random weights (and which it is)."""
    from transformers import AutoModel, Dinov2Config, Dinov2Model

    try:
        return AutoModel.from_pretrained("facebook/dinov2-small", local_files_only=True).to(device).eval(), "pretrained"
    except OSError:
        cfg = Dinov2Config(hidden_size=384, num_hidden_layers=12, num_attention_heads=6, intermediate_size=1536,
                           image_size=518, patch_size=14)
        return Dinov2Model(cfg).to(device).eval(), "random weights (none cached)"


def dinov2_rate(size: dict, device: torch.device) -> dict:
    """DINOv2-small CLS features img/s on 32 x 32 images resized to 224, through the loop's feature extractor."""
    from collapse_lib.features import Dinov2Features

    feats = Dinov2Features.__new__(Dinov2Features)  # the extractor around a model loaded here
    feats.model, weights = _dinov2_small(device)
    feats.device, feats.batch_size, feats.resolution = str(device), size["dinov2_batch"], 224
    images = np.random.default_rng(0).uniform(-1, 1, (size["dinov2_images"], 3, 32, 32)).astype(np.float32)
    feats(images[: size["dinov2_batch"]])
    _sync(device)
    t0 = time.perf_counter()
    out = feats(images)
    _sync(device)
    return {"weights": weights, "images": len(images), "dim": int(out.shape[1]),
            "img_per_s": len(images) / (time.perf_counter() - t0)}


def nn_rate(size: dict) -> dict:
    """Exact 1-NN through ``neighbors.knn`` on its best backend (faiss-gpu when installed)."""
    from collapse_lib.neighbors import available_backends, knn

    q_n, b_n, d = size["nn"]
    rng = np.random.default_rng(0)
    queries, base = rng.normal(size=(q_n, d)).astype(np.float32), rng.normal(size=(b_n, d)).astype(np.float32)
    t0 = time.perf_counter()
    knn(queries, base, 1)
    return {"backend": available_backends()[0], "queries": q_n, "base": b_n, "dim": d,
            "seconds": time.perf_counter() - t0}


def _blobs(n: int, d: int, centres: int = 200, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.normal(0, 4, size=(centres, d)).astype(np.float32)
    return c[rng.integers(0, centres, n)] + rng.normal(size=(n, d)).astype(np.float32)


def greedy_rate(size: dict, device: torch.device, which: str = "greedy") -> dict:
    """Greedy (farthest-point) selection on the device; the first 1,000 picks against the CPU's (a float sum on a GPU
    rounds differently, so a near tie may go the other way: the check says how many agree)."""
    from collapse_lib.selection import greedy_select

    n, k, d = size[which]
    pool = _blobs(n, d)
    x = torch.from_numpy(pool).to(device)
    greedy_select(x[:1000], 10, start=0)  # warm-up
    _sync(device)
    t0 = time.perf_counter()
    picks = greedy_select(x, k, start=0)
    _sync(device)
    seconds = time.perf_counter() - t0
    head = min(1000, k)
    cpu = greedy_select(pool, head, start=0, progress=False)
    return {"pool": n, "picks": k, "dim": d, "device": device.type, "seconds": seconds, "picks_per_s": k / seconds,
            "first_picks_equal_cpu": int(np.sum(picks[:head] == cpu)), "compared": head}


def _train_variants(device: torch.device, smoke: bool) -> list[tuple]:
    eager = [(m, p, False, cl) for m in ("unet-cifar", "unet-mnist") for p in PRECISIONS for cl in (False, True)]
    if device.type == "cpu":  # autocast on the CPU takes bf16 only; compilation is for the GPU run
        cpu = [v for v in eager if v[1] != "fp16"]
        return [cpu[0], cpu[3]] if smoke else cpu  # smoke: fp32 contiguous and bf16 channels_last
    compiled = [(m, p, True, cl) for m, p, _, cl in eager]
    return eager + ([] if smoke else compiled)


def run(smoke: bool, budget_s: float) -> dict:
    device = torch.device("cpu" if smoke or not torch.cuda.is_available() else "cuda")
    size, start = (SMOKE if smoke else FULL), time.perf_counter()
    out = {"device": torch.cuda.get_device_name(0) if device.type == "cuda" else platform.processor() or "cpu",
           "torch": torch.__version__, "cuda": torch.version.cuda, "smoke": smoke, "when": time.strftime("%Y-%m-%d %H:%M"),
           "train": [], "skipped": []}
    for variant in _train_variants(device, smoke):
        if time.perf_counter() - start > budget_s:
            out["skipped"].append({"part": "train", "variant": variant, "why": "time budget spent"})
            continue
        out["train"].append(_guarded(train_rate, *variant, size, device))
        print(json.dumps(out["train"][-1]), flush=True)
    out["sample"] = [_guarded(sample_rate, m, size, device) for m in ("unet-cifar", "unet-mnist")]
    out["dinov2"] = _guarded(dinov2_rate, size, device)
    out["nn"] = _guarded(nn_rate, size)
    out["greedy"] = _guarded(greedy_rate, size, device)
    out["greedy_large"] = _guarded(greedy_rate, size, device, "greedy_large")
    out["seconds"] = time.perf_counter() - start
    return out


def _guarded(fn, *args) -> dict:
    """One measurement; a failure is recorded (with its error) instead of ending the check."""
    try:
        return fn(*args)
    except Exception as err:  # an out-of-memory or a compiler error is a result worth keeping
        return {"failed": f"{type(err).__name__}: {err}"[:500], "part": fn.__name__, "args": [str(a) for a in args[:4]]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "results" / "gpu" / "gpu_check.json"))
    ap.add_argument("--cpu-smoke", action="store_true", help="every part at tiny sizes on the CPU")
    ap.add_argument("--budget-s", type=float, default=420.0, help="stop starting training variants after this long")
    args = ap.parse_args(argv)
    if not args.cpu_smoke and not torch.cuda.is_available():
        raise SystemExit("error: no CUDA device here; run on a GPU machine, or pass --cpu-smoke to check the script")
    result = run(args.cpu_smoke, args.budget_s)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out} ({result['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
