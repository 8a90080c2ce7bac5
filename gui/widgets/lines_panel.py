"""Lines of text shown large enough to read, in as many columns as the width allows.

For what a model writes (couplets decoded from fixed z's each epoch): a titled
box whose title carries the step, a hint while it is empty, and Copy, so the
lines can be taken away without an export dialog."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QListView, QListWidget, QPushButton, QVBoxLayout, QWidget

SCALE = 1.25


def enlarge(widget: QWidget) -> None:
    """Chinese characters at the body size are hard to tell apart: the widget's font, enlarged."""
    font = widget.font()
    font.setPointSizeF(font.pointSizeF() * SCALE)
    widget.setFont(font)


class LinesPanel(QGroupBox):
    def __init__(self, title: str, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.default_title = title
        self.list = QListWidget()
        self.list.setFlow(QListView.Flow.TopToBottom)
        self.list.setWrapping(True)  # fills a column, then the next one
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setUniformItemSizes(True)
        self.list.setSpacing(4)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        enlarge(self.list)
        self.hint = QLabel(hint)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #888;")
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the selected lines (all of them when none is selected)")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy)
        row = QHBoxLayout()
        row.addWidget(self.hint, 1)
        row.addStretch(0)
        row.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)

    @property
    def lines(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def set_lines(self, lines: list[str], title: str | None = None) -> None:
        self.list.clear()
        self.list.addItems([str(s) for s in lines])
        self.setTitle(title or self.default_title)
        self.hint.setVisible(False)
        self.copy_button.setEnabled(bool(lines))

    def copy(self) -> None:
        chosen = [i.text() for i in sorted(self.list.selectedItems(), key=self.list.row)] or self.lines
        QGuiApplication.clipboard().setText("\n".join(chosen))

    def clear(self) -> None:
        self.list.clear()
        self.setTitle(self.default_title)
        self.hint.setVisible(True)
        self.copy_button.setEnabled(False)
