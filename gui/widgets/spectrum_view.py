"""Spectrum plots: one spectrum that stays smooth at 100,000+ points (peak
downsampling and clipping to the view, both pyqtgraph's), with a crosshair
readout and spectral lines shifted by a redshift; class means with their
spread; and a confusion matrix.

The lines' names sit in a band above the plot (:class:`LineLabelAxis`), in up to
a few staggered rows; a name with no room at the current zoom is left out (zoom
in to see it) rather than drawn over another or cut off.  Written by hand:
pyqtgraph's InfiniteLine labels are placed one by one and collide."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine.spectra import lines
from gui.widgets.axes import EmptyHint, tick_axes
from gui.widgets.colors import label_color
from gui.widgets.export import ExportButton

LINE_PENS = {"emission": "#e4572e", "absorption": "#3a8fd8", "both": "#a66bd3"}  # read on dark and light
LABEL_GAP_PX = 6  # free space between two names in a row
TICK_PX = 4  # the short mark under a name, at its line's wavelength


class LineLabelAxis(pg.AxisItem):
    """The band above a spectrum plot that names its lines: each name centred over its line (pushed
    inside at the edges), in the lowest of ``rows`` rows where it does not touch its neighbour; the
    same name twice within its own width (the [O III] doublet) is written once."""

    def __init__(self, rows: int = 3) -> None:
        super().__init__("top")
        self.rows = rows
        self.lines: list[tuple[str, float, str]] = []  # (name, wavelength, colour)
        self.label_font = QFont()
        self.row_height = QFontMetricsF(self.label_font).height()
        self.setHeight(int(math.ceil(rows * self.row_height + TICK_PX + 2)))
        self.enableAutoSIPrefix(False)  # a new range then only repaints the names

    def set_lines(self, named: list[tuple[str, float, str]]) -> None:
        self.lines = sorted(named, key=lambda line: line[1])
        self.update()

    def placements(self) -> tuple[list[tuple[str, QRectF, str, float]], list[str]]:
        """(name, its rectangle in this item, colour, x of its line) of the names written at the
        current zoom and size, and the names left out for want of room."""
        bounds = self.mapRectFromParent(self.geometry())
        lo, hi = self.range
        if hi <= lo or bounds.width() <= 0:
            return [], [name for name, _, _ in self.lines]
        metrics = QFontMetricsF(self.label_font)
        scale = bounds.width() / (hi - lo)
        ends = [-math.inf] * self.rows  # right end of the last name in each row
        shown: list[tuple[str, QRectF, str, float]] = []
        left_out = []
        for name, where, color in self.lines:
            if not lo <= where <= hi:
                continue
            x = bounds.left() + (where - lo) * scale
            width = metrics.horizontalAdvance(name) + 2
            if any(n == name and abs(r.center().x() - x) < width for n, r, _, _ in shown):
                continue  # a doublet: its name already stands there
            left = min(max(x - width / 2, bounds.left()), bounds.right() - width)
            row = next((k for k in range(self.rows) if left >= ends[k] + LABEL_GAP_PX), None)
            if row is None or width > bounds.width():
                left_out.append(name)
                continue
            ends[row] = left + width
            top = bounds.bottom() - TICK_PX - (row + 1) * self.row_height
            shown.append((name, QRectF(left, top, width, self.row_height), color, x))
        return shown, left_out

    def paint(self, p, opt, widget) -> None:
        shown, left_out = self.placements()
        bottom = self.mapRectFromParent(self.geometry()).bottom()
        p.setFont(self.label_font)
        for name, rect, color, x in shown:
            p.setPen(pg.mkPen(color))
            p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), name)
            p.drawLine(QPointF(x, bottom - TICK_PX), QPointF(x, bottom))
        self.setToolTip(f"Not named at this zoom (zoom in): {', '.join(left_out)}" if left_out else "")


class SpectrumView(QWidget):
    def __init__(self, title: str = "Spectrum", hint: str = "", label_rows: int = 3,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line_axis = LineLabelAxis(label_rows)
        self.plot = pg.PlotWidget(title=title, axisItems={**tick_axes(), "top": self.line_axis})
        self.plot.setLabel("bottom", "wavelength (Å)")
        self.plot.setLabel("left", "flux")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.curve = self.plot.plot(pen=pg.mkPen("#888", width=1))
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        self.hint = EmptyHint(self.plot.getViewBox(), hint, (self.plot.getAxis("left"), self.plot.getAxis("bottom")))
        self.markers: list[pg.InfiniteLine] = []
        self._lines_key: tuple | None = None
        self.z = 0.0
        self.show_lines = True
        self.wave = np.empty(0)
        self.flux = np.empty(0)
        self._covered: np.ndarray | None = None  # which points are data, not padding
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
        layout.setSpacing(2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        layout.addWidget(self.export, 0, Qt.AlignmentFlag.AlignLeft)
        self.plot.scene().sigMouseMoved.connect(self._moved)
        self._set_empty(True)

    def show_spectrum(self, wave: np.ndarray, flux: np.ndarray, title: str | None = None,
                      covered: np.ndarray | None = None) -> None:
        """Draw ``flux`` over ``wave``; where ``covered`` is False (padding beyond the data) the flux is
        kept for the readout and export but not drawn."""
        self.wave, self.flux = np.asarray(wave, float), np.asarray(flux, float)
        drawn = self.flux if covered is None else np.where(covered, self.flux, np.nan)
        self.curve.setData(self.wave, drawn, connect="finite")
        self._covered = covered
        if title:
            self.plot.setTitle(title)
        self._set_empty(not len(self.wave))
        self.plot.enableAutoRange()
        self._draw_lines()

    def _set_empty(self, empty: bool) -> None:
        self.hint.set_empty(empty)
        self.plot.showAxis("top", self.show_lines and not empty)
        if empty:
            self._covered = None
            self.plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)

    def set_redshift(self, z: float) -> None:
        self.z = float(z)
        self._draw_lines()

    def set_lines_visible(self, on: bool) -> None:
        self.show_lines = on
        self.plot.showAxis("top", on and bool(len(self.wave)))
        self._draw_lines()

    def _draw_lines(self) -> None:
        """Rebuild the markers only when what they depend on changes (stepping through a set of
        spectra on one grid keeps them: rebuilding 20 lines costs more than the curve)."""
        key = (self.z, self.show_lines, float(self.wave[0]) if len(self.wave) else None,
               float(self.wave[-1]) if len(self.wave) else None)
        if key == self._lines_key:
            return
        self._lines_key = key
        for m in self.markers:
            self.plot.removeItem(m)
        self.markers = []
        named = []
        if self.show_lines and len(self.wave):
            lo, hi = self.wave[0], self.wave[-1]
            for name, where, kind in lines.shifted(self.z):
                if lo <= where <= hi:
                    m = pg.InfiniteLine(where, angle=90, pen=pg.mkPen(LINE_PENS[kind], width=1))
                    self.plot.addItem(m, ignoreBounds=True)
                    self.markers.append(m)
                    named.append((name, where, LINE_PENS[kind]))
        self.line_axis.set_lines(named)

    def _moved(self, pos) -> None:
        if not len(self.wave) or not self.plot.sceneBoundingRect().contains(pos):
            return
        p = self.plot.plotItem.vb.mapSceneToView(pos)
        i = int(np.clip(np.searchsorted(self.wave, p.x()), 0, len(self.wave) - 1))
        rest = f"  (rest frame {self.wave[i] / (1 + self.z):.2f} Å)" if self.z else ""
        if self._covered is not None and not self._covered[i]:
            for item in (self.vline, self.hline):
                item.setVisible(False)
            self.readout.setText(f"λ = {self.wave[i]:.2f} Å{rest}   beyond the spectrum (padded with 0)")
            return
        self.vline.setPos(self.wave[i])
        self.hline.setPos(self.flux[i])
        for item in (self.vline, self.hline):
            item.setVisible(True)
        self.readout.setText(f"λ = {self.wave[i]:.2f} Å{rest}   flux = {self.flux[i]:.5g}")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"wavelength": self.wave, "flux": self.flux})

    def clear(self) -> None:
        self.wave, self.flux = np.empty(0), np.empty(0)
        self.curve.setData([], [])
        self._set_empty(True)
        self._draw_lines()
        for item in (self.vline, self.hline):
            item.setVisible(False)
        self.readout.setText(" ")


class ClassMeans(QWidget):
    """Mean spectrum of each class with a ±1 standard deviation band."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(title="Class means (preprocessed) ± 1σ", axisItems=tick_axes())
        self.plot.setLabel("bottom", "wavelength (Å)")
        self.plot.setLabel("left", "standardised flux")
        self.legend = self.plot.addLegend(offset=(-5, 5))
        self.hint = EmptyHint(self.plot.getViewBox(), "Load a labelled set (left) to see each class's mean spectrum",
                              (self.plot.getAxis("left"), self.plot.getAxis("bottom")))
        self.items: list[pg.GraphicsObject] = []
        self.frame = pd.DataFrame()
        self.export = ExportButton(self.plot.scene(), lambda: self.frame, "class-means")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.export, 0, Qt.AlignmentFlag.AlignLeft)

    def set_data(self, grid: np.ndarray, x: np.ndarray, y: np.ndarray, classes: list[str]) -> None:
        self.clear()
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
            fill = pg.FillBetweenItem(lo, hi, brush=band)
            self.plot.addItem(fill)
            line = self.plot.plot(grid, mean, pen=pg.mkPen(color, width=1.5), name=f"{name} ({len(rows)})")
            self.items += [lo, hi, fill, line]
            columns[f"{name}_mean"], columns[f"{name}_std"] = mean, sd
        self.frame = pd.DataFrame(columns)
        self.hint.set_empty(len(self.frame.columns) == 1)
        self.plot.autoRange()

    def clear(self) -> None:
        for item in self.items:
            self.plot.removeItem(item)
        self.items = []
        self.legend.clear()
        self.frame = pd.DataFrame()
        self.hint.set_empty(True)


class ConfusionView(QWidget):
    """Counts of true (rows) against predicted (columns) classes, shaded by row share."""

    def __init__(self, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(title="Confusion matrix", axisItems=tick_axes())
        self.plot.setLabel("left", "true class")
        self.plot.setLabel("bottom", "predicted class")
        for side in ("left", "bottom"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)  # class names, not numbers: no "(×0.001)"
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("CET-L12"))
        self.plot.addItem(self.image)
        self.hint = EmptyHint(self.plot.getViewBox(), hint, (self.plot.getAxis("left"), self.plot.getAxis("bottom")))
        self.texts: list[pg.TextItem] = []
        self.matrix = np.zeros((0, 0), int)
        self.classes: list[str] = []
        self.export = ExportButton(self.plot.scene(), self.to_frame, "confusion")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.export, 0, Qt.AlignmentFlag.AlignLeft)
        self.clear()

    def set_matrix(self, matrix: np.ndarray, classes: list[str], title: str | None = None) -> None:
        self.matrix, self.classes = np.asarray(matrix, int), list(classes)
        n = len(self.classes)
        rows = self.matrix.sum(1, keepdims=True)
        share = np.divide(self.matrix, rows, out=np.zeros(self.matrix.shape), where=rows > 0)
        self.image.setImage(share, levels=(0, 1))
        self.image.setVisible(n > 0)
        for t in self.texts:
            self.plot.removeItem(t)
        self.texts = []
        for (i, j), count in np.ndenumerate(self.matrix):
            t = pg.TextItem(str(count), color="w" if share[i, j] > 0.5 else "k", anchor=(0.5, 0.5))
            t.setPos(j + 0.5, i + 0.5)
            self.plot.addItem(t)
            self.texts.append(t)
        ticks = [[(k + 0.5, name) for k, name in enumerate(self.classes)]]
        self.plot.getAxis("bottom").setTicks(ticks)
        self.plot.getAxis("left").setTicks(ticks)
        self.hint.set_empty(n == 0)
        if title:
            self.plot.setTitle(title)
        # every row and column in view (the aspect lock widens whichever range it must)
        self.plot.setRange(xRange=(0, max(n, 1)), yRange=(0, max(n, 1)), padding=0.02)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.matrix, index=self.classes, columns=self.classes).rename_axis("true").reset_index()

    def clear(self) -> None:
        self.set_matrix(np.zeros((0, 0), int), [], "Confusion matrix")
