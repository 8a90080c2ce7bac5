"""Training jobs started from a bench run in a worker process (:mod:`engine.worker`).

The app opens one :class:`engine.worker.WorkerPool` when it starts (its first
worker imports torch while the user picks data) and closes it on quit.  A
:class:`JobProcess` is a :class:`gui.runner.JobThread` whose thread only
carries the worker's events to the bridge and the controls to the worker, so
the job's interpreter lock is never the window's.  Without an open pool (tests,
benchmarks of the bare engine) jobs run on the thread as before, and so does a
job a worker cannot find by name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine import jobs
from engine.events import Sink
from engine.worker import Worker, WorkerPool, job_target
from gui.runner import JobThread

_pool: WorkerPool | None = None


def start_workers(threads: int | None = None, memory_limit: int | None = None) -> WorkerPool:
    """Open the app's worker pool and warm its first worker; ``threads``: torch threads in each
    worker (None: as many as this process uses)."""
    global _pool
    if _pool is None:
        if threads is None:
            import torch

            threads = torch.get_num_threads()
        _pool = WorkerPool(threads=threads, memory_limit=memory_limit)
        _pool.warm()
    return _pool


def stop_workers() -> None:
    """Close the app's pool: the warm worker goes, running jobs' workers are killed."""
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        pool.close()


def workers() -> WorkerPool | None:
    """The app's pool, when it is open."""
    return _pool


def prefetch(target: str, *args: Any) -> None:
    """Have the warm worker call ``target(*args)`` ahead of Start (a bench's checked data: see
    engine.worker.WorkerPool.prefetch); nothing without the app's pool."""
    if _pool is not None:
        _pool.prefetch(target, *args)


class JobProcess(JobThread):
    """A job in a worker of ``pool``; the same signals and ``control`` as a :class:`JobThread`."""

    def __init__(self, pool: WorkerPool, job: jobs.Job, params: Any, workspace: Path, sink: Sink,
                 resume_dir: Path | None = None) -> None:
        super().__init__(job, params, workspace, sink, resume_dir, execute=self._in_worker)
        self.pool = pool
        self.worker: Worker | None = None

    def _in_worker(self, job: jobs.Job, params: Any, workspace: Path, sinks: list[Sink], control: Any,
                   resume_dir: Path | None = None) -> jobs.Outcome:
        self.worker = self.pool.submit(job, params, workspace, resume_dir)
        return self.pool.follow(self.worker, sinks, control)

    @property
    def pid(self) -> int | None:
        """The worker's process id, once the job is handed to it."""
        return None if self.worker is None else self.worker.pid

    def kill(self) -> None:
        """Kill the worker (a job that answers no Cancel); the run is then reported failed."""
        if self.worker is not None:
            self.worker.kill()


def job_runner(job: jobs.Job, params: Any, workspace: Path, sink: Sink, resume_dir: Path | None = None,
               in_process: bool | None = None) -> JobThread:
    """The runner for a job a bench starts: in a worker when the app's pool is open (``in_process``
    None) or when asked (False: the pool is opened if need be); on a thread of this process when
    ``in_process`` is True, without a pool, or for a job no worker can find by name."""
    pool = None if in_process else (start_workers() if in_process is False else _pool)
    if pool is None or job_target(job) is None:
        return JobThread(job, params, workspace, sink, resume_dir=resume_dir)
    return JobProcess(pool, job, params, workspace, sink, resume_dir)
