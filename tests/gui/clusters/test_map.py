"""The map's point cloud: where and how big the dots are drawn, what covers what, the fade."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF

from gui.benches.clusters.point_cloud import PointCloud, argb, stamp


def test_a_stamp_is_a_round_dot_of_its_size():
    for size in (1, 2, 3, 4, 6):
        dx, dy = stamp(size)
        assert np.ptp(dx) + 1 == size and np.ptp(dy) + 1 == size
        assert len(set(zip(dx.tolist(), dy.tolist()))) == len(dx)
    assert len(stamp(4)[0]) == 12  # 4×4 without its corners


def test_points_are_drawn_where_they_are_later_ones_on_top(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.show()
    cloud = PointCloud(size=6)
    plot.addItem(cloud)
    xy = np.array([[0.0, 0.0], [10.0, 5.0], [10.0, 5.0], [5.0, 2.0]])
    colors = np.array([argb("#ff0000"), argb("#00ff00"), argb("#0000ff"), argb("#123456")], np.uint32)
    cloud.set_data(xy, colors)
    plot.getViewBox().setRange(xRange=(-2, 12), yRange=(-2, 7), padding=0)
    qtbot.waitUntil(lambda: plot.getViewBox().viewRange()[0][0] == -2)

    def pixel(x, y, image):
        at = plot.mapFromScene(plot.getViewBox().mapViewToScene(QPointF(x, y)))
        return image.pixelColor(at.x(), at.y()).name()

    image = plot.grab().toImage()
    assert pixel(0, 0, image) == "#ff0000"
    assert pixel(10, 5, image) == "#0000ff"  # drawn after the green one at the same place
    assert pixel(5, 2, image) == "#123456"
    assert pixel(2.5, 4, image) != "#ff0000"  # nothing drawn between the points
    # a highlight: the chosen point keeps its colour, the others fade toward the background
    cloud.set_highlight(np.array([3]))
    image = plot.grab().toImage()
    assert pixel(5, 2, image) == "#123456"
    faded = pg.mkColor(pixel(0, 0, image))
    assert faded.name() != "#ff0000" and faded.red() == 255 and faded.green() > 100
