"""How many threads the selectors' and metrics' kernels use: the cores this process may run on that no other
process is busy on right now. Multi-threaded kernels on a machine whose cores are taken spin and wait for each
other (on 2 cores with one other busy process, greedy selection ran 32x slower at two threads than at one), so
the kernels below take only the idle cores, never fewer than one."""

from __future__ import annotations

import os
from contextlib import contextmanager


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, which a scheduler such as Slurm sets)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def busy_elsewhere() -> int:
    """Runnable tasks on the machine besides this one, right now (the kernel's count in /proc/loadavg); 0 where
    the system does not tell."""
    try:
        with open("/proc/loadavg") as fh:
            running = int(fh.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return 0
    return max(0, running - 1)


def kernel_threads(limit: int | None = None) -> int:
    """Threads for a compute kernel: the usable cores not busy elsewhere, at most ``limit`` (e.g. torch's own
    setting), at least 1."""
    free = usable_cores() - busy_elsewhere()
    return max(1, min(free, limit or free))


@contextmanager
def idle_core_threads():
    """Run the enclosed torch (and faiss) kernels on ``kernel_threads()`` threads, then restore the settings."""
    import torch

    before = torch.get_num_threads()
    n = kernel_threads(before)
    faiss = _faiss()
    faiss_before = faiss.omp_get_max_threads() if faiss else None
    torch.set_num_threads(n)
    if faiss:
        faiss.omp_set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(before)
        if faiss:
            faiss.omp_set_num_threads(faiss_before)


def _faiss():
    try:
        import faiss
    except ImportError:  # pragma: no cover - faiss-cpu is a pinned dependency
        return None
    return faiss


@contextmanager
def fixed_threads(n: int):
    """Run the enclosed torch code on exactly ``n`` threads (float sums, hence trained weights, depend on the thread
    count), then restore the setting."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextmanager
def kernel_threads_for_numba():
    """Run the enclosed numba kernels (the selectors') on ``kernel_threads()`` threads, then restore the setting."""
    import numba

    before = numba.get_num_threads()
    n = kernel_threads(numba.config.NUMBA_NUM_THREADS)
    numba.set_num_threads(n)
    try:
        yield n
    finally:
        numba.set_num_threads(before)

