"""A scatter of 2-D points coloured by label (latent codes, features, real and
generated points), with a legend, a hover readout and — when the payload
carries them — the picture behind the hovered point (the Embedding Projector's
habit).

Drawing is one ScatterPlotItem made once and fed anew each refresh: each
point's colour is an index into a table of eleven brushes, and its symbol is
taken from pyqtgraph's atlas by that index (``_Scatter``), so no per-point
Python runs; the legend is one rich-text label, rebuilt only when the classes
change.  Per-class items re-created on every refresh held the GUI thread
~80 ms on 5,000 points during training (issue 18; benchmarks/scatter_first_draw.py).

Aspect: both axes of these plots are coordinates of one space — the data
(x₁, x₂), a 2-D latent (z₁, z₂), or principal axes of a latent, which are an
orthonormal projection and so keep distances — so one unit is drawn the same
length on both (a ring stays a circle); a 1-D latent (second axis unnamed) is
not locked.  ``equal_aspect`` overrides this for other data.
"""

from __future__ import annotations

import functools
import html

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from gui.widgets.axes import EmptyHint, tick_axes
from gui.widgets.colors import PALETTE, label_color
from gui.widgets.export import ExportButton

HOVER_PX = 8  # a point this close to the cursor is the hovered one
THUMB_PX = 96  # the hovered point's picture is drawn about this large


class LabelScatter(QWidget):
    def __init__(self, title: str, hint: str = "points appear after the first epoch",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.default_title = title
        self.plot = pg.PlotWidget(title=title, axisItems=tick_axes())
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        for side in ("left", "bottom"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.legend = _Legend(self.plot.getViewBox())
        brushes = np.array([pg.mkBrush(c) for c in (*PALETTE, label_color(-1))], dtype=object)
        self.scatter = _Scatter(brushes, size=5, pen=None, pxMode=True)
        self.plot.addItem(self.scatter)
        self.hint = EmptyHint(self.plot.getViewBox(), hint, (self.plot.getAxis("left"), self.plot.getAxis("bottom")))
        self.classes: dict[int, str] = {}  # the legend: label → name
        self.points = np.empty((0, 2))
        self.labels = np.empty(0, int)
        self.images: np.ndarray | None = None
        self._axes: tuple[str, str] = ("", "")
        self._names: list[str] | None = None
        self._hovered = -1
        self.popup = QFrame(self.plot)  # the hovered point: its picture and what it is
        self.popup.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.popup.setFrameShape(QFrame.Shape.Box)
        self.popup.setAutoFillBackground(True)
        self.picture, self.caption = QLabel(), QLabel()
        box = QVBoxLayout(self.popup)
        box.setContentsMargins(4, 4, 4, 4)
        box.setSpacing(2)
        box.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addWidget(self.caption, 0, Qt.AlignmentFlag.AlignHCenter)
        self.popup.hide()
        self._hover_proxy = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._on_hover)
        self.export = ExportButton(self.plot.scene(), self.to_frame, title.lower().replace(" ", "-"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.export)

    def set_points(self, points: np.ndarray, labels: np.ndarray, axes: tuple[str, str] = ("", ""),
                   names: list[str] | None = None, title: str | None = None, images: np.ndarray | None = None,
                   equal_aspect: bool | None = None) -> None:
        """Points coloured by integer label; ``names[label]`` names a class in the legend;
        ``images[i]`` (h×w grey or h×w×3, in [0, 1] or bytes) is shown when point i is hovered."""
        self.points, self.labels = np.asarray(points, float), np.asarray(labels).astype(int)
        self.images = None if images is None or len(images) != len(self.points) else np.asarray(images)
        if title is not None:
            self.plot.setTitle(title)
        classes = sorted(np.unique(self.labels).tolist())
        if names != self._names or classes != list(self.classes):
            self._names = names
            self.classes = {lab: self.name_of(lab) for lab in classes}
            self.legend.show_classes([(label_color(lab), name) for lab, name in self.classes.items()])
        index = np.where(self.labels >= 0, self.labels % len(PALETTE), len(PALETTE))
        order = _drawing_order(len(self.points))  # classes interleaved: none hides another wholesale
        self.scatter.set_classes(self.points[order, 0], self.points[order, 1], index[order])
        if axes != self._axes:  # a label change re-lays the plot out: only when it changes
            self._axes = axes
            self.plot.setLabel("bottom", axes[0])
            self.plot.setLabel("left", axes[1])
        lock = all(axes) if equal_aspect is None else equal_aspect
        if lock != self.plot.getViewBox().state["aspectLocked"]:
            self.plot.setAspectLocked(lock, ratio=1.0)
        self.hint.set_empty(len(self.points) == 0)
        self._hovered = -1
        self.popup.hide()

    def name_of(self, label: int) -> str:
        if self._names and 0 <= label < len(self._names):
            return self._names[label]
        return str(label) if label >= 0 else "unlabelled"

    def clear_items(self) -> None:
        self.legend.show_classes([])
        self.classes = {}
        self._names = None

    def clear(self) -> None:
        """No points, and nothing left of the last payload: legend, title, axis names."""
        self.clear_items()
        self.plot.setTitle(self.default_title)
        if self._axes != ("", ""):
            self._axes = ("", "")
            self.plot.setLabel("bottom", "")
            self.plot.setLabel("left", "")
        self.points, self.labels, self.images = np.empty((0, 2)), np.empty(0, int), None
        self.scatter.set_classes(np.empty(0), np.empty(0), np.empty(0, np.intp))
        self.hint.set_empty(True)
        self._hovered = -1
        self.popup.hide()

    # -- hover -------------------------------------------------------------------------
    def point_at(self, scene_pos) -> int:
        """Index of the point nearest the scene position within HOVER_PX pixels, or -1; of
        points as near (one on another), the one drawn on top: the one the user sees."""
        if not len(self.points):
            return -1
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return -1
        at = vb.mapSceneToView(scene_pos)
        sx, sy = vb.viewPixelSize()
        top_first = _drawing_order(len(self.points))[::-1]
        shown = self.points[top_first]
        d2 = ((shown[:, 0] - at.x()) / sx) ** 2 + ((shown[:, 1] - at.y()) / sy) ** 2
        k = int(np.argmin(d2))
        return int(top_first[k]) if d2[k] <= HOVER_PX ** 2 else -1

    def _on_hover(self, args) -> None:
        pos = args[0]
        i = self.point_at(pos)
        if i != self._hovered:
            self._hovered = i
            if i < 0:
                self.popup.hide()
            else:
                self._show_popup(i)
        if i >= 0:
            self._place_popup(self.plot.mapFromScene(pos))

    def _show_popup(self, i: int) -> None:
        x, y = self.points[i]
        self.caption.setText(f"{self.name_of(int(self.labels[i]))} · ({x:.3g}, {y:.3g})")
        self.picture.setVisible(self.images is not None)
        if self.images is not None:
            self.picture.setPixmap(thumbnail(self.images[i], THUMB_PX))
        self.popup.adjustSize()
        self.popup.show()
        self.popup.raise_()

    def _place_popup(self, at: QPoint) -> None:
        w, h = self.popup.width(), self.popup.height()
        x = at.x() + 14 if at.x() + 14 + w <= self.plot.width() else at.x() - 14 - w
        y = min(max(0, at.y() - h // 2), max(0, self.plot.height() - h))
        self.popup.move(max(0, x), y)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"x": self.points[:, 0], "y": self.points[:, 1], "label": self.labels})


@functools.lru_cache(maxsize=4)
def _drawing_order(n: int) -> np.ndarray:
    """A fixed shuffle of n points, the same at every refresh (no flicker): payloads list
    their classes one after another (all real points, then all generated), which drawn in
    that order would bury the first class under the last."""
    return np.random.default_rng(0).permutation(n)


class _Scatter(pg.ScatterPlotItem):
    """A ScatterPlotItem for points of one symbol, size and pen whose brush is one of a small
    table (a class colour), drawn from pyqtgraph's symbol atlas without per-point Python.

    pyqtgraph looks every point's style up in its atlas in Python (a key tuple per point,
    equality tests on each QBrush) and stores per-point brushes through a list numpy inspects
    element by element: 15–20 ms for 5,000 points, all of it holding the GIL a training thread
    needs.  Here the table's few styles are looked up once and each point's atlas rectangle
    is taken by indexing (``slots``: the row of the table per point).  Relies on pyqtgraph's
    ``data`` record array (fields ``brush``, ``sourceRect``) and ``fragmentAtlas``, both
    unchanged since 0.12; any other use falls back to pyqtgraph's own path."""

    def __init__(self, table: np.ndarray, **kwargs) -> None:
        self.table = table  # QBrush objects (dtype object)
        self.slots: np.ndarray | None = None
        super().__init__(**kwargs)

    def set_classes(self, x: np.ndarray, y: np.ndarray, slots: np.ndarray) -> None:
        """Points at (x, y) filled with ``table[slots]``."""
        self.slots = np.asarray(slots, np.intp)
        self.setData(x, y, brush=self.table[self.slots])

    def setBrush(self, *args, **kwargs) -> None:  # noqa: N802 - pyqtgraph API
        brushes = args[0] if len(args) == 1 else None
        if isinstance(brushes, np.ndarray) and brushes.dtype == object and kwargs.get("mask") is None:
            data = kwargs.get("dataSet", self.data)
            data["brush"] = brushes  # stored as they are: an object array, not a list to inspect
            data["sourceRect"] = 0
            if kwargs.get("update", True):
                self.updateSpots(data)
        else:
            self.slots = None
            super().setBrush(*args, **kwargs)

    def updateSpots(self, dataSet=None) -> None:  # noqa: N802,N803 - pyqtgraph API
        data = self.data if dataSet is None else dataSet
        fast = self.slots is not None and len(self.slots) == len(data) == len(self.data) and \
            self.opts["pxMode"] and self.opts["useCache"]
        if not fast:
            super().updateSpots(dataSet)
            return
        styles = [(self.opts["symbol"], self.opts["size"], self.opts["pen"], brush) for brush in self.table]
        rects = np.array([tuple(r) for r in self.fragmentAtlas[styles]], dtype=data["sourceRect"].dtype)
        data["sourceRect"] = rects[self.slots]
        self._updateMaxSpotSizes(data=data)
        self.invalidate()


class _Legend(pg.LabelItem):
    """Every class in one rich-text label on a translucent box, pinned to the plot's top
    right: one text layout for ten classes, not ten legend rows."""

    def __init__(self, view: pg.ViewBox) -> None:
        super().__init__("", size="8pt", justify="left")
        self.setParentItem(view)
        self.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-5, 5))
        self.shade = QColor(pg.getConfigOption("background"))
        self.shade.setAlpha(190)

    def show_classes(self, entries: list[tuple[str, str]]) -> None:
        """(colour, name) pairs; two columns from seven classes on."""
        cells = [f'<span style="color:{c}">●</span>&nbsp;{html.escape(n)}' for c, n in entries]
        if len(cells) > 6:
            half = (len(cells) + 1) // 2
            rows = [f"<td>{a}</td><td>&nbsp;&nbsp;{b}</td>" for a, b in
                    zip(cells[:half], cells[half:] + [""])]
            text = "<table cellspacing=0>" + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>"
        else:
            text = "<br>".join(cells)
        self.setText(text)
        self.setVisible(bool(cells))

    def paint(self, p, *args) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self.shade)
        p.drawRect(self.boundingRect())


def thumbnail(image: np.ndarray, size: int) -> QPixmap:
    """A picture (h×w grey or h×w×3; floats in [0, 1] or bytes) as a pixmap about ``size`` px
    on its longer side, enlarged by a whole factor so its pixels stay sharp."""
    a = np.asarray(image)
    if a.dtype != np.uint8:
        a = (np.clip(np.nan_to_num(a.astype(np.float32)), 0.0, 1.0) * 255 + 0.5).astype(np.uint8)
    a = np.ascontiguousarray(a)
    h, w = a.shape[:2]
    if a.ndim == 3:
        img = QImage(a.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    else:
        img = QImage(a.data, w, h, w, QImage.Format.Format_Grayscale8)
    factor = max(1, size // max(h, w))
    return QPixmap.fromImage(img.copy()).scaled(w * factor, h * factor, Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.FastTransformation)
