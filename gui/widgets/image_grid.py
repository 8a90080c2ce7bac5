"""Pictures as one image: a mosaic of tiles drawn by a single ImageItem (fast,
crisp, exportable), with a title above it."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.widgets.export import ExportButton

GAP = 0.35  # value of the separating lines: mid-grey on the grey colormap


def mosaic(tiles: np.ndarray, cols: int | None = None, pad: int = 1, gap: float = GAP) -> np.ndarray:
    """Tile (n, h, w) into rows of ``cols``, or (r, c, h, w) as given, with ``pad`` pixel gaps of value ``gap``."""
    tiles = np.asarray(tiles, dtype=np.float32)
    if tiles.ndim == 3:
        n = len(tiles)
        cols = cols or math.ceil(math.sqrt(n))
        rows = math.ceil(n / cols)
        full = np.full((rows * cols, *tiles.shape[1:]), gap, np.float32)
        full[:n] = tiles
        tiles = full.reshape(rows, cols, *tiles.shape[1:])
    r, c, h, w = tiles.shape
    out = np.full((r * (h + pad) + pad, c * (w + pad) + pad), gap, np.float32)
    for i in range(r):
        for j in range(c):
            y0, x0 = pad + i * (h + pad), pad + j * (w + pad)
            out[y0:y0 + h, x0:x0 + w] = tiles[i, j]
    return out


def side_by_side(left: np.ndarray, right: np.ndarray, gap: int = 4) -> np.ndarray:
    h = max(left.shape[0], right.shape[0])
    out = np.full((h, left.shape[1] + gap + right.shape[1]), 1.0, np.float32)
    out[:left.shape[0], :left.shape[1]] = left
    out[:right.shape[0], left.shape[1] + gap:] = right
    return out


class ImagePanel(QWidget):
    def __init__(self, title: str, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.title = self.view.addLabel(title, row=0, col=0)
        self.box = self.view.addViewBox(row=1, col=0, lockAspect=True, invertY=True, enableMouse=True)
        self.box.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLevels((0.0, 1.0))
        self.box.addItem(self.image)
        self.hint = pg.TextItem(hint, color="#888", anchor=(0.5, 0.5))  # shown until a picture arrives
        self.box.addItem(self.hint)
        self.array: np.ndarray | None = None
        self.export = ExportButton(self.view.scene(), None, title.lower().replace(" ", "-"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.export)

    def show_array(self, array: np.ndarray, title: str | None = None, levels: tuple[float, float] = (0.0, 1.0),
                   colormap: str | None = None) -> None:
        """Grey pixels in ``levels`` by default; a named colormap for other values (code indices).
        NaN pixels (the gaps of a coloured mosaic) are left transparent."""
        self.array = np.asarray(array, np.float32)
        if colormap:
            self.image.setColorMap(pg.colormap.get(colormap))
        else:
            self.image.setLookupTable(None)
        self.image.setImage(self.array, levels=levels, autoLevels=False)
        self.hint.setVisible(False)
        if title:
            self.title.setText(title)
        self.box.autoRange(padding=0.02)

    def clear(self) -> None:
        self.array = None
        self.image.clear()
        self.hint.setVisible(True)
