"""The BN lab's pictures (engine/train/bn_lab.py): per network variant, the
loss band and the gradient-predictiveness band along the gradient, the
β-smoothness and λmax over training, and the learning-rate sweep.

Two panels because the job emits two artifact kinds (``bands`` every epoch,
``sweep`` after training): the Models bench hides a panel whose kind a run did
not draw (a run stopped early draws no sweep), so one panel per kind keeps the
landscape in view when the sweep is missing.  A variant keeps its colour in
every plot and every run (its place in :data:`LABELS`), so the four small
plots share one legend strip (:class:`VariantLegend`) instead of legends over their curves.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from engine.train.bn_lab import VARIANT_TITLES
from gui.widgets.colors import PALETTE, run_color
from gui.widgets.plot_card import PlotCard

LABELS = VARIANT_TITLES  # the lab's variants in its order, in words for legends


def variant_color(name: str) -> str:
    """The variant's colour: its place among the known variants, else one from its name."""
    order = list(LABELS)
    return PALETTE[order.index(name)] if name in order else run_color(name)


def variant_label(name: str) -> str:
    return LABELS.get(name, name)


class VariantLegend(QLabel):
    """A colour swatch and the name of each variant in one wrapping line above the plots (inside a
    small plot a legend covers the curves), or a hint while there is nothing to show."""

    def __init__(self, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hint, self.names = hint, []
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setWordWrap(True)
        self.clear()

    def set_names(self, names: list[str]) -> None:
        self.names = list(names)
        self.setText(" &nbsp; ".join(f'<span style="color:{variant_color(n)}">■</span>&nbsp;{variant_label(n)}'
                                      for n in names))

    def clear(self) -> None:
        self.names = []
        self.setText(f'<span style="color:gray">{self.hint}</span>')


def _log_fits(*arrays: np.ndarray) -> bool:
    """Log y when every finite value is positive and they span more than a decade."""
    values = np.concatenate([np.ravel(a) for a in arrays])
    values = values[np.isfinite(values)]
    return bool(len(values) > 0 and (values > 0).all() and values.max() > 10 * values.min())


def _clear_plot(card: PlotCard, items: dict) -> None:
    for group in items.values():
        for item in group:
            card.plot.removeItem(item)
    items.clear()


# quantity in the payload -> (title, y label, what is plotted, stem of the export).  Titles stay short: a
# pyqtgraph title wider than its plot widens the plot past its card, and the card clips it.
_BANDS = {
    "band": ("Loss along the gradient", "loss (nats)", "L(θ − ηg)", "bn-loss-band"),
    "grad": ("Gradient predictiveness", "‖Δ∇L‖ (L2 norm)", "‖∇L(θ) − ∇L(θ − ηg)‖", "bn-gradient-band"),
}
_LINES = {
    "beta": ("Effective β-smoothness", "β = ‖Δ∇L‖ / ‖Δθ‖", "max over η of ‖Δ∇L‖ / ‖ηg‖", "bn-beta"),
    "lambda_max": ("Largest Hessian eigenvalue", "λmax (curvature)", "power iteration on Hessian-vector products",
                   "bn-lambda-max"),
}
TITLE_SIZE = "10pt"
PLOT_WIDTH = 320  # a plot's share of the width the panels ask for


class BandsPanel(QWidget):
    """The ``bands`` artifact: four small plots over training steps, one colour per variant."""

    def __init__(self, hint: str = "the landscape along the gradient appears after the first epoch",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.payload: Mapping[str, Any] | None = None
        self.legend = VariantLegend(hint)
        self.cards: dict[str, PlotCard] = {}
        self.items: dict[str, dict[str, list]] = {}  # quantity -> variant -> its plot items
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        for i, (key, (title, y_label, _, stem)) in enumerate({**_BANDS, **_LINES}.items()):
            card = PlotCard(title, "training step", y_label, lambda key=key: self.to_frame(key), stem, legend=False)
            card.plot.setTitle(title, size=TITLE_SIZE)
            card.plot.setMinimumSize(160, 110)
            self.cards[key] = card
            self.items[key] = {}
            grid.addWidget(card, i // 2, i % 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.legend)
        layout.addLayout(grid, 1)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """Two plots wide beside the sweep's one: the pictures' splitter shares the width 2 : 1."""
        return QSize(2 * PLOT_WIDTH, 400)

    def set_payload(self, payload: Mapping[str, Any], step: int | None = None) -> None:
        """``variants`` (V,), ``steps`` (P,), ``etas``, and (V, P) arrays band_lo/hi, grad_lo/hi, beta, lambda_max."""
        self.payload = payload
        names = [str(v) for v in payload["variants"]]
        steps = np.asarray(payload["steps"], dtype=float)
        self.legend.set_names(names)
        for key in _BANDS:
            lo, hi = (np.asarray(payload[f"{key}_{end}"], dtype=float) for end in ("lo", "hi"))
            for i, name in enumerate(names):
                self._band(key, name, steps, lo[i], hi[i])
        log_y = {}
        for key in _LINES:
            values = np.asarray(payload[key], dtype=float)
            log_y[key] = _log_fits(values)
            self.cards[key].plot.setLogMode(y=log_y[key])
            for i, name in enumerate(names):
                self._line(key, name, steps, values[i])
        etas = np.asarray(payload["etas"], dtype=float)
        where = f"{len(steps)} probes" + (f" to step {step:,}" if step is not None else "")
        along = f"η in [{etas.min():.3g}, {etas.max():.3g}] ({len(etas)} sizes)"
        for key, (*_, what, _) in _BANDS.items():
            self.cards[key].caption.setText(f"{what} for {along}, min to max shaded · {where}")
        for key, (*_, what, _) in _LINES.items():
            self.cards[key].caption.setText(f"{what} · {where}" + (" · log y" if log_y[key] else ""))

    def _band(self, key: str, name: str, x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        if name not in self.items[key]:
            plot, color = self.cards[key].plot, variant_color(name)
            shade = QColor(color)
            shade.setAlpha(70)
            lower = plot.plot(pen=pg.mkPen(color, width=1))
            upper = plot.plot(pen=pg.mkPen(color, width=1))
            fill = pg.FillBetweenItem(lower, upper, brush=pg.mkBrush(shade))
            plot.addItem(fill)
            self.items[key][name] = [lower, upper, fill]
        lower, upper, _ = self.items[key][name]
        lower.setData(x, lo)
        upper.setData(x, hi)

    def _line(self, key: str, name: str, x: np.ndarray, y: np.ndarray) -> None:
        if name not in self.items[key]:
            color = variant_color(name)
            line = self.cards[key].curve(color, symbol="o", symbolSize=4, symbolBrush=color, symbolPen=None)
            self.items[key][name] = [line]
        keep = np.isfinite(y)
        self.items[key][name][0].setData(x[keep], y[keep])

    def to_frame(self, key: str) -> pd.DataFrame:
        """The data behind one plot: a row per variant and probed step."""
        p = self.payload
        if p is None:
            return pd.DataFrame(columns=["variant", "step"])
        columns = [f"{key}_lo", f"{key}_hi"] if key in _BANDS else [key]
        rows = [pd.DataFrame({"variant": str(name), "step": np.asarray(p["steps"]),
                              **{c: np.asarray(p[c])[i] for c in columns}})
                for i, name in enumerate(p["variants"])]
        return pd.concat(rows, ignore_index=True)

    def clear(self) -> None:
        self.payload = None
        for key, card in self.cards.items():
            _clear_plot(card, self.items[key])
            card.caption.setText("")
        self.legend.clear()


class SweepPanel(QWidget):
    """The ``sweep`` artifact: final training loss against the learning rate (log x), one line per
    variant; × marks a rate where the net diverged (drawn at the top when its loss is infinite)."""

    def __init__(self, hint: str = "the learning-rate sweep runs after training", parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.payload: Mapping[str, Any] | None = None
        self.legend = VariantLegend(hint)
        self.card = PlotCard("Learning-rate sweep", "learning rate", "final training loss (nats)", self.to_frame,
                             "bn-lr-sweep", legend=False)
        self.card.plot.setTitle("Learning-rate sweep", size=TITLE_SIZE)
        self.card.plot.setLogMode(x=True)
        self.card.plot.setMinimumSize(200, 150)
        self.items: dict[str, list] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.legend)
        layout.addWidget(self.card, 1)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(PLOT_WIDTH, 400)

    def set_payload(self, payload: Mapping[str, Any]) -> None:
        """``variants`` (V,), ``lrs`` (R,), ``final_loss`` (V, R; inf when not finite), ``diverged`` (V, R)."""
        self.payload = payload
        names = [str(v) for v in payload["variants"]]
        lrs = np.asarray(payload["lrs"], dtype=float)
        final = np.asarray(payload["final_loss"], dtype=float)
        diverged = np.asarray(payload["diverged"], dtype=bool)
        finite = final[np.isfinite(final)]
        trained = final[~diverged & np.isfinite(final)]
        # diverged rates sit on a line above the trained ones, so a loss of 10¹⁰ does not flatten the rest
        top = 2 * (trained.max() if len(trained) else finite.max() if len(finite) else 0.5)
        log_y = _log_fits(finite)
        self.card.plot.setLogMode(x=True, y=log_y)
        for name in [n for n in self.items if n not in names]:
            for item in self.items.pop(name):
                self.card.plot.removeItem(item)
        self.legend.set_names(names)
        best = []
        for i, name in enumerate(names):
            line, marks = self._items(name)
            ok = ~diverged[i] & np.isfinite(final[i])
            line.setData(lrs[ok], final[i][ok])
            marks.setData(lrs[diverged[i]], np.minimum(final[i][diverged[i]], top))
            best.append(f"{variant_label(name)} {lrs[ok].max():.3g}" if ok.any() else f"{variant_label(name)} none")
        scale = "log" if log_y else "linear"
        self.card.caption.setText(f"Final loss of each net trained at each rate; × diverged (drawn at the top); "
                                  f"log x, {scale} y. "
                                  f"Largest stable rate: {', '.join(best)}")

    def _items(self, name: str) -> list:
        if name not in self.items:
            color = variant_color(name)
            line = self.card.curve(color, symbol="o", symbolSize=6, symbolBrush=color,
                                   symbolPen=None)
            marks = self.card.plot.plot(pen=None, symbol="x", symbolSize=12, symbolPen=pg.mkPen(color, width=2),
                                        symbolBrush=color)  # a data item: it follows the log axes
            self.items[name] = [line, marks]
        return self.items[name]

    def to_frame(self) -> pd.DataFrame:
        p = self.payload
        if p is None:
            return pd.DataFrame(columns=["variant", "lr", "final_loss", "diverged"])
        rows = [pd.DataFrame({"variant": str(name), "lr": np.asarray(p["lrs"]),
                              "final_loss": np.asarray(p["final_loss"])[i], "diverged": np.asarray(p["diverged"])[i]})
                for i, name in enumerate(p["variants"])]
        return pd.concat(rows, ignore_index=True)

    def clear(self) -> None:
        self.payload = None
        for items in self.items.values():
            for item in items:
                self.card.plot.removeItem(item)
        self.items.clear()
        self.card.caption.setText("")
        self.legend.clear()
