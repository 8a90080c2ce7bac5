"""A rotatable 3-D wireframe drawn with plain 2-D pyqtgraph items.

An orthographic projection of polylines, turned by dragging or slowly on its
own.  No OpenGL: it runs offscreen, in tests and on machines whose GL is
missing, which pyqtgraph.opengl cannot.  Each layer is one PlotDataItem with
NaN breaks between its polylines, so thousands of segments stay cheap.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QTimer
from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from gui.widgets.export import ExportButton


def rotation(azimuth: float, elevation: float) -> np.ndarray:
    """World → view rotation: turn about the vertical (z) axis, then tilt."""
    ca, sa, ce, se = math.cos(azimuth), math.sin(azimuth), math.cos(elevation), math.sin(elevation)
    turn = np.array([[ca, -sa, 0], [sa, ca, 0], [0, 0, 1]])
    tilt = np.array([[1, 0, 0], [0, ce, -se], [0, se, ce]])
    return tilt @ turn


class _DragBox(pg.ViewBox):
    def __init__(self, view: "WireView") -> None:
        super().__init__(lockAspect=True, enableMouse=False)
        self.view = view

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph API
        ev.accept()
        delta: QPointF = ev.screenPos() - ev.lastScreenPos()
        self.view.turn(delta.x() * 0.01, delta.y() * 0.01)


class WireView(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = _DragBox(self)
        self.plot = pg.PlotWidget(viewBox=self.box, title=title)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.layers: dict[str, tuple[list[np.ndarray], pg.PlotDataItem]] = {}
        self.azimuth, self.elevation = 0.6, 0.55
        self.spin = QCheckBox("Rotate")
        self.spin.setChecked(True)
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(lambda: self.turn(0.02, 0.0))
        self.spin.toggled.connect(lambda on: self._timer.start() if on else self._timer.stop())
        self.export = ExportButton(self.plot.scene(), None, title.lower().replace(" ", "-"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        bar = pg.QtWidgets.QHBoxLayout()
        bar.addWidget(self.spin)
        bar.addStretch(1)
        bar.addWidget(self.export)
        layout.addLayout(bar)
        self.plot.setToolTip("Drag to turn")

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self.spin.isChecked():
            self._timer.start()

    def hideEvent(self, event) -> None:  # noqa: N802
        self._timer.stop()  # nothing turns unseen
        super().hideEvent(event)

    def set_layer(self, name: str, lines: list[np.ndarray], color: str, width: float = 1.0) -> None:
        """Polylines (each (n, 3)) drawn in one colour; replaces the layer of that name."""
        if name in self.layers:
            item = self.layers[name][1]
        else:
            item = self.plot.plot(pen=pg.mkPen(color, width=width), connect="finite")
        self.layers[name] = (lines, item)
        self._project(name)
        self.box.autoRange(padding=0.05)

    def clear(self) -> None:
        for _, item in self.layers.values():
            self.plot.removeItem(item)
        self.layers.clear()

    def turn(self, d_azimuth: float, d_elevation: float) -> None:
        self.azimuth += d_azimuth
        self.elevation = float(np.clip(self.elevation + d_elevation, -1.5, 1.5))
        for name in self.layers:
            self._project(name)

    def _project(self, name: str) -> None:
        lines, item = self.layers[name]
        if not lines:
            item.setData([], [])
            return
        rot = rotation(self.azimuth, self.elevation)
        gap = np.full((1, 3), np.nan)
        pts = np.concatenate([np.concatenate([l, gap]) for l in lines]) @ rot.T
        item.setData(pts[:, 0], pts[:, 2])  # x across, the tilted z up the screen

    def projected(self, name: str) -> np.ndarray:
        x, y = self.layers[name][1].getData()
        return np.column_stack([x, y])


