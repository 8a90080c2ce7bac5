"""Axes a reader can read, and empty plots that say what will appear.

pyqtgraph's log axis labels every minor tick it can fit by its own fill
ratio, so the labels of 4·10¹, 5·10¹, 6·10¹ run into each other, and a loss
spanning less than a decade gets a single "3·10¹".  :class:`TickAxis` labels, in
log mode, at least two ticks whose labels never touch (measured with the axis
font): every decade, or every 2nd, 3rd, 5th … decade where those do not fit
(1-2-5 in each decade instead when fewer than four decades show and it fits);
below two decades 1-2-5, then 1…9; and for ranges narrower than that, evenly
spaced round values.  The finer steps stay as unlabelled ticks.
In linear mode it is pyqtgraph's axis.  Written by hand: pyqtgraph has no such
option (its ``logTickValues``/``logTickStrings`` are the hooks this overrides).

:class:`EmptyHint` replaces the 0–1 axes of a plot without data by a centred,
wrapped hint and blank axes until data arrives.
"""

from __future__ import annotations

import html
import math
from typing import Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
DECADE_STEPS = (1, 2, 3, 5, 10, 20, 50, 100)
MANTISSAS = ((1, 2, 5), (1, 2, 3, 4, 5, 6, 7, 8, 9))
GAP_PX = 8  # free space between two neighbouring labels


def number_label(value: float) -> str:
    """A tick value as people write it: 0.002, 50, 1000; 2·10⁵ and 10⁻⁴ beyond 10⁻³…10⁴."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    exponent = math.floor(math.log10(abs(value)) + 1e-9)
    if -3 <= exponent <= 3:
        return np.format_float_positional(value, precision=3, unique=True, fractional=False, trim="-")
    mantissa = np.format_float_positional(value / 10.0 ** exponent, precision=3, unique=True, fractional=False,
                                          trim="-")
    power = "10" + str(exponent).translate(SUPERSCRIPT)
    return power if mantissa == "1" else f"{mantissa}·{power}"


def _round_steps(span: float) -> Iterable[float]:
    """1, 2, 5 × 10ᵏ from just below ``span``/20 upwards."""
    k = math.floor(math.log10(span / 20))
    while True:
        for m in (1, 2, 5):
            yield m * 10.0 ** k
        k += 1


class TickAxis(pg.AxisItem):
    """pyqtgraph's AxisItem with readable log ticks and a blank state for empty plots."""

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.blank = False
        self.setStyle(autoReduceTextSpace=False)  # blank or shorter labels do not shrink the plot's layout

    def set_blank(self, blank: bool) -> None:
        """No ticks, labels or grid lines (an empty plot has no meaningful range)."""
        if blank != self.blank:
            self.blank = blank
            self.picture = None
            self.update()

    def tickValues(self, minVal: float, maxVal: float, size: float):  # noqa: N802,N803 - pyqtgraph API
        if self.blank:
            return []
        return super().tickValues(minVal, maxVal, size)

    # -- log mode -------------------------------------------------------------------
    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802,N803 - pyqtgraph API
        labelled, minor = log_ticks(minVal, maxVal, size, self._fits)
        return [(1.0, labelled), (None, minor)]

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        if spacing is None:
            return [""] * len(values)  # the unlabelled finer ticks
        return [number_label(10.0 ** v * scale) for v in values]

    def _fits(self, values: list[float], lo: float, hi: float, size: float) -> bool:
        """Whether labels at these log values leave ``GAP_PX`` between neighbours."""
        if len(values) < 2:
            return True
        metrics = QFontMetricsF(self.style["tickFont"] or self.font())
        px = size / (hi - lo)
        if self.orientation in ("left", "right"):
            need = [metrics.height() + GAP_PX / 2] * len(values)
        else:
            need = [metrics.horizontalAdvance(number_label(10.0 ** v)) + GAP_PX for v in values]
        gaps = np.diff(values) * px
        return bool(np.all(gaps >= (np.array(need[:-1]) + np.array(need[1:])) / 2))


def log_ticks(lo: float, hi: float, size: float, fits) -> tuple[list[float], list[float]]:
    """(labelled, unlabelled) tick positions in log10 units for the range [lo, hi] over ``size`` px.

    ``fits(values, lo, hi, size)`` says whether labels at ``values`` leave room between them."""
    lo, hi = sorted((lo, hi))
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo < 1e-12 or size <= 0:
        return [], []
    decades = list(range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1))
    if len(decades) >= 2:
        for step in DECADE_STEPS:
            labelled = [d for d in decades if d % step == 0]
            if len(labelled) >= 2 and fits(labelled, lo, hi, size):
                break
        else:
            labelled = [decades[0], decades[-1]]
        if step == 1 and len(labelled) < 4:  # room for 1-2-5 between few decades?
            finer = _mantissa_ticks(lo, hi, MANTISSAS[0])
            if fits(finer, lo, hi, size):
                return finer, [v for v in _mantissa_ticks(lo, hi, MANTISSAS[1]) if v not in finer]
        if step == 1:
            minor = [d + math.log10(m) for d in range(decades[0] - 1, decades[-1] + 1) for m in range(2, 10)]
        else:
            minor = [d for d in decades if d not in labelled]
        return labelled, [v for v in minor if lo <= v <= hi]
    candidates = [_mantissa_ticks(lo, hi, mantissas) for mantissas in MANTISSAS]
    for labelled in candidates:
        if len(labelled) >= 2 and fits(labelled, lo, hi, size):
            finer = candidates[-1]
            return labelled, [v for v in finer if v not in labelled]
    # narrower than the gap between two of 1…9: round values, evenly spaced
    a, b = 10.0 ** lo, 10.0 ** hi
    for step in _round_steps(b - a):
        values = np.arange(math.ceil(a / step) * step, b + step * 1e-9, step)
        labelled = [math.log10(v) for v in values if v > 0]
        if len(labelled) < 2:
            break
        if fits(labelled, lo, hi, size):
            return labelled, []
    return [lo, hi], []  # a tiny axis: its two ends


def _mantissa_ticks(lo: float, hi: float, mantissas: tuple[int, ...]) -> list[float]:
    """log10 of m·10ᵉ for m in ``mantissas``, within [lo, hi]."""
    values = [e + math.log10(m) for e in range(math.floor(lo) - 1, math.ceil(hi) + 1) for m in mantissas]
    return [v for v in values if lo - 1e-9 <= v <= hi + 1e-9]


def tick_axes() -> dict[str, TickAxis]:
    """Left and bottom axes for a PlotItem/PlotWidget (``axisItems=tick_axes()``)."""
    return {"left": TickAxis("left"), "bottom": TickAxis("bottom")}


class EmptyHint:
    """A grey hint in the middle of an empty plot, wrapped to its width, with its axes
    blank; :meth:`set_empty` (False) when data arrives brings the axes back."""

    def __init__(self, view: pg.ViewBox, text: str, axes: Iterable[pg.AxisItem] = ()) -> None:
        self.view = view
        self.axes = [a for a in axes if isinstance(a, TickAxis)]
        self.item = pg.TextItem(anchor=(0.5, 0.5), color="#888")
        view.addItem(self.item, ignoreBounds=True)
        self.empty = True
        self.text: str | None = None
        self.set_text(text)
        view.sigResized.connect(self._place)
        view.sigRangeChanged.connect(self._place)
        self.set_empty(True)

    def set_text(self, text: str) -> None:
        if text == self.text:
            return
        self.text = text
        self.item.setHtml(f'<div align="center">{html.escape(text)}</div>')
        self._place()

    def set_empty(self, empty: bool) -> None:
        self.empty = empty
        self.item.setVisible(empty and bool(self.text))
        for axis in self.axes:
            axis.set_blank(empty)
        if empty:
            self._place()

    def _place(self, *_) -> None:
        if not self.empty:
            return
        width = self.view.width()
        if width > 0:
            self.item.setTextWidth(max(60.0, width - 16.0))
        (x0, x1), (y0, y1) = self.view.viewRange()
        self.item.setPos((x0 + x1) / 2, (y0 + y1) / 2)
