"""The bundled CJK font: registered offscreen, it draws 中 and every widget falls back to it."""

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetrics, QGuiApplication, QImage, QPainter

from gui import fonts


def _render(font: QFont, text: str = "中文诗") -> QImage:
    img = QImage(80, 30, QImage.Format.Format_Grayscale8)
    img.fill(255)
    painter = QPainter(img)
    painter.setFont(font)
    painter.setPen(QColor(0, 0, 0))
    painter.drawText(QPoint(2, 24), text)
    painter.end()
    return img


def test_the_font_is_registered_and_draws_chinese(qapp):
    pytest.importorskip(fonts.PACKAGE)
    family = fonts.register_cjk_font()
    assert family == "Noto Sans CJK SC"
    assert family in QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    assert QFontDatabase.WritingSystem.TraditionalChinese in QFontDatabase.writingSystems(family)
    metrics = QFontMetrics(QFont(family))
    assert metrics.inFont("中") and metrics.inFont("詩") and metrics.horizontalAdvance("中") > 0
    assert fonts.register_cjk_font() == family  # once only


def test_widgets_with_the_application_font_fall_back_to_it(qapp):
    pytest.importorskip(fonts.PACKAGE)
    family = fonts.register_cjk_font()
    app_font = QGuiApplication.font()
    assert app_font.families()[-1] == family
    explicit = QFont(family)
    explicit.setPointSizeF(app_font.pointSizeF())
    drawn = _render(app_font)
    assert drawn == _render(explicit)  # the same glyphs as the CJK font itself
    assert drawn != _render(app_font, "")  # and not nothing


def test_without_the_package_it_returns_none(qapp, monkeypatch):
    monkeypatch.setattr(fonts, "PACKAGE", "no_such_font_package")
    monkeypatch.setattr(fonts, "_family", fonts._UNSET)
    before = QGuiApplication.font().families()
    assert fonts.font_file() is None
    assert fonts.register_cjk_font() is None
    assert QGuiApplication.font().families() == before
