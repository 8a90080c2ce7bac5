"""EM for a Gaussian mixture, one step at a time (kexue.fm/archives/5239): the
E-step as the points' colours (the palette mixed by the responsibilities), the
M-step as the components' ellipses moving, the log-likelihood that never
decreases, and K-means as the hard-assignment limit.

On generated data the truth is drawn too (dashed): its ellipses, its density
and its log-likelihood on the same points (the fit ends a little above it: the
maximum-likelihood fit beats the truth on the sample it was fitted to).  At most
DRAWN points are drawn (a fixed random subset); every point is fitted.

Steps run on the tab's latest-wins runner (a Reset supersedes a run); a step
submitted while another runs is dropped, so Play never queues steps up."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine import params as prm
from engine.errors import UserError
from engine.maths import em, tables
from engine.tasks import TaskContext
from gui.benches.base import Bench
from gui.benches.maths.common import LEFT_WIDTH, LazyTab, blended_brushes, controls_column
from gui.benches.maths.hsic_tab import TABLE_FILTER
from gui.widgets.colors import PALETTE
from gui.widgets.layout import side_by_side_panes
from gui.widgets.params_form import ParamsForm
from gui.widgets.plot_card import PlotCard
from gui.widgets.source_picker import SourcePicker
from gui.widgets.task_bar import TaskBar

GENERATED_2D, GENERATED_1D = "generated mixture, 2-D", "generated mixture, 1-D"
ALGORITHMS = ("EM (soft assignments)", "K-means (the hard limit)")
ONE_D = "— (1-D)"
PLAY_MS = 250
DRAW_MS = 0.05  # while running to convergence, redraw at most every 50 ms
DRAWN = 5000
TRUTH_COLOR = "#777777"


@dataclass
class Dataset:
    points: np.ndarray  # (n, d), d = 1 or 2
    names: list[str]
    truth: em.Mixture | None  # the generating mixture, for generated data


def ellipse(mean: np.ndarray, cov: np.ndarray, scale: float, steps: int = 90) -> np.ndarray:
    """Points of {x: (x − μ)ᵀΣ⁻¹(x − μ) = scale²}, (steps + 1, 2)."""
    values, vectors = np.linalg.eigh(cov)
    t = np.linspace(0, 2 * np.pi, steps + 1)
    circle = np.stack([np.cos(t), np.sin(t)])
    return mean + (vectors @ (np.sqrt(np.clip(values, 0, None))[:, None] * circle)).T * scale


def component_densities(x: np.ndarray, mix: em.Mixture) -> np.ndarray:
    """π_k N(x; μ_k, Σ_k) on a 1-D grid, (len(x), K)."""
    return np.exp(em.log_components(x[:, None], mix))


class EMTab(LazyTab):
    def __init__(self, bench: Bench, parent: QWidget | None = None) -> None:
        super().__init__(self.start, parent)
        self.bench = bench
        self.data: Dataset | None = None
        self.frame: pd.DataFrame | None = None  # an opened table
        self.source = ""
        self.shown = np.empty(0, int)  # the points drawn
        self.state: em.EMState | em.KMeansState | None = None
        self.history: list[float] = []
        self.converged = False
        self._drawn_at = 0.0
        self._items: list = []  # the picture's items beside the points, rebuilt when the layout changes
        self._moving: list = []  # those of them that move with every step
        self._layout: tuple | None = None  # (data, K, K-means?) they were built for
        self._grid = np.empty(0)  # 1-D: where the densities are drawn
        self._rug = np.empty(0)  # 1-D: the points' heights below the axis
        self._truth_ll: float | None = None

        self.picker = SourcePicker([GENERATED_2D, GENERATED_1D], TABLE_FILTER, "maths-tables")
        self.true_k = QSpinBox()
        self.true_k.setRange(1, 8)
        self.true_k.setValue(3)
        self.n_points = QSpinBox()
        self.n_points.setRange(10, 200_000)
        self.n_points.setValue(500)
        self.n_points.setKeyboardTracking(False)
        self.data_seed = QSpinBox()
        self.data_seed.setRange(0, 2**31 - 1)
        self.separation = QDoubleSpinBox()
        self.separation.setRange(0.0, 20.0)
        self.separation.setValue(2.5)  # the clusters touch: EM needs a dozen steps
        self.separation.setToolTip("standard deviation of the true means (components have sd 0.5…1.2)")
        self.generated_box = QGroupBox("Generated mixture")
        gf = QFormLayout(self.generated_box)
        gf.addRow("True components", self.true_k)
        gf.addRow("Points", self.n_points)
        gf.addRow("Separation", self.separation)
        gf.addRow("Seed", self.data_seed)
        self.x_combo, self.y_combo = QComboBox(), QComboBox()
        self.columns_box = QGroupBox("Columns")
        cf = QFormLayout(self.columns_box)
        cf.addRow("x", self.x_combo)
        cf.addRow("y", self.y_combo)
        self.columns_box.setEnabled(False)
        data_box = QGroupBox("Data")
        QVBoxLayout(data_box).addWidget(self.picker)
        self.form = ParamsForm(em.EMParams, exclude=("table", "columns", "max_iter", "tol", "reg_covar"))
        self.algorithm = QComboBox()
        self.algorithm.addItems(ALGORITHMS)
        self.algorithm.setToolTip("K-means is EM's limit with equal weights and Σ_k = σ²I, σ → 0: "
                                  "the responsibilities become one-hot")
        model_box = QGroupBox("Model")
        ml = QFormLayout(model_box)
        ml.addRow("Algorithm", self.algorithm)
        ml.addRow(self.form)
        self.reset_button = QPushButton("Reset")
        self.step_button = QPushButton("Step")
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        buttons = QWidget()
        bl = QHBoxLayout(buttons)
        bl.setContentsMargins(0, 0, 0, 0)
        for b in (self.reset_button, self.step_button, self.play_button):
            bl.addWidget(b)
        self.work = bench.runner(self._worked, latest_wins=True)
        self.work.partial.connect(self._partial)
        self.task = TaskBar("Run to convergence", self.work)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        left = controls_column(data_box, self.generated_box, self.columns_box, model_box, buttons, self.task,
                               self.status)

        self.picture = PlotCard("Mixture", "x", "y", self._points_frame, "em-points")
        self.points = pg.ScatterPlotItem(size=5, pen=None, name="points: colour mixes the responsibilities")
        self.picture.plot.addItem(self.points)
        self.curve = PlotCard("Log-likelihood per step", "step", "log-lik. per point",
                              self._history_frame, "em-log-likelihood")
        self.history_line = self.curve.curve("#4e79a7", "fit", 2, symbol="o", symbolSize=5, symbolBrush="#4e79a7")
        self.truth_line = pg.InfiniteLine(0, angle=0, pen=pg.mkPen(TRUTH_COLOR, style=Qt.PenStyle.DashLine),
                                          label="truth on these points",
                                          labelOpts={"position": 0.02, "color": TRUTH_COLOR,
                                                     "anchors": [(0, 1), (0, 1)]})  # above, from the left
        self.curve.plot.addItem(self.truth_line)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.picture)
        right.addWidget(self.curve)
        right.setSizes([640, 260])
        self.splitter = side_by_side_panes(self, left, right, LEFT_WIDTH)

        self.timer = QTimer(self)
        self.timer.setInterval(PLAY_MS)
        self.timer.timeout.connect(self.step)
        self.picker.source_changed.connect(self._source_changed)
        for w in (self.true_k, self.n_points, self.data_seed):
            w.valueChanged.connect(self._regenerate)
        self.separation.valueChanged.connect(self._regenerate)
        self.x_combo.currentTextChanged.connect(self._columns_changed)
        self.y_combo.currentTextChanged.connect(self._columns_changed)
        self.form.changed.connect(self.reset)
        self.algorithm.currentTextChanged.connect(self.reset)
        self.reset_button.clicked.connect(self.reset)
        self.step_button.clicked.connect(self.step)
        self.play_button.toggled.connect(self._play)
        self.task.button.clicked.connect(self.run)
        self.load_runner = bench.runner(self._loaded, latest_wins=True)
        bench.keep_form("em", self.form)

    def start(self) -> None:
        self._regenerate()

    # -- data ---------------------------------------------------------------------------
    @property
    def kmeans(self) -> bool:
        return self.algorithm.currentIndex() == 1

    def _source_changed(self, source: str) -> None:
        generated = source in (GENERATED_2D, GENERATED_1D)
        self.generated_box.setEnabled(generated)
        self.columns_box.setEnabled(not generated)
        if generated:
            self._regenerate()
        else:
            self.load_runner.submit(lambda ctx: (source, tables.read_table(source)))

    def _regenerate(self) -> None:
        source = self.picker.source()
        if source not in (GENERATED_2D, GENERATED_1D):
            return
        dim = 2 if source == GENERATED_2D else 1
        points, _, truth = em.generate(self.true_k.value(), self.n_points.value(), dim, self.data_seed.value(),
                                       self.separation.value())
        self._set_data(Dataset(points, ["x", "y"][:dim], truth))

    def _loaded(self, loaded: tuple[str, pd.DataFrame]) -> None:
        source, frame = loaded
        numeric = tables.numeric_columns(frame)
        if not numeric:
            self.bench.messages.error(f"{Path(source).name}: no numeric column")
            return
        self.frame, self.source = frame, source
        for combo, items in ((self.x_combo, numeric), (self.y_combo, [ONE_D, *numeric])):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(items)
            combo.blockSignals(False)
        self.y_combo.setCurrentText(numeric[1] if len(numeric) > 1 else ONE_D)
        self._columns_changed()

    def _columns_changed(self) -> None:
        if self.frame is None or not self.x_combo.currentText():
            return
        names = [self.x_combo.currentText()] + ([] if self.y_combo.currentText() == ONE_D
                                                 else [self.y_combo.currentText()])
        try:
            cols = tables.select(self.frame, names, Path(self.source).name, min_rows=2)
        except UserError as exc:
            self.bench.messages.error(str(exc))
            return
        if cols.dropped:
            self.bench.messages.warning(f"{Path(self.source).name}: {cols.dropped} row(s) with a missing value "
                                        f"left out")
        self._set_data(Dataset(cols.values, cols.names, None))

    def _set_data(self, data: Dataset) -> None:
        self.data = data
        n, d = data.points.shape
        self.shown = np.sort(np.random.default_rng(0).choice(n, DRAWN, replace=False)) if n > DRAWN else \
            np.arange(n)
        self.picture.plot.setAspectLocked(d == 2)
        self.picture.plot.setLabel("bottom", data.names[0])
        self.picture.plot.setLabel("left", data.names[1] if d == 2 else "density")
        self.reset()

    # -- EM -----------------------------------------------------------------------------
    def params(self) -> em.EMParams:
        return self.form.params()

    def reset(self) -> None:
        """The seeded start for the current data and model (k-means++ imports scikit-learn: background)."""
        if self.data is None or not self.started:
            return
        try:
            p = self.params()
        except prm.ParamError as exc:
            self.bench.messages.error(str(exc))
            return
        x, kmeans = self.data.points, self.kmeans
        self.play_button.setChecked(False)

        def seeded(ctx: TaskContext):
            if kmeans:
                return "reset", em.kmeans_state(x, em.seed_centres(x, p.k, p.init, p.seed))
            return "reset", em.initial_state(x, p.k, p.covariance, p.init, p.seed, p.reg_covar)
        self.work.submit(seeded)

    def step(self) -> None:
        """One step (one M-step and its E-step, or one Lloyd step) from the state shown."""
        if self.state is None or self.work.busy:
            return
        x, state, reg, kmeans = self.data.points, self.state, self.params().reg_covar, self.kmeans
        self.work.submit(lambda ctx: ("step", em.kmeans_step(x, state) if kmeans else em.step(x, state, reg)))

    def run(self) -> None:
        """Steps until convergence in the background; every state arrives as a partial result."""
        if self.state is None:
            return
        self.play_button.setChecked(False)
        x, state, kmeans, p = self.data.points, self.state, self.kmeans, self.params()

        def steps(ctx: TaskContext):
            if kmeans:
                return "run", list(em.kmeans_iterate(x, state, p.max_iter, ctx))
            return "run", list(em.iterate(x, state, p.max_iter, p.tol, p.reg_covar, ctx))
        self.work.submit(steps)

    def _play(self, on: bool) -> None:
        self.play_button.setText("Pause" if on else "Play")
        if on:
            self.timer.start()
        else:
            self.timer.stop()

    def _partial(self, state) -> None:
        if self.state is not None and state.iteration == self.state.iteration + 1:
            self._accept(state)
            if time.monotonic() - self._drawn_at > DRAW_MS:
                self.draw()

    def _worked(self, outcome: tuple) -> None:
        kind, value = outcome
        if kind == "reset":
            self.state, self.history, self.converged = value, [self._value(value)], False
        elif kind == "step":
            self._accept(value)
        else:
            for state in value:
                if state.iteration == self.state.iteration + 1:
                    self._accept(state)
        if self.converged:
            self.play_button.setChecked(False)
        self.draw()

    def _accept(self, state) -> None:
        previous, self.state = self.state, state
        self.history.append(self._value(state))
        if isinstance(state, em.KMeansState):
            self.converged = bool(np.array_equal(state.labels, previous.labels))
        else:
            self.converged = abs(self.history[-1] - self.history[-2]) < self.params().tol

    @staticmethod
    def _value(state) -> float:
        return state.inertia if isinstance(state, em.KMeansState) else state.log_likelihood

    # -- pictures -------------------------------------------------------------------------
    def draw(self) -> None:
        """Move what moves; the items themselves (and the truth, the histogram, the legend) are built
        again only when the data, K or the algorithm change."""
        self._drawn_at = time.monotonic()
        s, x = self.state, self.data.points
        kmeans = isinstance(s, em.KMeansState)
        means = s.means if kmeans else s.mixture.means
        layout = (id(self.data), len(means), kmeans)
        if layout != self._layout:
            self._build(layout)
        weights = np.eye(len(means))[s.labels] if kmeans else s.responsibilities
        shown = self.shown
        if x.shape[1] == 2:
            self.points.setData(x[shown, 0], x[shown, 1], brush=blended_brushes(weights[shown]))
            self._move_2d(means, None if kmeans else s.mixture.matrices)
        else:
            self.points.setData(x[shown, 0], self._rug, brush=blended_brushes(weights[shown]))
            self._move_1d(s)
        self._draw_history()

    def _add(self, item, legend: str | None = None):
        self.picture.plot.addItem(item)
        if legend and self.picture.legend is not None:
            self.picture.legend.addItem(item, legend)
        self._items.append(item)
        return item

    def _build(self, layout: tuple) -> None:
        for item in self._items:
            self.picture.plot.removeItem(item)
            if self.picture.legend is not None:
                self.picture.legend.removeItem(item)
        self._items, self._moving, self._layout = [], [], layout
        _, k, kmeans = layout
        x, truth = self.data.points, self.data.truth
        self._truth_ll = None if truth is None else em.e_step(x, truth)[1]
        truth_pen = pg.mkPen(TRUTH_COLOR, width=1.5, style=Qt.PenStyle.DashLine)
        colors = [PALETTE[j % len(PALETTE)] for j in range(k)]
        if x.shape[1] == 2:
            for j, (mu, cov) in enumerate(zip(truth.means, truth.matrices) if truth is not None else ()):
                e = ellipse(mu, cov, 2.0)
                self._add(pg.PlotCurveItem(e[:, 0], e[:, 1], pen=truth_pen), "truth (2σ)" if j == 0 else None)
            for j, color in enumerate(colors):
                outlines = [] if kmeans else [
                    self._add(pg.PlotCurveItem(pen=pg.mkPen(color, width=width)), name)
                    for width, name in ((2.5, f"component {j + 1}: 1σ, 2σ"), (1.2, None))]
                mean = self._add(pg.ScatterPlotItem(symbol="+", size=16, pen=pg.mkPen("k", width=2), brush=color),
                                 f"mean {j + 1}" if kmeans else None)
                self._moving.append((outlines, mean))
            return
        values = x[:, 0]
        density, edges = np.histogram(values, bins=min(80, max(10, len(values) // 15)), density=True)
        span = edges[-1] - edges[0]
        self._grid = np.linspace(edges[0] - 0.05 * span, edges[-1] + 0.05 * span, 500)
        self._rug = -0.04 * density.max() * (1 + np.random.default_rng(1).random(len(self.shown)))  # jittered
        self._add(pg.PlotDataItem(edges, density, stepMode="center", fillLevel=0, pen=pg.mkPen("#bbb"),
                                  brush=pg.mkBrush(180, 180, 180, 90)), "histogram")
        if truth is not None:
            self._add(pg.PlotDataItem(self._grid, component_densities(self._grid, truth).sum(1), pen=truth_pen),
                      "truth")
        if kmeans:
            self._moving = [self._add(pg.InfiniteLine(0, angle=90, pen=pg.mkPen(c, width=2)), f"mean {j + 1}")
                            for j, c in enumerate(colors)]
        else:
            self._moving = [self._add(pg.PlotDataItem(pen=pg.mkPen(c, width=1.5)), f"π{j + 1}·N{j + 1}")
                            for j, c in enumerate(colors)]
            self._moving.append(self._add(pg.PlotDataItem(pen=pg.mkPen("#222", width=2.5)), "fitted mixture"))

    def _move_2d(self, means: np.ndarray, covariances: np.ndarray | None) -> None:
        for j, (outlines, mean) in enumerate(self._moving):
            mean.setData([means[j, 0]], [means[j, 1]])
            for scale, outline in zip((1.0, 2.0), outlines):
                e = ellipse(means[j], covariances[j], scale)
                outline.setData(e[:, 0], e[:, 1])

    def _move_1d(self, s) -> None:
        if isinstance(s, em.KMeansState):
            for line, mu in zip(self._moving, s.means[:, 0]):
                line.setValue(mu)
            return
        parts = component_densities(self._grid, s.mixture)
        for j, curve in enumerate(self._moving[:-1]):
            curve.setData(self._grid, parts[:, j])
        self._moving[-1].setData(self._grid, parts.sum(1))

    def _draw_history(self) -> None:
        h = np.array(self.history)
        self.history_line.setData(np.arange(len(h)), h)
        self.curve.plot.setXRange(0, max(5, len(h) - 1), padding=0.03)
        kmeans = isinstance(self.state, em.KMeansState)
        self.curve.plot.setLabel("left", "inertia (mean d²)" if kmeans
                                 else "log-lik. per point")
        if self._truth_ll is not None and not kmeans:
            self.truth_line.setValue(self._truth_ll)
            self.truth_line.show()
        else:
            self.truth_line.hide()
        gains = np.diff(h) * (-1 if kmeans else 1)  # every step improves: inertia falls, likelihood rises
        what = "inertia" if kmeans else "mean log-likelihood"
        self.curve.set_title("K-means inertia per step (never rises)" if kmeans
                             else "EM log-likelihood per step (never falls)")
        self.curve.caption.setText(f"smallest improvement of a step: {gains.min():+.3g}" if len(gains) else
                                   "press Step, Play or Run to convergence")
        self.status.setText(f"step {self.state.iteration} · {what} {h[-1]:.6g}" +
                            (" · converged" if self.converged else ""))

    # -- exports ------------------------------------------------------------------------
    def _points_frame(self) -> pd.DataFrame:
        if self.state is None:
            return pd.DataFrame()
        frame = pd.DataFrame(self.data.points, columns=self.data.names)
        if isinstance(self.state, em.KMeansState):
            frame["cluster"] = self.state.labels + 1
        else:
            for j in range(self.state.responsibilities.shape[1]):
                frame[f"r{j + 1}"] = self.state.responsibilities[:, j]
            frame["component"] = self.state.labels + 1
        return frame

    def _history_frame(self) -> pd.DataFrame:
        name = "inertia" if isinstance(self.state, em.KMeansState) else "mean_log_likelihood"
        return pd.DataFrame({"step": np.arange(len(self.history)), name: self.history})
