"""Process-group helpers: which shard this process owns, and gathering shards back in order.

Works with ``torchrun``/``accelerate launch`` (gloo on CPU, nccl on GPU); a single process needs nothing.
"""

from __future__ import annotations

import numpy as np
import torch.distributed as dist


def rank_and_world() -> tuple[int, int]:
    """(rank, world size) of the current process group, or (0, 1) outside one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


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
