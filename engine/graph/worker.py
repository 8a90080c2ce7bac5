"""A spawned worker process for the bench's long native calls (InfoMap's search, faiss's
HNSW index).

Why a process: the ``infomap`` package holds the GIL for its whole search (a GUI worker
thread would freeze the window, and Cancel could not be answered until it returned);
and ``infomap`` and ``faiss`` are both SWIG modules whose iterator types clash when both
are loaded in one process (the package's result iterators then crash), so each runs in
a process of its own.  Cancel terminates the process at once.

The job is a top-level function ``fn(*args, report=...)``; ``report(done, total, text)``
sends progress back, which the parent hands to its task context while it waits.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import time
from typing import Any, Callable

from engine.graph import GraphInputError
from engine.tasks import TaskContext


def _serve(conn, preload: tuple[str, ...]) -> None:
    for name in preload:  # imported while the parent still prepares the job
        importlib.import_module(name)
    try:
        fn, args = conn.recv()
    except EOFError:
        return

    def report(done: float, total: float | None, text: str) -> None:
        conn.send(("progress", (done, total, text)))

    try:
        conn.send(("ok", fn(*args, report=report)))
    except Exception as exc:  # noqa: BLE001 - handed to the parent as its message
        conn.send(("error", f"{type(exc).__name__}: {exc}"))


class Worker:
    """One spawned process for one job: :meth:`send` it, do other work, then :meth:`wait`."""

    def __init__(self, preload: tuple[str, ...] = ()) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child, preload), daemon=True)
        self._process.start()
        child.close()
        self._sent = 0.0

    def send(self, fn: Callable[..., Any], *args: Any) -> None:
        self._sent = time.monotonic()
        try:
            self._conn.send((fn, args))
        except BaseException:
            self.close()
            raise

    def wait(self, ctx: TaskContext, label: str) -> Any:
        """The job's result; its progress goes to ``ctx``; Cancel terminates the process."""
        try:
            while True:
                while not self._conn.poll(0.1):
                    ctx.checkpoint()
                    if not self._process.is_alive():
                        raise GraphInputError(f"{label}: the worker process ended without a result (out of memory?)")
                    ctx.progress(0, None, f"{label} … {time.monotonic() - self._sent:.0f} s")
                ctx.checkpoint()
                kind, value = self._conn.recv()
                if kind != "progress":
                    break
                ctx.progress(*value)
        finally:
            self.close()
        if kind == "error":
            raise GraphInputError(f"{label} failed: {value}")
        return value

    def close(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._conn.close()
