"""What a plot axis draws: its tick labels and their rectangles, from pyqtgraph's own layout code."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QImage, QPainter


def drawn_labels(axis: pg.AxisItem) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(text, (left, top, right, bottom)) of every tick label the axis would paint now."""
    image = QImage(4, 4, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    if not specs:
        return []
    return [(text, (r.left(), r.top(), r.right(), r.bottom())) for r, _, text in specs[2] if text]


def overlapping(labels) -> list[tuple[str, str]]:
    """Pairs of labels whose rectangles intersect."""
    out = []
    for i, (a, ra) in enumerate(labels):
        for b, rb in labels[i + 1:]:
            if ra[0] < rb[2] and rb[0] < ra[2] and ra[1] < rb[3] and rb[1] < ra[3]:
                out.append((a, b))
    return out


def legend_names(panel, metric):
    """The names in a MetricsPanel plot's legend, in order."""
    return [label.text for _, label in panel._decor[metric].legend.items]
