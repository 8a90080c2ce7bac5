"""One module's subgraph: its members with the most flow as dots (sized by flow), its
most linked neighbouring modules as squares, drawn by a pyqtgraph GraphItem; clicking
a member selects the item, clicking a square moves to that module."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.benches.clusters.jobs import ModuleView
from gui.benches.clusters.map_view import group_color

LABELLED = 15  # members named on the picture (by flow); the rest show on hover in the map
LABEL_CHARS = 36


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1] + "…"


class ModuleGraphView(QWidget):
    item_clicked = Signal(int)
    module_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        for side in ("left", "bottom"):
            self.plot.hideAxis(side)
        self.graph = pg.GraphItem()
        self.plot.addItem(self.graph)
        self.labels: list[pg.TextItem] = []
        self.current: ModuleView | None = None
        self.graph.scatter.sigClicked.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)

    def show_view(self, v: ModuleView, color: str, module_groups: np.ndarray) -> None:
        """``module_groups``: the colour group of each neighbouring module (as the map colours it)."""
        self.current = v
        member = v.items >= 0
        rel = v.flow / max(float(v.flow[member].max()) if member.any() else 1.0, 1e-300)
        sizes = np.where(member, 6 + 12 * np.sqrt(np.clip(rel, 0, 1)), 18)
        brushes = [pg.mkBrush(color if m else group_color(int(g)))
                   for m, g in zip(member, np.r_[np.zeros(member.sum(), np.int64), module_groups])]
        self.graph.setData(pos=v.pos.astype(float), adj=v.edges if len(v.edges) else None, size=sizes,
                           symbol=["o" if m else "s" for m in member], symbolBrush=brushes,
                           symbolPen=pg.mkPen("#333333", width=0.8), pen=pg.mkPen((120, 120, 120, 60), width=1),
                           pxMode=True, data=np.arange(len(v.labels)))
        for label in self.labels:
            self.plot.removeItem(label)
        named = list(np.flatnonzero(member)[:LABELLED]) + list(np.flatnonzero(~member))
        middle = float(np.median(v.pos[:, 0])) if len(v.pos) else 0.0
        self.labels = []
        for node in named:  # a label grows toward the middle, so the picture's edges do not cut it
            label = pg.TextItem(_short(v.labels[node]), color="#202020" if member[node] else "#5a3d00",
                                anchor=(0.0 if v.pos[node, 0] < middle else 1.0, 1.1))
            label.setPos(float(v.pos[node, 0]), float(v.pos[node, 1]))
            self.plot.addItem(label)
            self.labels.append(label)
        self.plot.getViewBox().autoRange(padding=0.12)

    def clear(self) -> None:
        self.current = None
        self.graph.setData(pos=np.zeros((0, 2)))
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels = []

    def _clicked(self, _item, points, *_) -> None:
        if self.current is None or not len(points):
            return
        node = int(points[0].data())
        if self.current.items[node] >= 0:
            self.item_clicked.emit(int(self.current.items[node]))
        else:
            self.module_clicked.emit(int(self.current.modules[node]))
