"""Run under torchrun: sample with the library's sharded sampler and train a few DDP steps (gloo, CPU)."""

import sys

import numpy as np
import torch
import torch.distributed as dist

from collapse_lib.diffusion import TrainSettings, make_scheduler, sample_images, train_denoiser
from collapse_lib.models import build_denoiser


def main(out: str) -> None:
    if "--single" not in sys.argv:
        dist.init_process_group("gloo")
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = build_denoiser("mlp", sample_size=8, in_channels=1, width=32, blocks=1)
    images = sample_images(model, 50, image_shape=(1, 8, 8), train_scheduler=make_scheduler(), sampler="ddpm",
                           steps=10, seed=7, batch_size=8)
    data = torch.rand(64, 1, 8, 8) * 2 - 1
    trained = train_denoiser(model, data, None, settings=TrainSettings(steps=5, batch_size=16, lr=1e-3),
                             scheduler=make_scheduler(), seed=3)
    checksum = torch.tensor([float(sum(p.double().sum() for p in trained.parameters()))])
    if dist.is_initialized():
        sums = [torch.zeros(1) for _ in range(dist.get_world_size())]
        dist.all_gather(sums, checksum)
        assert all(torch.equal(s, sums[0]) for s in sums), "ranks disagree after DDP training"
    if not dist.is_initialized() or dist.get_rank() == 0:
        np.save(out, images)
    if dist.is_initialized():
        dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
