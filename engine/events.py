"""Events a job emits, and the sinks that receive them.

Events are small frozen dataclasses holding plain Python values and small CPU
numpy arrays only (never a tensor, never a Qt type), so any sink — the GUI
bridge, the terminal, the run folder, a test's list — can take them from any
thread.  Every event carries the ``run_id`` it belongs to and the training
``step`` it describes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

Sink = Callable[["Event"], None]


@dataclass(frozen=True)
class Event:
    run_id: str
    step: int


@dataclass(frozen=True)
class Started(Event):
    job: str
    params: Mapping[str, Any]
    run_dir: str
    resumed: bool = False


@dataclass(frozen=True)
class Progress(Event):
    """``step`` of ``total`` (None: not known); ``epoch`` for training, ``text`` for other work."""

    total: int | None
    elapsed: float
    eta: float | None
    epoch: int | None = None
    text: str = ""
    device_memory: int | None = None  # bytes the job holds on its accelerator (CUDA), when it trains on one


@dataclass(frozen=True)
class Metrics(Event):
    phase: str  # "train" or "val"
    epoch: int
    values: Mapping[str, float]


@dataclass(frozen=True)
class Artifact(Event):
    """A picture a job draws.  A key that a later picture of the same kind and name leaves out
    keeps its earlier value (large constant parts are sent once: engine.train.pictures.Once)."""

    kind: str  # "image_pairs", "scatter", "image_grid", ...
    name: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class Log(Event):
    level: str  # "info", "warning", "error"
    message: str


@dataclass(frozen=True)
class Finished(Event):
    status: str  # "completed", "stopped", "cancelled"
    summary: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Failed(Event):
    message: str
    traceback: str


def is_plain(value: Any) -> bool:
    """True when ``value`` holds only plain Python values and numpy arrays."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, np.generic):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype != object
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(is_plain(v) for v in value)
    return False


class ListSink:
    """Collects events in order; thread-safe. The sink tests use."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)

    def of(self, kind: type) -> list:
        with self._lock:
            return [e for e in self.events if isinstance(e, kind)]


def format_duration(seconds: float) -> str:
    """m:ss, or h:mm:ss from an hour: how progress bars print an ETA."""
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
