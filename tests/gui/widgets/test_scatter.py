import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from gui.widgets.colors import label_color
from gui.widgets.scatter import LabelScatter
from tests.gui.widgets.helpers import drawn_labels


@pytest.fixture
def scatter(qtbot):
    w = LabelScatter("Latent space (validation)")
    qtbot.addWidget(w)
    w.resize(640, 300)  # wide: an unlocked aspect would stretch x
    w.show()
    qtbot.waitExposed(w)
    return w


def ring(n_per_mode=50, radius=2.0, seed=0):
    rng = np.random.default_rng(seed)
    angles = np.repeat(np.arange(8) * np.pi / 4, n_per_mode)
    pts = radius * np.c_[np.cos(angles), np.sin(angles)] + 0.02 * rng.normal(size=(8 * n_per_mode, 2))
    return pts, np.zeros(len(pts), int)


def test_data_coordinates_keep_equal_units_so_a_ring_stays_round(scatter, qtbot):
    pts, labels = ring()
    scatter.set_points(pts, labels, ("x₁", "x₂"), ["real"], "Real points")
    qtbot.wait(20)
    sx, sy = scatter.plot.getViewBox().viewPixelSize()
    assert sx == pytest.approx(sy, rel=1e-6)
    scatter.set_points(np.c_[pts[:, 0], np.zeros(len(pts))], labels, ("z₁", ""))  # a 1-D latent: not locked
    qtbot.wait(20)
    assert not scatter.plot.getViewBox().state["aspectLocked"]


def test_points_take_their_label_colour_and_the_legend_names_classes(scatter):
    rng = np.random.default_rng(1)
    labels = rng.integers(-1, 12, 300)
    pts = rng.normal(size=(300, 2))
    scatter.set_points(pts, labels, ("z₁", "z₂"))
    drawn = scatter.scatter.data
    at = {(x, y): lab for (x, y), lab in zip(pts.tolist(), labels.tolist())}
    assert [b.color().name() for b in drawn["brush"]] == \
        [QColor(label_color(at[(x, y)])).name() for x, y in zip(drawn["x"].tolist(), drawn["y"].tolist())]
    assert scatter.classes == {lab: ("unlabelled" if lab < 0 else str(lab)) for lab in sorted(set(labels.tolist()))}
    assert "unlabelled" in scatter.legend.text and "11" in scatter.legend.text
    scatter.set_points(rng.normal(size=(10, 2)), np.array([0, 1] * 5), ("x₁", "x₂"), ["real", "generated"])
    assert list(scatter.classes.values()) == ["real", "generated"] and "unlabelled" not in scatter.legend.text


def test_no_class_is_buried_under_the_one_listed_after_it(scatter):
    # a GAN payload lists 1,000 real points, then 1,000 generated ones over the same ring
    labels = np.repeat([0, 1], 1000)
    scatter.set_points(np.random.default_rng(3).normal(size=(2000, 2)), labels, ("x₁", "x₂"), ["real", "generated"])
    colours = [b.color().name() for b in scatter.scatter.data["brush"]]
    last = colours[-200:]  # drawn last, on top
    assert {QColor(label_color(0)).name(), QColor(label_color(1)).name()} == set(last)
    assert 0.35 < last.count(QColor(label_color(0)).name()) / len(last) < 0.65


def test_refreshes_reuse_one_item(scatter):
    items_before = list(scatter.plot.getPlotItem().items)
    rng = np.random.default_rng(2)
    for k in (3, 10, 2):
        scatter.set_points(rng.normal(size=(500, 2)), rng.integers(0, k, 500), ("z₁", "z₂"))
        assert scatter.plot.getPlotItem().items == items_before
    assert len(scatter.scatter.data) == 500


def test_empty_scatter_has_a_hint_and_blank_axes(scatter):
    assert scatter.hint.item.isVisible() and "first epoch" in scatter.hint.item.toPlainText()
    assert drawn_labels(scatter.plot.getAxis("left")) == []
    scatter.set_points(np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([0, 1]), ("z₁", "z₂"))
    assert not scatter.hint.item.isVisible() and drawn_labels(scatter.plot.getAxis("left"))
    scatter.set_points(np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([0, 1]), ("x₁", "x₂"), ["real", "generated"],
                       "Real and generated points")
    scatter.clear()
    assert scatter.hint.item.isVisible() and not scatter.legend.isVisible() and len(scatter.scatter.data) == 0
    assert scatter.plot.getPlotItem().titleLabel.text == "Latent space (validation)"  # not the last payload's
    assert not scatter.plot.getAxis("bottom").label.toPlainText().strip()


def test_hovering_a_point_shows_its_picture(scatter, qtbot):
    rng = np.random.default_rng(3)
    pts = rng.normal(size=(200, 2)) * 3
    images = rng.random((200, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 10, 200)
    scatter.set_points(pts, labels, ("PC 1 of z", "PC 2 of z"), images=images)
    qtbot.wait(20)
    i = 17
    vb = scatter.plot.getViewBox()
    at = vb.mapViewToScene(QPointF(*pts[i]))
    assert scatter.point_at(at) == i
    scatter.plot.scene().sigMouseMoved.emit(at)
    qtbot.waitUntil(scatter.popup.isVisible, timeout=2000)
    pixmap = scatter.picture.pixmap()
    assert scatter.picture.isVisible() and pixmap.width() == 8 * 12 and pixmap.height() == 8 * 12  # 96 px, ×12
    image = pixmap.toImage()
    for r, c in ((0, 0), (3, 5), (7, 7)):
        grey = QColor(image.pixel(c * 12 + 5, r * 12 + 5)).red()
        assert grey == int(images[i, r, c] * 255 + 0.5)
    assert scatter.caption.text().startswith(f"{labels[i]} · (")
    far = vb.mapViewToScene(QPointF(pts[:, 0].max() + 50, pts[:, 1].max() + 50))
    scatter.plot.scene().sigMouseMoved.emit(far)
    qtbot.waitUntil(lambda: not scatter.popup.isVisible(), timeout=2000)
    scatter.set_points(pts, labels, ("z₁", "z₂"))  # no pictures: the readout alone
    scatter.plot.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(*pts[i])))
    qtbot.waitUntil(scatter.popup.isVisible, timeout=2000)
    assert not scatter.picture.isVisible() and scatter.caption.text().startswith(str(labels[i]))


def test_each_point_is_drawn_in_its_label_colour(scatter, qtbot):
    pts = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 4.0]])
    labels = np.array([3, 0, 7, -1])
    scatter.plot.showGrid(x=False, y=False)  # grid lines are drawn over the points
    for _ in range(2):  # the first draw and a refresh
        scatter.set_points(pts, labels, ("z₁", "z₂"))
        qtbot.wait(20)
        image = scatter.plot.grab().toImage()
        vb = scatter.plot.getViewBox()
        for (x, y), lab in zip(pts, labels):
            at = scatter.plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
            drawn = QColor(image.pixel(at.x(), at.y()))
            expected = QColor(label_color(int(lab)))
            assert max(abs(drawn.red() - expected.red()), abs(drawn.green() - expected.green()),
                       abs(drawn.blue() - expected.blue())) <= 8, (lab, drawn.name(), expected.name())
        labels = labels[::-1].copy()


def test_hovering_points_one_on_another_reads_the_one_drawn_on_top(scatter, qtbot):
    # a GAN that has collapsed a mode: real and generated points at the same place
    pts = np.repeat(np.random.default_rng(4).normal(size=(30, 2)), 2, axis=0)
    labels = np.tile([0, 1], 30)
    scatter.set_points(pts, labels, ("x₁", "x₂"), ["real", "generated"])
    qtbot.wait(20)
    drawn = scatter.scatter.data
    vb = scatter.plot.getViewBox()
    for j in range(0, 60, 2):
        i = scatter.point_at(vb.mapViewToScene(QPointF(*pts[j])))
        on_top = [k for k, (x, y) in enumerate(zip(drawn["x"], drawn["y"])) if (x, y) == tuple(pts[j])][-1]
        assert labels[i] == [0, 1][drawn["brush"][on_top].color().name() == QColor(label_color(1)).name()]
