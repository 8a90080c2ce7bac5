"""Spectrum plots: one spectrum that stays smooth at 100,000+ points (peak
downsampling and clipping to the view, both pyqtgraph's), with a crosshair
readout and spectral lines shifted by a redshift; class means with their
spread; and a confusion matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine.spectra import lines
from gui.widgets.colors import label_color
from gui.widgets.export import ExportButton

LINE_PENS = {"emission": "#c0392b", "absorption": "#2c7fb8", "both": "#7b3294"}


class SpectrumView(QWidget):
    def __init__(self, title: str = "Spectrum", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(title=title)
        self.plot.setLabel("bottom", "wavelength (Å)")
        self.plot.setLabel("left", "flux")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.curve = self.plot.plot(pen=pg.mkPen("#333", width=1))
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        self.markers: list[pg.InfiniteLine] = []
        self._lines_key: tuple | None = None
        self.z = 0.0
        self.show_lines = True
        self.wave = np.empty(0)
        self.flux = np.empty(0)
        self.vline = pg.InfiniteLine(angle=90, pen=pg.mkPen("#999", style=Qt.PenStyle.DashLine))
        self.hline = pg.InfiniteLine(angle=0, pen=pg.mkPen("#999", style=Qt.PenStyle.DashLine))
        for item in (self.vline, self.hline):
            item.setVisible(False)
            self.plot.addItem(item, ignoreBounds=True)
        self.readout = QLabel(" ")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export = ExportButton(self.plot.scene(), self.to_frame, title.lower().replace(" ", "-"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        layout.addWidget(self.export)
        self.plot.scene().sigMouseMoved.connect(self._moved)

    def show_spectrum(self, wave: np.ndarray, flux: np.ndarray, title: str | None = None) -> None:
        self.wave, self.flux = np.asarray(wave, float), np.asarray(flux, float)
        self.curve.setData(self.wave, self.flux, connect="finite")
        if title:
            self.plot.setTitle(title)
        self.plot.enableAutoRange()
        self._draw_lines()

    def set_redshift(self, z: float) -> None:
        self.z = float(z)
        self._draw_lines()

    def set_lines_visible(self, on: bool) -> None:
        self.show_lines = on
        self._draw_lines()

    def _draw_lines(self) -> None:
        """Rebuild the markers only when what they depend on changes (stepping through a set of
        spectra on one grid keeps them: rebuilding 20 labelled lines costs more than the curve)."""
        key = (self.z, self.show_lines, float(self.wave[0]) if len(self.wave) else None,
               float(self.wave[-1]) if len(self.wave) else None)
        if key == self._lines_key:
            return
        self._lines_key = key
        for m in self.markers:
            self.plot.removeItem(m)
        self.markers = []
        if not self.show_lines or not len(self.wave):
            return
        lo, hi = self.wave[0], self.wave[-1]
        for name, where, kind in lines.shifted(self.z):
            if lo <= where <= hi:
                m = pg.InfiniteLine(where, angle=90, pen=pg.mkPen(LINE_PENS[kind], width=1),
                                    label=name, labelOpts={"position": 0.93, "color": LINE_PENS[kind],
                                                           "rotateAxis": (1, 0), "anchors": [(0, 0), (0, 0)]})
                self.plot.addItem(m, ignoreBounds=True)
                self.markers.append(m)

    def _moved(self, pos) -> None:
        if not len(self.wave) or not self.plot.sceneBoundingRect().contains(pos):
            return
        p = self.plot.plotItem.vb.mapSceneToView(pos)
        i = int(np.clip(np.searchsorted(self.wave, p.x()), 0, len(self.wave) - 1))
        self.vline.setPos(self.wave[i])
        self.hline.setPos(self.flux[i])
        for item in (self.vline, self.hline):
            item.setVisible(True)
        rest = f"  (rest frame {self.wave[i] / (1 + self.z):.2f} Å)" if self.z else ""
        self.readout.setText(f"λ = {self.wave[i]:.2f} Å{rest}   flux = {self.flux[i]:.5g}")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"wavelength": self.wave, "flux": self.flux})

    def clear(self) -> None:
        self.wave, self.flux = np.empty(0), np.empty(0)
        self.curve.setData([], [])
        self._draw_lines()
        self.readout.setText(" ")


class ClassMeans(QWidget):
    """Mean spectrum of each class with a ±1 standard deviation band."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(title="Class means (preprocessed) ± 1σ")
        self.plot.setLabel("bottom", "wavelength (Å)")
        self.plot.addLegend(offset=(-5, 5))
        self.frame = pd.DataFrame()
        self.export = ExportButton(self.plot.scene(), lambda: self.frame, "class-means")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.export)

    def set_data(self, grid: np.ndarray, x: np.ndarray, y: np.ndarray, classes: list[str]) -> None:
        self.plot.clear()
        columns = {"wavelength": grid}
        for c, name in enumerate(classes):
            rows = x[y == c]
            if not len(rows):
                continue
            mean, sd = rows.mean(0), rows.std(0)
            color = pg.mkColor(label_color(c))
            band = pg.mkColor(color)
            band.setAlpha(50)
            lo = self.plot.plot(grid, mean - sd, pen=pg.mkPen(band))
            hi = self.plot.plot(grid, mean + sd, pen=pg.mkPen(band))
            self.plot.addItem(pg.FillBetweenItem(lo, hi, brush=band))
            self.plot.plot(grid, mean, pen=pg.mkPen(color, width=1.5), name=f"{name} ({len(rows)})")
            columns[f"{name}_mean"], columns[f"{name}_std"] = mean, sd
        self.frame = pd.DataFrame(columns)
        self.plot.autoRange()


class ConfusionView(QWidget):
    """Counts of true (rows) against predicted (columns) classes, shaded by row share."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(title="Confusion matrix (validation)")
        self.plot.setLabel("left", "true class")
        self.plot.setLabel("bottom", "predicted class")
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.setMouseEnabled(False, False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("CET-L12"))
        self.plot.addItem(self.image)
        self.texts: list[pg.TextItem] = []
        self.matrix = np.zeros((0, 0), int)
        self.classes: list[str] = []
        self.export = ExportButton(self.plot.scene(), self.to_frame, "confusion")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.export)

    def set_matrix(self, matrix: np.ndarray, classes: list[str], title: str | None = None) -> None:
        self.matrix, self.classes = np.asarray(matrix, int), list(classes)
        rows = self.matrix.sum(1, keepdims=True)
        share = np.divide(self.matrix, rows, out=np.zeros(self.matrix.shape), where=rows > 0)
        self.image.setImage(share, levels=(0, 1))
        for t in self.texts:
            self.plot.removeItem(t)
        self.texts = []
        for (i, j), n in np.ndenumerate(self.matrix):
            t = pg.TextItem(str(n), color="w" if share[i, j] > 0.5 else "k", anchor=(0.5, 0.5))
            t.setPos(j + 0.5, i + 0.5)
            self.plot.addItem(t)
            self.texts.append(t)
        ticks = [[(k + 0.5, name) for k, name in enumerate(self.classes)]]
        self.plot.getAxis("bottom").setTicks(ticks)
        self.plot.getAxis("left").setTicks(ticks)
        if title:
            self.plot.setTitle(title)
        self.plot.autoRange(padding=0)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.matrix, index=self.classes, columns=self.classes).rename_axis("true").reset_index()

    def clear(self) -> None:
        self.set_matrix(np.zeros((0, 0), int), [])
