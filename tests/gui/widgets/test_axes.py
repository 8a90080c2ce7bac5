import math

import numpy as np
import pyqtgraph as pg

from gui.widgets.axes import number_label, tick_axes
from gui.widgets.plot_card import PlotCard
from tests.gui.widgets.helpers import drawn_labels, overlapping


def value_of(label: str) -> float:
    """A tick label back to its number ("2·10⁵", "10⁻³", "0.5")."""
    digits = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
    if "10" in label and any(ch in label for ch in "⁰¹²³⁴⁵⁶⁷⁸⁹"):
        mantissa, _, power = label.rpartition("10")
        return float(mantissa.rstrip("·") or 1) * 10.0 ** int(power.translate(digits))
    return float(label)


def shown_plot(qtbot, width=420, height=300) -> pg.PlotWidget:
    w = pg.PlotWidget(axisItems=tick_axes())
    qtbot.addWidget(w)
    w.resize(width, height)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_number_labels_by_hand():
    assert [number_label(v) for v in (1000.0, 1e4, 2e5, 0.002, 1e-4, 50.0, 1.0, 3e-5)] == \
        ["1000", "10⁴", "2·10⁵", "0.002", "10⁻⁴", "50", "1", "3·10⁻⁵"]


def test_zipf_axes_label_decades_or_1_2_5_only_and_never_touch(qtbot):
    w = shown_plot(qtbot)
    w.setLogMode(True, True)
    rank = np.arange(1, 2001, dtype=float)
    w.plot(rank, 5000.0 / rank)
    w.getPlotItem().vb.autoRange()
    qtbot.wait(10)
    for side in ("bottom", "left"):
        labels = drawn_labels(w.getAxis(side))
        values = [value_of(t) for t, _ in labels]
        assert len(values) >= 2, (side, labels)
        mantissas = {round(v / 10 ** math.floor(math.log10(v) + 1e-9), 6) for v in values}
        assert mantissas <= {1.0, 2.0, 5.0}, (side, labels)  # decades, or 1-2-5
        assert not overlapping(labels), (side, labels)
    assert [t for t, _ in drawn_labels(w.getAxis("bottom"))] == ["1", "10", "100", "1000"]


def test_few_ranks_in_a_small_zipf_plot_get_1_2_5_labels_not_every_minor_tick(qtbot):
    # pyqtgraph's own log axis labels 1, 2, … 9, 10¹, 2·10¹ … 5·10¹ here, ten of them overlapping
    w = shown_plot(qtbot, 250, 250)
    w.setLogMode(True, True)
    rank = np.arange(1, 61, dtype=float)
    w.plot(rank, 5000.0 / rank)
    w.getPlotItem().vb.autoRange()
    qtbot.wait(10)
    labels = drawn_labels(w.getAxis("bottom"))
    assert not overlapping(labels), labels
    assert [t for t, _ in labels] == ["1", "2", "5", "10", "20", "50"]


def test_a_log_range_within_one_decade_gets_two_round_labels(qtbot):
    w = shown_plot(qtbot, 300, 220)
    w.setLogMode(False, True)
    w.plot(np.arange(50.0), np.linspace(35.0, 28.0, 50))
    w.getPlotItem().vb.autoRange()
    qtbot.wait(10)
    labels = drawn_labels(w.getAxis("left"))
    values = sorted(value_of(t) for t, _ in labels)
    lo, hi = (10 ** v for v in w.getPlotItem().vb.viewRange()[1])
    assert len(values) >= 2 and all(lo <= v <= hi for v in values), labels
    assert np.allclose(np.diff(values), values[1] - values[0]), values  # evenly spaced round values
    assert all(float(v).is_integer() for v in values), values  # 28, 30, 32 … not 2.8·10¹
    assert not overlapping(labels)


def test_a_narrow_axis_thins_decades_instead_of_overlapping(qtbot):
    w = shown_plot(qtbot, 160, 220)
    w.setLogMode(True, False)
    x = np.logspace(-6, 6, 50)
    w.plot(x, np.arange(50.0))
    w.getPlotItem().vb.autoRange()
    qtbot.wait(10)
    labels = drawn_labels(w.getAxis("bottom"))
    exponents = [round(math.log10(value_of(t))) for t, _ in labels]
    assert len(exponents) >= 2 and not overlapping(labels), labels
    assert len(set(np.diff(exponents))) == 1 and exponents[1] - exponents[0] > 1, exponents  # every k-th decade


def test_plot_card_hint_blanks_the_axes_until_a_curve_has_data(qtbot):
    card = PlotCard("Log-likelihood per step", "step", "nats", lambda: None, "x", hint="press Run to fit")
    qtbot.addWidget(card)
    card.resize(400, 300)
    card.show()
    qtbot.waitExposed(card)
    line = card.curve("#4e79a7")
    assert card.hint.item.isVisible() and "press Run" in card.hint.item.toPlainText()
    assert drawn_labels(card.plot.getAxis("left")) == [] and drawn_labels(card.plot.getAxis("bottom")) == []
    line.setData([0.0, 1.0, 2.0], [3.0, 1.0, 2.0])
    qtbot.wait(10)
    assert not card.hint.item.isVisible()
    assert len(drawn_labels(card.plot.getAxis("bottom"))) >= 2
    line.setData([], [])
    assert card.hint.item.isVisible()
