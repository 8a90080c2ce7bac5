"""The shape every bench shares: a settings column beside a work area, in a splitter the window remembers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget


def side_by_side_panes(bench: QWidget, left: QWidget, right: QWidget, left_width: int, margin: int = 4) -> QSplitter:
    """Fill ``bench`` with ``left`` (fixed share) and ``right`` (takes the rest); returns the splitter."""
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(left)
    splitter.addWidget(right)
    splitter.setStretchFactor(0, 0)
    splitter.setStretchFactor(1, 1)
    splitter.setSizes([left_width, 1000])
    layout = QVBoxLayout(bench)
    layout.setContentsMargins(margin, margin, margin, margin)
    layout.addWidget(splitter)
    return splitter
