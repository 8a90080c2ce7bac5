"""A panel of small solvers: a params form on the left that re-solves on every
change (latest wins: a newer setting supersedes a running solve), the pictures
on the right, a summary and exports.  The Physics and Maths benches use it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QMenu, QSplitter, QToolButton, QVBoxLayout, QWidget

from engine import params as prm
from gui.runner import TaskRunner
from gui.widgets.export import ask_save_path
from gui.widgets.layout import side_by_side_panes
from gui.widgets.message_bar import MessageBar
from gui.widgets.params_form import ParamsForm


def _save_dialog(parent: QWidget, title: str, stem: str, suffix: str) -> Path | None:
    return ask_save_path(parent, title, "physics", f"{stem}.{suffix}", f"{suffix.upper()} (*.{suffix})")


class SolverPanel(QWidget):
    """A params form on the left that re-solves on every change, pictures on the right.

    A subclass names ``params_cls`` and ``solve`` and provides ``pictures()`` (its
    views, built once), ``show_solution(sol)`` and ``clear_pictures()``."""

    params_cls: type
    solve: Callable[[Any], Any]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.messages = MessageBar()
        self.form = ParamsForm(self.params_cls)
        self.summary = QLabel("")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setObjectName("summary")
        self.exports = QToolButton()
        self.exports.setText("Export…")
        self.exports.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.exports.setMenu(QMenu(self))
        self.runner = TaskRunner(self, latest_wins=True)
        self.solution: Any = None
        box = QGroupBox("Problem")
        QVBoxLayout(box).addWidget(self.form)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.addWidget(self.messages)
        ll.addWidget(box)
        self.extra = QVBoxLayout()
        ll.addLayout(self.extra)
        ll.addWidget(self.summary)
        ll.addWidget(self.exports)
        ll.addStretch(1)
        self.splitter = side_by_side_panes(self, left, self.pictures(), 340, margin=0)
        self.form.changed.connect(self.request)
        self.runner.done.connect(self._solved)
        self.runner.failed.connect(self._failed)
        self.runner.busy_changed.connect(lambda busy: busy and self.summary.setText("solving…"))
        self.request()

    @staticmethod
    def arrange(left: QWidget, right: QWidget, below: QWidget) -> QWidget:
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(left)
        top.addWidget(right)
        outer = QSplitter(Qt.Orientation.Vertical)
        outer.addWidget(top)
        outer.addWidget(below)
        return outer

    def request(self) -> None:
        try:
            p = self.form.params()
        except prm.ParamError as exc:
            self.messages.error(str(exc))
            return
        self.runner.submit(lambda ctx: type(self).solve(p))

    def _solved(self, sol: Any) -> None:
        self.solution = sol
        if self.messages.level == "error":
            self.messages.clear()
        self.show_solution(sol)

    def _failed(self, message: str, details: str) -> None:
        self.solution = None
        self.messages.error(message, details)
        self.summary.setText("no solution")
        self.clear_pictures()

    def add_export(self, label: str, suffix: str, write: Callable[[Path], None]) -> None:
        def run() -> None:
            if self.solution is None:
                self.messages.warning("Nothing to export: there is no solution for these inputs.")
                return
            path = _save_dialog(self, label, type(self).__name__.lower().replace("panel", ""), suffix)
            if path is not None:
                try:
                    write(path)
                except OSError as exc:
                    self.messages.error(f"could not write {path.name}: {exc.strerror or exc}")
        self.exports.menu().addAction(label, run)
