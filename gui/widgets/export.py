"""One Export button for every plot: PNG or SVG of the picture, CSV of its data."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pandas as pd
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QGraphicsScene, QMenu, QMessageBox, QToolButton, QWidget

from engine.io import atomic_path
from gui import settings


def export_picture(scene: QGraphicsScene, path: Path) -> Path:
    """Write the scene as PNG or SVG, chosen by the file's suffix.

    SVG goes through Qt's own QSvgGenerator: pyqtgraph 0.14's SVGExporter fails
    on the path data PySide6 6.11 writes ("not enough values to unpack")."""
    path = Path(path)
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".svg":
            rect = scene.sceneRect()
            generator = QSvgGenerator()
            generator.setFileName(str(tmp))
            generator.setSize(rect.size().toSize())
            generator.setViewBox(rect)
            generator.setTitle(path.stem)
            painter = QPainter(generator)
            scene.render(painter, QRectF(), rect)
            painter.end()
        else:
            ImageExporter(scene).export(str(tmp))
    return path


def ask_save_path(parent: QWidget, title: str, key: str, name: str, filters: str) -> Path | None:
    """A save dialog that opens in the folder last used for ``key`` and remembers the new one."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(Path(settings.last_folder(key)) / name), filters)
    if not path:
        return None
    settings.set_last_folder(key, str(Path(path).parent))
    return Path(path)


class ExportButton(QToolButton):
    def __init__(self, scene: QGraphicsScene, frame: Callable[[], pd.DataFrame] | None, stem: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText("Export")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.scene, self.frame, self.stem = scene, frame, stem
        menu = QMenu(self)
        menu.addAction("Picture as PNG…", lambda: self._save("png"))
        menu.addAction("Picture as SVG…", lambda: self._save("svg"))
        if frame is not None:
            menu.addAction("Data as CSV…", lambda: self._save("csv"))
        self.setMenu(menu)

    def _save(self, kind: str) -> None:
        path = ask_save_path(self, f"Export {kind.upper()}", "export", f"{self.stem}.{kind}",
                             f"{kind.upper()} (*.{kind})")
        if path is None:
            return
        try:
            if kind == "csv":
                with atomic_path(path) as tmp:
                    self.frame().to_csv(tmp, index=False)
            else:
                export_picture(self.scene, path)
        except OSError as exc:  # engine.io.OutputError: a full disk, no permission
            QMessageBox.warning(self, "Export", str(exc))
