"""Tasks: work that is not a training run (counting a corpus, loading spectra,
building a graph, an EM run, a permutation test) and the one context through
which such work talks to the world.

A task is a plain function ``run(params, ctx) -> result``.  The context is its
only channel: ``progress(done, total, text)``, ``checkpoint()`` (blocks while
paused, raises :class:`Cancelled` when cancel was asked), ``partial(value)``
for results that grow, and ``log``/``warn``.  No task invents its own
callbacks, and no exception other than ``Cancelled`` carries control flow.

The GUI's runner, the command line and tests each build a context with their
own reporters; the work never knows which one it talks to.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from engine.control import Cancelled, RunControl

__all__ = ["Cancelled", "TaskContext", "TaskSpec", "Reporter"]

Reporter = Callable[..., None]


class TaskContext:
    """What a running task sees.  Reporters are called on the task's thread.

    ``progress`` is throttled here (at most every ``interval`` seconds, and
    always when ``done == total``), so a task may call it per item cheaply."""

    def __init__(self, control: RunControl | None = None, *,
                 on_progress: Callable[[float, float | None, str], None] | None = None,
                 on_partial: Callable[[Any], None] | None = None,
                 on_log: Callable[[str, str], None] | None = None,
                 interval: float = 0.1) -> None:
        self.control = control or RunControl()
        self._on_progress = on_progress
        self._on_partial = on_partial
        self._on_log = on_log
        self._interval = interval
        self._last = 0.0
        self.warnings: list[str] = []

    # -- reporting ---------------------------------------------------------
    def progress(self, done: float, total: float | None = None, text: str = "") -> None:
        """``done`` of ``total`` units (``total`` None: indeterminate), with a short text."""
        if self._on_progress is None:
            return
        now = time.monotonic()
        if now - self._last < self._interval and not (total is not None and done >= total):
            return
        self._last = now
        self._on_progress(done, total, text)

    def partial(self, value: Any) -> None:
        """A result so far (a table, clusters after a pass, the state after a step)."""
        if self._on_partial is not None:
            self._on_partial(value)

    def log(self, message: str, level: str = "info") -> None:
        if level == "warning":
            self.warnings.append(message)
        if self._on_log is not None:
            self._on_log(level, message)

    def warn(self, message: str) -> None:
        self.log(message, "warning")

    # -- control -----------------------------------------------------------
    def checkpoint(self) -> None:
        """Block while paused; raise :class:`Cancelled` once cancel was asked."""
        self.control.checkpoint()

    @property
    def cancelled(self) -> bool:
        return self.control.cancel_requested

    @property
    def stop_requested(self) -> bool:
        """Stop early: a task that can end with what it has so far ends now and returns it."""
        return self.control.stop_requested or self.control.cancel_requested


@dataclass(frozen=True)
class TaskSpec:
    """A task the GUI, the command line and tests all run the same way.

    ``outputs`` maps a file suffix to ``write(result, params, path)``; ``to_json``
    turns the result into a JSON-able dict; ``summary`` into one line."""

    name: str
    title: str
    params: type
    run: Callable[[Any, TaskContext], Any]
    description: str = ""
    summary: Callable[[Any], str] | None = None
    to_json: Callable[[Any], Mapping[str, Any]] | None = None
    outputs: Mapping[str, Callable[[Any, Any, Any], None]] = field(default_factory=dict)
    out_required: bool = False
    out_help: str = "the file to write"
