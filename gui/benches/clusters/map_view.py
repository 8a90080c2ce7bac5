"""The 2-D map of the items, coloured by group (module or label), that pans smoothly at
100k points: all points are one :class:`PointCloud` (numpy arrays, no object per point),
hover and click are found by one vectorised nearest-point search in screen pixels
(pyqtgraph's per-point hit test walks Python objects), and a highlight is drawn by the
same item over the faded rest."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from gui.benches.clusters.point_cloud import PointCloud, argb
from gui.widgets.axes import EmptyHint

# Tableau 20: the 10 strong colours then their light partners
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac", "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6", "#8cd17d", "#f1ce63", "#d4a6c8", "#fabfd2",
           "#d7b5a6", "#79706e")
HOVER_PX = 8
POINT_PX = 4
TIP_SCALE = 8  # an 8×8 digit shows at 64×64
NAMED = 150  # up to this many items, each point carries its name


def group_color(group: int) -> str:
    return PALETTE[int(group) % len(PALETTE)] if group >= 0 else "#888888"


def picture(image: np.ndarray, scale: int = TIP_SCALE) -> QPixmap:
    """A grey image (any range), dark ink on white as the digits are drawn, enlarged crisply."""
    a = np.asarray(image, np.float64)
    span = a.max() - a.min()
    grey = np.ascontiguousarray(255 - (255 * (a - a.min()) / (span if span > 0 else 1)).astype(np.uint8))
    h, w = grey.shape
    qimage = QImage(grey.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(qimage).scaled(w * scale, h * scale, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.FastTransformation)


class HoverTip(QFrame):
    """A tooltip-like frame inside the plot: an item's picture (when it has one) and its text."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("hoverTip")
        self.setStyleSheet("#hoverTip { background: #ffffe8; border: 1px solid #888; border-radius: 3px; }"
                           "#hoverTip QLabel { color: #111; }")
        self.image = QLabel()
        self.text = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(5, 3, 5, 3)
        layout.setSpacing(2)
        layout.addWidget(self.image, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.text)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def show_at(self, where: QPoint, text: str, pixmap: QPixmap | None) -> None:
        self.text.setText(text)
        self.image.setVisible(pixmap is not None)
        if pixmap is not None:
            self.image.setPixmap(pixmap)
        self.adjustSize()
        room = self.parentWidget().size()
        x = where.x() + 14 if where.x() + 14 + self.width() < room.width() else where.x() - 14 - self.width()
        y = where.y() + 14 if where.y() + 14 + self.height() < room.height() else where.y() - 14 - self.height()
        self.move(max(0, x), max(0, y))
        self.show()
        self.raise_()


class ModuleMap(QWidget):
    item_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        for side in ("left", "bottom"):
            self.plot.hideAxis(side)  # UMAP / PCA coordinates carry no units worth reading
        self.view = self.plot.getViewBox()
        self.legend = self.plot.addLegend(offset=(-5, 5), labelTextSize="8pt")
        self.cloud = PointCloud(POINT_PX)
        self.cloud.background = pg.mkColor(pg.getConfigOption("background"))
        self.marker = pg.ScatterPlotItem(size=18, symbol="star", pen=pg.mkPen("#111111", width=1.5),
                                         brush=pg.mkBrush("#ffd500"), pxMode=True)
        self.marker.setZValue(20)
        self.plot.addItem(self.cloud)
        self.plot.addItem(self.marker)
        self.hint = EmptyHint(self.view, "press Cluster: each item becomes a point here, laid out by its "
                                         "vectors (or its links) and coloured by its module")
        self.coords = np.zeros((0, 2), np.float32)
        self.groups = np.zeros(0, np.int64)
        self.images: np.ndarray | None = None
        self.describe: Callable[[int], str] = str
        self.names: list[pg.TextItem] = []
        self.priority = np.zeros(0, np.int64)
        self._declutter_timer = QTimer(self, singleShot=True, interval=60)
        self._declutter_timer.timeout.connect(self._declutter)
        self.view.sigRangeChanged.connect(lambda *_: self.names and self._declutter_timer.start())
        self.highlighted = np.zeros(0, np.int64)
        self.marked: int | None = None
        self.tip = HoverTip(self.plot)
        self._moves = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._hover)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)

    # -- content ------------------------------------------------------------------------
    def set_points(self, coords: np.ndarray, groups: np.ndarray, images: np.ndarray | None = None,
                   legend: list[str] | None = None, names: list[str] | None = None,
                   priority: np.ndarray | None = None) -> None:
        """Points coloured by ``groups`` (ints; colours repeat after 20); ``legend`` names the
        groups when there are at most 20 of them; ``names`` label the points of a small set,
        those first in ``priority`` kept where labels would overlap."""
        self.images = images
        for label in self.names:
            self.plot.removeItem(label)
        self.names = [pg.TextItem(n, color="#303030", anchor=(0.5, 1.15))
                      for n in (names if names is not None and len(names) <= NAMED else [])]
        self.priority = np.arange(len(self.names)) if priority is None else np.asarray(priority)
        for label in self.names:
            self.plot.addItem(label)
        self.highlighted = np.zeros(0, np.int64)
        self.cloud.set_highlight(self.highlighted)
        self.set_coords(coords, groups, legend)
        self.mark(None)

    def set_coords(self, coords: np.ndarray, groups: np.ndarray | None = None,
                   legend: list[str] | None = None) -> None:
        """A new layout of the items (colours, legend, highlight and marker follow), or new groups too."""
        self.tip.hide()  # it pointed at the old layout
        self.coords = np.ascontiguousarray(coords, np.float32)
        if groups is not None:
            self.groups = np.asarray(groups, np.int64)
            self._legend(legend)
        self.cloud.set_data(self.coords, self._colors(self.groups))
        self.hint.set_empty(len(self.coords) == 0)
        for label, (x, y) in zip(self.names, self.coords.tolist()):
            label.setPos(x, y)
        self.mark(self.marked)
        self.view.autoRange(padding=0.03)

    def _declutter(self) -> None:
        """Show a label only where it overlaps no label shown before it (by priority)."""
        for label in self.names:  # a label's size on screen follows the view only while it is shown
            label.setVisible(True)
            label.updateTransform(force=True)
        taken: list = []
        for i in self.priority:
            label = self.names[int(i)]
            rect = label.sceneBoundingRect()
            free = not any(rect.intersects(other) for other in taken)
            label.setVisible(free)
            if free:
                taken.append(rect)

    def recolor(self, groups: np.ndarray, legend: list[str] | None = None) -> None:
        self.groups = np.asarray(groups, np.int64)
        self.cloud.set_colors(self._colors(self.groups))
        self._legend(legend)

    @staticmethod
    def _colors(groups: np.ndarray) -> np.ndarray:
        table = np.array([argb(c) for c in PALETTE] + [argb(group_color(-1))], np.uint32)
        return table[np.where(groups >= 0, groups % len(PALETTE), len(PALETTE))]

    def _legend(self, names: list[str] | None) -> None:
        self.legend.clear()
        shown = names is not None and len(names) <= len(PALETTE)
        for group, name in enumerate(names if shown else []):
            self.legend.addItem(pg.ScatterPlotItem(size=8, pen=None, brush=pg.mkBrush(group_color(group))), name)
        self.legend.setVisible(shown)

    def highlight(self, items: np.ndarray | None) -> None:
        """Draw ``items`` on top, outlined, and fade the rest (None: no highlight)."""
        self.highlighted = np.zeros(0, np.int64) if items is None else np.asarray(items, np.int64)
        self.cloud.set_highlight(self.highlighted)

    def mark(self, item: int | None) -> None:
        """A star on one item (None: none)."""
        self.marked = item
        if item is None:
            self.marker.setData([], [])
        else:
            self.marker.setData([float(self.coords[item, 0])], [float(self.coords[item, 1])])

    # -- pointing ---------------------------------------------------------------------------
    def nearest(self, scene_pos: QPointF) -> int | None:
        """The item drawn within ``HOVER_PX`` pixels of a scene position (the closest), or None."""
        if not len(self.coords) or not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.view.mapSceneToView(scene_pos)
        dx, dy = self.view.viewPixelSize()
        d = ((self.coords[:, 0] - p.x()) / dx) ** 2 + ((self.coords[:, 1] - p.y()) / dy) ** 2
        best = int(np.argmin(d))
        return best if d[best] <= HOVER_PX ** 2 else None

    def _hover(self, args: tuple) -> None:
        pos = args[0]
        item = self.nearest(pos)
        if item is None:
            self.tip.hide()
            return
        pixmap = picture(self.images[item]) if self.images is not None else None
        self.tip.show_at(self.plot.mapFromScene(pos), self.describe(item), pixmap)

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        item = self.nearest(event.scenePos())
        if item is not None:
            self.item_clicked.emit(item)
