"""What the maths bench's tabs share: a first picture computed when the tab is first
shown, colours blended by weights, the left column of controls, and the 2 × 2 grid
of plots."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QVBoxLayout, QWidget

from gui.widgets.colors import PALETTE

LEFT_WIDTH = 300
_BRUSHES: dict[tuple[int, int, int, int], QBrush] = {}


class LazyTab(QWidget):
    """A tab that computes its first picture when it is first shown: the window builds every bench
    at start-up, and tabs computing unseen would slow the one in front.  Requests made before
    (a remembered form restoring its values) wait for ``first``, the tab's own start."""

    def __init__(self, first: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.started = False
        self._first = first

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self.started:
            self.started = True
            self._first()


def palette_rgb(k: int) -> np.ndarray:
    """(k, 3) RGB of the first k palette colours (cycled)."""
    return np.array([pg.mkColor(PALETTE[j % len(PALETTE)]).getRgb()[:3] for j in range(k)], dtype=float)


def brushes(rgb: np.ndarray, alpha: int = 255) -> list[QBrush]:
    """One brush per row of ``rgb`` (n, 3), colours rounded to steps of 8 and the brushes shared:
    pyqtgraph renders a scatter symbol once per brush *object*, so 500 fresh brushes cost 500
    renders on every redraw, and a few dozen shared ones almost none."""
    keys = (np.clip(np.asarray(rgb, dtype=float), 0, 255) / 8).round().astype(int) * 8
    out = []
    for r, g, b in keys.tolist():
        key = (min(r, 255), min(g, 255), min(b, 255), alpha)
        if key not in _BRUSHES:
            _BRUSHES[key] = pg.mkBrush(*key)
        out.append(_BRUSHES[key])
    return out


def blended_brushes(weights: np.ndarray, alpha: int = 220) -> list[QBrush]:
    """One brush per row of ``weights`` (n, k), rows summing to 1: the palette mixed by the weights,
    so a point shared between two components shows between their colours."""
    return brushes(np.asarray(weights, dtype=float) @ palette_rgb(weights.shape[1]), alpha)


def controls_column(*widgets: QWidget) -> QScrollArea:
    """The settings column: the widgets stacked, scrolling when the window is short."""
    inner = QWidget()
    layout = QVBoxLayout(inner)
    layout.setContentsMargins(0, 0, 4, 0)
    for w in widgets:
        layout.addWidget(w)
    layout.addStretch(1)
    area = QScrollArea()
    area.setWidget(inner)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setMinimumWidth(LEFT_WIDTH - 40)
    return area


def grid(top_left: QWidget, top_right: QWidget, bottom_left: QWidget, bottom_right: QWidget,
         bottom_shares: tuple[int, int] = (1, 1)) -> QSplitter:
    """Two rows of two, every border draggable; ``bottom_shares`` splits the lower row's width."""
    rows = QSplitter(Qt.Orientation.Vertical)
    for left, right, shares in ((top_left, top_right, (1, 1)), (bottom_left, bottom_right, bottom_shares)):
        row = QSplitter(Qt.Orientation.Horizontal)
        row.addWidget(left)
        row.addWidget(right)
        row.setSizes([1000 * shares[0], 1000 * shares[1]])
        rows.addWidget(row)
    rows.setSizes([1000, 1000])
    return rows
