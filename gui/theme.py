"""Light or dark, as the OS says or as the user chose (View ▸ Theme, remembered).

Qt follows the OS's colour scheme on platforms with a native theme; where it does not
(Linux without a platform theme: the palette stays light) a dark scheme reported by
``QStyleHints.colorScheme`` — or the user's choice — gets Fusion with a dark palette.
Plots take their background and text colours from the palette when they are made, so a
change of theme shows fully after a restart."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from gui import settings

CHOICES = ("system", "light", "dark")


def chosen() -> str:
    value = str(settings.store().value("theme", "system"))
    return value if value in CHOICES else "system"


def remember(choice: str) -> None:
    settings.store().setValue("theme", choice)


def wants_dark(app: QApplication, choice: str) -> bool:
    if choice != "system":
        return choice == "dark"
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def dark_palette() -> QPalette:
    p = QPalette()
    roles = {QPalette.ColorRole.Window: "#2b2b2b", QPalette.ColorRole.WindowText: "#e6e6e6",
             QPalette.ColorRole.Base: "#1e1e1e", QPalette.ColorRole.AlternateBase: "#2f2f2f",
             QPalette.ColorRole.ToolTipBase: "#3a3a3a", QPalette.ColorRole.ToolTipText: "#e6e6e6",
             QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#353535",
             QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.BrightText: "#ff6b6b",
             QPalette.ColorRole.Link: "#6ea8fe", QPalette.ColorRole.Highlight: "#3d6fb4",
             QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.PlaceholderText: "#8c8c8c"}
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return p


def apply(app: QApplication, choice: str | None = None) -> bool:
    """Set the palette for ``choice`` (default: the remembered one) and the plots' colours from it;
    True when dark."""
    dark = wants_dark(app, choice or chosen())
    is_dark = app.palette().color(QPalette.ColorRole.Window).lightness() < 128
    if dark != is_dark:
        app.setStyle("Fusion")
        app.setPalette(dark_palette() if dark else app.style().standardPalette())
    palette = app.palette()
    pg.setConfigOptions(background=palette.base().color(), foreground=palette.text().color())
    return dark
