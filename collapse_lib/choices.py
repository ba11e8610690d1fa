"""The names a run configuration chooses among, in one torch-free module, so that a config is checked in
milliseconds. The rooms that implement them (``models``, ``diffusion``, ``features``) key their dispatch by
these names, and the tests check that every name has an implementation. Datasets are named in ``data`` and
selectors in ``selection``, whose registries are torch-free too.
"""

from __future__ import annotations

MODELS = ("mlp", "unet-small", "unet-cifar", "unet-mnist")
FEATURES = ("pixel", "dinov2", "classifier", "inception")
#: what the denoiser outputs: the noise (Ho et al. 2020), the clean image, v = sqrt(a) eps - sqrt(1-a) x0
#: (Salimans & Ho 2022), or the clean image through EDM's preconditioning (Karras et al. 2022; see
#: ``diffusion.Preconditioned``); diffusers' names for what the sampler receives
PREDICTIONS = {"epsilon": "epsilon", "x0": "sample", "v": "v_prediction", "edm": "sample"}
#: noise schedules: linear betas 1e-4..0.02 (Ho et al. 2020) or the cosine schedule (Nichol & Dhariwal 2021)
SCHEDULES = {"linear": "linear", "cosine": "squaredcos_cap_v2"}
#: the learning rate after warm-up: constant, or a cosine decay to 0 at the last step
LR_SCHEDULES = ("constant", "cosine")
SAMPLERS = ("ddpm", "ddim")
PRECISIONS = ("fp32", "bf16", "fp16")
DEVICES = ("auto", "cpu", "cuda")
