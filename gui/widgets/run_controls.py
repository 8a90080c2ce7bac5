"""Start, Pause/Resume, Stop early, Cancel — with a determinate progress bar and ETA.

Buttons relabel and disable themselves the moment they are pressed
("Stopping…", "Cancelling…"), so a double click never sends two commands and
the user sees at once that the request was taken.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QPushButton, QWidget

from engine.events import format_duration


class RunControls(QWidget):
    start_clicked = Signal()
    pause_clicked = Signal()
    resume_clicked = Signal()
    stop_clicked = Signal()
    cancel_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.start = QPushButton("Start")
        self.start.setObjectName("start")
        self.pause = QPushButton("Pause")
        self.stop = QPushButton("Stop early")
        self.stop.setToolTip("Finish the current step, save the model and end the run")
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Abort now; the last saved checkpoint is kept")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFormat("%p%")
        self.eta = QLabel("")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, b in enumerate((self.start, self.pause, self.stop, self.cancel)):
            grid.addWidget(b, 0, i)
        grid.addWidget(self.bar, 1, 0, 1, 3)
        grid.addWidget(self.eta, 1, 3)
        self.start.clicked.connect(self.start_clicked)
        self.pause.clicked.connect(self._on_pause)
        self.stop.clicked.connect(self._on_stop)
        self.cancel.clicked.connect(self._on_cancel)
        self.state = ""
        self.set_idle()

    def drive(self, thread: Callable[[], Any]) -> None:
        """Send Pause, Resume, Stop early and Cancel to the control of whatever job ``thread()`` returns."""
        self.pause_clicked.connect(lambda: (t := thread()) and t.control.pause())
        self.resume_clicked.connect(lambda: (t := thread()) and t.control.resume())
        self.stop_clicked.connect(lambda: (t := thread()) and t.control.request_stop())
        self.cancel_clicked.connect(lambda: (t := thread()) and t.control.cancel())

    # -- states ----------------------------------------------------------
    def set_idle(self) -> None:
        self.state = "idle"
        self.start.setEnabled(True)
        self.pause.setText("Pause")
        for b, label in ((self.pause, "Pause"), (self.stop, "Stop early"), (self.cancel, "Cancel")):
            b.setText(label)
            b.setEnabled(False)

    def reset(self) -> None:
        """Idle with an empty bar: nothing on screen has run yet."""
        self.set_idle()
        self.bar.setValue(0)
        self.bar.setFormat("%p%")
        self.eta.setText("")

    def set_ended(self, outcome: str) -> None:
        """Idle, the bar saying how the last run ended (not its last progress or ETA)."""
        self.set_idle()
        self.bar.setFormat(outcome)
        self.eta.setText("")

    def set_running(self) -> None:
        self.state = "running"
        self.start.setEnabled(False)
        self.pause.setText("Pause")
        for b in (self.pause, self.stop, self.cancel):
            b.setEnabled(True)
        self.stop.setText("Stop early")
        self.cancel.setText("Cancel")

    def set_progress(self, step: int, total: int | None, eta: float | None, epoch: int | None,
                     text: str = "") -> None:
        """A training step (``epoch`` set) or the work before the loop (loading data: ``text``)."""
        if epoch is None:
            self.bar.setValue(int(1000 * step / total) if total else 0)
            self.bar.setFormat(text or "preparing…")
            self.eta.setText("")
            return
        self.bar.setValue(int(1000 * step / total) if total else 0)
        self.bar.setFormat(f"%p%  ·  epoch {epoch + 1}  ·  step {step:,}/{total or 0:,}")
        self.eta.setText(f"ETA {format_duration(eta)}" if eta is not None else "")

    # -- button handlers: relabel first, then tell the owner ---------------
    def _on_pause(self) -> None:
        if self.state == "paused":
            self.state = "running"
            self.pause.setText("Pause")
            self.resume_clicked.emit()
        else:
            self.state = "paused"
            self.pause.setText("Resume")
            self.pause_clicked.emit()

    def _on_stop(self) -> None:
        self.state = "stopping"
        self.stop.setText("Stopping…")
        for b in (self.stop, self.pause):
            b.setEnabled(False)
        self.stop_clicked.emit()

    def _on_cancel(self) -> None:
        self.state = "cancelling"
        self.cancel.setText("Cancelling…")
        for b in (self.cancel, self.stop, self.pause):
            b.setEnabled(False)
        self.cancel_clicked.emit()
