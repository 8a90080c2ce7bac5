"""A titled plot with a caption line and its Export button (PNG/SVG of the picture, CSV of
the data behind it): the unit a bench of small experiments lays out in a grid.

Its axes label log scales readably (gui/widgets/axes.py); given a ``hint`` it says
what will appear instead of showing a 0–1 range until one of its curves has data."""

from __future__ import annotations

from typing import Callable

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from gui.widgets.axes import EmptyHint, tick_axes
from gui.widgets.elided_label import ElidedLabel
from gui.widgets.export import ExportButton


class PlotCard(QWidget):
    def __init__(self, title: str, x_label: str, y_label: str, frame: Callable[[], pd.DataFrame], stem: str,
                 legend: bool = True, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(title=title, axisItems=tick_axes())
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
        self.hint = EmptyHint(self.plot.getViewBox(), hint, (self.plot.getAxis("left"), self.plot.getAxis("bottom"))) \
            if hint else None
        self.caption = ElidedLabel("", lines=2)
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
        item = self.plot.plot(pen=pg.mkPen(color, width=width, style=style), name=name, **kwargs)
        if self.hint is not None:
            item.sigPlotChanged.connect(self.refresh_hint)
            self.refresh_hint()
        return item

    def refresh_hint(self, *_) -> None:
        """The hint while no curve of the plot has a point (a card with a hint only)."""
        if self.hint is not None:
            self.hint.set_empty(not any(len(i.xData if i.xData is not None else ()) for i in
                                        self.plot.getPlotItem().listDataItems()))

    def set_title(self, title: str) -> None:
        self.plot.setTitle(title)
