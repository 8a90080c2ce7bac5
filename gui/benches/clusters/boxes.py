"""Small layout helpers the Clusters bench's panels share."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget


def note(text: str = "", rich: bool = False) -> QLabel:
    """A wrapped, selectable line of text (figures, captions); plain unless ``rich`` (names from
    the data must not be read as markup)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def column(*widgets: QWidget, stretch_last: bool = False) -> QWidget:
    """Widgets stacked top-down; without ``stretch_last`` the space left goes below them."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        layout.addWidget(w)
    if stretch_last:
        layout.setStretch(len(widgets) - 1, 1)
    else:
        layout.addStretch(1)
    return box


def group(title: str, *widgets: QWidget) -> QGroupBox:
    """A titled box of widgets stacked top-down; the last takes the height to spare."""
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    for w in widgets:
        layout.addWidget(w)
    layout.setStretch(len(widgets) - 1, 1)
    return box


def scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` scrolling vertically, as wide as the column it sits in."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(widget)
    return area
