"""Worker processes behind a task: spawned, deaf to Ctrl-C (the parent decides), and never outliving it.

Leaving :func:`worker_pool` — normally, on an error or on ``Cancelled`` — drops the work still queued
and waits for the chunks already running (a chunk is sized to take well under a second), so no worker
is left behind.  ``multiprocessing.Pool.terminate`` was tried first: it can hang when workers are
killed while the feeder thread is writing to them.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Iterator

from engine.tasks import TaskContext


def _ignore_sigint() -> None:
    """A terminal sends Ctrl-C to the whole process group: workers leave it to their parent."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=_ignore_sigint)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def result(future: Future, ctx: TaskContext, stop_early: bool = False) -> Any:
    """The future's result, answering Cancel while waiting (and, with ``stop_early``, returning None
    once the user asked to stop)."""
    while True:
        try:
            return future.result(timeout=0.05)
        except FutureTimeout:
            ctx.checkpoint()
            if stop_early and ctx.stop_requested:
                return None
