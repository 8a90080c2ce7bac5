"""An inline message bar (Orange-style): one line of cause, a Details button
for the traceback, dismissable.  Each panel owns one; nothing pops up."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QToolButton, QWidget

_STYLE = {
    "info": ("#1d4f91", "#dbe9fb", "ℹ"),
    "warning": ("#7a5200", "#fff1cc", "⚠"),
    "error": ("#8a1c1c", "#fbdada", "✖"),
}


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageBar")
        self.level = ""
        self._details = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.icon = QLabel()
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_button = QPushButton("Details…")
        self.details_button.clicked.connect(self.show_details)
        close = QToolButton()
        close.setText("×")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.clear)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.details_button)
        layout.addWidget(close)
        self.hide()

    def show_message(self, level: str, text: str, details: str = "") -> None:
        fg, bg, icon = _STYLE[level]
        self.level, self._details = level, details
        self.setStyleSheet(f"#MessageBar {{ background: {bg}; border: 1px solid {fg}; border-radius: 4px; }}"
                           f"#MessageBar QLabel {{ color: {fg}; }}")
        self.icon.setText(icon)
        self.text.setText(text)
        self.details_button.setVisible(bool(details))
        self.show()

    def info(self, text: str) -> None:
        self.show_message("info", text)

    def warning(self, text: str, details: str = "") -> None:
        self.show_message("warning", text, details)

    def error(self, text: str, details: str = "") -> None:
        self.show_message("error", text, details)

    def clear(self) -> None:
        self.level, self._details = "", ""
        self.hide()

    def show_details(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("Details")
        box.setText(self.text.text())
        box.setDetailedText(self._details)
        box.setIcon(QMessageBox.Icon.Critical if self.level == "error" else QMessageBox.Icon.Warning)
        box.open()
