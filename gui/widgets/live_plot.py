"""Live training curves, the way TensorBoard and SLEAP users expect them.

One small plot per metric, titled in words (gui/widgets/metric_names.py), one
colour per run — distinct among the runs shown and kept while shown
(gui/widgets/colors.py) — named in a legend in every plot that shows two runs or
more (one run is named by its swatch in the run list); train solid with its
raw values faint underneath, validation dashed with markers.  Display-only
controls: a debiased-EMA smoothing slider capped at 0.99, log-y (readable
decade ticks, gui/widgets/axes.py), "ignore outliers" (y-range from the
2nd–98th percentiles), and x as step, epoch or time since the run's start.
Hovering a plot reads out the nearest point of every curve in it (step, epoch,
time, smoothed and raw value); zooming or panning one plot's x zooms them all,
the "A" button of any plot brings back the whole run.  An empty plot says so
instead of showing a 0–1 range; a plot of one point gets a padded range.  Plots
fill as many columns as the width allows for their titles, in rows of equal
length (more rows than fit scroll), and each legend sits in the corner of its
plot that hides the fewest points.

Epochs are fractional, from the step: a run's steps per epoch P is exact once
its first epoch ends (the validation after epoch e is logged at step (e + 1)·P,
and every record at epoch e has step ≤ (e + 1)·P), so P = max step / (epoch + 1)
over its records, and a point's epoch is step / P (1.0 = one epoch done).

Items are created once and fed with ``setData`` from capacity-doubling
buffers, with peak downsampling and clip-to-view so 10⁵-point histories stay
smooth.  Redraws are paced by their own cost: painting pyqtgraph items is
Python that holds the GIL, so a training thread slows while the plot draws.
Each redraw therefore updates one metric's plot only (round robin; the view
repaints just that region), and the next is scheduled so that drawing takes at
most ``DUTY`` of the wall time (never more often than 4 Hz, never less than
every 2 s).  The x-range all plots share follows the same round robin.
"""

from __future__ import annotations

import html
import math
import re
import time
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from engine.runs import RESERVED
from engine.smoothing import MAX_WEIGHT, debiased_ema
from gui.widgets.axes import EmptyHint, tick_axes
from gui.widgets.colors import claim_run_color, release_group, release_run_color
from gui.widgets.export import ExportButton
from gui.widgets.metric_names import Metric, metric

DUTY = 0.04
PER_ROW = 4  # plots in a row at most
MIN_PLOT_PX = 170  # fewer columns than this allows would cut titles and tick labels
MIN_PLOT_HEIGHT_PX = 120  # rows that would be lower scroll instead
MIN_INTERVAL_MS, MAX_INTERVAL_MS = 250, 2000
X_AXES = {"step": "step", "epoch": "epoch", "time": "time since start (s)"}
X_PAD = {"step": 1.0, "epoch": 0.1, "time": 1.0}  # half-width of the range around a single point
HOVER_PX = 40  # the readout names points this close to the cursor (in x)
RUN_ID = re.compile(r"^\d{8}-(\d\d)(\d\d)(\d\d)-.+-([0-9a-f]+)$")


def run_name(run_id: str) -> str:
    """A legend's name for a run: its start time and tag ("14:03:59 a1b2c3") when the id is a
    workspace run's, else the id (shortened)."""
    m = RUN_ID.match(run_id)
    if m:
        return f"{m[1]}:{m[2]}:{m[3]} {m[4]}"
    return run_id if len(run_id) <= 24 else run_id[:23] + "…"


class GrowingSeries:
    """Step, value, epoch and wall-clock buffers that double their capacity when full
    (amortised O(1) append); ``x`` is the step, ``y`` the value."""

    COLUMNS = ("x", "y", "epoch", "wall")

    def __init__(self, capacity: int = 256) -> None:
        for name in self.COLUMNS:
            setattr(self, name, np.full(capacity, np.nan))
        self.n = 0

    def _reserve(self, need: int) -> None:
        if need > len(self.x):
            cap = max(need, 2 * len(self.x))
            for name in self.COLUMNS:
                grown = np.full(cap, np.nan)
                grown[:self.n] = getattr(self, name)[:self.n]
                setattr(self, name, grown)

    def append(self, x: float, y: float, epoch: float = math.nan, wall: float = math.nan) -> None:
        self._reserve(self.n + 1)
        i = self.n
        self.x[i], self.y[i], self.epoch[i], self.wall[i] = x, y, epoch, wall
        self.n += 1

    def extend(self, xs: np.ndarray, ys: np.ndarray, epochs: np.ndarray | None = None,
               walls: np.ndarray | None = None) -> None:
        need = self.n + len(xs)
        self._reserve(need)
        self.x[self.n:need], self.y[self.n:need] = xs, ys
        self.epoch[self.n:need] = math.nan if epochs is None else epochs
        self.wall[self.n:need] = math.nan if walls is None else walls
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
    left = Signal()  # the mouse left the plots
    resized = Signal()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        t0 = time.perf_counter()
        super().paintEvent(event)
        self.paint_seconds += time.perf_counter() - t0

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().leaveEvent(event)
        self.left.emit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self.resized.emit()


@dataclass
class _Curve:
    series: GrowingSeries
    raw: pg.PlotDataItem | None
    main: pg.PlotDataItem
    dirty: bool = True
    shown: np.ndarray = field(default_factory=lambda: np.empty(0))  # the values drawn (smoothed for train)
    shown_x: np.ndarray = field(default_factory=lambda: np.empty(0))  # their x in the current unit
    rows: np.ndarray | None = None  # rows of the series drawn, when some lack this x (None: all)


@dataclass
class _Run:
    colour: str
    name: str  # in the legend
    tag: str  # in the hover readout
    per_epoch: float = 0.0  # steps per epoch (0: not known)
    t0: float = math.inf  # wall-clock time of its first record
    samples: dict[str, pg.PlotDataItem] = field(default_factory=dict)  # legend entries by metric

    def note(self, steps: np.ndarray, epochs: np.ndarray, walls: np.ndarray) -> bool:
        """Learn steps per epoch and the start time from records; True when the epoch scale changed."""
        known = np.isfinite(epochs) & (epochs >= 0)
        before = self.per_epoch
        if known.any():
            self.per_epoch = max(self.per_epoch, float(np.max(steps[known] / (epochs[known] + 1))))
        if np.isfinite(walls).any():
            self.t0 = min(self.t0, float(np.nanmin(walls)))
        return self.per_epoch != before


@dataclass
class _Plot:
    item: pg.PlotItem
    info: Metric
    legend: pg.LegendItem
    hint: EmptyHint
    cursor: pg.InfiniteLine
    readout: pg.TextItem
    corner: tuple[int, int] = (1, 0)  # where the legend sits: (right, top)


class MetricsPanel(QWidget):
    """Curves of every metric of the current run, plus overlaid past runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_widget = TimedLayout()
        self.plots: dict[str, pg.PlotItem] = {}
        self._decor: dict[str, _Plot] = {}
        self.curves: dict[tuple[str, str, str], _Curve] = {}  # (run, phase, metric)
        self._runs: dict[str, _Run] = {}
        self._names: dict[str, str] = {}  # run -> what sets it apart in the legends (a Compare's change)
        self._group = f"metrics-{id(self)}"  # colours are distinct among this panel's runs
        self.destroyed.connect(partial(release_group, self._group))
        self.weight = 0.6
        self._last_metric: str | None = None
        self._columns = 0  # of the plots' grid (0: to be laid out)
        self._x_zoomed = False
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, int(MAX_WEIGHT * 100))
        self.smoothing.setValue(int(self.weight * 100))
        self.smoothing.setToolTip("Debiased exponential moving average of the training curves (max 0.99)")
        self.smoothing_label = QLabel(f"{self.weight:.2f}")
        self.x_axis = QComboBox()
        for key, text in (("step", "step"), ("epoch", "epoch"), ("time", "time")):
            self.x_axis.addItem(text, key)
        self.x_axis.setToolTip("x-axis: training step, epochs done, or seconds since the run started")
        self.log_y = QCheckBox("Log y")
        self.log_y.setToolTip("Logarithmic y-axis (not for bounded metrics: counts and shares)")
        self.ignore_outliers = QCheckBox("Ignore outliers")
        self.ignore_outliers.setToolTip("Scale the y-axis to the 2nd–98th percentile of the values")
        self.export = ExportButton(self.layout_widget.scene(), self.to_frame, "curves")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Smoothing"))
        bar.addWidget(self.smoothing, 1)
        bar.addWidget(self.smoothing_label)
        bar.addWidget(QLabel("x:"))
        bar.addWidget(self.x_axis)
        bar.addWidget(self.log_y)
        bar.addWidget(self.ignore_outliers)
        bar.addWidget(self.export)
        key = QLabel("solid: train (smoothed; raw values faint) · dashed ●: validation · legend: runs · "
                     "hover: values · drag/wheel: zoom every plot, A: whole run")
        key.setStyleSheet("color: palette(mid);")
        key.setWordWrap(True)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(bar)
        box.addWidget(key)
        self.scroll = QScrollArea()  # many metrics (the BN lab's 25) scroll rather than squeeze
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.layout_widget)
        box.addWidget(self.scroll, 1)
        self.smoothing.valueChanged.connect(self._on_smoothing)
        self.log_y.toggled.connect(self._on_log)
        self.ignore_outliers.toggled.connect(lambda: self._rescale())
        self.x_axis.currentIndexChanged.connect(self._on_x_axis)
        self._hover_proxy = pg.SignalProxy(self.layout_widget.scene().sigMouseMoved, rateLimit=30,
                                           slot=self._on_hover)
        self.layout_widget.left.connect(self._hide_readouts)
        self.layout_widget.resized.connect(self._regrid)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._paced_redraw)
        self._timer.start(MIN_INTERVAL_MS)

    @property
    def x_mode(self) -> str:
        return self.x_axis.currentData()

    # -- plots -------------------------------------------------------------------
    def expect_metrics(self, names: tuple[str, ...]) -> None:
        """Start over with these plots, created now while idle rather than when the first point arrives."""
        self.clear()
        for plot in self.plots.values():
            if plot in self.layout_widget.ci.items:
                self.layout_widget.removeItem(plot)
        self.plots.clear()
        self._decor.clear()
        self._last_metric = None
        for name in names:
            self._plot(name, place=False)
        self._columns = 0
        self._regrid()

    def _columns_that_fit(self) -> int:
        """As many columns as the width allows for the widest plot's title and axes (at most
        PER_ROW), then rows of equal length: five plots in 3 + 2, not 4 + 1."""
        n = max(1, len(self.plots))
        width = self.scroll.width() - self.scroll.verticalScrollBar().sizeHint().width()  # room even when it shows
        widest = max([MIN_PLOT_PX] + [p.effectiveSizeHint(Qt.SizeHint.MinimumSize).width() + 10
                                      for p in self.plots.values()])
        fit = max(1, int(width // widest)) if self.scroll.isVisible() and width > 0 else PER_ROW
        rows = math.ceil(n / min(PER_ROW, n, fit))
        return math.ceil(n / rows)

    def _regrid(self) -> None:
        """Lay the plots out again when the number of columns that fit has changed."""
        columns = self._columns_that_fit()
        if columns == self._columns:
            return
        self._columns = columns
        for p in self.plots.values():
            if p in self.layout_widget.ci.items:
                self.layout_widget.removeItem(p)
        for n, p in enumerate(self.plots.values()):
            self.layout_widget.addItem(p, row=n // columns, col=n % columns)
        view = self.layout_widget
        view.setMinimumHeight(math.ceil(len(self.plots) / columns) * MIN_PLOT_HEIGHT_PX)  # more rows: a scroll bar
        # the scene fitted to the widget's size now: a size the new minimum brings about inside a resize
        # event reaches no resize event of its own, and the grid would keep the old height (rows squeezed)
        pg.GraphicsView.resizeEvent(view, None)

    def _plot(self, name: str, place: bool = True) -> pg.PlotItem:
        if name in self.plots:
            return self.plots[name]
        info = metric(name)
        p = pg.PlotItem(axisItems=tick_axes())
        p.setTitle(info.title, size="10pt")
        p.titleLabel.setToolTip(f"{info.title} ({name}): {info.meaning}" if info.meaning else name)
        p.showGrid(x=True, y=True, alpha=0.25)
        p.getAxis("left").setWidth(52)  # tick labels of changing width must not re-lay out every plot
        p.setLabel("bottom", X_AXES[self.x_mode])
        for side in ("left", "bottom"):
            p.getAxis(side).enableAutoSIPrefix(False)
        p.setDownsampling(auto=True, mode="peak")
        p.setClipToView(True)
        p.setLogMode(y=self.log_y.isChecked() and info.bounds is None)
        p.enableAutoRange(x=False)  # the panel sets one x-range for every plot
        if info.bounds is not None:
            p.enableAutoRange(y=False)
            p.setYRange(*info.bounds, padding=0.1)
        vb = p.getViewBox()
        legend = p.addLegend(offset=(-4, 4), labelTextSize="7pt", verSpacing=-6)
        shade = QColor(pg.getConfigOption("background"))
        shade.setAlpha(190)
        legend.setBrush(pg.mkBrush(shade))
        hint = EmptyHint(vb, "no values yet", (p.getAxis("left"), p.getAxis("bottom")))
        cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine))
        readout = pg.TextItem(anchor=(0, 0), fill=pg.mkBrush(shade), color=pg.getConfigOption("foreground"))
        for item in (cursor, readout):
            item.hide()
            p.addItem(item, ignoreBounds=True)
        vb.sigRangeChangedManually.connect(partial(self._on_manual_zoom, name))
        p.autoBtn.clicked.connect(self.reset_zoom)
        self.plots[name] = p
        self._decor[name] = _Plot(p, info, legend, hint, cursor, readout)
        if place:  # a metric met during a run: the grid is laid out again with it
            self._columns = 0
            self._regrid()
        return p

    def _run(self, run: str) -> _Run:
        if run not in self._runs:
            self._runs[run] = _Run(claim_run_color(run, self._group), self.run_label(run), run_name(run).split()[-1])
        return self._runs[run]

    def run_label(self, run: str) -> str:
        """How the legends call ``run``."""
        return f"{self._names[run]} · {run_name(run).split()[-1]}" if run in self._names else run_name(run)

    def name_run(self, run: str, what: str) -> None:
        """Call ``run`` by what sets it apart ("optimizer = sgd") in the legends, with its tag;
        "" keeps its start time and tag."""
        if not what:
            return
        self._names[run] = what
        r = self._runs.get(run)
        if r is not None:
            r.name = self.run_label(run)
            for metric, sample in r.samples.items():
                legend = self._decor[metric].legend if metric in self._decor else None
                label = legend.getLabel(sample) if legend is not None else None
                if label is not None:
                    label.setText(r.name)
                    legend.updateSize()  # a longer name widens the box

    def _curve(self, run: str, phase: str, name: str) -> _Curve:
        key = (run, phase, name)
        if key not in self.curves:
            plot = self._plot(name)
            r = self._run(run)
            color = QColor(r.colour)
            if phase == "train":
                faint = QColor(color)
                faint.setAlpha(60)
                raw = plot.plot(pen=pg.mkPen(faint, width=1), skipFiniteCheck=True, antialias=False)
                main = plot.plot(pen=pg.mkPen(color, width=1), skipFiniteCheck=True, antialias=False)
            else:
                raw = None
                main = plot.plot(pen=pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine), symbol="o",
                                 symbolSize=5, symbolBrush=color, symbolPen=None)
            if name not in r.samples:  # one legend entry per run and plot
                r.samples[name] = pg.PlotDataItem(pen=pg.mkPen(color, width=2))
                self._decor[name].legend.addItem(r.samples[name], r.name)
            self.curves[key] = _Curve(GrowingSeries(), raw, main)
        return self.curves[key]

    # -- data in -----------------------------------------------------------------
    def add_point(self, run: str, phase: str, step: int, values: dict[str, float], epoch: int | None = None,
                  wall: float | None = None) -> None:
        """One record of a live run; ``epoch`` as the engine counts it (from 0), ``wall`` its time
        (default: now)."""
        wall = time.time() if wall is None else wall
        e = math.nan if epoch is None else float(epoch)
        if self._run(run).note(np.array([float(step)]), np.array([e]), np.array([wall])):
            self._rescale_epochs(run)
        for name, value in values.items():
            c = self._curve(run, phase, name)
            c.series.append(step, value, e, wall)
            c.dirty = True

    def add_frame(self, run: str, frame: pd.DataFrame) -> None:
        """Overlay a whole run from its metrics.jsonl frame (columns step, epoch, phase, time, metrics…)."""
        if frame.empty or "phase" not in frame:
            return
        frame = frame.reset_index(drop=True)
        steps = frame["step"].to_numpy(float)
        epochs = frame["epoch"].to_numpy(float) if "epoch" in frame else np.full(len(frame), np.nan)
        walls = frame["time"].to_numpy(float) if "time" in frame else np.full(len(frame), np.nan)
        if self._run(run).note(steps, epochs, walls):
            self._rescale_epochs(run)
        for phase, part in frame.groupby("phase"):
            for name in part.columns:
                if name in RESERVED:
                    continue
                values = part[name].to_numpy(float)
                keep = np.isfinite(values)
                if not keep.any():
                    continue
                at = part.index.to_numpy()[keep]  # positions in the frame
                c = self._curve(run, str(phase), name)
                c.series.extend(steps[at], values[keep], epochs[at], walls[at])
                c.dirty = True
        QTimer.singleShot(0, self, self.redraw)  # a run chosen to overlay shows in every plot at once

    def _rescale_epochs(self, run: str) -> None:
        if self.x_mode == "epoch":
            for key, c in self.curves.items():
                if key[0] == run:
                    c.dirty = True

    def runs(self) -> set[str]:
        return {k[0] for k in self.curves}

    def remove_run(self, run: str) -> None:
        """Its curves, legend entries and colour go."""
        for key in [k for k in self.curves if k[0] == run]:
            c = self.curves.pop(key)
            plot = self.plots[key[2]]
            for item in (c.raw, c.main):
                if item is not None:
                    plot.removeItem(item)
        r = self._runs.pop(run, None)
        if r is not None:
            for name, sample in r.samples.items():
                if name in self._decor:
                    self._decor[name].legend.removeItem(sample)
            release_run_color(run, self._group)
        self._hide_readouts()
        self._rescale()  # hints where nothing is left, legends where one run is

    def clear(self) -> None:
        """Every run's curves and legend entries: the plots wait empty for the next run."""
        for run in list(self._runs):
            self.remove_run(run)
        self._x_zoomed = False

    # -- drawing -------------------------------------------------------------------
    def _on_smoothing(self, value: int) -> None:
        self.weight = value / 100.0
        self.smoothing_label.setText(f"{self.weight:.2f}")
        for c in self.curves.values():
            c.dirty = True
        self.redraw()

    def _on_log(self, on: bool) -> None:
        for d in self._decor.values():
            d.item.setLogMode(y=on and d.info.bounds is None)
        self._rescale()

    def _on_x_axis(self) -> None:
        for p in self.plots.values():
            p.setLabel("bottom", X_AXES[self.x_mode])
        for c in self.curves.values():
            c.dirty = True
        self._x_zoomed = False
        self.redraw()

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

    def _x_of(self, run: str, c: _Curve) -> tuple[np.ndarray, np.ndarray | None]:
        """The curve's x in the current unit, and the rows it keeps (None: all of them)."""
        s = c.series
        if self.x_mode == "step":
            return s.xs, None
        r = self._runs[run]
        if self.x_mode == "epoch":
            x = s.xs / r.per_epoch if r.per_epoch > 0 else np.full(s.n, np.nan)
        else:
            x = s.wall[:s.n] - r.t0
        ok = np.isfinite(x)
        if ok.all():
            return x, None
        rows = np.flatnonzero(ok)
        return x[rows], rows

    def redraw(self, only: str | None = None) -> bool:
        """Push changed data to the plot items (of metric ``only``, or all); True when anything changed."""
        changed = False
        for (run, _, name), c in self.curves.items():
            if not c.dirty or (only is not None and name != only):
                continue
            x, rows = self._x_of(run, c)
            y = c.series.ys if rows is None else c.series.ys[rows]
            if c.raw is not None:
                c.raw.setData(x, y)
                c.shown = debiased_ema(y, self.weight) if len(y) else y
            else:
                c.shown = y
            c.main.setData(x, c.shown)
            c.shown_x, c.rows = x, rows
            c.dirty = False
            changed = True
        if changed:
            self._rescale(only)
        return changed

    def _x_extent(self) -> tuple[float, float] | None:
        ends = [(c.shown_x[0], c.shown_x[-1]) for c in self.curves.values() if len(c.shown_x)]
        if not ends:
            return None
        return min(min(e) for e in ends), max(max(e) for e in ends)

    def _apply_x(self, plot: pg.PlotItem) -> None:
        """The x-range every plot shares: the runs' whole extent (padded around a single x)."""
        extent = self._x_extent()
        if self._x_zoomed or extent is None:
            return
        lo, hi = extent
        if hi - lo <= 1e-12 * max(1.0, abs(hi)):
            pad = max(0.1 * abs(lo), X_PAD[self.x_mode])
            lo, hi = lo - pad, hi + pad
        else:
            lo, hi = lo - 0.02 * (hi - lo), hi + 0.02 * (hi - lo)
        current = plot.viewRange()[0]
        if abs(current[0] - lo) + abs(current[1] - hi) > 1e-9 * (hi - lo):
            plot.setXRange(lo, hi, padding=0)

    def _rescale(self, only: str | None = None) -> None:
        for name, d in self._decor.items():
            if only is None or name == only:
                mine = [c for k, c in self.curves.items() if k[2] == name]
                d.hint.set_text(f"no {self.x_mode} recorded for these runs: choose x = step"
                                if any(c.series.n for c in mine) else "no values yet")
                drawn = {k[0] for k, c in self.curves.items() if k[2] == name and len(c.shown_x)}
                d.hint.set_empty(not drawn)
                # one run needs no legend (the run list's swatch names it): the small plots keep their room
                d.legend.setVisible(len(drawn) > 1)
                self._apply_x(d.item)
                self._rescale_y(d, mine)
                self._place_legend(d, mine)

    def _rescale_y(self, d: _Plot, mine: list[_Curve]) -> None:
        if d.info.bounds is not None:
            lo, hi = d.info.bounds
            d.item.setYRange(lo, hi, padding=0.1)  # room for the labels of both ends
            return
        robust = self.ignore_outliers.isChecked()
        values = np.concatenate([c.shown for c in mine] or [np.empty(0)])
        values = values[np.isfinite(values)]
        log = d.item.getAxis("left").logMode
        if log:
            values = np.log10(values[values > 0])
        if len(values) == 0:
            d.item.enableAutoRange(y=True)
            return
        lo, hi = np.percentile(values, [2, 98]) if robust and len(values) > 1 else (values.min(), values.max())
        spread = hi - lo > 1e-12 * max(1.0, abs(hi))
        if spread and not robust:
            d.item.enableAutoRange(y=True)
            return
        pad = 0.1 * (hi - lo) if spread else 0.15 if log else max(0.1 * abs(hi), 1e-3)  # one value: room for ticks
        d.item.setYRange(lo - pad, hi + pad, padding=0)

    @staticmethod
    def _place_legend(d: _Plot, mine: list[_Curve]) -> None:
        """Move the legend to the corner of the plot that hides the fewest points, when the one it
        is in hides some (the view's range is the last drawn one: the legend follows a redraw late)."""
        if not d.legend.items:
            return
        vb = d.item.getViewBox()
        box, size = vb.sceneBoundingRect(), d.legend.boundingRect()
        log = d.item.getAxis("left").logMode

        def hidden(corner: tuple[int, int]) -> int:
            left = box.left() + 4 if corner[0] == 0 else box.right() - 4 - size.width()
            top = box.top() + 4 if corner[1] == 0 else box.bottom() - 4 - size.height()
            a, b = vb.mapSceneToView(pg.Point(left, top)), vb.mapSceneToView(pg.Point(left + size.width(),
                                                                                       top + size.height()))
            (x0, x1), (y0, y1) = sorted((a.x(), b.x())), sorted((a.y(), b.y()))
            count = 0
            for c in mine:
                y = np.log10(np.where(c.shown > 0, c.shown, np.nan)) if log else c.shown
                count += int(np.count_nonzero((c.shown_x >= x0) & (c.shown_x <= x1) & (y >= y0) & (y <= y1)))
            return count

        now = hidden(d.corner)
        if now == 0:
            return
        best = min(((0, 0), (1, 0), (0, 1), (1, 1)), key=hidden)
        if hidden(best) < now / 2:
            d.corner = best
            offset = (4 if best[0] == 0 else -4, 4 if best[1] == 0 else -4)
            d.legend.anchor(itemPos=best, parentPos=best, offset=offset)

    # -- zoom --------------------------------------------------------------------
    def _on_manual_zoom(self, name: str, *_) -> None:
        """A drag or wheel in one plot: every plot shows the same x."""
        lo, hi = self.plots[name].viewRange()[0]
        self._x_zoomed = True
        for other, p in self.plots.items():
            if other != name:
                p.setXRange(lo, hi, padding=0)

    def reset_zoom(self) -> None:
        """Back to the whole run in every plot (the "A" button of any plot)."""
        self._x_zoomed = False
        for p in self.plots.values():
            p.enableAutoRange(x=False)
        self._rescale()

    # -- hover readout -------------------------------------------------------------
    def _on_hover(self, args) -> None:
        pos = args[0]
        for name, d in self._decor.items():
            vb = d.item.getViewBox()
            if vb.sceneBoundingRect().contains(pos):
                self._read_out(name, d, vb.mapSceneToView(pos).x(), vb)
                return
        self._hide_readouts()

    def _hide_readouts(self) -> None:
        for d in self._decor.values():
            d.cursor.hide()
            d.readout.hide()

    def _read_out(self, name: str, d: _Plot, x: float, vb: pg.ViewBox) -> None:
        """The nearest point of each curve of the plot: its run, phase and value, under the step,
        epoch and time of the point nearest the cursor."""
        for other in self._decor.values():
            if other is not d:
                other.cursor.hide()
                other.readout.hide()
        near = HOVER_PX * vb.viewPixelSize()[0]
        rows, best = [], None
        for (run, phase, metric_name), c in self.curves.items():
            if metric_name != name or not len(c.shown_x):
                continue
            i = int(np.clip(np.searchsorted(c.shown_x, x), 1, len(c.shown_x) - 1)) if len(c.shown_x) > 1 else 0
            if i and abs(c.shown_x[i - 1] - x) <= abs(c.shown_x[i] - x):
                i -= 1
            gap = abs(c.shown_x[i] - x)
            if gap > near:
                continue
            row = i if c.rows is None else int(c.rows[i])
            if best is None or gap < best[0]:
                best = (gap, run, row, c.series, c.shown_x[i])
            value = f"{c.shown[i]:.4g}"
            if c.raw is not None and self.weight > 0:
                value += f" (raw {c.series.ys[row]:.4g})"
            rows.append((run, phase, value))
        if best is None:
            d.cursor.hide()
            d.readout.hide()
            return
        _, run, row, series, at = best
        several = len({r for r, _, _ in rows}) > 1
        lines = [f'<span style="color:{self._runs[r].colour}">■</span> '
                 f'{html.escape(self._runs[r].tag) + " " if several else ""}{phase} {value}' for r, phase, value in rows]
        d.cursor.setPos(at)
        d.readout.setTextWidth(-1)
        d.readout.setHtml(f'<div style="font-size:8pt"><b>{html.escape(self._where(run, series, row))}</b><br>'
                          + "<br>".join(lines) + "</div>")
        room = vb.width() - 4
        if d.readout.textItem.boundingRect().width() > room > 40:
            d.readout.setTextWidth(room)  # wrapped rather than cut by the plot's edge
        self._place_readout(d, at, vb)
        d.cursor.show()
        d.readout.show()

    @staticmethod
    def _place_readout(d: _Plot, x: float, vb: pg.ViewBox) -> None:
        """Beside the cursor line, on the side with room, inside the plot and below its legend."""
        box = vb.sceneBoundingRect()
        width = d.readout.textItem.boundingRect().width()
        cursor = vb.mapViewToScene(pg.Point(x, 0)).x()
        if cursor + 6 + width <= box.right():
            left = cursor + 6
        elif cursor - 6 - width >= box.left():
            left = cursor - 6 - width
        else:
            left = box.left() + 2
        top = box.top() + 2
        legend = d.legend.sceneBoundingRect()
        if d.legend.items and left < legend.right() and left + width > legend.left():
            top = legend.bottom() + 2
        d.readout.setAnchor((0, 0))
        d.readout.setPos(vb.mapSceneToView(pg.Point(left, top)))

    def _where(self, run: str, s: GrowingSeries, row: int) -> str:
        r = self._runs[run]
        parts = [f"step {int(s.x[row]):,}"]
        if r.per_epoch > 0:
            parts.append(f"epoch {s.x[row] / r.per_epoch:.2f}")
        if math.isfinite(s.wall[row]) and math.isfinite(r.t0):
            parts.append(f"{s.wall[row] - r.t0:.1f} s")
        return " · ".join(parts)

    # -- export ----------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        rows = []
        for (run, phase, name), c in self.curves.items():
            s = c.series
            rows.append(pd.DataFrame({"run": run, "phase": phase, "metric": name, "step": s.xs.astype(int),
                                      "value": s.ys, "epoch": s.epoch[:s.n], "time": s.wall[:s.n]}))
        return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
            columns=["run", "phase", "metric", "step", "value", "epoch", "time"])
