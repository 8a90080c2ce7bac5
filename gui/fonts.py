"""A Chinese font that travels with the workbench, so 中文 renders where the system has none.

The font is Noto Sans CJK (Regular, SIL Open Font License 1.1) as the
``noto-cjk-sans-otc`` package ships it: one collection with the simplified,
traditional, Japanese and Korean faces.  :func:`register_cjk_font`, called once
at start-up, registers it with Qt and appends its simplified-Chinese family to
the application font's families, so every widget that inherits the application
font takes the glyphs Latin fonts lack from it; on Linux fontconfig's fallback
finds it as well for widgets with a font of their own.  Without the package
the workbench still starts, and Chinese uses whatever fonts the system has.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtGui import QFontDatabase, QGuiApplication

PACKAGE = "noto_cjk_sans_otc"
PREFERRED = "Noto Sans CJK SC"  # the face drawn with mainland glyph shapes
SUFFIXES = (".ttc", ".otc", ".otf", ".ttf")

_UNSET = object()
_family: object = _UNSET  # the registered family once tried: a name, or None


def font_file() -> Path | None:
    """The font file inside the installed package, or None when the package is absent."""
    try:
        folder = resources.files(PACKAGE)
    except ModuleNotFoundError:
        return None
    found = sorted(str(f) for f in folder.iterdir() if f.is_file() and f.name.lower().endswith(SUFFIXES))
    return Path(found[0]) if found else None


def register_cjk_font() -> str | None:
    """Register the bundled CJK font with Qt (once; a QGuiApplication must exist) and make it the
    application font's fallback.  Returns its family, or None when it cannot be had."""
    global _family
    if _family is not _UNSET:
        return _family  # type: ignore[return-value]
    _family = None
    path = font_file()
    if path is None:
        return None
    font_id = QFontDatabase.addApplicationFont(str(path))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        return None
    family = PREFERRED if PREFERRED in families else families[0]
    app_font = QGuiApplication.font()
    app_font.setFamilies([*(app_font.families() or [app_font.family()]), family])
    QGuiApplication.setFont(app_font)
    _family = family
    return family

