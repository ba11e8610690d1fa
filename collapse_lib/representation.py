"""Memorization read from the model alone: how spiky its hidden representation is, and the stable rank of its weights.

A denoiser that memorizes stores training images in its weights, and an input near one of them lights up a
few hidden units ("spiky"); a generalizing one spreads the activation over many units ("balanced")
(arXiv 2512.20963, for a two-layer ReLU denoising autoencoder f(x) = W2 [W1^T x]_+ and for large diffusion
models). The stable rank ||W||_F^2 / ||W||_2^2 of the weight matrices is a second, generation-free signal.

``activation_spikiness`` scores each image; ``stable_rank`` and ``model_stable_rank`` score weights.
"""

from __future__ import annotations

import numpy as np
import torch

#: noise level (DDPM timestep of 1000) at which a denoiser's activations are read: low noise, where the
#: denoiser must decide which training image an input belongs to
DEFAULT_TIMESTEP = 50


def spikiness_of(hidden: torch.Tensor) -> np.ndarray:
    """Per row: sqrt(d) * std over units of |h| / ||h||_2 (0: every unit equally active; ~1: one unit carries it all).

    Dividing by the norm makes the score blind to the activation's scale; the absolute value makes it blind to
    signs (a signed residual stream is as balanced as its magnitudes are). A row of zeros scores 0.
    """
    h = hidden.detach().float().reshape(len(hidden), -1).abs()
    d = h.shape[1]
    norm = h.norm(dim=1, keepdim=True)
    unit = torch.where(norm > 0, h / norm.clamp_min(1e-30), torch.zeros_like(h))
    return (unit.std(dim=1, unbiased=False) * d**0.5).cpu().numpy().astype(np.float64)


def hidden_layer(model: torch.nn.Module) -> tuple[torch.nn.Module, str]:
    """The module whose activation is read, and whether its ``input`` or ``output`` is: the MLP denoiser's last
    residual block (the input of its outer linear layer, i.e. the block's nonlinearity) or a UNet's mid block."""
    net = getattr(model, "net", model)  # an EDM-preconditioned wrapper holds the network in .net
    if hasattr(net, "res_blocks"):
        return net.res_blocks[-1].outer, "input"
    if hasattr(net, "mid_block") and net.mid_block is not None:
        return net.mid_block, "output"
    raise ValueError(f"{type(net).__name__}: no known hidden layer (expected an MLP denoiser or a UNet with a mid block)")


def _noised(images: torch.Tensor, timestep: int, scheduler, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    noise = torch.randn(images.shape, generator=gen)
    a = scheduler.alphas_cumprod[timestep].float()
    return a.sqrt() * images + (1 - a).sqrt() * noise


@torch.no_grad()
def _denoiser_hidden(model, images: torch.Tensor, timestep: int, labels, scheduler, seed: int) -> torch.Tensor:
    layer, which = hidden_layer(model)
    seen = []
    if which == "input":
        handle = layer.register_forward_pre_hook(lambda _m, args: seen.append(args[0]))
    else:
        handle = layer.register_forward_hook(lambda _m, _a, out: seen.append(out[0] if isinstance(out, tuple) else out))
    device = next(model.parameters()).device
    try:
        x = _noised(images, timestep, scheduler, seed).to(device)
        t = torch.full((len(x),), timestep, dtype=torch.long, device=device)
        y = None if labels is None else torch.as_tensor(labels, dtype=torch.long, device=device)
        model.eval()(x, t, class_labels=y)
    finally:
        handle.remove()
    return seen[-1]


def activation_spikiness(module: torch.nn.Module, images, *, timestep: int | None = None, labels=None,
                         scheduler=None, seed: int = 0, batch_size: int = 512) -> np.ndarray:
    """One spikiness score per image (see ``spikiness_of``) of ``module``'s hidden representation.

    ``timestep`` None: ``module`` is a feature map whose output is the representation (e.g. the first layer
    and ReLU of an autoencoder), applied to the images as given. Otherwise ``module`` is a denoiser from
    ``collapse_lib.models``: the images (in [-1, 1]) are noised to ``timestep`` with a fixed draw seeded by
    ``seed`` under ``scheduler`` (default: the linear DDPM schedule) and the hidden layer of ``hidden_layer``
    is read; ``labels`` are needed by class-conditional denoisers.
    """
    x_all = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    if x_all.ndim < 2 or len(x_all) == 0:
        raise ValueError(f"images: expected a non-empty batch (n, ...); got shape {tuple(x_all.shape)}")
    if timestep is not None:
        from .diffusion import make_scheduler

        scheduler = scheduler or make_scheduler()
        if not 0 <= timestep < len(scheduler.alphas_cumprod):
            raise ValueError(f"timestep must lie in [0, {len(scheduler.alphas_cumprod)}); got {timestep}")
    scores = []
    for s in range(0, len(x_all), batch_size):
        x = x_all[s : s + batch_size]
        if timestep is None:
            with torch.no_grad():
                hidden = module(x)
        else:
            lab = None if labels is None else np.asarray(labels)[s : s + batch_size]
            hidden = _denoiser_hidden(module, x, timestep, lab, scheduler, seed + s)
        scores.append(spikiness_of(hidden))
    return np.concatenate(scores)


def stable_rank(weight) -> float:
    """||W||_F^2 / ||W||_2^2 of a weight matrix (a conv kernel is read as (out, in * kh * kw)): between 1 (rank one)
    and the rank (all singular values equal)."""
    w = torch.as_tensor(weight).detach().double()
    if w.ndim < 2:
        raise ValueError(f"weight: expected a matrix or a conv kernel; got shape {tuple(w.shape)}")
    w = w.reshape(w.shape[0], -1)
    spectral = torch.linalg.matrix_norm(w, ord=2)
    if spectral == 0:
        raise ValueError("weight: all zeros has no stable rank")
    return float(torch.linalg.matrix_norm(w, ord="fro") ** 2 / spectral**2)


def model_stable_rank(model: torch.nn.Module) -> dict:
    """Stable rank of every weight matrix of a model (linear and conv layers, not embeddings or norms): per layer
    and the mean over layers."""
    net = getattr(model, "net", model)
    per = {name: stable_rank(m.weight) for name, m in net.named_modules()
           if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)) and m.weight.ndim >= 2 and m.weight.abs().sum() > 0}
    if not per:
        raise ValueError(f"{type(net).__name__}: no linear or conv weights")
    return {"mean": float(np.mean(list(per.values()))), "per_layer": per}
