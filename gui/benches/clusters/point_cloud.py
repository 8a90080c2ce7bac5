"""Many points of fixed pixel size drawn as one image: each paint maps the points to the
screen with one affine transform in numpy and stamps them into an ARGB buffer, which
Qt draws with a single ``drawImage``.

Written by hand rather than with ``pyqtgraph.ScatterPlotItem`` (pixel mode, one item per
colour, numpy arrays): that item hands Qt one pixmap fragment per point, and Qt's
``drawPixmapFragments`` sets a transform and blends per fragment, so its cost grows
with the points drawn; stamping is a dozen vectorised writes.  On a 100k-point map
(benchmarks/clusters_map_fps.py, one idle core) the items pan at ~36 frames per second,
this at ~110; on a loaded machine 7 against 21.  Later points cover earlier
ones; highlighted points are drawn last, outlined, over the others faded toward the
background.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect, QRectF
from PySide6.QtGui import QColor, QImage

OUTLINE = 0xFF222222


def argb(color: str | QColor) -> int:
    """An opaque colour as the 32-bit ARGB value the buffer holds."""
    return 0xFF000000 | (QColor(color).rgb() & 0xFFFFFF)


def stamp(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets of a dot ``size`` pixels across (a square without its corners)."""
    r = np.arange(size) - size // 2
    dx, dy = np.meshgrid(r, r)
    d = (dx + 0.5 - (size % 2) * 0.5) ** 2 + (dy + 0.5 - (size % 2) * 0.5) ** 2
    keep = d <= (size / 2) ** 2
    return dx[keep], dy[keep]


class PointCloud(pg.GraphicsObject):
    def __init__(self, size: int = 4) -> None:
        super().__init__()
        self.size = size
        self.xy = np.zeros((0, 2), np.float32)
        self.colors = np.zeros(0, np.uint32)
        self.faded = np.zeros(0, np.uint32)
        self.marked = np.zeros(0, np.int64)  # highlighted points, drawn last
        self.background = QColor("white")
        self._bounds = QRectF()

    def set_data(self, xy: np.ndarray, colors: np.ndarray) -> None:
        """Points (n, 2) in data coordinates, ``colors`` (n,) 32-bit ARGB, drawn in this order."""
        self.prepareGeometryChange()
        self.xy = np.ascontiguousarray(xy, np.float32)  # device pixels need no more precision
        self.set_colors(colors)
        if len(self.xy):
            lo, hi = self.xy.min(axis=0), self.xy.max(axis=0)
            self._bounds = QRectF(lo[0], lo[1], max(hi[0] - lo[0], 1e-9), max(hi[1] - lo[1], 1e-9))
        else:
            self._bounds = QRectF()

    def set_colors(self, colors: np.ndarray) -> None:
        self.colors = np.asarray(colors, np.uint32)
        self.faded = self._fade(self.colors)
        self.update()

    def set_highlight(self, items: np.ndarray) -> None:
        """Draw ``items`` on top, outlined, and fade the rest (empty: no highlight)."""
        self.marked = np.asarray(items, np.int64)
        self.update()

    def _fade(self, colors: np.ndarray, keep: float = 0.35) -> np.ndarray:
        """Colours mixed toward the background (opaque, so the stamping stays plain writes)."""
        back = np.array([self.background.red(), self.background.green(), self.background.blue()], np.float64)
        rgb = np.stack([(colors >> s) & 0xFF for s in (16, 8, 0)], axis=1).astype(np.float64)
        mixed = np.round(keep * rgb + (1 - keep) * back).astype(np.uint32)
        return 0xFF000000 | (mixed[:, 0] << 16) | (mixed[:, 1] << 8) | mixed[:, 2]

    # -- QGraphicsItem / pyqtgraph --------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return self._bounds

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):  # noqa: N802 - pyqtgraph API
        if not len(self.xy):
            return None, None
        return float(self.xy[:, ax].min()), float(self.xy[:, ax].max())

    def paint(self, p, option, widget=None) -> None:
        view = self.viewRect()
        if not len(self.xy) or view is None:
            return
        t = p.transform()
        dev = t.mapRect(view).toAlignedRect()
        dpr = widget.devicePixelRatioF() if widget is not None else 1.0
        width, height = int(np.ceil(dev.width() * dpr)), int(np.ceil(dev.height() * dpr))
        if width <= 0 or height <= 0:
            return
        size = max(1, round(self.size * dpr))
        pad = size + 2  # room for a whole outlined stamp at the edges
        stride = width + 2 * pad
        buffer = np.zeros((height + 2 * pad) * stride, np.uint32)
        x, y = self.xy[:, 0], self.xy[:, 1]
        centre = pad + (0.5 if size % 2 == 0 else 0.0)  # an even dot is centred on a pixel corner
        px = np.floor((t.m11() * x + t.m21() * y + (t.dx() - dev.left())) * dpr + centre).astype(np.int64)
        py = np.floor((t.m12() * x + t.m22() * y + (t.dy() - dev.top())) * dpr + centre).astype(np.int64)
        inside = (px >= pad // 2) & (px < width + pad + pad // 2) & (py >= pad // 2) & (py < height + pad + pad // 2)
        base = py * stride + px
        if len(self.marked):
            _splat(buffer, base[inside], self.faded[inside], stride, size)
            top = self.marked[inside[self.marked]]
            _splat(buffer, base[top], np.full(len(top), OUTLINE, np.uint32), stride, size + 2)
            _splat(buffer, base[top], self.colors[top], stride, size)
        else:
            _splat(buffer, base[inside], self.colors[inside], stride, size)
        image = QImage(buffer.data, stride, height + 2 * pad, 4 * stride, QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(dpr)
        p.resetTransform()
        p.drawImage(QPoint(dev.left(), dev.top()), image, QRect(pad, pad, width, height))


def _splat(buffer: np.ndarray, base: np.ndarray, colors: np.ndarray, stride: int, size: int) -> None:
    dx, dy = stamp(size)
    for ox, oy in zip(dx.tolist(), dy.tolist()):
        buffer[base + (oy * stride + ox)] = colors
