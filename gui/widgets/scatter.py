"""A scatter of 2-D points coloured by label (latent codes, clusters), with a
legend; one ScatterPlotItem per class keeps it fast and the legend exact."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.widgets.colors import label_color
from gui.widgets.export import ExportButton


class LabelScatter(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(title=title)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.legend = self.plot.addLegend(offset=(-5, 5), labelTextSize="8pt")
        self.items: dict[int, pg.ScatterPlotItem] = {}
        self.points = np.empty((0, 2))
        self.labels = np.empty(0, int)
        self._axes: tuple[str, str] = ("", "")
        self._names: list[str] | None = None
        self.export = ExportButton(self.plot.scene(), self.to_frame, title.lower().replace(" ", "-"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.export)

    def set_points(self, points: np.ndarray, labels: np.ndarray, axes: tuple[str, str] = ("", ""),
                   names: list[str] | None = None, title: str | None = None) -> None:
        """Points coloured by integer label; ``names[label]`` names a class in the legend."""
        self.points, self.labels = np.asarray(points), np.asarray(labels).astype(int)
        if title is not None:
            self.plot.setTitle(title)
        if names is not None and names != self._names:
            self.clear_items()
            self._names = names
        present = set(np.unique(self.labels).tolist())
        for lab in [k for k in self.items if k not in present]:
            self.plot.removeItem(self.items[lab])
            self.legend.removeItem(self.items.pop(lab))
        for lab in sorted(present):
            pts = self.points[self.labels == lab]
            if lab not in self.items:
                color = pg.mkColor(label_color(lab))
                label = self._names[lab] if self._names and 0 <= lab < len(self._names) else \
                    (str(lab) if lab >= 0 else "unlabelled")
                item = pg.ScatterPlotItem(size=5, pen=None, brush=color, name=label)
                self.plot.addItem(item)
                self.items[lab] = item
            self.items[lab].setData(pts[:, 0], pts[:, 1])
        if axes != self._axes:  # a label change re-lays the plot out: only when it changes
            self._axes = axes
            self.plot.setLabel("bottom", axes[0])
            self.plot.setLabel("left", axes[1])

    def clear_items(self) -> None:
        for lab in list(self.items):
            self.plot.removeItem(self.items[lab])
            self.legend.removeItem(self.items.pop(lab))

    def clear(self) -> None:
        self.clear_items()
        self.points, self.labels = np.empty((0, 2)), np.empty(0, int)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"x": self.points[:, 0], "y": self.points[:, 1], "label": self.labels})
