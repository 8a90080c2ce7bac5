"""A 2-D vector field with points moving through it: the denoising field of a
DAE at each noise level, and the annealed Langevin sampler's samples, stage
by stage, with a slider and a play button."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from gui.widgets.axes import EmptyHint, tick_axes
from gui.widgets.export import ExportButton

FRAME_MS = 120


def arrow_segments(grid: np.ndarray, moves: np.ndarray, length: float) -> np.ndarray:
    """(2N, 2) tail/tip pairs; the longest arrow is ``length`` long, the others in proportion."""
    norm = np.linalg.norm(moves, axis=1).max(initial=0.0)
    tips = grid + moves * (length / norm if norm > 0 else 0.0)
    return np.stack([grid, tips], 1).reshape(-1, 2)


class FieldPanel(QWidget):
    def __init__(self, title: str, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.default_title = title
        self.plot = pg.PlotWidget(title=title, axisItems=tick_axes())
        self.plot.setAspectLocked(True)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.real = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(150, 150, 150, 110))
        self.arrows = pg.PlotDataItem(pen=pg.mkPen("#4C72B0", width=1), connect="pairs")
        self.tips = pg.ScatterPlotItem(size=3, pen=None, brush="#4C72B0")
        self.samples = pg.ScatterPlotItem(size=5, pen=None, brush="#DD8452")
        for item in (self.real, self.arrows, self.tips, self.samples):
            self.plot.addItem(item)
        self.hint = EmptyHint(self.plot.getViewBox(), hint, (self.plot.getAxis("left"), self.plot.getAxis("bottom")))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.play = QPushButton("Play")
        self.play.setCheckable(True)
        self.play.setEnabled(False)
        self.where = QLabel("")
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.payload: dict | None = None
        self.export = ExportButton(self.plot.scene(), self.to_frame, title.lower().replace(" ", "-"))
        row = QHBoxLayout()
        row.addWidget(self.play)
        row.addWidget(self.slider, 1)
        row.addWidget(self.where)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addLayout(row)
        layout.addWidget(self.export)
        self.slider.valueChanged.connect(self.show_frame)
        self.play.toggled.connect(self._play)
        self.timer.timeout.connect(self._advance)

    def set_field(self, payload: dict, title: str | None = None) -> None:
        """``grid`` (N, 2), ``moves`` (L, N, 2), ``sigmas`` (L,), ``real`` (M, 2), ``frames`` (F, S, 2),
        ``frame_level`` (F,): a new field keeps the frame the user is looking at."""
        first = self.payload is None
        self.payload = payload
        if title:
            self.plot.setTitle(title)
        self.real.setData(*np.asarray(payload["real"]).T)
        self.hint.set_empty(False)
        frames = len(payload["frames"])
        self.slider.blockSignals(True)
        self.slider.setRange(0, frames - 1)
        if first:
            self.slider.setValue(frames - 1)
        self.slider.blockSignals(False)
        self.slider.setEnabled(True)
        self.play.setEnabled(True)
        self.show_frame(self.slider.value())
        if first:
            self.plot.autoRange()

    def show_frame(self, k: int) -> None:
        p = self.payload
        if p is None:
            return
        level = int(p["frame_level"][k])
        grid = np.asarray(p["grid"])
        cell = float(np.ptp(grid[:, 0])) / max(1.0, np.sqrt(len(grid)) - 1)
        segs = arrow_segments(grid, np.asarray(p["moves"][level]), 0.9 * cell)
        self.arrows.setData(segs[:, 0], segs[:, 1])
        self.tips.setData(segs[1::2, 0], segs[1::2, 1])
        self.samples.setData(*np.asarray(p["frames"][k]).T)
        last = len(p["frames"]) - 1
        sigma = f"σ = {float(p['sigmas'][level]):.3g}"
        self.where.setText("start: uniform noise" if k == 0 else f"after the final denoising at {sigma}" if k == last
                           else f"level {level + 1}/{len(p['sigmas'])}, {sigma}")

    def _play(self, on: bool) -> None:
        self.play.setText("Pause" if on else "Play")
        if on and self.slider.value() == self.slider.maximum():
            self.slider.setValue(0)
        self.timer.start() if on else self.timer.stop()

    def _advance(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.play.setChecked(False)
        else:
            self.slider.setValue(self.slider.value() + 1)

    def to_frame(self) -> pd.DataFrame:
        """The samples of the frame on show."""
        if self.payload is None:
            return pd.DataFrame(columns=["x1", "x2"])
        pts = np.asarray(self.payload["frames"][self.slider.value()])
        return pd.DataFrame({"x1": pts[:, 0], "x2": pts[:, 1]})

    def clear(self) -> None:
        self.play.setChecked(False)
        self.payload = None
        for item in (self.real, self.tips, self.samples):
            item.setData([], [])
        self.arrows.setData([], [])
        self.slider.setEnabled(False)
        self.play.setEnabled(False)
        self.where.setText("")
        self.hint.set_empty(True)
        self.plot.setTitle(self.default_title)
