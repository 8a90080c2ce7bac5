"""A square matrix between named variables as a heat map (HSIC beside Pearson): row
names on the left, their numbers below, and the values that stand out written in
their cells (off the diagonal, |v| ≥ WRITTEN; the CSV export has them all)."""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from gui.widgets.plot_card import PlotCard

MAX_WRITTEN = 16  # cells carry values up to this many variables; beyond, the colour alone
WRITTEN = 0.1


class MatrixCard(PlotCard):
    def __init__(self, title: str, stem: str, levels: tuple[float, float] = (0.0, 1.0), colormap: str = "viridis",
                 hint: str = "the matrix appears once a data set is analysed", parent: QWidget | None = None) -> None:
        super().__init__(title, "", "", self.to_frame, stem, legend=False, hint=hint, parent=parent)
        self.levels = levels
        self.colormap = pg.colormap.get(colormap)
        self.names: list[str] = []
        self.values = np.empty((0, 0))
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(self.colormap)
        self.plot.addItem(self.image)
        self.plot.showGrid(x=False, y=False)
        self.plot.setAspectLocked(True)
        self.plot.invertY(True)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.bar = pg.ColorBarItem(values=levels, colorMap=self.colormap, interactive=False, width=10)
        self.bar.setImageItem(self.image, insert_in=self.plot.getPlotItem())
        self._texts: list[pg.TextItem] = []

    def set_matrix(self, values: np.ndarray, names: Sequence[str], title: str | None = None) -> None:
        """``values`` (p, p); colours clip to the card's levels, the cells show the values themselves."""
        self.values, self.names = np.asarray(values, dtype=float), list(names)
        p = len(self.names)
        lo, hi = self.levels
        self.image.setImage(np.nan_to_num(np.clip(self.values, lo, hi), nan=lo), levels=self.levels)
        self.image.setRect(0, 0, p, p)
        ticks = [(i + 0.5, str(i + 1)) for i in range(p)]
        self.plot.getAxis("bottom").setTicks([ticks])
        self.plot.getAxis("left").setTicks([[(i + 0.5, f"{name} {i + 1}") for i, name in enumerate(self.names)]])
        for t in self._texts:
            self.plot.removeItem(t)
        self._texts = []
        if p <= MAX_WRITTEN:
            for (i, j), v in np.ndenumerate(self.values):
                if i == j or not abs(v) >= WRITTEN:
                    continue
                t = pg.TextItem(re.sub(r"^(-?)0\.", r"\1.", f"{v:.2f}"), anchor=(0.5, 0.5),
                                color="#000" if self._light(v) else "#fff")
                t.setPos(j + 0.5, i + 0.5)
                self.plot.addItem(t)
                self._texts.append(t)
        self.plot.setRange(xRange=(0, max(p, 1)), yRange=(0, max(p, 1)), padding=0.02)
        self.hint.set_empty(p == 0)
        if title is not None:
            self.set_title(title)

    def _light(self, value: float) -> bool:
        """Is the cell's colour light (then its value is written in black)?"""
        lo, hi = self.levels
        if not np.isfinite(value):
            return False
        r, g, b, _ = self.colormap.map(float(np.clip((value - lo) / (hi - lo), 0, 1)), mode="float")
        return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.values, columns=self.names)
        frame.insert(0, "variable", self.names)
        return frame
