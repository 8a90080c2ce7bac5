"""HSIC (kexue.fm/archives/6910) on two columns of a table or of the synthetic pairs:
the pair's scatter, the permutation null with the observed value and the gamma
approximation drawn over it, and HSIC beside Pearson for every numeric column —
what HSIC sees (a quadratic, a ring) that correlation misses.

The synthetic table holds each of ``hsic.PAIRS`` as two columns, pair i drawn
with seed + i, so the pairs are independent of one another and the matrices show
six blocks.  The matrices use at most MATRIX_ROWS rows, drawn with the seed
(O(n²) per pair of columns); the test uses every complete row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine import params as prm
from engine.errors import UserError
from engine.maths import hsic, tables
from gui.benches.base import Bench
from gui.benches.maths.common import LEFT_WIDTH, LazyTab, controls_column, grid
from gui.widgets.layout import side_by_side_panes
from gui.widgets.matrix_view import MatrixCard
from gui.widgets.params_form import ParamsForm
from gui.widgets.plot_card import PlotCard
from gui.widgets.source_picker import SourcePicker
from gui.widgets.task_bar import TaskBar

SYNTHETIC = "synthetic pairs"
TABLE_FILTER = "Tables (*.csv *.tsv *.tab *.txt *.xlsx *.xlsm *.xls *.ods);;All files (*)"
MATRIX_ROWS = 2000
MATRIX_COLUMNS = 40
NULL_COLOR, GAMMA_COLOR, OBSERVED_COLOR = "#4e79a7", "#e15759", "#59a14f"


def synthetic_table(n: int, noise: float, seed: int) -> pd.DataFrame:
    """Every synthetic pair as columns '<kind> x', '<kind> y' (pair i drawn with seed + i)."""
    columns = {}
    for i, kind in enumerate(hsic.PAIRS):
        columns[f"{kind} x"], columns[f"{kind} y"] = hsic.synthetic_pair(kind, n, noise, seed + i)
    return pd.DataFrame(columns)


class HSICTab(LazyTab):
    def __init__(self, bench: Bench, parent: QWidget | None = None) -> None:
        super().__init__(self.start, parent)
        self.bench = bench
        self.frame = pd.DataFrame()
        self.source = SYNTHETIC
        self.pair: np.ndarray | None = None  # (n, 2) the complete rows of the chosen columns
        self.result: hsic.HSICResult | None = None
        self.matrix: hsic.HSICMatrix | None = None
        self._matrix_key: tuple | None = None

        self.picker = SourcePicker([SYNTHETIC], TABLE_FILTER, "maths-tables")
        self.picker.combo.setToolTip("the synthetic pairs, or a table you open (CSV, TSV, Excel)")
        self.kind = QComboBox()
        self.kind.addItems(hsic.PAIRS)
        self.kind.setCurrentText("author")
        self.kind.setToolTip("author: the post's demo y = x + 0.1ε; quadratic, sinusoid and ring are "
                             "dependent but uncorrelated")
        self.n_points = QSpinBox()
        self.n_points.setRange(10, 100_000)
        self.n_points.setValue(1000)
        self.n_points.setKeyboardTracking(False)
        self.noise = QDoubleSpinBox()
        self.noise.setRange(0.0, 10.0)
        self.noise.setSingleStep(0.05)
        self.noise.setValue(0.3)
        self.noise.setToolTip("noise of the linear, quadratic, sinusoid and ring pairs (author's demo: 0.1)")
        self.data_seed = QSpinBox()
        self.data_seed.setRange(0, 2**31 - 1)
        self.synthetic_box = QGroupBox("Synthetic pairs")
        sf = QFormLayout(self.synthetic_box)
        sf.addRow("Pair", self.kind)
        sf.addRow("Points n", self.n_points)
        sf.addRow("Noise", self.noise)
        sf.addRow("Seed", self.data_seed)
        self.x_combo, self.y_combo = QComboBox(), QComboBox()
        columns_box = QGroupBox("Columns")
        cf = QFormLayout(columns_box)
        cf.addRow("x", self.x_combo)
        cf.addRow("y", self.y_combo)
        data_box = QGroupBox("Data")
        dl = QVBoxLayout(data_box)
        dl.addWidget(self.picker)
        self.form = ParamsForm(hsic.HSICParams, exclude=("x", "y"))
        self.kernel_note = QLabel("")
        self.kernel_note.setWordWrap(True)
        self.kernel_note.setStyleSheet("color: #666;")
        test_box = QGroupBox("Kernel exp(−‖a − b‖²/σ²) and test")
        tl = QVBoxLayout(test_box)
        tl.addWidget(self.form)
        tl.addWidget(self.kernel_note)
        self.load_runner = bench.runner(self._loaded, latest_wins=True)
        self.test_runner = bench.runner(self._tested, latest_wins=True)
        self.test_task = TaskBar("Test", self.test_runner)
        self.matrix_runner = bench.runner(self._matrix_done, latest_wins=True)
        self.matrix_task = TaskBar("Matrices", self.matrix_runner)
        left = controls_column(data_box, self.synthetic_box, columns_box, test_box, self.test_task,
                               self.matrix_task)

        self.scatter = PlotCard("The pair", "x", "y", self._pair_frame, "hsic-pair", legend=False)
        self.points = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(78, 121, 167, 140))
        self.scatter.plot.addItem(self.points)
        self.null = PlotCard("Permutation null", "HSIC", "density", self._null_frame, "hsic-null")
        self.null_hist = self.null.curve(NULL_COLOR, "HSIC of x and permuted y", 1, stepMode="center",
                                         fillLevel=0, brush=pg.mkBrush(78, 121, 167, 80))
        self.gamma_curve = self.null.curve(GAMMA_COLOR, "gamma approximation")
        self.observed = pg.InfiniteLine(0, angle=90, pen=pg.mkPen(OBSERVED_COLOR, width=2), label="observed",
                                        labelOpts={"position": 0.55, "color": OBSERVED_COLOR,
                                                   "anchors": [(1, 0.5), (1, 0.5)]})  # left of the line
        self.null.plot.addItem(self.observed)
        self.hsic_card = MatrixCard("Normalised HSIC", "hsic-matrix")
        self.pearson_card = MatrixCard("Pearson r", "pearson-matrix", levels=(-1.0, 1.0), colormap="CET-D1")
        self.splitter = side_by_side_panes(self, left, grid(self.scatter, self.null, self.hsic_card,
                                                            self.pearson_card), LEFT_WIDTH)

        self.picker.source_changed.connect(self._source_changed)
        self.kind.currentTextChanged.connect(self._kind_changed)
        for w in (self.n_points, self.data_seed):
            w.valueChanged.connect(self._regenerate)
        self.noise.valueChanged.connect(self._regenerate)
        self.x_combo.currentTextChanged.connect(self.pair_changed)
        self.y_combo.currentTextChanged.connect(self.pair_changed)
        self.form.changed.connect(self.request)
        self.test_task.button.clicked.connect(self.request_test)
        self.matrix_task.button.clicked.connect(lambda: self.request_matrix(force=True))
        bench.keep_form("hsic", self.form)

    def start(self) -> None:
        self._regenerate()

    # -- data ---------------------------------------------------------------------------
    def _source_changed(self, source: str) -> None:
        self.synthetic_box.setEnabled(source == SYNTHETIC)
        if source == SYNTHETIC:
            self._regenerate()
        else:
            self.load_runner.submit(lambda ctx: (source, tables.read_table(source)))

    def _regenerate(self) -> None:
        if self.picker.source() == SYNTHETIC:
            frame = synthetic_table(self.n_points.value(), self.noise.value(), self.data_seed.value())
            self._set_frame(frame, SYNTHETIC, (f"{self.kind.currentText()} x", f"{self.kind.currentText()} y"))

    def _loaded(self, loaded: tuple[str, pd.DataFrame]) -> None:
        source, frame = loaded
        numeric = tables.numeric_columns(frame)
        if len(numeric) < 2:
            self.bench.messages.error(f"{Path(source).name}: HSIC needs two numeric columns; "
                                      f"found {len(numeric)} ({', '.join(numeric) or 'none'})")
            return
        self._set_frame(frame, source, (numeric[0], numeric[1]))

    def _kind_changed(self, kind: str) -> None:
        if self.source == SYNTHETIC:
            self._choose(f"{kind} x", f"{kind} y")

    def _set_frame(self, frame: pd.DataFrame, source: str, pick: tuple[str, str]) -> None:
        """A new table: keep the chosen columns when it has them, else pick ``pick``."""
        keep = (self.x_combo.currentText(), self.y_combo.currentText())
        self.frame, self.source = frame, source
        numeric = tables.numeric_columns(frame)
        for combo in (self.x_combo, self.y_combo):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(numeric)
            combo.blockSignals(False)
        chosen = keep if source == SYNTHETIC and all(c in numeric for c in keep) and keep[0] != keep[1] else pick
        self._choose(*chosen)
        self.request_matrix()

    def _choose(self, x: str, y: str) -> None:
        for combo, name in ((self.x_combo, x), (self.y_combo, y)):
            combo.blockSignals(True)
            combo.setCurrentText(name)
            combo.blockSignals(False)
        self.pair_changed()

    def pair_changed(self) -> None:
        """Draw the chosen pair at once; the test follows in the background."""
        x, y = self.x_combo.currentText(), self.y_combo.currentText()
        if not (x and y):
            return
        try:
            cols = tables.select(self.frame, [x, y], self._source_name(), min_rows=4)
        except UserError as exc:
            self.pair = None
            self.points.setData([], [])
            self.bench.messages.error(str(exc))
            return
        if cols.dropped:
            self.bench.messages.warning(f"{self._source_name()}: {cols.dropped} row(s) with a missing "
                                        f"value left out")
        self.pair = cols.values
        self.points.setData(cols.values[:, 0], cols.values[:, 1], size=4 if len(cols.values) <= 5000 else 2)
        self.scatter.plot.setLabel("bottom", x)
        self.scatter.plot.setLabel("left", y)
        self.scatter.set_title(f"{y} against {x} (n = {len(cols.values):,})")
        self.request_test()

    def _source_name(self) -> str:
        return self.source if self.source == SYNTHETIC else Path(self.source).name

    # -- tests --------------------------------------------------------------------------
    def params(self) -> hsic.HSICParams:
        return self.form.params(x=self.x_combo.currentText(), y=self.y_combo.currentText())

    def request(self) -> None:
        self.request_test()
        self.request_matrix()

    def request_test(self) -> None:
        if self.pair is None or not self.started:
            return
        try:
            p = self.params()
        except prm.ParamError as exc:
            self.bench.messages.error(str(exc))
            return
        x, y = self.pair[:, 0].copy(), self.pair[:, 1].copy()
        self._note(p)
        self.test_runner.submit(lambda ctx: hsic.independence_test(
            x, y, p.sigma, p.bandwidth, p.estimator, p.permutations, p.seed, ctx))

    def request_matrix(self, force: bool = False) -> None:
        if not self.started:
            return
        try:
            p = self.params()
        except prm.ParamError:
            return  # the test's request says why
        names = tables.numeric_columns(self.frame)[:MATRIX_COLUMNS]
        key = (id(self.frame), p.sigma, p.bandwidth, p.estimator, p.seed)
        if len(names) < 2 or (key == self._matrix_key and not force):
            return
        self._matrix_key = key
        values = np.array(self.frame[names].apply(pd.to_numeric, errors="coerce").dropna(), dtype=float)
        if len(values) > MATRIX_ROWS:
            values = values[np.random.default_rng(p.seed).choice(len(values), MATRIX_ROWS, replace=False)]
        if len(values) < 4:
            self.bench.messages.error(f"{self._source_name()}: fewer than 4 rows have every numeric column")
            return
        self.matrix_runner.submit(lambda ctx: hsic.hsic_matrix(values, names, p.sigma, p.bandwidth, p.estimator,
                                                               p.seed, ctx))

    def _note(self, p: hsic.HSICParams) -> None:
        if p.bandwidth == "median":
            self.kernel_note.setText("σ per variable from the median pairwise distance: a common heuristic, "
                                     "not the author's (the post uses σ = 1).")
        else:
            self.kernel_note.setText("σ as given; the post's demo uses σ = 1." +
                                     (" The standard unbiased estimator (Song et al.) differs from the "
                                      "post's 1/(n − 1)² variant." if p.estimator != "biased" else ""))

    def _tested(self, r: hsic.HSICResult) -> None:
        """The null on log₁₀ HSIC when every value is positive (the biased estimators): a dependent pair's
        HSIC lies decades beyond the null, which a linear axis squeezes into one bar."""
        self.result = r
        self.scatter.caption.setText(f"Pearson r = {r.pearson:.4g} · HSIC = {r.hsic:.5g} ({r.estimator}; "
                                     f"σx = {r.sigma_x:.4g}, σy = {r.sigma_y:.4g})")
        log = r.hsic > 0 and (r.null.size == 0 or r.null.min() > 0)
        null = np.log10(r.null) if log else r.null
        observed = float(np.log10(r.hsic)) if log else r.hsic
        lo, hi = min(float(null.min(initial=observed)), observed), max(float(null.max(initial=observed)), observed)
        pad = 0.3 if log else 0.08 * max(hi - lo, abs(hi), 1e-12)
        lo, hi = lo - pad, hi + pad
        if r.null.size:
            density, edges = np.histogram(null, bins=min(60, max(10, r.null.size // 10)), density=True)
            self.null_hist.setData(edges, density)
        else:
            self.null_hist.setData([], [])
        if r.gamma is not None:
            grid_x = np.linspace(lo, hi, 500)
            values = 10.0 ** grid_x if log else np.clip(grid_x, 0, None)
            pdf = r.gamma.pdf(values) * (values * np.log(10) if log else 1.0)  # density of log₁₀ X
            self.gamma_curve.setData(grid_x, pdf)
        else:
            self.gamma_curve.setData([], [])
        self.observed.setValue(observed)
        self.observed.label.setFormat(f"observed {r.hsic:.3g}")
        self.null.plot.setXRange(lo, hi, padding=0)
        self.null.plot.setLabel("bottom", "log₁₀ HSIC" if log else "HSIC")
        self.null.plot.setLabel("left", "density of log₁₀ HSIC" if log else "density")
        self.null.set_title("Permutation null: " + ("no permutations" if r.p_value is None
                                                    else f"p = {r.p_value:.3g}"))
        if r.gamma is not None:
            gamma = f"p = {r.p_value_gamma:.3g} (shape {r.gamma.shape:.3g}, scale {r.gamma.scale:.3g})"
        else:
            gamma = "not for the unbiased estimator" if r.estimator == "unbiased" else "needs n ≥ 6"
        self.null.caption.setText(f"{r.null.size:,} permutations of y · gamma approximation: {gamma}")

    def _matrix_done(self, m: hsic.HSICMatrix) -> None:
        self.matrix = m
        self.hsic_card.set_matrix(m.normalised, m.names, "HSIC / √(HSIC(a, a)·HSIC(b, b))")
        self.pearson_card.set_matrix(m.pearson, m.names, "Pearson r")
        rows = "" if len(self.frame) <= MATRIX_ROWS else f" on {MATRIX_ROWS:,} rows drawn at random"
        self.hsic_card.caption.setText(f"{len(m.names)} numeric columns{rows}; σ = "
                                       + ", ".join(f"{s:.3g}" for s in np.unique(m.sigmas)[:4]))
        self.pearson_card.caption.setText("numbered as in the HSIC matrix" + (
            "; blind to the quadratic, sinusoid and ring pairs" if self.source == SYNTHETIC else ""))

    # -- exports ------------------------------------------------------------------------
    def _pair_frame(self) -> pd.DataFrame:
        if self.pair is None:
            return pd.DataFrame()
        return pd.DataFrame(self.pair, columns=[self.x_combo.currentText(), self.y_combo.currentText()])

    def _null_frame(self) -> pd.DataFrame:
        r = self.result
        if r is None:
            return pd.DataFrame()
        values = np.concatenate([[r.hsic], r.null])
        frame = pd.DataFrame({"value": ["observed"] + ["permutation"] * r.null.size, "hsic": values})
        if r.gamma is not None:
            frame["gamma_pdf"] = r.gamma.pdf(values)
        return frame
