"""Start the GUI: one QApplication, pyqtgraph colours from the palette (dark or
light as the OS says), torch warmed up, uncaught errors shown not swallowed."""

from __future__ import annotations

import sys
import traceback

import pyqtgraph as pg
from PySide6.QtWidgets import QApplication, QMessageBox

from engine import devices


def configure_pyqtgraph(app: QApplication) -> None:
    palette = app.palette()
    pg.setConfigOptions(antialias=True, background=palette.base().color(), foreground=palette.text().color())


def _excepthook(kind, value, tb) -> None:
    text = "".join(traceback.format_exception(kind, value, tb))
    sys.stderr.write(text)
    app = QApplication.instance()
    if app is not None:
        box = QMessageBox(QMessageBox.Icon.Critical, "Unexpected error", f"{kind.__name__}: {value}")
        box.setDetailedText(text)
        box.exec()


def run_gui(argv: list[str] | None = None) -> int:
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(argv or sys.argv)
    app.setApplicationName("Kexue Workbench")
    app.setOrganizationName("kexue")
    configure_pyqtgraph(app)
    devices.warm_up()
    sys.excepthook = _excepthook
    window = MainWindow()
    window.show()
    return app.exec()
