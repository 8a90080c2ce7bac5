import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

from gui.widgets.image_grid import ImagePanel, mosaic


def test_a_click_opens_the_picture_larger_with_sharp_pixels(qtbot):
    panel = ImagePanel("Originals | reconstructions", "reconstructions appear after the first epoch")
    qtbot.addWidget(panel)
    panel.resize(300, 260)
    panel.show()
    qtbot.waitExposed(panel)
    rng = np.random.default_rng(0)
    tiles = rng.random((4, 8, 8)).astype(np.float32)
    panel.show_array(mosaic(tiles, cols=2), "Originals (step 40)")
    qtbot.wait(20)
    centre = panel.view.mapFromScene(panel.box.mapViewToScene(QPointF(8.5, 8.5)))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(centre.x(), centre.y()))
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(), timeout=3000)
    big = panel.dialog_label.pixmap()
    h, w = panel.array.shape
    factor = big.width() // w
    assert factor >= 2 and big.width() == factor * w and big.height() == factor * h
    image = big.toImage()
    for r, c in ((1, 1), (4, 6), (12, 14)):  # array pixels, each a factor×factor block
        grey = QColor(image.pixel(c * factor + factor // 2, r * factor + factor // 2)).red()
        assert abs(grey - panel.array[r, c] * 255) <= 1
    assert panel.dialog.windowTitle() == "Originals (step 40)"
    panel.show_array(mosaic(tiles[::-1], cols=2), "Originals (step 80)")  # an open window follows the panel
    assert panel.dialog.windowTitle() == "Originals (step 80)"
    panel.clear()
    assert not panel.dialog.isVisible() and panel.hint.item.isVisible()
    assert panel.title.text == "Originals | reconstructions"  # not the last run's step


def test_hint_and_title_wrap_to_a_narrow_panel(qtbot):
    panel = ImagePanel("Query (left) and its 7 nearest neighbours in feature space",
                       "reconstructions appear after the first epoch")
    qtbot.addWidget(panel)
    panel.resize(170, 300)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.wait(20)
    assert panel.hint.item.isVisible()
    hint_width = panel.hint.item.textItem.boundingRect().width()
    assert hint_width <= panel.box.width()
    panel.show_array(np.zeros((10, 40)), "Query (left) and its 7 nearest neighbours in feature space")
    qtbot.wait(20)
    assert panel.title.item.boundingRect().width() <= panel.view.width()
    assert panel.view.sceneRect().width() <= panel.view.width() + 1  # nothing wider than the panel
