"""Capsule routing read as clustering (kexue.fm/archives/5112): 2-D input vectors
(generated, and draggable) and k output capsules, routed r times by the author's
routing, Hinton's and soft K-means side by side — the coupling coefficients c_ij
as the points' colours, each capsule's path from its start through every
iteration, and how hard the coupling gets (mean_i max_j c_ij: Hinton's growing
logits drive it to one-hot, the author's normalised routing stays soft).

The predictions are the inputs themselves (û_ij = u_i), so routing is plain
clustering of the points.  Routing 400 points takes well under a millisecond:
it runs on every change, in the GUI thread."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QWidget,
)

from engine.maths import routing
from gui.benches.base import Bench
from gui.benches.maths.common import LEFT_WIDTH, brushes, controls_column, grid, palette_rgb
from gui.widgets.colors import PALETTE
from gui.widgets.draggable_points import DraggablePoints
from gui.widgets.layout import side_by_side_panes
from gui.widgets.plot_card import PlotCard

TITLES = {"author": "Author's routing", "hinton": "Hinton's routing", "soft-kmeans": "Soft K-means"}
RULES = {"author": "v ← v/‖v‖, c = softmax⟨û, v⟩, v ← Σ c û; squash at the end",
         "hinton": "c = softmax b, v = squash(Σ c û), b += ⟨û, v⟩: the logits grow",
         "soft-kmeans": "c = softmax(−K‖û − v‖²), v = Σ c û / Σ c"}
METHOD_COLORS = {"author": "#4e79a7", "hinton": "#e15759", "soft-kmeans": "#59a14f"}
SQUASH = {"1 (paper)": 1.0, "0.5 (author's variant)": 0.5}
STARTS = ("k distinct inputs", "the post's mean (all equal)")
SYMBOL_PEN = pg.mkPen("#222")


def coupling_brushes(coupling: np.ndarray) -> list[QBrush]:
    """Hue: the capsule with the largest c_ij; strength: how far c_i is from uniform (pale: undecided).
    The palette mixed by c (as the EM tab does) turns the author's soft coupling into one brown."""
    k = coupling.shape[1]
    strength = (coupling.max(1) - 1 / k) / (1 - 1 / k) if k > 1 else np.ones(len(coupling))
    rgb = palette_rgb(k)[coupling.argmax(1)]
    pale = np.array([225.0, 225.0, 225.0])
    return brushes(pale + strength[:, None] * (rgb - pale))


class RoutingPanel(PlotCard):
    """One routing: the inputs coloured by c_ij and the capsules' paths."""

    def __init__(self, kind: str, tab: "RoutingTab") -> None:
        super().__init__(TITLES[kind], "x", "y", lambda: tab.panel_frame(kind), f"routing-{kind}", legend=False)
        self.kind = kind
        self.caption.setText(RULES[kind])
        self.plot.setAspectLocked(True)
        t = np.linspace(0, 2 * np.pi, 200)
        self.plot.plot(np.cos(t), np.sin(t), pen=pg.mkPen("#aaa", style=Qt.PenStyle.DashLine))  # ‖v‖ = 1
        self.points = DraggablePoints(size=8, pen=pg.mkPen("#333", width=0.5), hoverable=True,
                                      tip="({x:.2f}, {y:.2f}): drag to move".format)
        self.plot.addItem(self.points)
        self.paths: list[pg.PlotDataItem] = []
        self.points.moved.connect(tab.move_point)

    def display(self, inputs: np.ndarray, steps: list[routing.RoutingStep], start: np.ndarray, shown: int) -> None:
        coupling = steps[shown - 1].coupling
        self.points.setData(inputs[:, 0], inputs[:, 1], brush=coupling_brushes(coupling))
        k = coupling.shape[1]
        while len(self.paths) > k:
            self.plot.removeItem(self.paths.pop())
        while len(self.paths) < k:
            j = len(self.paths)
            color = PALETTE[j % len(PALETTE)]
            self.paths.append(self.plot.plot(pen=pg.mkPen(color, width=2.5), symbol="o", symbolSize=6,
                                             symbolBrush=pg.mkBrush(color), symbolPen=SYMBOL_PEN))
        track = np.stack([start] + [s.outputs for s in steps[:shown]])  # (shown + 1, k, 2)
        for j, item in enumerate(self.paths):
            item.setData(track[:, j, 0], track[:, j, 1], symbolSize=[6] * shown + [14])


class RoutingTab(QWidget):
    def __init__(self, bench: Bench, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bench = bench
        self.inputs = np.empty((0, 2))
        self.start = np.empty((0, 2))
        self.steps: dict[str, list[routing.RoutingStep]] = {}

        self.n_points = _spin(4, 400, 60, "input vectors u_i")
        self.clusters = _spin(1, 8, 3, "directions the inputs bunch around")
        self.spread = QDoubleSpinBox()
        self.spread.setRange(0.0, 3.0)
        self.spread.setSingleStep(0.05)
        self.spread.setValue(0.25)
        self.spread.setToolTip("standard deviation of the inputs' angle around their direction (radians)")
        self.seed = _spin(0, 2**31 - 1, 0, "seed of the inputs and of the starting capsules")
        inputs_box = QGroupBox("Input capsules (drag a point to move it)")
        inf = QFormLayout(inputs_box)
        inf.addRow("Vectors", self.n_points)
        inf.addRow("Clusters", self.clusters)
        inf.addRow("Spread", self.spread)
        inf.addRow("Seed", self.seed)
        self.k = _spin(1, 8, 3, "output capsules v_j")
        self.iterations = _spin(1, 30, 3, "routing iterations r (the paper's standard: 3)")
        self.squash = QComboBox()
        self.squash.addItems(SQUASH)
        self.squash.setToolTip("squash(v) = ‖v‖²/(c + ‖v‖²)·v/‖v‖")
        self.stiffness = QDoubleSpinBox()
        self.stiffness.setRange(0.01, 100.0)
        self.stiffness.setValue(1.0)
        self.stiffness.setToolTip("soft K-means' K in softmax(−K‖û − v‖²); K → ∞ is K-means")
        self.start_choice = QComboBox()
        self.start_choice.addItems(STARTS)
        self.start_choice.setToolTip("the post starts every v_j at the mean: with û_ij = u_i they then stay "
                                     "equal by symmetry; distinct inputs break it")
        routing_box = QGroupBox("Routing")
        rf = QFormLayout(routing_box)
        rf.addRow("Output capsules k", self.k)
        rf.addRow("Iterations r", self.iterations)
        rf.addRow("Squash constant c", self.squash)
        rf.addRow("Soft K-means K", self.stiffness)
        rf.addRow("Start", self.start_choice)
        self.shown = QSlider(Qt.Orientation.Horizontal)
        self.shown.setRange(1, self.iterations.value())
        self.shown.setValue(self.iterations.value())
        self.shown.setToolTip("the iteration whose coupling colours the points (the paths stop there)")
        self.shown_label = QLabel("")
        row = QWidget()
        rl = QHBoxLayout(row)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(QLabel("Show iteration"))
        rl.addWidget(self.shown, 1)
        rl.addWidget(self.shown_label)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        left = controls_column(inputs_box, routing_box, row, self.summary)

        self.panels = {kind: RoutingPanel(kind, self) for kind in routing.ROUTINGS}
        self.hardness = PlotCard("How hard the coupling is", "iteration", "mean over i of max_j c_ij",
                                 self._hardness_frame, "routing-hardness")
        self.hardness_lines = {kind: self.hardness.curve(METHOD_COLORS[kind], kind, 2, symbol="o", symbolSize=5,
                                                         symbolBrush=METHOD_COLORS[kind])
                               for kind in routing.ROUTINGS}
        self.uniform = pg.InfiniteLine(1 / 3, angle=0, pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine),
                                       label="uniform 1/k", labelOpts={"position": 0.1, "color": "#888"})
        self.hardness.legend.setOffset((-5, -5))  # bottom right, below the curves
        self.hardness.plot.addItem(self.uniform)
        self.hardness.plot.addItem(pg.InfiniteLine(1.0, angle=0, pen=pg.mkPen("#888", style=Qt.PenStyle.DotLine),
                                                   label="one-hot", labelOpts={"position": 0.1, "color": "#888"}))
        self.splitter = side_by_side_panes(self, left, grid(self.panels["author"], self.panels["hinton"],
                                                            self.panels["soft-kmeans"], self.hardness), LEFT_WIDTH)

        for w in (self.n_points, self.clusters, self.seed):
            w.valueChanged.connect(self.regenerate)
        self.spread.valueChanged.connect(self.regenerate)
        for w in (self.k, self.iterations):
            w.valueChanged.connect(self.route)
        self.stiffness.valueChanged.connect(self.route)
        self.squash.currentTextChanged.connect(self.route)
        self.start_choice.currentTextChanged.connect(self.route)
        self.shown.valueChanged.connect(self.draw)
        self.regenerate()

    def regenerate(self) -> None:
        self.inputs = routing.generate_inputs(self.n_points.value(), self.clusters.value(), self.spread.value(),
                                              self.seed.value())
        self.route()

    def move_point(self, index: int, x: float, y: float) -> None:
        self.inputs[index] = (x, y)
        self.route()

    def route(self) -> None:
        k = min(self.k.value(), len(self.inputs))
        r = self.iterations.value()
        u_hat = routing.identity_predictions(self.inputs, k)
        distinct = self.start_choice.currentIndex() == 0
        init = routing.random_init(self.inputs, k, self.seed.value()) if distinct else None
        self.start = init if distinct else np.repeat(self.inputs.mean(0, keepdims=True), k, 0)
        c = SQUASH[self.squash.currentText()]
        self.steps = {kind: routing.route(kind, u_hat, r, init, constant=c, stiffness=self.stiffness.value())
                      for kind in routing.ROUTINGS}
        self.shown.blockSignals(True)
        follow = self.shown.value() == self.shown.maximum()  # at the end: stay there
        self.shown.setRange(1, r)
        if follow:
            self.shown.setValue(r)
        self.shown.blockSignals(False)
        self.draw()

    def draw(self) -> None:
        t = self.shown.value()
        self.shown_label.setText(f"{t} of {self.iterations.value()}")
        for kind, panel in self.panels.items():
            panel.display(self.inputs, self.steps[kind], self.start, t)
        k = self.steps["author"][0].coupling.shape[1]
        r = len(self.steps["author"])
        for kind, line in self.hardness_lines.items():
            line.setData(np.arange(1, r + 1), [s.coupling.max(1).mean() for s in self.steps[kind]])
        self.uniform.setValue(1 / k)
        self.hardness.plot.setYRange(0, 1.05, padding=0)
        lengths = {kind: np.linalg.norm(self.steps[kind][t - 1].outputs, axis=1) for kind in self.steps}
        self.summary.setText("Output lengths ‖v_j‖ at this iteration (capsule 1, 2, …):\n" + "\n".join(
            f"{kind}: " + ", ".join(f"{v:.2f}" for v in lengths[kind]) for kind in routing.ROUTINGS) +
            "\nSquash keeps the routings' outputs inside the unit circle (dashed); soft K-means' centres are "
            "plain weighted means of the inputs.")

    # -- exports ------------------------------------------------------------------------
    def panel_frame(self, kind: str) -> pd.DataFrame:
        t = self.shown.value()
        coupling = self.steps[kind][t - 1].coupling
        inputs = pd.DataFrame({"what": "input", "index": np.arange(len(self.inputs)), "iteration": t,
                               "x": self.inputs[:, 0], "y": self.inputs[:, 1]})
        for j in range(coupling.shape[1]):
            inputs[f"c{j + 1}"] = coupling[:, j]
        track = np.stack([self.start] + [s.outputs for s in self.steps[kind][:t]])
        capsules = pd.DataFrame([{"what": "capsule", "index": j + 1, "iteration": i, "x": p[0], "y": p[1]}
                                 for i, row in enumerate(track) for j, p in enumerate(row)])
        return pd.concat([inputs, capsules], ignore_index=True)

    def _hardness_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"iteration": np.arange(1, len(self.steps["author"]) + 1)})
        for kind, steps in self.steps.items():
            frame[kind] = [s.coupling.max(1).mean() for s in steps]
        return frame


def _spin(lo: int, hi: int, value: int, tip: str) -> QSpinBox:
    w = QSpinBox()
    w.setRange(lo, hi)
    w.setValue(value)
    w.setToolTip(tip)
    return w
