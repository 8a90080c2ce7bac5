"""Scatter points the mouse can drag: a press on a point moves that point, a press
elsewhere still pans the view.  The owner keeps the data: ``moved(index, x, y)``
says where the point should go, and the owner redraws (usually with setData)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal


class DraggablePoints(pg.ScatterPlotItem):
    moved = Signal(int, float, float)  # index, new x, new y (view coordinates)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._dragged: int | None = None

    def mouseDragEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph API
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            hits = self.pointsAt(ev.buttonDownPos())
            if len(hits) == 0:
                ev.ignore()  # not on a point: the view pans
                return
            self._dragged = hits[0].index()
        elif self._dragged is None:
            ev.ignore()
            return
        ev.accept()
        index = self._dragged
        pos = ev.pos()
        if ev.isFinish():
            self._dragged = None
        self.moved.emit(index, pos.x(), pos.y())
