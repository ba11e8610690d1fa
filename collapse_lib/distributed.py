"""Process-group helpers: which shard this process owns, and gathering shards back in order.

Works under ``torchrun`` or ``accelerate launch`` (gloo on CPU, nccl on GPU): ``init_from_env`` joins
the group those launchers describe in RANK/WORLD_SIZE/MASTER_ADDR. A single process needs nothing.
"""

from __future__ import annotations

import os

import numpy as np
import torch
import torch.distributed as dist


def init_from_env() -> tuple[int, int]:
    """Join the process group described by the launcher's environment (if any); returns (rank, world)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and dist.is_available() and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    return rank_and_world()


def rank_and_world() -> tuple[int, int]:
    """(rank, world size) of the current process group, or (0, 1) outside one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_main_process() -> bool:
    """True on rank 0 (the process that writes files)."""
    return rank_and_world()[0] == 0


def barrier() -> None:
    """Wait for every process (no-op outside a group)."""
    if rank_and_world()[1] > 1:
        dist.barrier()


def gather_in_order(parts: dict[int, np.ndarray], n_parts: int) -> np.ndarray:
    """Concatenate numbered parts held across processes into one array, in part order, on every rank."""
    _, world = rank_and_world()
    if world > 1:
        everyone = [None] * world
        dist.all_gather_object(everyone, parts)
        parts = {k: v for shard in everyone for k, v in shard.items()}
    missing = set(range(n_parts)) - set(parts)
    if missing:
        raise RuntimeError(f"parts {sorted(missing)} were produced by no process")
    return np.concatenate([parts[b] for b in range(n_parts)])


def broadcast_from_main(obj):
    """Rank 0's value of ``obj`` on every process (the value itself outside a group): one decision for all ranks."""
    if rank_and_world()[1] == 1:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]
