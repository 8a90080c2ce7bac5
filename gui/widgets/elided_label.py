"""A label that never grows its layout: it holds ``lines`` lines (word-wrapped when more
than one) and elides what does not fit, whole in its tooltip.  Status lines beside buttons,
captions under plots and message bars use it, so a long text never pushes or cuts a control."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", lines: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lines = lines
        self.setWordWrap(lines > 1)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed if lines > 1
                           else QSizePolicy.Policy.Preferred)
        if lines > 1:
            self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + 2)
        self._full = ""
        self.setText(text)

    def text(self) -> str:
        """The text as set (the label may paint it elided)."""
        return self._full

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        self._full = text
        self._fit()

    def _fit(self) -> None:
        fm, width = self.fontMetrics(), max(self.width(), 1)
        shown = self._full
        if self.lines == 1:
            shown = fm.elidedText(shown, Qt.TextElideMode.ElideRight, width)
        elif fm.boundingRect(QRect(0, 0, width, 100_000), Qt.TextFlag.TextWordWrap, shown).height() \
                > self.lines * fm.lineSpacing():
            shown = fm.elidedText(shown, Qt.TextElideMode.ElideRight, int(width * self.lines * 0.85))
        super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit()
