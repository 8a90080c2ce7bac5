"""Background threads: a job run, or any one-off call (loading a file, a download).

Both report through signals only; neither touches a widget.  Exceptions never
escape a thread: a job's become its ``Failed`` event, a call's the ``failed``
signal with a one-line message and the traceback.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QThread, Signal

from engine import jobs
from engine.control import RunControl
from engine.errors import UserError
from engine.events import Sink


class JobThread(QThread):
    """Runs :func:`engine.jobs.execute` off the GUI thread."""

    outcome = Signal(object)  # engine.jobs.Outcome
    crashed = Signal(str, str)  # message, traceback: the run could not even start

    def __init__(self, job: jobs.Job, params: Any, workspace: Path, sink: Sink,
                 resume_dir: Path | None = None) -> None:
        super().__init__()
        self.job, self.params, self.workspace, self.sink = job, params, workspace, sink
        self.resume_dir = resume_dir
        self.control = RunControl()

    def run(self) -> None:
        try:
            out = jobs.execute(self.job, self.params, self.workspace, [self.sink], self.control,
                               resume_dir=self.resume_dir)
        except Exception as exc:  # workspace unusable, checkpoint unreadable …
            self.crashed.emit(str(exc) if isinstance(exc, (UserError, OSError)) else repr(exc),
                              traceback.format_exc())
            return
        self.outcome.emit(out)


class CallThread(QThread):
    """Runs ``fn(report)`` off the GUI thread; ``report(text, fraction)`` posts progress."""

    progressed = Signal(str, float)
    done = Signal(object)
    failed = Signal(str, str)

    def __init__(self, fn: Callable[[Callable[[str, float], None]], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.stop_requested = False

    def run(self) -> None:
        try:
            result = self.fn(lambda text, frac: self.progressed.emit(text, frac))
        except Exception as exc:
            message = str(exc) if isinstance(exc, UserError) else f"{exc.__class__.__name__}: {exc}"
            self.failed.emit(message, traceback.format_exc())
            return
        self.done.emit(result)


class KeptThreads:
    """The background threads a bench started, held until they end (a running QThread must not be
    collected), and stopped together when the window closes."""

    def __init__(self) -> None:
        self.threads: set[QThread] = set()

    def start(self, thread: QThread) -> None:
        self.threads.add(thread)
        thread.finished.connect(lambda: self.threads.discard(thread))
        thread.start()

    def shutdown(self, wait_ms: int, *more: QThread | None) -> None:
        """Cancel jobs, ask calls to stop, and wait for each (``more``: threads held elsewhere)."""
        for t in [*more, *self.threads]:
            if t is None:
                continue
            if isinstance(t, JobThread):
                t.control.cancel()
            elif isinstance(t, CallThread):
                t.stop_requested = True
            t.wait(wait_ms)
