"""Pictures as one image: a mosaic of tiles drawn by a single ImageItem (fast,
crisp, exportable), with a title above it that wraps rather than widening the
panel; a click opens the picture larger in a window of its own (whole-pixel
zoom, so tiles stay sharp), which follows the panel while it is open."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from gui.widgets.axes import EmptyHint
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
        self.default_title = title
        self.title = self.view.addLabel(title, row=0, col=0)
        self.box = self.view.addViewBox(row=1, col=0, lockAspect=True, invertY=True, enableMouse=True)
        self.box.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLevels((0.0, 1.0))
        self.box.addItem(self.image)
        self.hint = EmptyHint(self.box, hint)  # shown until a picture arrives
        self.array: np.ndarray | None = None
        self.dialog: QDialog | None = None
        self.export = ExportButton(self.view.scene(), None, title.lower().replace(" ", "-"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.export)
        self.view.scene().sigMouseClicked.connect(self._clicked)
        self.view.installEventFilter(self)

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
        self.hint.set_empty(False)
        if title:
            self.title.setText(title)
            self._fit_title()
        self.box.autoRange(padding=0.02)
        self.view.setToolTip("Click to enlarge")
        if self.dialog is not None and self.dialog.isVisible():
            self._fill_dialog()

    def clear(self) -> None:
        """No picture: the hint, and the plain title (not the last run's step)."""
        self.array = None
        self.image.clear()
        self.title.setText(self.default_title)
        self._fit_title()
        self.hint.set_empty(True)
        self.view.setToolTip("")
        if self.dialog is not None:
            self.dialog.hide()

    # -- a larger view ---------------------------------------------------------------
    def _clicked(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.array is not None:
            self.enlarge()

    def picture(self) -> QPixmap:
        """The picture as drawn (levels and colormap applied), one pixel per array element."""
        if self.image.qimage is None:
            self.image.render()
        return QPixmap.fromImage(self.image.qimage)

    def enlarge(self) -> QDialog:
        """Show the picture in its own window (or bring that to the front), enlarged by the
        largest whole factor that fits most of the screen."""
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        size = self._fill_dialog()
        screen = (self.screen() or QGuiApplication.primaryScreen()).availableGeometry()
        self.dialog.resize(min(size.width() + 40, screen.width()), min(size.height() + 40, screen.height()))
        self.dialog.show()
        return self.dialog

    def _fill_dialog(self) -> QSize:
        if self.dialog is None:
            self.dialog = QDialog(self)
            self.dialog.setModal(False)
            self.dialog_label = QLabel()
            self.dialog_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            scroll = QScrollArea()
            scroll.setWidget(self.dialog_label)
            scroll.setWidgetResizable(True)
            QVBoxLayout(self.dialog).addWidget(scroll)
        pixmap = self.picture()
        screen = (self.screen() or QGuiApplication.primaryScreen()).availableGeometry()
        factor = max(1, min(16, int(0.8 * screen.width() / pixmap.width()), int(0.75 * screen.height() / pixmap.height())))
        big = pixmap.scaled(pixmap.width() * factor, pixmap.height() * factor, Qt.AspectRatioMode.KeepAspectRatio,
                            Qt.TransformationMode.FastTransformation)
        self.dialog_label.setPixmap(big)
        self.dialog.setWindowTitle(self.title.text)
        return big.size()

    # -- a title that fits ---------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self.view and event.type() == QEvent.Type.Resize:
            self._fit_title()
        return False

    def _fit_title(self) -> None:
        """Wrap the title to the panel's width instead of letting it widen (and clip) the panel."""
        text = self.title.item
        text.setTextWidth(-1)
        room = self.view.width() - 12
        if room > 40 and text.boundingRect().width() > room:
            text.setTextWidth(room)
        self.title.updateMin()
