"""Feature spaces for metrics and selection: ``pixel``, ``dinov2``, ``classifier``, ``inception``.

Each extractor maps float images in [-1, 1], shape (n, C, H, W), to an (n, d) float32 numpy matrix.
``make_features(name, ...)`` is the registry. Nothing here downloads unless the caller's machine is
online and the name asks for hub weights; tests use a tiny DINOv2 saved locally.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .choices import FEATURES

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _batches(images: np.ndarray, batch: int):
    for s in range(0, len(images), batch):
        yield torch.from_numpy(np.ascontiguousarray(images[s : s + batch], dtype=np.float32))


class PixelFeatures:
    """The flattened image itself (the cpu profile's metric space)."""

    name = "pixel"

    def __call__(self, images: np.ndarray) -> np.ndarray:
        return np.asarray(images, dtype=np.float32).reshape(len(images), -1)


class Dinov2Features:
    """CLS token of a DINOv2 model (``facebook/dinov2-small`` by default) from the hub or a local folder."""

    name = "dinov2"

    def __init__(self, path: str = "facebook/dinov2-small", *, local_files_only: bool = False,
                 device: str = "cpu", batch_size: int = 256, resolution: int = 224):
        from transformers import AutoModel

        try:
            self.model = AutoModel.from_pretrained(path, local_files_only=local_files_only).to(device).eval()
        except OSError as err:
            raise RuntimeError(
                f"could not load DINOv2 weights from {path!r}: download them on a connected machine "
                "(huggingface-cli download facebook/dinov2-small) and pass the local folder") from err
        self.device, self.batch_size, self.resolution = device, batch_size, resolution

    def _prepare(self, x: torch.Tensor) -> torch.Tensor:
        x = (x + 1) / 2
        if x.shape[1] == 1:
            x = x.repeat(1, 3, 1, 1)
        x = nn.functional.interpolate(x, size=(self.resolution, self.resolution), mode="bicubic", align_corners=False)
        mean = torch.tensor(IMAGENET_MEAN, device=x.device).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD, device=x.device).view(1, 3, 1, 1)
        return (x - mean) / std

    @torch.no_grad()
    def __call__(self, images: np.ndarray) -> np.ndarray:
        out = []
        for x in _batches(images, self.batch_size):
            hidden = self.model(pixel_values=self._prepare(x.to(self.device))).last_hidden_state
            out.append(hidden[:, 0].float().cpu().numpy())
        return np.concatenate(out)


class SmallCNN(nn.Module):
    """Two conv layers and a 128-d feature layer; a digit/MNIST/CIFAR classifier for offline Fréchet distance.
    Images wider than ``INPUT_SIDE`` are first averaged down to it (a 32x32 image costs a quarter as much)."""

    INPUT_SIDE = 16

    def __init__(self, in_channels: int, num_classes: int, feature_dim: int = 128, side: int = 8):
        super().__init__()
        shrink = [nn.AdaptiveAvgPool2d(self.INPUT_SIDE)] if side > self.INPUT_SIDE else []
        self.body = nn.Sequential(
            *shrink, nn.Conv2d(in_channels, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Linear(64 * 16, feature_dim), nn.ReLU())
        self.head = nn.Linear(feature_dim, num_classes)

    def forward(self, x):
        return self.head(self.body(x))


class ClassifierFeatures:
    """Penultimate layer of a small CNN trained once on the real set and cached on disk."""

    name = "classifier"
    VERSION = 3  # 2: seeded initial weights (version 1 drew them from the global RNG, so refits differed);
    # 3: trained on one thread (the weights depended on the thread count of whichever process trained them first)

    def __init__(self, images: np.ndarray, labels: np.ndarray, *, cache_dir: str | Path | None = None,
                 steps: int = 1500, seed: int = 0, num_classes: int | None = None):
        num_classes = num_classes or int(labels.max()) + 1
        side = images.shape[-1]
        with torch.random.fork_rng():  # seeded initial weights, the caller's RNG state untouched
            torch.manual_seed(seed)
            self.net = SmallCNN(images.shape[1], num_classes, side=side)
        shrunk = f"-shrunk{SmallCNN.INPUT_SIDE}" if side > SmallCNN.INPUT_SIDE else ""  # digits' key unchanged
        digest = hashlib.sha256(np.ascontiguousarray(images).tobytes() + labels.tobytes()
                                + f"{steps}-{seed}-{num_classes}-{self.VERSION}{shrunk}".encode()).hexdigest()[:16]
        path = Path(cache_dir) / f"classifier-{digest}.pt" if cache_dir else None
        if path is not None and path.is_file():
            self.net.load_state_dict(torch.load(path, weights_only=True))
        else:
            self._fit(images, labels, steps, seed)
            if path is not None:
                from .files import atomic_torch_save

                atomic_torch_save(path, self.net.state_dict())
        self.net.eval()

    def _fit(self, images, labels, steps, seed):
        from .threads import fixed_threads

        with fixed_threads(1):
            self._fit_steps(images, labels, steps, seed)

    def _fit_steps(self, images, labels, steps, seed):
        gen = torch.Generator().manual_seed(seed)
        x, y = torch.from_numpy(images.astype(np.float32)), torch.from_numpy(labels.astype(np.int64))
        opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)
        for _ in range(steps):
            take = torch.randint(0, len(x), (128,), generator=gen)
            loss = nn.functional.cross_entropy(self.net(x[take]), y[take])
            opt.zero_grad()
            loss.backward()
            opt.step()

    @torch.no_grad()
    def __call__(self, images: np.ndarray) -> np.ndarray:
        return np.concatenate([self.net.body(x).numpy() for x in _batches(images, 1024)])

    @torch.no_grad()
    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities (softmax), shape (n, classes)."""
        return np.concatenate([torch.softmax(self.net(x), 1).numpy() for x in _batches(images, 1024)])

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Most likely class of each image."""
        return self.probabilities(images).argmax(1)

    def confident_share(self, images: np.ndarray, threshold: float = 0.9) -> float:
        """Share of images the classifier assigns to one class with probability above ``threshold``."""
        return float((self.probabilities(images).max(1) > threshold).mean())


class InceptionFeatures:
    """2048-d pool features of the FID Inception-v3 (torch-fidelity), for the standard FID; or, with ``weights``, a
    TorchScript module of the same interface (uint8 (n, 3, H, W) in, a 1-tuple of features out; e.g. the offline
    stand-in of ``standins.tiny_inception``)."""

    name = "inception"

    def __init__(self, device: str = "cpu", batch_size: int = 200, weights: str | Path | None = None):
        if weights is not None:
            if not Path(weights).is_file():
                raise RuntimeError(f"inception_path {weights}: no such file (a TorchScript feature extractor)")
            self.model = torch.jit.load(str(weights), map_location=device).eval()
        else:
            self.model = self._fidelity(device)
        self.device, self.batch_size = device, batch_size

    @staticmethod
    def _fidelity(device: str):
        try:
            from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

            return FeatureExtractorInceptionV3("inception-v3-compat", ["2048"]).to(device).eval()
        except Exception as err:
            raise RuntimeError(
                "standard FID needs torch-fidelity and its Inception weights: pip install '.[fid]' on a "
                "machine that can download them once (they are cached in ~/.cache/torch); "
                "offline, use fd_feature: classifier") from err

    @torch.no_grad()
    def __call__(self, images: np.ndarray) -> np.ndarray:
        out = []
        for x in _batches(images, self.batch_size):
            u8 = ((x + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)
            if u8.shape[1] == 1:
                u8 = u8.repeat(1, 3, 1, 1)
            out.append(self.model(u8.to(self.device))[0].float().cpu().numpy())
        return np.concatenate(out)


def make_features(name: str, *, real_images: np.ndarray | None = None, real_labels: np.ndarray | None = None,
                  cache_dir: str | Path | None = None, device: str = "cpu", dinov2_path: str = "facebook/dinov2-small",
                  local_files_only: bool = False, num_classes: int | None = None, inception_path: str | None = None):
    """Build a feature extractor by name (``real_*`` are needed by ``classifier``)."""
    if name == "pixel":
        return PixelFeatures()
    if name == "dinov2":
        return Dinov2Features(dinov2_path, local_files_only=local_files_only, device=device)
    if name == "classifier":
        if real_images is None or real_labels is None:
            raise ValueError("classifier features need the real images and labels to train on")
        return ClassifierFeatures(real_images, real_labels, cache_dir=cache_dir, num_classes=num_classes)
    if name == "inception":
        return InceptionFeatures(device=device, weights=inception_path)
    raise ValueError(f"unknown feature space {name!r}; choose one of {FEATURES}")
