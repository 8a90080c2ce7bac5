"""A panel of small solvers: a params form on the left that re-solves on every
change (latest wins: a newer setting supersedes a running solve), the pictures
on the right, a summary and exports.  The Physics and Maths benches use it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QGroupBox, QLabel, QMenu, QSplitter, QToolButton, QVBoxLayout, QWidget

from engine import params as prm
from engine.errors import UserError
from engine.tasks import TaskContext
from gui.runner import TaskRunner
from gui.widgets.axes import EmptyHint, tick_axes
from gui.widgets.export import ask_save_path
from gui.widgets.layout import side_by_side_panes
from gui.widgets.message_bar import MessageBar
from gui.widgets.params_form import ParamsForm


def _save_dialog(parent: QWidget, title: str, stem: str, suffix: str) -> Path | None:
    return ask_save_path(parent, title, "physics", f"{stem}.{suffix}", f"{suffix.upper()} (*.{suffix})")


class SolverPanel(QWidget):
    """A params form on the left that re-solves on every change, pictures on the right.

    A subclass names ``params_cls`` and ``solve(params, ctx)`` and provides ``pictures()`` (its
    views, built once), ``show_solution(sol)`` and ``clear_pictures()``.  What shows always belongs
    to the inputs in the form: while a solve runs the summary says so, a new solve clears the last
    one's error, and a failure clears the pictures.

    Panels on the tabs of one bench share the bench's message bar (``messages``): each keeps its
    own last message and puts it back when its tab comes to the front."""

    params_cls: type
    solve: Callable[[Any, TaskContext], Any]

    def __init__(self, messages: MessageBar | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shared = messages is not None
        self.messages = messages or MessageBar()
        self._note: tuple[str, str, str] | None = None  # (level, text, details) of this panel's message
        self.hints: list[EmptyHint] = []  # of the plots made by solver_plot
        self.form = ParamsForm(self.params_cls)
        self.summary = QLabel("")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.exports = QToolButton()
        self.exports.setText("Export…")
        self.exports.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.exports.setMenu(QMenu(self))
        self.runner = TaskRunner(self, latest_wins=True)
        self.solution: Any = None
        self._awaiting = False  # a solve for the form's current inputs is under way
        box = QGroupBox("Problem")
        QVBoxLayout(box).addWidget(self.form)
        left = QWidget()
        ll = QVBoxLayout(left)
        if not self._shared:
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
        self.request()

    def solver_plot(self, title: str) -> pg.PlotWidget:
        """A plot whose axes are blank, with a hint, while there is no solution to draw."""
        plot = pg.PlotWidget(title=title, axisItems=tick_axes())
        axes = (plot.getAxis("left"), plot.getAxis("bottom"))
        for axis in axes:
            axis.enableAutoSIPrefix(False)  # metres and newtons stay so, no "(x0.001)"
        self.hints.append(EmptyHint(plot.getViewBox(), "solving…", axes))
        return plot

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
            self._awaiting = False  # a solve still running is for inputs no longer in the form
            self.runner.cancel()
            self._show_failure(str(exc), "")
            return
        self._awaiting = True
        if self._note and self._note[0] == "error":  # that error was about the inputs now replaced
            self._post("", "")
        self.summary.setText("solving…" if self.solution is None else "solving… (the pictures show the last inputs)")
        for hint in self.hints:
            hint.set_text("solving…")
        self.runner.submit(lambda ctx: type(self).solve(p, ctx))

    def _solved(self, sol: Any) -> None:
        if self._awaiting:
            self.solution = sol
            self.show_solution(sol)
            for hint in self.hints:
                hint.set_empty(False)

    def _failed(self, message: str, details: str) -> None:
        if self._awaiting:
            self._show_failure(message, details)

    def _show_failure(self, message: str, details: str) -> None:
        self.solution = None
        self._post("error", message, details)
        self.summary.setText("No solution for these inputs: the message above says why.")
        self.clear_pictures()
        for hint in self.hints:
            hint.set_text("no solution for these inputs")
            hint.set_empty(True)

    def _post(self, level: str, text: str, details: str = "") -> None:
        """Show a message (``level`` "" clears it) and keep it as this panel's."""
        self._note = (level, text, details) if level else None
        if self.isVisible() or not self._shared:
            self._show_note()

    def _show_note(self) -> None:
        if self._note:
            self.messages.show_message(*self._note)
        else:
            self.messages.clear()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self._shared:  # this tab came to the front: its own message, not the other tab's
            self._show_note()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt API
        super().hideEvent(event)
        if self._shared and self._note and not self.messages.level:
            self._note = None  # the user dismissed it

    def add_export(self, label: str, suffix: str, write: Callable[[Path], None]) -> None:
        def run() -> None:
            if self.solution is None:
                self._post("warning", "Nothing to export: there is no solution for these inputs.")
                return
            path = _save_dialog(self, label, type(self).__name__.lower().replace("panel", ""), suffix)
            if path is not None:
                try:
                    write(path)
                except (OSError, UserError) as exc:
                    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                    self._post("error", f"could not write {path.name}: {why}")
        self.exports.menu().addAction(label, run)
