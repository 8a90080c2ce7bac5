"""A button that runs a task, with its progress bar, a status line and Cancel.

Bound to a :class:`gui.runner.TaskRunner`: the button starts, the bar shows
determinate progress when the task knows its total (indeterminate otherwise),
Cancel relabels itself at once, and the status clears when the task ends (the
bench writes the outcome where it belongs)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QSizePolicy, QWidget

from gui.runner import TaskRunner
from gui.widgets.elided_label import ElidedLabel


class TaskBar(QWidget):
    def __init__(self, label: str, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.button = QPushButton(label)
        self.cancel = QPushButton("Cancel")
        self.cancel.setEnabled(False)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.status = ElidedLabel("")  # elided, never squeezing the buttons
        for b in (self.button, self.cancel):
            b.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(self.bar, 1)
        row.addWidget(self.status, 1)
        row.addWidget(self.cancel)
        self.cancel.clicked.connect(self._cancel)
        runner.started.connect(self._started)
        runner.progressed.connect(self._progress)
        runner.busy_changed.connect(lambda busy: busy or self._ended())

    def _started(self) -> None:
        self.button.setEnabled(False)
        self.cancel.setEnabled(True)
        self.cancel.setText("Cancel")
        self.bar.setRange(0, 0)
        self.bar.setVisible(True)
        self.status.setText("working…")

    def _progress(self, done: float, total: Any, text: str) -> None:
        if total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * min(1.0, done / total)))
        self.status.setText(text)

    def _cancel(self) -> None:
        self.cancel.setText("Cancelling…")
        self.cancel.setEnabled(False)
        self.runner.cancel()

    def _ended(self) -> None:
        self.button.setEnabled(True)
        self.cancel.setEnabled(False)
        self.cancel.setText("Cancel")
        self.bar.setVisible(False)
        self.status.setText("")
