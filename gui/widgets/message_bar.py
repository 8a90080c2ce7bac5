"""An inline message bar (Orange-style): one line of cause, a Details button
for the traceback, dismissable.  Each panel owns one; nothing pops up.

Its height is reserved whether or not a message shows (two lines of text; a longer
message is elided, whole in its tooltip), so a message appearing never moves the
controls below it under the user's pointer."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSizePolicy, QToolButton, QWidget

from gui.widgets.elided_label import ElidedLabel

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
        self.text = ElidedLabel(lines=2)
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
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.setFixedHeight(max(self.text.height(), self.details_button.sizeHint().height()) + 10)
        self.hide()

    def message(self) -> str:
        """The whole text of the message shown (the label may paint it elided)."""
        return self.text.text()

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
        box.setText(self.message())
        box.setDetailedText(self._details)
        box.setIcon(QMessageBox.Icon.Critical if self.level == "error" else QMessageBox.Icon.Warning)
        box.open()
