"""Run control: how a client pauses, stops early or cancels a running job.

The job calls :meth:`RunControl.checkpoint` at every batch boundary.  It blocks
while paused, raises :class:`Cancelled` once cancel is asked, and returns at
once otherwise.  "Stop early" is not an exception: the job sees
``stop_requested``, finishes the step, saves, and returns normally.
"""

from __future__ import annotations

import threading
import time


class Cancelled(Exception):
    """Raised inside a job when the user cancelled it."""


class RunControl:
    def __init__(self) -> None:
        self._paused = threading.Event()
        self._running = threading.Event()  # the complement of _paused, to wait on
        self._running.set()
        self._stop = threading.Event()
        self._cancel = threading.Event()
        self._paused_total = 0.0
        self._paused_since: float | None = None
        self._lock = threading.Lock()

    # -- client side -------------------------------------------------
    def pause(self) -> None:
        with self._lock:
            if not self._paused.is_set():
                self._paused_since = time.monotonic()
                self._running.clear()
                self._paused.set()

    def resume(self) -> None:
        with self._lock:
            if self._paused.is_set():
                self._paused_total += time.monotonic() - (self._paused_since or time.monotonic())
                self._paused_since = None
                self._paused.clear()
                self._running.set()

    def request_stop(self) -> None:
        self._stop.set()
        self.resume()

    def cancel(self) -> None:
        self._cancel.set()
        self.resume()

    # -- job side ----------------------------------------------------
    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused_seconds(self) -> float:
        with self._lock:
            extra = time.monotonic() - self._paused_since if self._paused_since else 0.0
            return self._paused_total + extra

    def checkpoint(self) -> None:
        """Block while paused; raise :class:`Cancelled` if cancel was asked."""
        while not self._running.wait(0.05):
            if self._cancel.is_set():
                break
        if self._cancel.is_set():
            raise Cancelled("cancelled by the user")
