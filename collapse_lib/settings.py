"""How one denoiser is trained: a plain dataclass, importable without torch (run configs and the run cache's
first-model keys are built from it before anything heavy loads)."""

from __future__ import annotations

from dataclasses import dataclass

from .choices import LR_SCHEDULES


@dataclass(frozen=True)
class TrainSettings:
    """How one denoiser is trained. The defaults suit the small denoisers of the cpu and smoke profiles and are
    ``RunConfig``'s too (it reads them from here); the paper's values (Adam lr 1e-4, weight decay 1e-6, batch 128)
    are set in ``params/paper/``."""

    steps: int = 3000  # optimizer steps
    batch_size: int = 256  # global batch (split across processes)
    lr: float = 1e-3  # peak learning rate
    weight_decay: float = 0.0  # AdamW weight decay
    warmup_steps: int = 100  # linear warm-up, then the schedule below
    lr_schedule: str = "constant"  # after warm-up: one of choices.LR_SCHEDULES
    label_dropout: float = 0.1  # class-conditional only: share of labels replaced by the null class
    ema_decay: float | None = None  # keep and return an exponential moving average of the weights
    precision: str = "fp32"  # fp32 | bf16 | fp16 (autocast; CUDA only)
    grad_clip: float | None = 1.0  # max gradient norm (None: no clipping)

    def __post_init__(self):
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule: {self.lr_schedule!r} is not one of {', '.join(LR_SCHEDULES)}")
