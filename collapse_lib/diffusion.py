"""One DDPM training loop and one sampler (DDPM or DDIM) over diffusers schedulers.

Training minimises the epsilon-prediction loss of Ho et al. (2020); class-conditional models drop their
label to the null class with probability ``label_dropout`` so that sampling can apply classifier-free
guidance, eps = eps_uncond + w * (eps_cond - eps_uncond) (Ho & Salimans, 2022).
Sampling is sharded by batch: batch b always draws its noise from seed (seed, b), so the samples do not
depend on how many processes share the work.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import nullcontext

import numpy as np
import torch
from diffusers import DDIMScheduler, DDPMScheduler
from tqdm.auto import tqdm

from .choices import PREDICTIONS, SCHEDULES
from .distributed import gather_in_order, rank_and_world
from .settings import TrainSettings

SIGMA_DATA = 0.5  # EDM's assumed standard deviation of the data


def make_scheduler(num_train_timesteps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02, *,
                   schedule: str = "linear", prediction: str = "epsilon") -> DDPMScheduler:
    """The DDPM noise schedule, predicted x0 clipped to [-1, 1] when sampling (``schedule``/``prediction``: keys above)."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown noise schedule {schedule!r}; choose one of {tuple(SCHEDULES)}")
    if prediction not in PREDICTIONS:
        raise ValueError(f"unknown prediction {prediction!r}; choose one of {tuple(PREDICTIONS)}")
    return DDPMScheduler(num_train_timesteps=num_train_timesteps, beta_start=beta_start, beta_end=beta_end,
                         beta_schedule=SCHEDULES[schedule], clip_sample=True, prediction_type=PREDICTIONS[prediction])


class Preconditioned(torch.nn.Module):
    """EDM preconditioning (Karras et al. 2022, Table 1) of a network F on the DDPM (variance-preserving) schedule.

    With y = x_t / sqrt(a_t) = x0 + sigma eps and sigma^2 = (1 - a_t) / a_t, the clean-image estimate is
    D(y) = c_skip y + c_out F(c_in y, t): c_skip = s^2 / (sigma^2 + s^2), c_out = sigma s / sqrt(sigma^2 + s^2),
    c_in = 1 / sqrt(sigma^2 + s^2), s = sigma_data. At low noise D is the input plus a small correction (so
    samples are not pulled onto what the network can reconstruct); at high noise it is F's x0 prediction.
    Called like a diffusers denoiser; returns D (the sampler's prediction type is ``sample``).
    """

    def __init__(self, net, alphas_cumprod: torch.Tensor, sigma_data: float = SIGMA_DATA):
        super().__init__()
        self.net, self.sigma_data = net, sigma_data
        self.register_buffer("alphas", alphas_cumprod.float().clone(), persistent=False)

    @property
    def config(self):
        return self.net.config

    def coefficients(self, t: torch.Tensor, ndim: int):
        a = self.alphas.to(t.device)[t].view(-1, *([1] * (ndim - 1)))
        sigma2, s2 = (1 - a) / a, self.sigma_data**2
        return a, s2 / (sigma2 + s2), sigma2.sqrt() * self.sigma_data / (sigma2 + s2).sqrt(), 1 / (sigma2 + s2).sqrt()

    def forward(self, x, t, class_labels=None, return_dict: bool = True):
        t = t.expand(len(x)) if t.ndim else t.repeat(len(x))
        a, c_skip, c_out, c_in = self.coefficients(t, x.ndim)
        y = x / a.sqrt()
        d = c_skip * y + c_out * self.net(c_in * y, t, class_labels=class_labels).sample
        from diffusers.models.unets.unet_2d import UNet2DOutput

        return UNet2DOutput(sample=d) if return_dict else (d,)


def training_target(scheduler: DDPMScheduler, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """What the denoiser is trained to output at x_t = sqrt(a_t) x0 + sqrt(1 - a_t) noise."""
    kind = scheduler.config.prediction_type
    if kind == "epsilon":
        return noise
    if kind == "sample":
        return x0
    return scheduler.get_velocity(x0, noise, t)


def _autocast(device: torch.device, precision: str):
    """Mixed precision as asked: bf16 or fp16 autocast on CUDA, bf16 autocast on the CPU (fp16 needs CUDA)."""
    if precision == "fp32":
        return nullcontext()
    if device.type != "cuda" and precision == "fp16":
        raise ValueError("precision fp16 needs a CUDA device; use bf16 or fp32 on the CPU")
    return torch.autocast(device.type, dtype=torch.bfloat16 if precision == "bf16" else torch.float16)


def _batch_indices(n: int, batch: int, steps: int, gen: torch.Generator):
    """Epoch-wise shuffled minibatches, ``steps`` of them."""
    order, pos = torch.randperm(n, generator=gen), 0
    for _ in range(steps):
        if pos + batch > n:
            order, pos = torch.randperm(n, generator=gen), 0
        take = order[pos : pos + batch] if batch <= n else torch.randint(0, n, (batch,), generator=gen)
        pos += batch
        yield take


def _ema_update(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    with torch.no_grad():
        for e, p in zip(ema.parameters(), model.parameters(), strict=True):
            e.lerp_(p, 1.0 - decay)


def train_denoiser(model, images: torch.Tensor, labels: torch.Tensor | None, *, settings: TrainSettings,
                   scheduler: DDPMScheduler, seed: int, device: str | torch.device = "cpu",
                   callbacks: Sequence[Callable[[int, float], None]] = (), progress: bool = False):
    """Train ``model`` in place on images in [-1, 1]; returns the trained model (its EMA copy if asked)."""
    import copy

    device = torch.device(device)
    rank, world = rank_and_world()
    gen = torch.Generator().manual_seed(seed)
    model.to(device).train()
    ddp = _wrap_ddp(model, device) if world > 1 else model
    ema = copy.deepcopy(model).eval() if settings.ema_decay else None
    opt = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay,
                            fused=device.type in ("cpu", "cuda"))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, settings))
    # fp16 gradients underflow without loss scaling; the scaler is a no-op for fp32 and bf16
    scaler = torch.amp.GradScaler(device.type, enabled=settings.precision == "fp16")
    alphas = scheduler.alphas_cumprod.to(device)
    local = settings.batch_size // world
    bar = tqdm(total=settings.steps, desc="train", disable=not progress or rank != 0, leave=False)
    for step, take in enumerate(_batch_indices(len(images), settings.batch_size, settings.steps, gen)):
        take = take[rank * local : (rank + 1) * local]
        x0 = images[take].to(device)
        noise = torch.randn(x0.shape, generator=gen).to(device)
        t = torch.randint(0, len(alphas), (len(x0),), generator=gen).to(device)
        a = alphas[t].view(-1, *([1] * (x0.ndim - 1)))
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        y = None
        if labels is not None:
            y = labels[take].to(device)
            drop = (torch.rand(len(y), generator=gen) < settings.label_dropout).to(device)
            y = torch.where(drop, torch.full_like(y, model.config.num_class_embeds - 1), y)
        with _autocast(device, settings.precision):
            out = ddp(xt, t, class_labels=y).sample.float()
        if isinstance(model, Preconditioned):  # EDM's loss weight 1 / c_out^2 on the x0 error
            loss = ((out - x0) / model.coefficients(t, x0.ndim)[2]).square().mean()
        else:
            loss = torch.nn.functional.mse_loss(out, training_target(scheduler, x0, noise, t))
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        if settings.grad_clip:
            scaler.unscale_(opt)
            torch.nn.utils.clip_grad_norm_(model.parameters(), settings.grad_clip)
        scaler.step(opt)
        scaler.update()
        sched.step()
        if ema is not None:
            _ema_update(ema, model, settings.ema_decay)
        for cb in callbacks:
            cb(step, float(loss.detach()))
        bar.update(1)
    bar.close()
    return (ema or model).eval()


def lr_factor(step: int, settings: TrainSettings) -> float:
    """Learning-rate multiplier at ``step``: linear warm-up, then constant or a cosine decay to 0."""
    warm = max(1, settings.warmup_steps)
    if step < warm:
        return (step + 1) / warm
    if settings.lr_schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, settings.steps - warm)))
    return 1.0


def _wrap_ddp(model, device):
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)


def _sampling_scheduler(train_scheduler: DDPMScheduler, kind: str, steps: int):
    if kind == "ddpm":
        s = DDPMScheduler.from_config(train_scheduler.config)
    elif kind == "ddim":
        s = DDIMScheduler.from_config(train_scheduler.config)
    else:
        raise ValueError(f"unknown sampler {kind!r}; choose ddpm or ddim")
    s.set_timesteps(steps)
    return s


def _guided_eps(model, x, t, y, guidance: float, null_label: int | None):
    if y is None:
        return model(x, t).sample
    if guidance == 1.0:
        return model(x, t, class_labels=y).sample
    both = model(torch.cat([x, x]), t, class_labels=torch.cat([y, torch.full_like(y, null_label)])).sample
    cond, uncond = both.chunk(2)
    return uncond + guidance * (cond - uncond)


@torch.no_grad()
def _sample_batch(model, scheduler, shape, y, guidance, null_label, seed, device, precision):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=gen).to(device)
    for t in scheduler.timesteps:
        with _autocast(device, precision):
            eps = _guided_eps(model, x, t.to(device), y, guidance, null_label).float()
        kwargs = {"generator": gen} if isinstance(scheduler, DDPMScheduler) else {"eta": 0.0}
        x = scheduler.step(eps, t, x, **kwargs).prev_sample
    return x.clamp(-1, 1).cpu().numpy().astype(np.float32)


def sample_images(model, n: int, *, image_shape: tuple[int, int, int], train_scheduler: DDPMScheduler,
                  sampler: str = "ddpm", steps: int = 1000, labels: np.ndarray | None = None,
                  guidance: float = 1.0, seed: int = 0, batch_size: int = 512,
                  device: str | torch.device = "cpu", precision: str = "fp32", progress: bool = False) -> np.ndarray:
    """Draw n images in [-1, 1] (float32, (n, C, H, W)); ``labels`` (n,) for class-conditional models."""
    device = torch.device(device)
    model.to(device).eval()
    rank, world = rank_and_world()
    scheduler = _sampling_scheduler(train_scheduler, sampler, steps)
    null = model.config.num_class_embeds - 1 if labels is not None else None
    n_batches = math.ceil(n / batch_size)
    mine = {}
    for b in tqdm(range(rank, n_batches, world), desc="sample", disable=not progress or rank != 0, leave=False):
        lo, hi = b * batch_size, min(n, (b + 1) * batch_size)
        y = None if labels is None else torch.as_tensor(labels[lo:hi], dtype=torch.long, device=device)
        mine[b] = _sample_batch(model, scheduler, (hi - lo, *image_shape), y, guidance, null,
                                seed * 1_000_003 + b, device, precision)
    return gather_in_order(mine, n_batches)


def load_trained(path) -> tuple[torch.nn.Module, DDPMScheduler]:
    """A denoiser saved by the loop, ready to call, and its noise schedule: ``path`` is an ``iter_NN/model`` folder
    (a diffusers DDPMPipeline) or a bare model folder. A network trained under EDM preconditioning (its run's
    config.json, two folders up, says ``prediction: edm``) comes back inside ``Preconditioned``."""
    import json
    from pathlib import Path

    from .models import load_denoiser

    path = Path(path)
    if not (path / "config.json").is_file() and not (path / "unet" / "config.json").is_file():
        raise FileNotFoundError(f"{path}: not a saved denoiser (no config.json, no unet/config.json)")
    net = load_denoiser(path).eval()
    scheduler = DDPMScheduler.from_pretrained(path / "scheduler") if (path / "scheduler").is_dir() else make_scheduler()
    run_config = path.parent.parent / "config.json"
    prediction = json.loads(run_config.read_text())["config"].get("prediction") if run_config.is_file() else None
    if prediction == "edm":
        return Preconditioned(net, scheduler.alphas_cumprod).eval(), scheduler
    return net, scheduler
