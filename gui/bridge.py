"""Engine events → Qt signals on the GUI thread.

``bridge.sink`` is handed to a job and may be called from any thread: it only
appends to a deque.  A GUI-thread timer drains the deque every 50 ms, keeps
every metric point, keeps only the newest progress and the newest artifact of
each kind, drops events of runs that are no longer current, and emits signals.
Artifacts go out one per tick, so drawing a batch of pictures never blocks the
window for long in one piece.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QObject, QTimer, Signal

from engine import events as ev


class EngineBridge(QObject):
    started = Signal(object)  # ev.Started
    progress = Signal(object)  # ev.Progress (latest)
    metrics = Signal(list)  # [ev.Metrics, ...] in order
    artifact = Signal(object)  # ev.Artifact (latest per kind/name)
    log = Signal(object)  # ev.Log
    finished = Signal(object)  # ev.Finished
    failed = Signal(object)  # ev.Failed

    def __init__(self, parent: QObject | None = None, interval_ms: int = 50) -> None:
        super().__init__(parent)
        self._queue: deque[ev.Event] = deque()
        self._artifacts: dict[tuple[str, str], ev.Artifact] = {}  # waiting for their tick
        self.current_run: str | None = None
        self._accept_next_start = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.drain)
        self._timer.start()

    def expect_new_run(self) -> None:
        """The next ``Started`` event names the run this bridge follows."""
        self.current_run = None
        self._accept_next_start = True
        self._artifacts.clear()

    def sink(self, event: ev.Event) -> None:  # any thread
        self._queue.append(event)

    def drain(self) -> None:
        metrics: list[ev.Metrics] = []
        progress: ev.Progress | None = None
        artifacts = self._artifacts
        rest: list[ev.Event] = []
        while self._queue:
            e = self._queue.popleft()
            if isinstance(e, ev.Started) and self._accept_next_start:
                self.current_run, self._accept_next_start = e.run_id, False
            if e.run_id != self.current_run:
                continue  # a stale run's event
            if isinstance(e, ev.Metrics):
                metrics.append(e)
            elif isinstance(e, ev.Progress):
                progress = e
            elif isinstance(e, ev.Artifact):
                artifacts.pop((e.kind, e.name), None)  # re-insert: the newest goes to the back
                artifacts[(e.kind, e.name)] = e
            else:
                rest.append(e)
        for e in rest:
            if isinstance(e, ev.Started):
                self.started.emit(e)
        if metrics:
            self.metrics.emit(metrics)
        if progress is not None:
            self.progress.emit(progress)
        if artifacts:
            self.artifact.emit(artifacts.pop(next(iter(artifacts))))
        for e in rest:
            if isinstance(e, ev.Log):
                self.log.emit(e)
            elif isinstance(e, ev.Finished):
                while artifacts:  # the run's last pictures before its end
                    self.artifact.emit(artifacts.pop(next(iter(artifacts))))
                self.finished.emit(e)
            elif isinstance(e, ev.Failed):
                self.failed.emit(e)
