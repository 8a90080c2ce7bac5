"""A bar chart of counts (code usage of a VQ-VAE, scores per class), exportable.

Upright bars suit many unnamed bars (64 codes); lying bars (``horizontal``) suit a few
named ones: their names stack on the left axis and never run into each other."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.widgets.axes import EmptyHint, tick_axes
from gui.widgets.export import ExportButton


class BarPanel(QWidget):
    def __init__(self, title: str, hint: str = "", horizontal: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.horizontal = horizontal
        self.default_title = title
        self.plot = pg.PlotWidget(title=title, axisItems=tick_axes())
        self.plot.setMouseEnabled(**{"x" if horizontal else "y": False})  # the lengths' axis stays put
        self.category_axis = self.plot.getAxis("left" if horizontal else "bottom")
        self.category_axis.enableAutoSIPrefix(False)  # bar names or indices, not a measured scale
        if horizontal:
            self.plot.invertY(True)  # the first bar on top, as a list reads
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.85, brush="#4C72B0", pen=None)
        self.plot.addItem(self.bars)
        self.hint = EmptyHint(self.plot.getViewBox(), hint, (self.plot.getAxis("left"), self.plot.getAxis("bottom")))
        self.counts = np.empty(0)
        self.names: list[str] | None = None
        self._labels = ("", "")
        self.export = ExportButton(self.plot.scene(), self.to_frame, title.lower().replace(" ", "-"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.export)

    def set_counts(self, counts: np.ndarray, title: str | None = None, xlabel: str = "",
                   names: list[str] | None = None, value_label: str = "") -> None:
        """Bars at 0…n−1, labelled by ``names`` when given; ``xlabel`` names the bars' axis and
        ``value_label`` the axis of their lengths."""
        self.counts = np.asarray(counts, dtype=float)
        self.names = names
        n = len(self.counts)
        top = max(1.0, float(self.counts.max(initial=0)))
        if self.horizontal:
            self.bars.setOpts(x=None, x0=0, y=np.arange(n), width=self.counts, height=0.85)
        else:
            self.bars.setOpts(x=np.arange(n), height=self.counts, width=0.85)
        self.category_axis.setTicks([list(enumerate(names))] if names else None)
        self.hint.set_empty(False)
        if title:
            self.plot.setTitle(title)
        if (xlabel, value_label) != self._labels:
            self._labels = (xlabel, value_label)
            category, value = ("left", "bottom") if self.horizontal else ("bottom", "left")
            self.plot.setLabel(category, xlabel)
            self.plot.setLabel(value, value_label)
        bars, lengths = (self.plot.setYRange, self.plot.setXRange) if self.horizontal else \
            (self.plot.setXRange, self.plot.setYRange)
        bars(-0.5, n - 0.5, padding=0.01)
        lengths(0, top, padding=0.05)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"index": self.names if self.names else np.arange(len(self.counts)),
                             "value": self.counts})

    def clear(self) -> None:
        self.counts = np.empty(0)
        self.names = None
        if self.horizontal:
            self.bars.setOpts(x0=0, y=[], width=[], height=0.85)
        else:
            self.bars.setOpts(x=[], height=[])
        self.category_axis.setTicks(None)
        self.hint.set_empty(True)
        self.plot.setTitle(self.default_title)
