"""A bar chart of counts (code usage of a VQ-VAE, class sizes), exportable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.widgets.export import ExportButton


class BarPanel(QWidget):
    def __init__(self, title: str, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(title=title)
        self.plot.setMouseEnabled(y=False)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.85, brush="#4C72B0", pen=None)
        self.plot.addItem(self.bars)
        self.hint = pg.TextItem(hint, color="#888", anchor=(0.5, 0.5))
        self.plot.addItem(self.hint)
        self.counts = np.empty(0)
        self.names: list[str] | None = None
        self._xlabel = ""
        self.export = ExportButton(self.plot.scene(), self.to_frame, title.lower().replace(" ", "-"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.export)

    def set_counts(self, counts: np.ndarray, title: str | None = None, xlabel: str = "",
                   names: list[str] | None = None) -> None:
        """Bars at 0…n−1, labelled by ``names`` when given."""
        self.counts = np.asarray(counts, dtype=float)
        self.names = names
        self.bars.setOpts(x=np.arange(len(self.counts)), height=self.counts, width=0.85)
        self.plot.getAxis("bottom").setTicks([list(enumerate(names))] if names else None)
        self.hint.setVisible(False)
        if title:
            self.plot.setTitle(title)
        if xlabel != self._xlabel:
            self._xlabel = xlabel
            self.plot.setLabel("bottom", xlabel)
        self.plot.setXRange(-0.5, len(self.counts) - 0.5, padding=0.01)
        self.plot.setYRange(0, max(1.0, float(self.counts.max(initial=0))), padding=0.05)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"index": self.names if self.names else np.arange(len(self.counts)),
                             "value": self.counts})

    def clear(self) -> None:
        self.counts = np.empty(0)
        self.bars.setOpts(x=[], height=[])
        self.hint.setVisible(True)
