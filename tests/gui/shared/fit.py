"""What a user sees cut off: visible labels whose text does not fit, buttons narrower than their
text, combo boxes that cut their current item, and in plots the titles and axis labels that
run past the plot's edge (text placed in data coordinates may be panned away, so it is not
judged)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QGraphicsTextItem, QGraphicsView, QLabel, QTabWidget, QWidget

from gui.widgets.elided_label import ElidedLabel


def clipped(root: QWidget) -> list[str]:
    found = []
    for w in root.findChildren(QWidget):
        if not w.isVisible() or w.width() <= 1 or isinstance(w, ElidedLabel):  # elided on purpose, whole in its tip
            continue
        if isinstance(w, QLabel) and w.text() and w.textFormat() != Qt.TextFormat.RichText \
                and not w.text().lstrip().startswith("<"):
            room = w.contentsRect()
            if w.wordWrap():
                if w.heightForWidth(room.width()) > room.height() + 2:
                    found.append(f"label {w.text()[:50]!r}: needs {w.heightForWidth(room.width())} px "
                                 f"of height, has {room.height()}")
            elif (need := max(w.fontMetrics().horizontalAdvance(line) for line in w.text().split("\n"))) \
                    > room.width() + 1:
                found.append(f"label {w.text()[:50]!r}: needs {need} px, has {room.width()}")
        elif isinstance(w, QAbstractButton) and w.text() and w.sizeHint().width() > w.width() + 1:
            found.append(f"button {w.text()!r}: needs {w.sizeHint().width()} px, has {w.width()}")
        elif isinstance(w, QComboBox) and w.currentText():
            need = w.fontMetrics().horizontalAdvance(w.currentText()) + 28  # the arrow and margins
            if need > w.width() + 1:
                found.append(f"combo {w.currentText()[:50]!r}: needs {need} px, has {w.width()}")
        elif isinstance(w, QGraphicsView) and w.scene() is not None:
            found += _clipped_in_scene(w)
    return found


def _in_view_box(item) -> bool:
    import pyqtgraph as pg

    parent = item.parentItem()
    while parent is not None:
        if isinstance(parent, pg.ViewBox):
            return True
        parent = parent.parentItem()
    return False


def _clipped_in_scene(view: QGraphicsView) -> list[str]:
    # pyqtgraph pads an axis label's box by a few pixels beyond its glyphs
    shown = view.mapToScene(view.viewport().rect()).boundingRect().adjusted(-6, -6, 6, 6)
    found = []
    for item in view.scene().items():
        if isinstance(item, QGraphicsTextItem) and item.isVisible() and item.toPlainText().strip() \
                and not _in_view_box(item):
            box = item.sceneBoundingRect()
            if box.width() > 1 and not shown.contains(box):
                found.append(f"plot text {item.toPlainText()[:50]!r}: spans x {box.left():.0f}–{box.right():.0f}, "
                             f"y {box.top():.0f}–{box.bottom():.0f}; the plot shows x {shown.left():.0f}–"
                             f"{shown.right():.0f}, y {shown.top():.0f}–{shown.bottom():.0f}")
    return found


def every_tab(root: QWidget):
    """Yield once for each combination of visible tabs (each tab widget's tabs in turn)."""
    tabs = [t for t in root.findChildren(QTabWidget) if t.isVisible()]
    yield None
    for t in tabs:
        for i in range(t.count()):
            t.setCurrentIndex(i)
            yield f"{t.tabText(i)}"
        t.setCurrentIndex(0)
