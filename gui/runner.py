"""Background work for the GUI: one runner for tasks, one thread for training jobs.

:class:`TaskRunner` runs ``fn(ctx)`` — any engine task — on a thread with a
:class:`engine.tasks.TaskContext` whose reports come back as Qt signals on the
GUI thread: progress, partial results, log lines, and exactly one ending
(``done``, ``failed`` or ``cancelled``).  Cancel, pause and stop early go to the
task through its context.  With ``latest_wins`` (Orange's habit for sliders),
a new request replaces a waiting one, asks the running one to cancel, and only
the newest request's results are shown.

Nothing escapes a thread: every exception becomes ``failed`` with a one-line
message and the traceback, and ``Cancelled`` becomes ``cancelled``.
"""

from __future__ import annotations

import traceback
import weakref
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

from engine import jobs
from engine.control import Cancelled, RunControl
from engine.errors import UserError
from engine.events import Sink
from engine.tasks import TaskContext

_THREADS: weakref.WeakSet[QThread] = weakref.WeakSet()  # every background thread started here


def running_threads() -> list[QThread]:
    """Background threads still running (tests check that none outlives its bench)."""
    return [t for t in list(_THREADS) if t.isRunning()]


def one_line(exc: BaseException) -> str:
    """What the message bar says of an exception: a user error's own words, else its class and words."""
    if isinstance(exc, (UserError, OSError)) and str(exc):
        return str(exc)
    return f"{exc.__class__.__name__}: {exc}"


class _TaskThread(QThread):
    progressed = Signal(int, float, object, str)  # request, done, total or None, text
    partial_ready = Signal(int, object)
    logged = Signal(int, str, str)  # request, level, message
    ended = Signal(int, str, object, str, str)  # request, "done"/"failed"/"cancelled", value, message, details

    def __init__(self, request: int, fn: Callable[[TaskContext], Any], control: RunControl) -> None:
        super().__init__()
        self.request, self.fn, self.control = request, fn, control
        _THREADS.add(self)

    def run(self) -> None:
        r = self.request
        ctx = TaskContext(self.control, on_progress=lambda d, t, text: self.progressed.emit(r, d, t, text),
                          on_partial=lambda v: self.partial_ready.emit(r, v),
                          on_log=lambda level, msg: self.logged.emit(r, level, msg))
        try:
            value = self.fn(ctx)
        except Cancelled:
            self.ended.emit(r, "cancelled", None, "", "")
        except BaseException as exc:  # noqa: BLE001 - nothing may escape a thread
            self.ended.emit(r, "failed", None, one_line(exc), traceback.format_exc())
        else:
            self.ended.emit(r, "done", value, "", "")


class TaskRunner(QObject):
    started = Signal()
    progressed = Signal(float, object, str)  # done, total (None: indeterminate), text
    partial = Signal(object)
    logged = Signal(str, str)  # level, message
    done = Signal(object)
    failed = Signal(str, str)  # one line, details
    cancelled = Signal()
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, latest_wins: bool = False) -> None:
        super().__init__(parent)
        self.latest_wins = latest_wins
        self._request = 0
        self._thread: _TaskThread | None = None
        self._pending: tuple[int, Callable[[TaskContext], Any]] | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None

    @property
    def control(self) -> RunControl | None:
        return self._thread.control if self._thread is not None else None

    def submit(self, fn: Callable[[TaskContext], Any]) -> bool:
        """Run ``fn(ctx)`` in the background; False when busy (and not ``latest_wins``)."""
        if self._thread is not None and not self.latest_wins:
            return False
        self._request += 1
        self._pending = (self._request, fn)
        if self._thread is None:
            self._start_pending()
        else:
            self._thread.control.cancel()  # superseded: let it end at its next checkpoint
        return True

    def _start_pending(self) -> None:
        request, fn = self._pending
        self._pending = None
        thread = _TaskThread(request, fn, RunControl())
        thread.progressed.connect(self._on_progress)
        thread.partial_ready.connect(lambda r, v: r == self._request and self.partial.emit(v))
        thread.logged.connect(lambda r, level, msg: r == self._request and self.logged.emit(level, msg))
        thread.ended.connect(self._on_ended)
        self._thread = thread
        thread.start()
        self.started.emit()
        self.busy_changed.emit(True)

    def _on_progress(self, request: int, done: float, total: Any, text: str) -> None:
        if request == self._request:
            self.progressed.emit(done, total, text)

    def _on_ended(self, request: int, outcome: str, value: Any, message: str, details: str) -> None:
        if self._thread is not None:
            self._thread.wait()
        self._thread = None
        if request == self._request:  # the newest request: show how it ended
            if outcome == "done":
                self.done.emit(value)
            elif outcome == "failed":
                self.failed.emit(message, details)
            else:
                self.cancelled.emit()
        if self._pending is not None:
            self._start_pending()
        else:
            self.busy_changed.emit(False)

    # -- controls ------------------------------------------------------------
    def cancel(self) -> None:
        self._pending = None
        if self._thread is not None:
            self._thread.control.cancel()

    def pause(self) -> None:
        if self._thread is not None:
            self._thread.control.pause()

    def resume(self) -> None:
        if self._thread is not None:
            self._thread.control.resume()

    def request_stop(self) -> None:
        if self._thread is not None:
            self._thread.control.request_stop()

    def wait(self, ms: int = 10000) -> bool:
        """Block until the running task ends (tests, shutdown); True when nothing runs any more."""
        thread = self._thread
        return thread is None or thread.wait(ms)

    def shutdown(self, ms: int = 10000) -> None:
        self.cancel()
        self.wait(ms)


class JobThread(QThread):
    """Runs :func:`engine.jobs.execute` off the GUI thread; its events go to ``sink``.

    ``execute`` is that function or one of its shape (gui.process_runner runs the job in a
    worker process and this thread only carries its events)."""

    outcome = Signal(object)  # engine.jobs.Outcome
    crashed = Signal(str, str)  # message, traceback: the run could not even start

    def __init__(self, job: jobs.Job, params: Any, workspace: Path, sink: Sink,
                 resume_dir: Path | None = None, execute: Callable[..., jobs.Outcome] = jobs.execute) -> None:
        super().__init__()
        self.job, self.params, self.workspace, self.sink = job, params, workspace, sink
        self.resume_dir = resume_dir
        self.execute = execute
        self.control = RunControl()
        _THREADS.add(self)

    def run(self) -> None:
        try:
            out = self.execute(self.job, self.params, self.workspace, [self.sink], self.control,
                               resume_dir=self.resume_dir)
        except BaseException as exc:  # noqa: BLE001 - workspace unusable, checkpoint unreadable …
            # an error raised in a worker process carries that process's traceback
            self.crashed.emit(one_line(exc), getattr(exc, "details", "") or traceback.format_exc())
            return
        self.outcome.emit(out)
