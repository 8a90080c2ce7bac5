"""Live training curves, the way TensorBoard and SLEAP users expect them.

One small plot per metric (loss, recon, kl …), one colour per run (stable),
train solid with its raw values faint underneath, validation dashed with
markers.  Display-only controls: a debiased-EMA smoothing slider capped at
0.99, log-y, and "ignore outliers" (y-range from the 2nd–98th percentiles).
Items are created once and fed with ``setData`` from capacity-doubling
buffers, with peak downsampling and clip-to-view so 10⁵-point histories stay
smooth.

Redraws are paced by their own cost: painting pyqtgraph items is Python that
holds the GIL, so a training thread slows while the plot draws, and the plot
waits for the GIL while the training thread runs.  Each redraw therefore
updates one metric's plot only (round robin; the view repaints just that
region), and the next is scheduled so that drawing takes at most ``DUTY`` of
the wall time (never more often than 4 Hz, never less than every 2 s).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from engine.smoothing import MAX_WEIGHT, debiased_ema
from gui.widgets.colors import run_color
from gui.widgets.export import ExportButton

DUTY = 0.04
PER_ROW = 4
MIN_INTERVAL_MS, MAX_INTERVAL_MS = 250, 2000


class GrowingSeries:
    """x/y float buffers that double their capacity when full (amortised O(1) append)."""

    def __init__(self, capacity: int = 256) -> None:
        self.x = np.empty(capacity)
        self.y = np.empty(capacity)
        self.n = 0

    def append(self, x: float, y: float) -> None:
        if self.n == len(self.x):
            self.x = np.concatenate([self.x, np.empty(len(self.x))])
            self.y = np.concatenate([self.y, np.empty(len(self.y))])
        self.x[self.n], self.y[self.n] = x, y
        self.n += 1

    def extend(self, xs: np.ndarray, ys: np.ndarray) -> None:
        need = self.n + len(xs)
        if need > len(self.x):
            cap = max(need, 2 * len(self.x))
            self.x = np.concatenate([self.x[:self.n], np.empty(cap - self.n)])
            self.y = np.concatenate([self.y[:self.n], np.empty(cap - self.n)])
        self.x[self.n:need], self.y[self.n:need] = xs, ys
        self.n = need

    @property
    def xs(self) -> np.ndarray:
        return self.x[:self.n]

    @property
    def ys(self) -> np.ndarray:
        return self.y[:self.n]


class TimedLayout(pg.GraphicsLayoutWidget):
    """Adds up the time spent painting, wherever the paint was triggered from
    (pyqtgraph re-lays out axes and ranges in later paints, not in setData)."""

    paint_seconds = 0.0

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        t0 = time.perf_counter()
        super().paintEvent(event)
        self.paint_seconds += time.perf_counter() - t0


@dataclass
class _Curve:
    series: GrowingSeries
    raw: pg.PlotDataItem | None
    main: pg.PlotDataItem
    dirty: bool = True
    shown: np.ndarray = field(default_factory=lambda: np.empty(0))


class MetricsPanel(QWidget):
    """Curves of every metric of the current run, plus overlaid past runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_widget = TimedLayout()
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[tuple[str, str, str], _Curve] = {}  # (run, phase, metric)
        self.weight = 0.6
        self._last_metric: str | None = None
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, int(MAX_WEIGHT * 100))
        self.smoothing.setValue(int(self.weight * 100))
        self.smoothing.setToolTip("Debiased exponential moving average of the training curves (max 0.99)")
        self.smoothing_label = QLabel(f"{self.weight:.2f}")
        self.log_y = QCheckBox("Log y")
        self.ignore_outliers = QCheckBox("Ignore outliers")
        self.ignore_outliers.setToolTip("Scale the y-axis to the 2nd–98th percentile of the values")
        self.export = ExportButton(self.layout_widget.scene(), self.to_frame, "curves")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Smoothing"))
        bar.addWidget(self.smoothing, 1)
        bar.addWidget(self.smoothing_label)
        bar.addWidget(self.log_y)
        bar.addWidget(self.ignore_outliers)
        bar.addWidget(self.export)
        key = QLabel("solid: train (smoothed; raw values faint) · dashed ●: validation · colour: run")
        key.setStyleSheet("color: palette(mid);")
        key.setWordWrap(True)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(bar)
        box.addWidget(key)
        box.addWidget(self.layout_widget, 1)
        self.smoothing.valueChanged.connect(self._on_smoothing)
        self.log_y.toggled.connect(self._on_log)
        self.ignore_outliers.toggled.connect(lambda: self._rescale())
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._paced_redraw)
        self._timer.start(MIN_INTERVAL_MS)

    # -- data in -----------------------------------------------------------
    def expect_metrics(self, names: tuple[str, ...]) -> None:
        """Start over with these plots, created now while idle rather than when the first point arrives."""
        self.clear()
        for plot in self.plots.values():
            self.layout_widget.removeItem(plot)
        self.plots.clear()
        for name in names:
            self._plot(name)

    def _plot(self, metric: str) -> pg.PlotItem:
        if metric not in self.plots:
            n = len(self.plots)  # four to a row, then wrap
            p = self.layout_widget.addPlot(row=n // PER_ROW, col=n % PER_ROW, title=metric)
            p.showGrid(x=True, y=True, alpha=0.25)
            p.getAxis("left").setWidth(52)  # tick labels of changing width must not re-lay out every plot
            p.setLabel("bottom", "step")
            p.setDownsampling(auto=True, mode="peak")
            p.setClipToView(True)
            p.setLogMode(y=self.log_y.isChecked())
            self.plots[metric] = p
        return self.plots[metric]

    def _curve(self, run: str, phase: str, metric: str) -> _Curve:
        key = (run, phase, metric)
        if key not in self.curves:
            plot = self._plot(metric)
            color = QColor(run_color(run))
            if phase == "train":
                faint = QColor(color)
                faint.setAlpha(60)
                raw = plot.plot(pen=pg.mkPen(faint, width=1), skipFiniteCheck=True, antialias=False)
                main = plot.plot(pen=pg.mkPen(color, width=1), skipFiniteCheck=True, antialias=False)
            else:
                raw = None
                main = plot.plot(pen=pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine), symbol="o",
                                 symbolSize=5, symbolBrush=color, symbolPen=None)
            self.curves[key] = _Curve(GrowingSeries(), raw, main)
        return self.curves[key]

    def add_point(self, run: str, phase: str, step: int, values: dict[str, float]) -> None:
        for metric, value in values.items():
            c = self._curve(run, phase, metric)
            c.series.append(step, value)
            c.dirty = True

    def add_frame(self, run: str, frame: pd.DataFrame) -> None:
        """Overlay a whole run from its metrics.jsonl frame (columns step, phase, metrics…)."""
        if frame.empty or "phase" not in frame:
            return
        for phase, part in frame.groupby("phase"):
            for metric in part.columns:
                if metric in ("step", "epoch", "phase", "time"):
                    continue
                vals = part[["step", metric]].dropna()
                if vals.empty:
                    continue
                c = self._curve(run, str(phase), metric)
                c.series.extend(vals["step"].to_numpy(float), vals[metric].to_numpy(float))
                c.dirty = True

    def runs(self) -> set[str]:
        return {k[0] for k in self.curves}

    def remove_run(self, run: str) -> None:
        for key in [k for k in self.curves if k[0] == run]:
            c = self.curves.pop(key)
            plot = self.plots[key[2]]
            for item in (c.raw, c.main):
                if item is not None:
                    plot.removeItem(item)

    def clear(self) -> None:
        for run in list(self.runs()):
            self.remove_run(run)

    # -- drawing -------------------------------------------------------------
    def _on_smoothing(self, value: int) -> None:
        self.weight = value / 100.0
        self.smoothing_label.setText(f"{self.weight:.2f}")
        for c in self.curves.values():
            c.dirty = True
        self.redraw()

    def _on_log(self, on: bool) -> None:
        for p in self.plots.values():
            p.setLogMode(y=on)
        self._rescale()

    def _paced_redraw(self) -> None:
        t0 = time.perf_counter()
        dirty = [m for m in self.plots if any(c.dirty for k, c in self.curves.items() if k[2] == m)]
        if dirty:
            order = list(self.plots)
            last = order.index(self._last_metric) if self._last_metric in order else -1
            self._last_metric = min(dirty, key=lambda m: (order.index(m) - last - 1) % len(order))
            self.redraw(self._last_metric)
        cost = time.perf_counter() - t0 + self.layout_widget.paint_seconds
        self.layout_widget.paint_seconds = 0.0  # paints since the last redraw belong to it
        self._timer.start(int(min(MAX_INTERVAL_MS, max(MIN_INTERVAL_MS, 1000 * cost * (1 / DUTY - 1)))))

    def redraw(self, only: str | None = None) -> bool:
        """Push changed data to the plot items (of metric ``only``, or all); True when anything changed."""
        changed = False
        for (_, _, metric), c in self.curves.items():
            if not c.dirty or (only is not None and metric != only):
                continue
            x, y = c.series.xs, c.series.ys
            if c.raw is not None:
                c.raw.setData(x, y)
                c.shown = debiased_ema(y, self.weight)
                c.main.setData(x, c.shown)
            else:
                c.shown = y
                c.main.setData(x, y)
            c.dirty = False
            changed = True
        if changed:
            self._rescale(only)
        return changed

    def _rescale(self, only: str | None = None) -> None:
        robust = self.ignore_outliers.isChecked()
        for metric, plot in self.plots.items():
            if only is not None and metric != only:
                continue
            if not robust:
                plot.enableAutoRange(axis="y")
                continue
            values = np.concatenate([c.shown for k, c in self.curves.items() if k[2] == metric] or [np.empty(0)])
            values = values[np.isfinite(values)]
            if self.log_y.isChecked():
                values = np.log10(values[values > 0])
            if len(values) < 2:
                continue
            lo, hi = np.percentile(values, [2, 98])
            pad = 0.1 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.1
            plot.setYRange(lo - pad, hi + pad, padding=0)

    # -- export ----------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        rows = []
        for (run, phase, metric), c in self.curves.items():
            rows.append(pd.DataFrame({"run": run, "phase": phase, "metric": metric,
                                      "step": c.series.xs.astype(int), "value": c.series.ys}))
        return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
            columns=["run", "phase", "metric", "step", "value"])


