"""Denoisers: the paper's Appendix D UNets (diffusers ``UNet2DModel``) and a small residual MLP for CPUs.

Every denoiser is a diffusers ``ModelMixin`` (``save_pretrained``/``from_pretrained``, safetensors) called
as ``model(x, t, class_labels=...)`` and returning an object whose ``.sample`` is the predicted noise.
Class-conditional models reserve the label ``num_classes`` for "no label" (classifier-free guidance).
"""

from __future__ import annotations

import math

import torch
from diffusers import ModelMixin, UNet2DModel
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.unets.unet_2d import UNet2DOutput
from torch import nn

from .choices import MODELS


def sinusoidal_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Transformer-style sinusoidal embedding of (float) timesteps, shape (batch, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class _ResBlock(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.inner = nn.Linear(width, width)
        self.outer = nn.Linear(width, width)

    def forward(self, h, emb):
        return h + self.outer(nn.functional.silu(self.inner(self.norm(h + emb))))


class MLPDenoiser(ModelMixin, ConfigMixin):
    """Residual MLP noise predictor on flattened images (the cpu/smoke profiles' denoiser)."""

    @register_to_config
    def __init__(self, sample_size: int = 8, in_channels: int = 1, width: int = 256, blocks: int = 3,
                 time_dim: int = 128, num_class_embeds: int | None = None):
        super().__init__()
        dim = in_channels * sample_size * sample_size
        self.time_mlp = nn.Sequential(nn.Linear(time_dim, width), nn.SiLU(), nn.Linear(width, width))
        self.class_embedding = nn.Embedding(num_class_embeds, width) if num_class_embeds else None
        self.inp = nn.Linear(dim, width)
        self.res_blocks = nn.ModuleList(_ResBlock(width) for _ in range(blocks))
        self.out_norm = nn.LayerNorm(width)
        self.out = nn.Linear(width, dim)

    def forward(self, sample, timestep, class_labels=None, return_dict: bool = True):
        shape = sample.shape
        t = timestep if torch.is_tensor(timestep) else torch.tensor([timestep], device=sample.device)
        emb = self.time_mlp(sinusoidal_embedding(t.expand(shape[0]), self.config.time_dim))
        if self.class_embedding is not None:
            if class_labels is None:
                raise ValueError("this denoiser is class-conditional: pass class_labels")
            emb = emb + self.class_embedding(class_labels)
        h = self.inp(sample.reshape(shape[0], -1))
        for block in self.res_blocks:
            h = block(h, emb)
        eps = self.out(self.out_norm(h)).reshape(shape)
        return UNet2DOutput(sample=eps) if return_dict else (eps,)


def paper_unet_cifar(sample_size: int = 32, in_channels: int = 3, num_class_embeds=None) -> UNet2DModel:
    """App. D.2 CIFAR-10/FFHQ UNet: 6 down/6 up blocks, channels 48,48,96,96,144,144, 2 layers, 16 groups."""
    return UNet2DModel(
        sample_size=sample_size, in_channels=in_channels, out_channels=in_channels, layers_per_block=2,
        block_out_channels=(48, 48, 96, 96, 144, 144), norm_num_groups=16,
        down_block_types=("DownBlock2D",) * 4 + ("AttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "AttnUpBlock2D") + ("UpBlock2D",) * 4,
        num_class_embeds=num_class_embeds,
    )


def paper_unet_mnist(sample_size: int = 32, in_channels: int = 1, num_class_embeds=None) -> UNet2DModel:
    """App. D.2 MNIST UNet: 4 down/4 up blocks, channels 64,128,256,512, 2 layers, 32 groups."""
    return UNet2DModel(
        sample_size=sample_size, in_channels=in_channels, out_channels=in_channels, layers_per_block=2,
        block_out_channels=(64, 128, 256, 512), norm_num_groups=32,
        down_block_types=("DownBlock2D", "DownBlock2D", "AttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "AttnUpBlock2D", "UpBlock2D", "UpBlock2D"),
        num_class_embeds=num_class_embeds,
    )


def small_unet(sample_size: int, in_channels: int, num_class_embeds=None) -> UNet2DModel:
    """A two-level UNet (32, 64 channels) for CPU runs on small images."""
    return UNet2DModel(
        sample_size=sample_size, in_channels=in_channels, out_channels=in_channels, layers_per_block=1,
        block_out_channels=(32, 64), norm_num_groups=8,
        down_block_types=("DownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "UpBlock2D"),
        num_class_embeds=num_class_embeds,
    )


def build_denoiser(name: str, *, sample_size: int, in_channels: int, num_classes: int | None = None,
                   width: int = 256, blocks: int = 3) -> ModelMixin:
    """A fresh denoiser by name; ``num_classes`` makes it class-conditional (one extra null label)."""
    embeds = num_classes + 1 if num_classes else None
    if name == "mlp":
        return MLPDenoiser(sample_size=sample_size, in_channels=in_channels, width=width, blocks=blocks,
                           num_class_embeds=embeds)
    if name == "unet-small":
        return small_unet(sample_size, in_channels, embeds)
    if name == "unet-cifar":
        return paper_unet_cifar(sample_size, in_channels, embeds)
    if name == "unet-mnist":
        return paper_unet_mnist(sample_size, in_channels, embeds)
    raise ValueError(f"unknown model {name!r}; choose one of {MODELS}")


def load_denoiser(path) -> ModelMixin:
    """Load a denoiser saved by the loop (a DDPMPipeline folder or a bare model folder)."""
    import json
    from pathlib import Path

    path = Path(path)
    folder = path / "unet" if (path / "unet").is_dir() else path
    cls_name = json.loads((folder / "config.json").read_text())["_class_name"]
    cls = MLPDenoiser if cls_name == "MLPDenoiser" else UNet2DModel
    return cls.from_pretrained(folder)
