import hashlib
import math

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from gui.widgets.colors import PALETTE, run_color
from gui.widgets.live_plot import MIN_PLOT_HEIGHT_PX, MetricsPanel, run_name
from tests.gui.widgets.helpers import drawn_labels, legend_names, overlapping


@pytest.fixture
def panel(qtbot):
    p = MetricsPanel()
    qtbot.addWidget(p)
    p.resize(1000, 420)
    p.show()
    qtbot.waitExposed(p)
    return p


def colliding_run_ids() -> tuple[str, str]:
    """Two workspace-style run ids whose hashed first-choice colours are the same."""
    seen = {}
    for i in range(1000):
        rid = f"20250101-1200{i % 60:02d}-gan-{i:06x}"
        slot = hashlib.md5(rid.encode()).digest()[0] % len(PALETTE)
        if slot in seen:
            return seen[slot], rid
        seen[slot] = rid
    raise AssertionError("no collision found")


def test_titles_are_words_and_bounded_metrics_keep_their_range(panel):
    panel.expect_metrics(("critic_loss", "off_mode", "knn_acc", "modes", "loss_bn_after"))
    titles = {m: p.titleLabel.text for m, p in panel.plots.items()}
    assert titles == {"critic_loss": "Critic loss", "off_mode": "Off-mode share", "knn_acc": "k-NN accuracy",
                      "modes": "Modes covered (of 8)", "loss_bn_after": "Loss · bn after"}
    panel.log_y.setChecked(True)
    for step in (100, 200, 300):
        panel.add_point("r", "val", step, {"modes": 8.0, "critic_loss": 1.0 / step})
    panel.redraw()
    lo, hi = panel.plots["modes"].viewRange()[1]
    assert lo <= 0 and hi >= 8 and hi < 9  # the whole 0…8 scale, linear though log-y is on
    assert not panel.plots["modes"].getAxis("left").logMode and panel.plots["critic_loss"].getAxis("left").logMode


def test_empty_plots_show_a_hint_and_no_range_until_data(panel):
    panel.expect_metrics(("loss", "swd"))
    for name in ("loss", "swd"):
        assert panel._decor[name].hint.item.isVisible()
        assert drawn_labels(panel.plots[name].getAxis("left")) == []
        assert drawn_labels(panel.plots[name].getAxis("bottom")) == []
    for step in range(1, 50):
        panel.add_point("r", "train", step, {"loss": 2.0 / step})
    panel.redraw()
    assert not panel._decor["loss"].hint.item.isVisible() and len(drawn_labels(panel.plots["loss"].getAxis("left"))) >= 2
    assert panel._decor["swd"].hint.item.isVisible()  # no value of its own yet


def test_one_point_gets_a_padded_range_with_readable_ticks(panel, qtbot):
    panel.expect_metrics(("swd",))
    panel.add_point("r", "val", 851, {"swd": 0.25})
    panel.redraw()
    qtbot.wait(20)
    plot = panel.plots["swd"]
    (x0, x1), (y0, y1) = plot.viewRange()
    assert x0 < 851 - 1 and x1 > 851 + 1 and abs((x0 + x1) / 2 - 851) < 1e-6
    assert y0 < 0.25 - 0.01 and y1 > 0.25 + 0.01
    for side in ("bottom", "left"):
        labels = drawn_labels(plot.getAxis(side))
        assert len(labels) >= 2 and not overlapping(labels), (side, labels)
    panel.log_y.setChecked(True)
    qtbot.wait(20)
    labels = drawn_labels(plot.getAxis("left"))
    assert len(labels) >= 2 and not overlapping(labels), labels


def test_runs_get_distinct_colours_and_a_legend_in_every_plot(panel):
    a, b = colliding_run_ids()
    panel.expect_metrics(("loss", "kl"))
    for run in (a, b):
        for step in range(1, 5):
            panel.add_point(run, "train", step, {"loss": 1.0, "kl": 0.5})
    panel.redraw()
    pens = {run: panel.curves[(run, "train", "loss")].main.opts["pen"].color().name() for run in (a, b)}
    assert pens[a] != pens[b]
    assert run_color(a) == pens[a] and run_color(b) == pens[b]  # what the run list shows
    assert run_name(a) == f"12:00:{a[13:15]} {a.rsplit('-', 1)[1]}"
    for metric in ("loss", "kl"):
        assert legend_names(panel, metric) == [run_name(a), run_name(b)]
        assert panel._decor[metric].legend.isVisible()
    panel.remove_run(a)
    assert not panel._decor["loss"].legend.isVisible()  # one run: its swatch in the run list names it
    panel.add_point("20250101-130000-gan-aaaaaa", "train", 1, {"loss": 1.0})
    assert panel.curves[(b, "train", "loss")].main.opts["pen"].color().name() == pens[b]  # b keeps its colour
    assert legend_names(panel, "loss") == [run_name(b), run_name("20250101-130000-gan-aaaaaa")]
    panel.clear()
    assert all(legend_names(panel, m) == [] for m in ("loss", "kl"))
    assert all(d.hint.item.isVisible() for d in panel._decor.values())


def test_x_as_epoch_and_time_from_the_records(panel):
    frame = pd.DataFrame({
        "step": [5, 10, 10, 15, 20, 20], "epoch": [0, 0, 0, 1, 1, 1],
        "phase": ["train", "train", "val", "train", "train", "val"],
        "time": [100.0, 101.0, 101.5, 102.0, 103.0, 103.5], "loss": [4.0, 3.0, 3.5, 2.0, 1.0, 1.5]})
    panel.expect_metrics(("loss",))
    panel.add_frame("r", frame)
    panel.redraw()
    x_train, _ = panel.curves[("r", "train", "loss")].main.getData()
    assert np.allclose(x_train, [5, 10, 15, 20])
    panel.x_axis.setCurrentIndex(panel.x_axis.findData("epoch"))
    x_train, _ = panel.curves[("r", "train", "loss")].main.getData()
    x_val, _ = panel.curves[("r", "val", "loss")].main.getData()
    assert np.allclose(x_train, [0.5, 1.0, 1.5, 2.0]) and np.allclose(x_val, [1.0, 2.0])  # 10 steps an epoch
    assert panel.plots["loss"].getAxis("bottom").labelText == "epoch"
    panel.x_axis.setCurrentIndex(panel.x_axis.findData("time"))
    x_val, _ = panel.curves[("r", "val", "loss")].main.getData()
    assert np.allclose(x_val, [1.5, 3.5])  # seconds since the first record
    # a live run passes its epoch: the first epoch of 8 steps ends at step 8
    panel.x_axis.setCurrentIndex(panel.x_axis.findData("epoch"))
    for step, epoch in ((4, 0), (8, 0), (12, 1)):
        panel.add_point("live", "train", step, {"loss": 1.0}, epoch=epoch)
    panel.redraw()
    x_live, _ = panel.curves[("live", "train", "loss")].main.getData()
    assert np.allclose(x_live, [0.5, 1.0, 1.5])
    # records without an epoch cannot be drawn against epochs: the plot says so instead of "no values"
    panel.expect_metrics(("kl",))
    panel.add_point("no-epochs", "train", 3, {"kl": 1.0})
    panel.redraw()
    hint = panel._decor["kl"].hint
    assert hint.item.isVisible() and "choose x = step" in hint.item.toPlainText()
    assert not panel._decor["kl"].legend.isVisible()
    panel.x_axis.setCurrentIndex(panel.x_axis.findData("step"))
    assert not hint.item.isVisible() and not panel._decor["kl"].legend.isVisible()  # drawn, but one run


def test_plots_fill_rows_evenly(panel):
    panel.expect_metrics(("critic_loss", "generator_loss", "swd", "modes", "off_mode"))
    cells = {name: (panel.layout_widget.ci.items[p][0]) for name, p in panel.plots.items()}
    assert sorted(cells.values()) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]  # 3 + 2, not 4 + 1
    panel.expect_metrics(("critic_loss", "generator_loss", "swd"))
    panel.add_point("r", "val", 10, {"modes": 8.0, "off_mode": 0.01})  # metrics met later wrap on
    cells = sorted(panel.layout_widget.ci.items[p][0] for p in panel.plots.values())
    assert cells == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]


def test_a_narrow_panel_takes_fewer_columns_so_titles_fit(panel, qtbot):
    panel.expect_metrics(("loss", "recon", "kl", "acc"))
    qtbot.wait(20)
    assert sorted(panel.layout_widget.ci.items[p][0] for p in panel.plots.values()) == \
        [(0, 0), (0, 1), (0, 2), (0, 3)]
    panel.resize(540, 420)
    qtbot.waitUntil(lambda: panel.layout_widget.width() <= 540, timeout=2000)
    qtbot.wait(20)
    assert sorted(panel.layout_widget.ci.items[p][0] for p in panel.plots.values()) == \
        [(0, 0), (0, 1), (1, 0), (1, 1)]
    for p in panel.plots.values():
        assert p.titleLabel.sceneBoundingRect().right() <= panel.layout_widget.width()


def test_many_plots_keep_their_height_after_the_panel_widens_and_narrows(panel, qtbot):
    # the BN lab's 25 metrics: wider, three columns (fewer rows), then back to two (more rows, taller grid)
    panel.resize(420, 420)
    panel.expect_metrics(tuple(f"loss_{i}" for i in range(25)))
    for width in (600, 420):
        panel.resize(width, 420)
        qtbot.wait(50)
    view = panel.layout_widget
    rows = math.ceil(len(panel.plots) / panel._columns)
    assert panel._columns == 2 and view.height() >= rows * MIN_PLOT_HEIGHT_PX
    assert view.centralWidget.geometry().height() == view.height()  # the grid fills the scrolled area
    assert min(p.geometry().height() for p in panel.plots.values()) >= 0.9 * MIN_PLOT_HEIGHT_PX


def test_hover_reads_out_the_nearest_points(panel, qtbot):
    panel.expect_metrics(("loss",))
    panel.smoothing.setValue(0)
    for step in range(0, 101, 10):
        panel.add_point("20250101-120000-vae-abcdef", "train", step, {"loss": step / 100.0}, epoch=step // 50,
                        wall=1000.0 + step)
    panel.add_point("20250101-120000-vae-abcdef", "val", 50, {"loss": 0.75}, epoch=0, wall=1050.0)
    panel.redraw()
    qtbot.wait(20)
    vb = panel.plots["loss"].getViewBox()
    scene_pos = vb.mapViewToScene(QPointF(52, 0.5))
    panel.layout_widget.scene().sigMouseMoved.emit(scene_pos)
    d = panel._decor["loss"]
    qtbot.waitUntil(lambda: d.readout.isVisible(), timeout=2000)
    text = d.readout.textItem.toPlainText()
    assert "step 50" in text and "epoch 1.00" in text and "50.0 s" in text
    assert "train 0.5" in text and "val 0.75" in text and "abcdef" not in text  # one run: no name needed
    panel.add_point("20250101-130000-vae-123456", "train", 50, {"loss": 0.25})
    panel.redraw()
    panel.layout_widget.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(51, 0.5)))
    qtbot.waitUntil(lambda: "123456 train 0.25" in d.readout.textItem.toPlainText(), timeout=2000)
    assert "abcdef train 0.5" in d.readout.textItem.toPlainText()
    assert abs(d.cursor.value() - 50) < 1e-9
    panel.layout_widget.left.emit()
    assert not d.readout.isVisible()


def test_wheel_zoom_in_one_plot_zooms_x_in_every_plot_and_A_restores(panel, qtbot):
    panel.expect_metrics(("loss", "recon", "kl"))
    for step in range(1, 401):
        panel.add_point("r", "train", step, {"loss": 1.0 / step, "recon": 2.0 / step, "kl": 0.1})
    panel.redraw()
    qtbot.wait(20)
    full = panel.plots["kl"].viewRange()[0]
    view = panel.layout_widget
    centre = view.mapFromScene(panel.plots["loss"].getViewBox().sceneBoundingRect().center())
    wheel = QWheelEvent(QPointF(centre), QPointF(view.viewport().mapToGlobal(centre)), QPoint(0, 0), QPoint(0, 360),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), wheel)
    qtbot.wait(20)
    zoomed = panel.plots["loss"].viewRange()[0]
    assert zoomed[1] - zoomed[0] < 0.8 * (full[1] - full[0])
    for other in ("recon", "kl"):
        assert np.allclose(panel.plots[other].viewRange()[0], zoomed)
    panel.add_point("r", "train", 401, {"loss": 0.001, "recon": 0.001, "kl": 0.1})
    panel.redraw()
    assert np.allclose(panel.plots["kl"].viewRange()[0], zoomed)  # new data leaves a zoom alone
    panel.plots["recon"].autoBtn.clicked.emit(panel.plots["recon"].autoBtn)
    for p in panel.plots.values():
        lo, hi = p.viewRange()[0]
        assert lo <= 1 and hi >= 401


def test_the_legend_moves_off_the_curves(panel, qtbot):
    panel.expect_metrics(("acc",))
    steps = np.arange(1, 201)
    for step in steps:  # rises at once, then runs along the top right, where the legend starts
        panel.add_point("r", "train", int(step), {"acc": 1 - np.exp(-step / 10)})
    panel.redraw()
    qtbot.wait(20)
    d = panel._decor["acc"]
    assert d.corner == (1, 0)
    for c in panel.curves.values():
        c.dirty = True
    panel.redraw()  # the range the first draw set is known now
    qtbot.wait(20)
    assert d.corner != (1, 0)
    legend = d.legend.sceneBoundingRect()
    vb = d.item.getViewBox()
    x, y = panel.curves[("r", "train", "acc")].main.getData()
    inside = [legend.contains(vb.mapViewToScene(QPointF(float(a), float(b)))) for a, b in zip(x, y)]
    assert not any(inside)


def test_a_run_named_after_it_is_drawn_is_renamed_in_every_legend(panel):
    a, b = "20250101-120000-vae-aaaaaa", "20250101-120001-vae-bbbbbb"
    for run in (a, b):
        panel.add_point(run, "train", 1, {"loss": 1.0, "kl": 0.5})
    panel.name_run(b, "lr = 0.01")
    for metric in ("loss", "kl"):
        assert legend_names(panel, metric) == [run_name(a), "lr = 0.01 · bbbbbb"]
    assert panel.run_label(b) == "lr = 0.01 · bbbbbb" and panel.run_label(a) == "12:00:00 aaaaaa"
