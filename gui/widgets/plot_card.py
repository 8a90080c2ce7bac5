"""A titled plot with a caption line and its Export button (PNG/SVG of the picture, CSV of
the data behind it): the unit a bench of small experiments lays out in a grid."""

from __future__ import annotations

from typing import Callable

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.widgets.export import ExportButton


class PlotCard(QWidget):
    def __init__(self, title: str, x_label: str, y_label: str, frame: Callable[[], pd.DataFrame], stem: str,
                 legend: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(title=title)
        self.plot.setLabel("bottom", x_label)
        self.plot.setLabel("left", y_label)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setMinimumSize(200, 150)
        self.legend = self.plot.addLegend(offset=(-5, 5), labelTextSize="8pt") if legend else None
        if self.legend is not None:  # curves stay visible behind it
            shade = pg.mkColor(pg.getConfigOption("background"))
            shade.setAlpha(200)
            self.legend.setBrush(pg.mkBrush(shade))
        for side in ("left", "bottom"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)  # no "(x0.001)" on small values
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export = ExportButton(self.plot.scene(), frame, stem)
        row = QHBoxLayout()
        row.setContentsMargins(4, 0, 0, 0)
        row.addWidget(self.caption, 1)
        row.addWidget(self.export, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot, 1)
        layout.addLayout(row)

    def curve(self, color: str, name: str | None = None, width: float = 2,
              style: Qt.PenStyle = Qt.PenStyle.SolidLine, **kwargs) -> pg.PlotDataItem:
        """A line added to the plot (in the legend when named)."""
        return self.plot.plot(pen=pg.mkPen(color, width=width, style=style), name=name, **kwargs)

    def set_title(self, title: str) -> None:
        self.plot.setTitle(title)
