"""Keep freed memory in the process while a job runs (glibc's ``mallopt``).

A training step frees its activations and allocates them again at the next
step.  glibc hands blocks above 128 KB straight back to the kernel (``mmap``
and ``munmap``) and trims the heap's top as soon as 128 KB is free, so every
step pays a page fault per 4 KB page it touches again: a step of the spectra
net on a CPU took 276,000 faults and 0.66 s of system time in 2.28 s; with
the memory kept, none and 1.44 s (0.63×, ``benchmarks/freed_memory.py``) —
within 2 % of jemalloc preloaded and set never to purge (what PyTorch's CPU
tuning guide suggests), without replacing the allocator.

While :func:`kept` is active (a training loop: :func:`engine.train.loop.fit`,
after the data is loaded, so loading's temporary peak is not held), blocks
up to 1 GiB come from the heap (glibc before 2.35 refuses more than 32 MiB,
which is then used) and the heap is not trimmed; when the last loop ends,
both thresholds are set to 128 KB — glibc's starting values, though no
longer adjusted as glibc would — and ``malloc_trim`` returns what is free
to the system, so an idle worker does not keep a run's peak.  Elsewhere
(macOS, Windows, musl) it does nothing.  Written by hand: no library
exposes these glibc calls.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's <malloc.h>
DEFAULT = 128 * 1024  # glibc's initial value of both thresholds
KEPT_MMAP = 1 << 30  # blocks up to 1 GiB from the heap (an activation of a large batch)
MAX_MMAP_OLD = 32 << 20  # the most glibc < 2.35 accepts
KEPT_TRIM = 2**31 - 1  # an int's largest: never trim while a job runs

_lock = threading.Lock()
_jobs = 0


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "gnu_get_libc_version") else None  # glibc only: musl's mallopt does nothing


_LIBC = _glibc()


@contextmanager
def kept() -> Iterator[None]:
    """Keep freed memory in the process until the last of the loops inside such a block ends."""
    global _jobs
    if _LIBC is None:
        yield
        return
    with _lock:
        if _jobs == 0:
            if not _LIBC.mallopt(M_MMAP_THRESHOLD, KEPT_MMAP):  # 0: refused
                _LIBC.mallopt(M_MMAP_THRESHOLD, MAX_MMAP_OLD)
            _LIBC.mallopt(M_TRIM_THRESHOLD, KEPT_TRIM)
        _jobs += 1
    try:
        yield
    finally:
        with _lock:
            _jobs -= 1
            if _jobs == 0:
                _LIBC.mallopt(M_MMAP_THRESHOLD, DEFAULT)
                _LIBC.mallopt(M_TRIM_THRESHOLD, DEFAULT)
                _LIBC.malloc_trim(0)
