"""Local stand-ins for what the paper profile downloads, so its whole code path can be rehearsed offline on a CPU:
CIFAR-10 python batches, a DINOv2 with random weights in DINOv2-small's layout, and an FID Inception stand-in
with the real extractor's interface and resize. Nothing they produce is a number of the paper; they exist to
prove that the paper profile runs, writes every result and renders (``make rehearsal``).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

#: images per CIFAR-format batch file the stand-in writes (5 files, 10 classes)
CIFAR_PER_BATCH = 40


def write_cifar_batches(root: str | Path, per_batch: int = CIFAR_PER_BATCH, seed: int = 0) -> Path:
    """CIFAR-10's python batch files (``data_batch_1`` ... ``data_batch_5`` in ``root/cifar-10-batches-py``):
    pickled dicts with ``b"data"`` (n, 3072) uint8 rows in channel-major order and ``b"labels"``, as the real
    archive holds them. The images are smooth random colour blobs, a class per colour."""
    folder = Path(root) / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:32, 0:32] / 31.0
    for b in range(1, 6):
        labels = np.arange(per_batch) % 10
        centre = rng.uniform(0.2, 0.8, (per_batch, 2, 1, 1))
        blob = np.exp(-(((yy - centre[:, 0]) ** 2 + (xx - centre[:, 1]) ** 2) / 0.05))  # (n, 32, 32)
        colour = np.stack([(labels % 3) / 2, (labels % 5) / 4, (labels % 7) / 6], 1)[:, :, None, None]
        images = np.clip(255 * (0.15 + 0.7 * blob[:, None] * colour + rng.normal(0, 0.05, (per_batch, 3, 32, 32))), 0, 255)
        batch = {b"data": images.astype(np.uint8).reshape(per_batch, -1), b"labels": labels.tolist(),
                 b"batch_label": f"stand-in batch {b}".encode()}
        with open(folder / f"data_batch_{b}", "wb") as fh:
            pickle.dump(batch, fh)
    return folder


def write_tiny_dinov2(folder: str | Path, seed: int = 0) -> Path:
    """A DINOv2 with random weights and DINOv2-small's image and patch size (518, 14), but 32 channels and one
    layer, saved by ``save_pretrained`` like a hub snapshot: the real resize-to-224 and CLS-token path runs on it."""
    import torch
    from transformers import Dinov2Config, Dinov2Model

    torch.manual_seed(seed)
    cfg = Dinov2Config(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                       image_size=518, patch_size=14)
    Dinov2Model(cfg).eval().save_pretrained(folder)
    return Path(folder)


def tiny_inception(feature_dim: int = 64, seed: int = 0):
    """A stand-in for torch-fidelity's FID Inception-v3: takes uint8 images (n, 3, H, W), resizes them to 299 x 299
    bilinearly as the real extractor does, and returns a 1-tuple of (n, ``feature_dim``) features from random
    weights (the real one returns its 2048-d pool features the same way)."""
    import torch
    from torch import nn

    class TinyInception(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 16, kernel_size=7, stride=4)
            self.head = nn.Linear(16 * 16, feature_dim)

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor]:
            x = nn.functional.interpolate(x.float(), size=(299, 299), mode="bilinear", align_corners=False)
            x = torch.relu(self.conv((x - 128.0) / 128.0))
            return (self.head(nn.functional.adaptive_avg_pool2d(x, 4).flatten(1)),)

    torch.manual_seed(seed)
    return TinyInception().eval()


def write_tiny_inception(path: str | Path, seed: int = 0) -> Path:
    """The Inception stand-in as a TorchScript file (what ``inception_path`` in a run config loads)."""
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.jit.script(tiny_inception(seed=seed)).save(str(path))
    return path


def write_all(root: str | Path) -> dict[str, Path]:
    """Every stand-in under ``root`` (skipped where already written): cifar10/, dinov2-tiny/, inception-tiny.pt."""
    root = Path(root)
    out = {"cifar10": root / "cifar10", "dinov2": root / "dinov2-tiny", "inception": root / "inception-tiny.pt"}
    if not (out["cifar10"] / "cifar-10-batches-py" / "data_batch_5").is_file():
        write_cifar_batches(out["cifar10"])
    if not (out["dinov2"] / "config.json").is_file():
        write_tiny_dinov2(out["dinov2"])
    if not out["inception"].is_file():
        write_tiny_inception(out["inception"])
    return out
