"""A task as a panel: its params form, a run button with progress and Cancel,
and the outcome in a line — all from its :class:`engine.tasks.TaskSpec`.

A bench whose work is a task gets its whole interaction from this; a bench
that draws results connects to ``runner.done`` / ``runner.partial`` too."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine import params as prm
from engine.tasks import TaskSpec
from gui.widgets.params_form import ParamsForm
from gui.widgets.task_bar import TaskBar


class TaskPanel(QWidget):
    def __init__(self, bench: Any, spec: TaskSpec, parent: QWidget | None = None) -> None:
        """``bench``: the :class:`gui.benches.base.Bench` that owns the runner and the message bar."""
        super().__init__(parent)
        self.bench, self.spec = bench, spec
        self.form = ParamsForm(spec.params)
        self.runner = bench.runner(self._done)
        self.runner.cancelled.connect(lambda: bench.messages.info(f"{spec.title}: cancelled."))
        self.task = TaskBar(spec.title, self.runner)
        self.outcome = QLabel("")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.form)
        layout.addWidget(self.task)
        layout.addWidget(self.outcome)
        layout.addStretch(1)
        self.task.button.clicked.connect(self.run)

    def run(self) -> None:
        try:
            p = self.form.params()
        except prm.ParamError as exc:
            self.bench.messages.error(str(exc))
            return
        self.outcome.setText("")
        self.bench.submit(self.runner, lambda ctx: self.spec.run(p, ctx))

    def _done(self, result: Any) -> None:
        self.result = result
        self.outcome.setText(self.spec.summary(result) if self.spec.summary else "done")
