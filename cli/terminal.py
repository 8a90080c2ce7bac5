"""What the terminal shows while work runs: a one-line progress bar with ETA,
warnings and per-epoch metrics above it, and the interrupt keys."""

from __future__ import annotations

import signal
import sys
import time
from typing import TextIO

from engine import events as ev
from engine.control import RunControl
from engine.events import format_duration

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130


class Terminal:
    """Prints progress on one rewritten line on a tty, at most every 5 s otherwise."""

    def __init__(self, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.stream, self.width = stream, width
        self.tty = stream.isatty()
        self._last_line = 0.0
        self._open = False  # a progress line is on screen

    def line(self, text: str) -> None:
        """A line of its own (above the progress line)."""
        if self._open and self.tty:
            self.stream.write("\r\033[K")
        self._open = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def progress(self, text: str, fraction: float | None = None, final: bool = False) -> None:
        if fraction is not None:
            filled = int(min(1.0, fraction) * self.width)
            text = f"[{'█' * filled}{'·' * (self.width - filled)}] {fraction:6.1%} {text}"
        if self.tty:
            self.stream.write("\r\033[K" + text)
            self.stream.flush()
            self._open = True
        elif final or time.monotonic() - self._last_line > 5:
            self._last_line = time.monotonic()
            self.line(text)

    def end(self) -> None:
        if self._open and self.tty:
            self.stream.write("\n")
            self.stream.flush()
        self._open = False

    # -- a task's reporters --------------------------------------------------
    def task_progress(self, done: float, total: float | None, text: str) -> None:
        self.progress(text or f"{done:,.0f}", done / total if total else None,
                      final=bool(total) and done >= total)  # a log's last line says it ended

    def task_log(self, level: str, message: str) -> None:
        self.line(message if level == "info" else f"{level}: {message}")

    # -- a training run's events --------------------------------------------
    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.Started):
            self.line(f"run {event.run_id}{' (resumed)' if event.resumed else ''} → {event.run_dir}")
        elif isinstance(event, ev.Progress):
            if event.epoch is None:
                self.task_progress(event.step, event.total, event.text)
            elif event.total:
                eta = f"ETA {format_duration(event.eta)}" if event.eta is not None else "ETA --"
                self.progress(f"epoch {event.epoch + 1} step {event.step}/{event.total} {eta}",
                              event.step / event.total, final=event.step == event.total)
        elif isinstance(event, ev.Metrics) and event.phase == "val":
            values = "  ".join(f"{k} {v:.4g}" for k, v in event.values.items())
            self.line(f"epoch {event.epoch + 1} val  {values}")
        elif isinstance(event, ev.Log):
            self.task_log(event.level, event.message)
        elif isinstance(event, ev.Finished):
            self.line(f"{event.status} at step {event.step}")


def interrupt_stops_then_cancels(control: RunControl) -> None:
    """Ctrl-C: the first stops a training run early (its model saved), the second cancels."""

    def handler(signum, frame):  # noqa: ARG001 - signal signature
        if control.stop_requested:
            sys.stderr.write("\ncancelling…\n")
            control.cancel()
        else:
            sys.stderr.write("\nstopping early after this step (Ctrl-C again to cancel)…\n")
            control.request_stop()

    signal.signal(signal.SIGINT, handler)


def interrupt_cancels(control: RunControl) -> None:
    """Ctrl-C cancels a task at its next checkpoint; its output file is not written."""

    def handler(signum, frame):  # noqa: ARG001
        sys.stderr.write("\ncancelling…\n")
        control.cancel()

    signal.signal(signal.SIGINT, handler)


def error(message: str) -> None:
    sys.stderr.write(f"error: {message}\n")
