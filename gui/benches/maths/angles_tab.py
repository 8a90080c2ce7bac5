"""Angles between random vectors (kexue.fm/archives/7076): the sampled angle and its
cosine against the exact densities and their normal approximations, mean and
variance against n, and the post's variance table.

The histograms are drawn over a window of ±6 standard deviations around π/2
(and 0 for cos θ): at n = 10,000 the angle lives within ±0.03 of π/2, and a
histogram over [0, π] would put it in one bin.  Drawing 2 × n numbers per pair
costs O(n) each, so by default a picture draws at most ~4·10⁶ numbers
(200,000 pairs at n = 10, 2,000 at n = 1,000 and above) — the GUI's choice,
which the user can switch off."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.io import atomic_open
from engine.maths import angles
from engine.tasks import TaskContext
from gui.benches.base import Bench
from gui.benches.maths.common import LEFT_WIDTH, LazyTab, controls_column, grid
from gui.widgets.export import ask_save_path
from gui.widgets.layout import side_by_side_panes
from gui.widgets.params_form import ParamsForm
from gui.widgets.plot_card import PlotCard
from gui.widgets.task_bar import TaskBar

N_MIN, N_MAX, N_STEPS = 2, 10_000, 1000
BUDGET = 4_000_000  # random numbers a picture draws when limited
MIN_PAIRS = 2000
SWEEP_MIN_PAIRS = 1000
SWEEP_NS = (2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
TABLE_NS = (2, 3, 10, 20, 50, 100, 200, 1000)
POST_TABLE = {3: 0.467401, 10: 0.110661, 20: 0.0525832, 50: 0.0204053, 100: 0.0101007, 200: 0.00502508,
              1000: 0.001001}  # the post's published values, shown beside ours
CLOSED_FORM = {2: math.pi ** 2 / 12, 3: math.pi ** 2 / 4 - 2}  # θ uniform (n = 2); p = sin θ/2 (n = 3)
TABLE_HEADERS = ["post", "closed form", "quadrature", "1/(n−2)", "1/(n−1)", "sampled"]
GRID = 400
EXACT, NORMAL, ALT, SAMPLE, MEAN = "#e15759", "#f28e2b", "#59a14f", "#4e79a7", "#b07aa1"


def pairs_for(n: int, samples: int, limited: bool, floor: int = MIN_PAIRS) -> int:
    """Pairs to draw at dimension n: the user's count, or at most BUDGET numbers (but ``floor`` pairs)."""
    return samples if not limited else min(samples, max(floor, BUDGET // (2 * n)))


def window(n: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where θ and cos θ live: ±6 standard deviations (≈ 1/√n) around π/2 and 0, within their ranges."""
    half = 6.0 / math.sqrt(n)
    t = min(math.pi / 2, half)
    c = min(1.0, half)
    return (math.pi / 2 - t, math.pi / 2 + t), (-c, c)


@dataclass
class Histogram:
    edges: np.ndarray
    density: np.ndarray  # counts / (all samples · bin width): comparable with the pdf

    @property
    def centres(self) -> np.ndarray:
        return 0.5 * (self.edges[1:] + self.edges[:-1])


@dataclass
class AnglePicture:
    result: angles.AngleResult
    theta: Histogram
    cosine: Histogram


def histogram(values: np.ndarray, bins: int, span: tuple[float, float]) -> Histogram:
    counts, edges = np.histogram(values, bins=bins, range=span)
    return Histogram(edges, counts / (values.size * np.diff(edges)))


def picture(p: angles.AnglesParams, ctx: TaskContext) -> AnglePicture:
    result = angles.run(p, ctx)
    span_t, span_c = window(p.n)
    return AnglePicture(result, histogram(result.angles, p.bins, span_t),
                        histogram(np.cos(result.angles), p.bins, span_c))


def sweep(samples: int, limited: bool, distribution: str, seed: int, ctx: TaskContext) -> dict:
    """Sampled mean and variance at SWEEP_NS (each n its own seed, as angles.sweep does) beside the
    exact variance on a fine grid; partial results after each n."""
    grid_n = np.geomspace(N_MIN, N_MAX, 80)
    out = {"grid": grid_n, "exact": np.array([angles.variance_exact(n) for n in grid_n]), "rows": []}
    for i, n in enumerate(SWEEP_NS):
        ctx.progress(i, len(SWEEP_NS), f"n = {n:,}")
        m = pairs_for(n, samples, limited, SWEEP_MIN_PAIRS)
        out["rows"] = out["rows"] + angles.sweep([n], m, distribution, seed + i, TaskContext(ctx.control))
        ctx.partial(dict(out))
    ctx.progress(len(SWEEP_NS), len(SWEEP_NS), "done")
    return out


class AnglesTab(LazyTab):
    def __init__(self, bench: Bench, parent: QWidget | None = None) -> None:
        super().__init__(self.start, parent)
        self.bench = bench
        self.picture: AnglePicture | None = None
        self.swept: dict | None = None
        self._sweep_key: tuple | None = None

        self.n_slider = QSlider(Qt.Orientation.Horizontal)
        self.n_slider.setRange(0, N_STEPS)
        self.n_slider.setToolTip("dimension n, on a log scale from 2 to 10,000")
        self.n_spin = QSpinBox()
        self.n_spin.setRange(N_MIN, 100_000)
        self.n_spin.setKeyboardTracking(False)
        self.n_spin.setToolTip("dimension n (type any value up to 100,000)")
        self.form = ParamsForm(angles.AnglesParams, exclude=("n",))
        self.limited = QCheckBox("Fewer pairs at large n (fast redraws)")
        self.limited.setChecked(True)
        self.limited.setToolTip(f"draw at most {BUDGET:,} random numbers a picture (but {MIN_PAIRS:,} pairs)")
        n_row = QHBoxLayout()
        n_row.addWidget(QLabel("Dimension n"))
        n_row.addWidget(self.n_slider, 1)
        n_row.addWidget(self.n_spin)
        box = QGroupBox("Experiment")
        bl = QVBoxLayout(box)
        bl.addLayout(n_row)
        bl.addWidget(self.form)
        bl.addWidget(self.limited)
        self.runner = bench.runner(self._drawn, latest_wins=True)
        self.task = TaskBar("Redraw", self.runner)
        self.sweep_runner = bench.runner(self._swept, latest_wins=True)
        self.sweep_runner.partial.connect(self._swept)
        self.sweep_task = TaskBar("Sweep n", self.sweep_runner)
        self.sweep_task.setToolTip("mean and variance at n = 2 … 10,000 (the log-log plot and the table's last column)")
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        note = QLabel("Gaussian vectors are isotropic, as the post assumes; vectors uniform in the cube "
                      "[−1, 1]ⁿ are not: at n = 2 their angle ripples ±5 % about the exact "
                      "curve (try 20 bins).")
        note.setWordWrap(True)
        note.setStyleSheet("color: #666;")
        left = controls_column(box, self.task, self.summary, note, self.sweep_task)

        self.theta = PlotCard("Angle θ: sampled against the exact density", "θ (rad)", "density",
                              self._theta_frame, "angle-histogram")
        self.theta_hist = self.theta.curve(SAMPLE, "sampled", 1, stepMode="center", fillLevel=0,
                                           brush=pg.mkBrush(78, 121, 167, 70))
        self.theta_pdf = self.theta.curve(EXACT, "exact ∝ sinⁿ⁻²θ")
        self.theta_normal = self.theta.curve(NORMAL, "post: N(π/2, 1/(n − 2))", 2, Qt.PenStyle.DashLine)
        self.cos = PlotCard("cos θ: sampled against the exact density", "cos θ", "density", self._cos_frame,
                            "cosine-histogram")
        self.cos_hist = self.cos.curve(SAMPLE, "sampled", 1, stepMode="center", fillLevel=0,
                                       brush=pg.mkBrush(78, 121, 167, 70))
        self.cos_pdf = self.cos.curve(EXACT, "exact ∝ (1 − η²)^((n−3)/2)")
        self.cos_normal = self.cos.curve(NORMAL, "ours: N(0, 1/n)", 2, Qt.PenStyle.DashLine)
        self.sweep_card = PlotCard("Mean and variance of θ against n", "dimension n", "mean, variance (rad²)",
                                   self._sweep_frame, "angle-moments")
        self.sweep_card.plot.setLogMode(True, True)
        self.sweep_exact = self.sweep_card.curve(EXACT, "exact variance (quadrature)")
        self.sweep_laplace = self.sweep_card.curve(NORMAL, "post: 1/(n − 2)", 2, Qt.PenStyle.DashLine)
        self.sweep_alt = self.sweep_card.curve(ALT, "1/(n − 1)", 2, Qt.PenStyle.DotLine)
        self.sweep_var = self.sweep_card.plot.plot(pen=None, symbol="o", symbolSize=7, symbolBrush=SAMPLE,
                                                   symbolPen=None, name="sampled variance")
        self.sweep_mean = self.sweep_card.plot.plot(pen=None, symbol="s", symbolSize=6, symbolBrush=MEAN,
                                                    symbolPen=None, name="sampled mean (π/2: dashed)")
        self.sweep_card.plot.addItem(pg.InfiniteLine(math.log10(math.pi / 2), angle=0,
                                                     pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine)))
        self.marker = pg.InfiniteLine(1.0, angle=90, pen=pg.mkPen("#888", width=1))
        self.sweep_card.plot.addItem(self.marker)
        self.table_widget = QTableWidget(len(TABLE_NS), len(TABLE_HEADERS))
        pictures = grid(self.theta, self.cos, self.sweep_card, self._table(), bottom_shares=(4, 5))
        self.splitter = side_by_side_panes(self, left, pictures, LEFT_WIDTH)

        self.n_slider.valueChanged.connect(lambda step: self.n_spin.setValue(self._n_at(step)))
        self.n_spin.valueChanged.connect(self._n_changed)
        self.form.changed.connect(self.request)
        self.limited.toggled.connect(self.request)
        self.task.button.clicked.connect(self.request)
        self.sweep_task.button.clicked.connect(lambda: self.request_sweep(force=True))
        bench.keep_form("angles", self.form)
        self.n_spin.setValue(angles.AnglesParams.n)

    def start(self) -> None:
        self._n_changed(self.n_spin.value())

    # -- controls ---------------------------------------------------------------------
    @staticmethod
    def _n_at(step: int) -> int:
        return round(N_MIN * (N_MAX / N_MIN) ** (step / N_STEPS))

    def _n_changed(self, n: int) -> None:
        self.n_slider.blockSignals(True)
        step = math.log(min(max(n, N_MIN), N_MAX) / N_MIN) / math.log(N_MAX / N_MIN) * N_STEPS
        self.n_slider.setValue(round(step))
        self.n_slider.blockSignals(False)
        self.marker.setValue(math.log10(n))
        self.request()

    def params(self) -> angles.AnglesParams:
        n = self.n_spin.value()
        values = self.form.values()
        return self.form.params(n=n, samples=pairs_for(n, values["samples"], self.limited.isChecked()))

    def request(self) -> None:
        if not self.started:
            return
        try:
            p = self.params()
        except ValueError as exc:
            self.bench.messages.error(str(exc))
            return
        self.runner.submit(lambda ctx: picture(p, ctx))
        self.request_sweep()

    def request_sweep(self, force: bool = False) -> None:
        """The sweep depends on the sampling settings, not on n: rerun only when they change."""
        v = self.form.values()
        key = (v["samples"], self.limited.isChecked(), v["distribution"], v["seed"])
        if key == self._sweep_key and not force:
            return
        self._sweep_key = key
        self.sweep_runner.submit(lambda ctx: sweep(*key, ctx))

    # -- pictures ------------------------------------------------------------------------
    def _drawn(self, pic: AnglePicture) -> None:
        self.picture = pic
        r, n = pic.result, pic.result.n
        t = np.linspace(*pic.theta.edges[[0, -1]], GRID)
        c = np.linspace(*pic.cosine.edges[[0, -1]], GRID + 2)[1:-1]  # the pdf is infinite at ±1 for n = 2
        self.theta_hist.setData(pic.theta.edges, pic.theta.density)
        self.theta_pdf.setData(t, angles.angle_pdf(t, n))
        normal = angles.normal_angle_pdf(t, n)  # NaN at n = 2, where the approximation does not exist
        if np.isfinite(normal).all():
            self.theta_normal.setData(t, normal)
        else:
            self.theta_normal.setData([], [])
        self.cos_hist.setData(pic.cosine.edges, pic.cosine.density)
        pdf = angles.cos_pdf(c, n)
        self.cos_pdf.setData(c, pdf)
        self.cos_normal.setData(c, angles.normal_cos_pdf(c, n))
        top = max(pic.cosine.density.max(), float(np.max(pdf[np.isfinite(pdf)], initial=0)))
        self.cos.plot.setYRange(0, min(top, 3 * pic.cosine.density.max()) * 1.6, padding=0)  # legend above the peak
        self.theta.set_title(f"Angle θ at n = {n:,} ({r.distribution}, {r.angles.size:,} pairs)")
        self.cos.set_title(f"cos θ at n = {n:,}")
        laplace = angles.variance_laplace(n)
        self.theta.caption.setText(
            f"sampled: mean {r.mean:.5f}, variance {r.variance:.6g} · exact: π/2 = {math.pi / 2:.5f}, "
            f"{r.variance_exact:.6g} · 1/(n−2) = {laplace:.6g}, 1/(n−1) = {angles.variance_n_minus_1(n):.6g}")
        cosines = np.cos(r.angles)
        self.cos.caption.setText(f"sampled: mean {cosines.mean():.5f}, variance {cosines.var(ddof=1):.6g} · "
                                 f"exact: 0, 1/n = {1 / n:.6g}")
        self.summary.setText(f"n = {n:,}: {r.angles.size:,} pairs drawn; the variance of θ is "
                             f"{r.variance:.6g} against {r.variance_exact:.6g} exactly.")

    def _swept(self, out: dict) -> None:
        self.swept = out
        rows = pd.DataFrame(out["rows"])
        g = out["grid"]
        self.sweep_exact.setData(g, out["exact"])
        above = g > 2.2
        self.sweep_laplace.setData(g[above], 1 / (g[above] - 2))
        self.sweep_alt.setData(g, 1 / (g - 1))
        if len(rows):
            self.sweep_var.setData(rows["n"].to_numpy(float), rows["variance"].to_numpy())
            self.sweep_mean.setData(rows["n"].to_numpy(float), rows["mean"].to_numpy())
            sampled = dict(zip(rows["n"], rows["variance"]))
            for i, n in enumerate(TABLE_NS):
                self.table_widget.setItem(i, 5, _cell(sampled.get(n)))
        self.sweep_card.caption.setText(f"{len(rows)} of {len(SWEEP_NS)} dimensions sampled; "
                                        "the vertical line marks the n above")

    # -- table and exports --------------------------------------------------------------
    def _table(self) -> QWidget:
        widget = self.table_widget
        widget.setHorizontalHeaderLabels(TABLE_HEADERS)
        widget.setVerticalHeaderLabels([f"n = {n:,}" for n in TABLE_NS])
        widget.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        font = widget.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        widget.setFont(font)
        widget.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        widget.horizontalHeader().setStretchLastSection(True)
        widget.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for i, row in enumerate(angles.variance_table(TABLE_NS)):
            n = row["n"]
            values = (POST_TABLE.get(n), CLOSED_FORM.get(n), row["variance_exact"], row["variance_laplace"],
                      row["variance_n_minus_1"], None)
            for j, v in enumerate(values):
                widget.setItem(i, j, _cell(v))
        title = QLabel("<b>Variance of θ</b>: the post's table, closed forms (n = 2: π²/12, n = 3: π²/4 − 2), "
                       "quadrature, both approximations, and the sweep's samples")
        title.setWordWrap(True)
        export = QToolButton()
        export.setText("Export")
        export.setToolTip("the table as CSV")
        export.clicked.connect(self._export_table)
        top = QHBoxLayout()
        top.addWidget(title, 1)
        top.addWidget(export, 0, Qt.AlignmentFlag.AlignTop)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(widget, 1)
        return box

    def table_frame(self) -> pd.DataFrame:
        w = self.table_widget
        names = ["post", "closed_form", "quadrature", "laplace_1_over_n_minus_2", "one_over_n_minus_1", "sampled"]
        data = [[_number(w.item(i, j)) for j in range(w.columnCount())] for i in range(w.rowCount())]
        frame = pd.DataFrame(data, columns=names)
        frame.insert(0, "n", TABLE_NS)
        return frame

    def write_table(self, path) -> None:
        with atomic_open(path, newline="") as fh:
            self.table_frame().to_csv(fh, index=False)

    def _export_table(self) -> None:
        path = ask_save_path(self, "Export the table", "export", "angle-variance-table.csv", "CSV (*.csv)")
        if path is not None:
            try:
                self.write_table(path)
            except OSError as exc:
                self.bench.messages.error(f"could not write {path.name}: {exc.strerror or exc}")

    def _theta_frame(self) -> pd.DataFrame:
        return self._hist_frame("theta", self.picture.theta if self.picture else None, angles.angle_pdf,
                                angles.normal_angle_pdf)

    def _cos_frame(self) -> pd.DataFrame:
        return self._hist_frame("cos_theta", self.picture.cosine if self.picture else None, angles.cos_pdf,
                                angles.normal_cos_pdf)

    def _hist_frame(self, name: str, hist: Histogram | None, pdf, normal) -> pd.DataFrame:
        if hist is None:
            return pd.DataFrame()
        x, n = hist.centres, self.picture.result.n
        return pd.DataFrame({f"{name}_left": hist.edges[:-1], f"{name}_right": hist.edges[1:],
                             "sampled_density": hist.density, "exact_pdf_at_centre": pdf(x, n),
                             "normal_at_centre": normal(x, n)})

    def _sweep_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.swept["rows"]) if self.swept else pd.DataFrame()


def _cell(value) -> QTableWidgetItem:
    if value is None:
        text = "—"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = "∞" if math.isinf(value) else f"{value:.6g}"
    item = QTableWidgetItem(text)
    item.setData(Qt.ItemDataRole.UserRole, value)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _number(item: QTableWidgetItem | None):
    return None if item is None else item.data(Qt.ItemDataRole.UserRole)
