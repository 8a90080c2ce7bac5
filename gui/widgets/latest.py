"""Latest wins: recompute in the background as controls move, never block the
window, and show only the result for the newest request (Orange's habit).

Requests arriving while a computation runs replace each other; when it ends the
newest waiting one starts.  Results of superseded requests are dropped.
"""

from __future__ import annotations

import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

from engine.errors import UserError


class _Worker(QThread):
    finished_with = Signal(int, object, str, str)  # request id, result, error, details

    def __init__(self, request_id: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.request_id, self.fn = request_id, fn

    def run(self) -> None:
        try:
            self.finished_with.emit(self.request_id, self.fn(), "", "")
        except Exception as exc:
            msg = str(exc) if isinstance(exc, UserError) else f"{exc.__class__.__name__}: {exc}"
            self.finished_with.emit(self.request_id, None, msg, traceback.format_exc())


class LatestRunner(QObject):
    result = Signal(object)
    error = Signal(str, str)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._next_id = 0
        self._pending: tuple[int, Callable[[], Any]] | None = None
        self._worker: _Worker | None = None

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def submit(self, fn: Callable[[], Any]) -> None:
        self._next_id += 1
        self._pending = (self._next_id, fn)
        if self._worker is None:
            self._start_pending()

    def _start_pending(self) -> None:
        request_id, fn = self._pending
        self._pending = None
        self._worker = _Worker(request_id, fn)
        self._worker.finished_with.connect(self._done)
        self._worker.start()
        self.busy_changed.emit(True)

    def _done(self, request_id: int, value: Any, error: str, details: str) -> None:
        self._worker.wait()
        self._worker = None
        if request_id == self._next_id:  # the newest request: show it
            if error:
                self.error.emit(error, details)
            else:
                self.result.emit(value)
        if self._pending is not None:
            self._start_pending()
        else:
            self.busy_changed.emit(False)

    def wait(self, ms: int = 10000) -> None:
        if self._worker is not None:
            self._worker.wait(ms)
